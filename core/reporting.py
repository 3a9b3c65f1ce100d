"""What a report is, and the one registry of them.

A report is a small definition that its domain registers (``orders/reports.py``,
``inventory/reports.py``, …, found by ``autodiscover`` when the reports app starts): how to
compute its rows in SQL from the filters, which columns they have, which chart draws them and
which headline figures sum them up. The reports app renders every definition the same way — the
dashboard page, CSV, PDF and the scheduled e-mail — so a new domain adds a report in one place.

The definitions live here, in core, because every domain sits below the reports app and may not
import it; the reports app (rendering, scheduling) imports them from here.
"""

import contextvars
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import wraps
from typing import Any, Literal
from zoneinfo import ZoneInfo

from django.db import connections
from django.utils.module_loading import autodiscover_modules

ColumnKind = Literal["text", "int", "money", "percent", "decimal", "date", "duration"]
ChartKind = Literal["line", "bar", "stacked_bar", "funnel", "none"]
Grain = Literal["day", "week", "month"]


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: ColumnKind = "text"


@dataclass(frozen=True)
class Chart:
    """``x`` is a column key (a day, a channel); each of ``y`` a numeric column drawn against it;
    ``series`` (optional) a column whose values split the rows into one line or bar each."""

    kind: ChartKind
    x: str
    y: tuple[str, ...]
    series: str | None = None


@dataclass(frozen=True)
class Params:
    """The filters a report runs with, already validated (the reports app's filter form).

    ``start``/``end`` are local days, both included, in ``timezone`` (the shop's, or a
    subscriber's); the previous period is the same number of days just before ``start``."""

    start: date
    end: date
    timezone: str
    grain: Grain = "day"
    group_by: str = ""
    channels: tuple[int, ...] = ()
    locations: tuple[int, ...] = ()
    products: tuple[int, ...] = ()
    segment: str = ""
    compare: bool = True
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> "Params":
        from dataclasses import replace
        from datetime import timedelta

        length = timedelta(days=self.days)
        return replace(self, start=self.start - length, end=self.end - length, compare=False)


@dataclass(frozen=True)
class Headline:
    label: str
    value: Decimal | int | None
    kind: ColumnKind = "int"
    previous: Decimal | int | None = None  # the same figure over the previous period

    @property
    def change(self) -> Decimal | None:
        """The change against the previous period in percent (one decimal), None when there
        is nothing to compare with (no previous figure, or it was 0)."""
        if self.value is None or not self.previous:
            return None
        ratio = (Decimal(self.value) - Decimal(self.previous)) * 100 / Decimal(self.previous)
        return ratio.quantize(Decimal("0.1"))


@dataclass(frozen=True)
class Report:
    """One report. ``rows(params, using)`` returns a list of dicts keyed by the column keys,
    computed in SQL (aggregates, never Python loops over orders) on the database alias
    ``using`` (the reporting replica when one is configured). ``headlines`` likewise."""

    slug: str
    title: str
    section: str  # "Sales", "Orders", "Inventory", "Fulfilment", "Customers", "Payments", …
    description: str
    columns: tuple[Column, ...]
    rows: Callable[[Params, str], list[dict[str, Any]]]
    permission: str  # who may see it, e.g. "orders.view_order"
    chart: Chart | None = None
    headlines: Callable[[Params, str], list[Headline]] | None = None
    # (value, label), e.g. ("channel", "Channel")
    group_by_choices: tuple[tuple[str, str], ...] = ()
    filters: tuple[str, ...] = ("period", "channel", "location", "product", "segment")


_REGISTRY: dict[str, Report] = {}


def register(report: Report) -> Report:
    if report.slug in _REGISTRY and _REGISTRY[report.slug] is not report:
        raise ValueError(f"A report {report.slug!r} is registered already.")
    _REGISTRY[report.slug] = report
    return report


def get_report(slug: str) -> Report | None:
    return _REGISTRY.get(slug)


def all_reports() -> Sequence[Report]:
    return sorted(_REGISTRY.values(), key=lambda report: (report.section, report.title))


def autodiscover() -> None:
    """Import every installed app's ``reports`` module, where it registers its reports."""
    autodiscover_modules("reports")


# --- Where reports read, and their local days ---------------------------------------------

REPLICA = "replica"
_reading_reports: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "reading_reports", default=False
)


def reporting_alias() -> str:
    """The database alias reports read from: the read replica ("replica", configured by
    ``DATABASE_REPLICA_URL``) when there is one, else "default". Report queries never write,
    so a replica a few seconds behind is fine, and their load stays off order intake."""
    return REPLICA if REPLICA in connections.settings else "default"


_memo: contextvars.ContextVar[dict | None] = contextvars.ContextVar("report_memo", default=None)


@contextmanager
def reading_reports() -> Iterator[str]:
    """Within it, every ORM read (``core.db_routers.ReportingRouter``) goes to the reporting
    alias, which it yields; writes still go to "default". Functions marked ``@shared`` are
    computed once per arguments within it."""
    token = _reading_reports.set(True)
    memo = _memo.set({})
    try:
        yield reporting_alias()
    finally:
        _memo.reset(memo)
        _reading_reports.reset(token)


def shared[**P, R](function: Callable[P, R]) -> Callable[P, R]:
    """Marks a report's query that its ``rows`` and ``headlines`` both need (the figures per
    day): within one ``reading_reports()`` run it is computed once per arguments, not twice."""

    def memoized(*args: P.args, **kwargs: P.kwargs) -> R:
        memo = _memo.get()
        if memo is None:
            return function(*args, **kwargs)
        key = (function.__module__, function.__qualname__, repr(args), repr(kwargs))
        if key not in memo:
            memo[key] = function(*args, **kwargs)
        return memo[key]

    return wraps(function)(memoized)


def is_reading_reports() -> bool:
    return _reading_reports.get()


def day_start(day: date, timezone: str) -> datetime:
    """The aware instant local ``day`` starts in ``timezone`` (a DST change shifts it)."""
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(timezone))


def day_bounds(params: Params) -> tuple[datetime, datetime]:
    """The half-open span [start, end) of the params' local days: from midnight of ``start``
    to midnight after ``end``, in the params' time zone. Filter ``placed_at >= start AND
    placed_at < end`` so an order at 23:59 local belongs to its day and one at 00:00 to the
    next."""
    return (
        day_start(params.start, params.timezone),
        day_start(params.end + timedelta(days=1), params.timezone),
    )


def period_start(day: date, grain: str) -> date:
    """The first day of ``day``'s period of ``grain``: itself, its ISO week's Monday, or the
    1st of its month. Reports fetch figures per day and sum them into periods with it."""
    if grain == "week":
        return day - timedelta(days=day.weekday())
    if grain == "month":
        return day.replace(day=1)
    return day


CENT = Decimal("0.01")


def money_average(total: Decimal, count: int) -> Decimal | None:
    """A money average rounded half up to the cent (0.015 → 0.02); None over nothing."""
    return (total / count).quantize(CENT, rounding=ROUND_HALF_UP) if count else None


def percent(part: int, whole: int) -> Decimal | None:
    """``part`` of ``whole`` in percent with one decimal, rounded half up; None over nothing."""
    if not whole:
        return None
    return (Decimal(part) * 100 / whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
