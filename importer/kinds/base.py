"""What every kind of import shares: reading the file with tablib, reading cells strictly, and
collecting every problem by row and column.

Rows are numbered as a spreadsheet shows them: the header is row 1, the first data row row 2.
"""

import gc
import zoneinfo
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any, ClassVar

import tablib
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import F, Model, QuerySet
from django.db.models.functions import Lower
from django.db.models.lookups import In
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from core.exceptions import DomainError
from core.limits import check_money, check_quantity
from core.parsing import clean_text, parse_ascii_int, parse_money

from ..exceptions import FileRefused, RowsRefused

FIRST_DATA_ROW = 2
# Lookups by key go in chunks: one query per chunk, whatever the number of rows.
LOOKUP_CHUNK = 5000
BATCH_SIZE = 2000
Progress = Callable[[int], None]


class CellError(DomainError):
    code = "invalid_cell"


@dataclass
class Row:
    number: int
    values: dict[str, str]

    def get(self, column: str) -> str:
        return self.values.get(column, "")


@dataclass
class Problems:
    """Every problem found, in row order; the dry run shows them all."""

    items: list[dict[str, Any]] = field(default_factory=list)

    def add(self, row: int, column: str, message: str) -> None:
        self.items.append({"row": row, "column": column, "message": message})

    def __bool__(self) -> bool:
        return bool(self.items)

    def sorted(self) -> list[dict[str, Any]]:
        return sorted(self.items, key=lambda item: item["row"])


def read_rows(content: str, *, required: Iterable[str], optional: Iterable[str]) -> list[Row]:
    """The data rows of a CSV text, keyed by lower-case header. Refuses the file when it
    cannot be read or lacks a required column, naming the columns."""
    try:
        dataset = tablib.Dataset().load(content, format="csv")
    except Exception as error:  # tablib re-raises the csv module's and its own errors
        raise FileRefused(f"The file cannot be read as CSV: {error}") from error
    headers = [str(header or "").strip().lower() for header in dataset.headers or []]
    missing = [column for column in required if column not in headers]
    if missing:
        raise FileRefused(
            f"Missing column(s): {', '.join(missing)}. The header row must name them.",
            field="file",
        )
    known = set(required) | set(optional)
    unknown = [header for header in headers if header and header not in known]
    if unknown:
        raise FileRefused(f"Unknown column(s): {', '.join(unknown)}.", field="file")
    # Read each named column once, then walk the rows as tuples: CSV cells are always text.
    named = [(index, header) for index, header in enumerate(headers) if header]
    names = [header for _, header in named]
    columns = [map(str.strip, dataset.get_col(index)) for index, _ in named]
    rows = [
        Row(number=number, values=dict(zip(names, cells, strict=True)))
        for number, cells in enumerate(zip(*columns, strict=True), start=FIRST_DATA_ROW)
        if any(cells)
    ]
    if not rows:
        raise FileRefused("The file has a header row but no data rows.", field="file")
    return rows


def text(row: Row, column: str, *, max_length: int, required: bool = False) -> str:
    value = clean_text(row.get(column), max_length=max_length)
    if value is None:
        raise CellError(f"at most {max_length} characters, without NUL", field=column)
    if required and not value:
        raise CellError("required", field=column)
    return value


def money(row: Row, column: str, *, label: str, maximum: int | Decimal, default=None) -> Decimal:
    raw = row.get(column)
    if not raw and default is not None:
        return default
    amount = _amount(raw, label, maximum)
    if isinstance(amount, str):
        raise CellError(amount, field=column)
    return amount


def whole(row: Row, column: str, *, label: str, maximum: int, minimum: int = 0, default=None):
    raw = row.get(column)
    if not raw and default is not None:
        return default
    number = parse_ascii_int(raw)
    if number is None:
        raise CellError(f"{raw!r} is not a whole number", field=column)
    return check_quantity(number, field=column, label=label, minimum=minimum, maximum=maximum)


# A file repeats its e-mails and dates on every line of an order: each is parsed once.
@lru_cache(maxsize=65536)
def _is_email(value: str) -> bool:
    try:
        validate_email(value)
    except ValidationError:
        return False
    return True


@lru_cache(maxsize=65536)
def _amount(raw: str, label: str, maximum: int | Decimal) -> Decimal | str:
    """The amount ``raw`` states, or why it is refused (prices repeat on every line)."""
    amount = parse_money(raw)
    if amount is None:
        return f"{raw!r} is not an amount such as 12.50"
    try:
        return check_money(amount, field="", label=label, maximum=maximum, error=CellError)
    except CellError as error:
        return str(error)


@lru_cache(maxsize=65536)
def _parse_moment(raw: str, zone: str) -> datetime | None:
    try:
        value = parse_datetime(raw)
        if value is None and (day := parse_date(raw)):
            value = datetime(day.year, day.month, day.day)  # noqa: DTZ001 - made aware below
    except ValueError:
        return None
    if value is not None and timezone.is_naive(value):
        value = timezone.make_aware(value, zoneinfo.ZoneInfo(zone))
    return value


def email(row: Row, column: str) -> str:
    value = text(row, column, max_length=254, required=True)
    if not _is_email(value):
        raise CellError(f"{value!r} is not an e-mail address", field=column)
    return value


def moment(row: Row, column: str, *, zone: str | None = None) -> datetime:
    """ISO 8601: 2024-03-01T10:15:00+00:00, 2024-03-01 10:15 or 2024-03-01 (in ``zone``,
    by default the current time zone: a caller reading many rows looks it up once)."""
    raw = row.get(column)
    if not raw:
        raise CellError("required", field=column)
    value = _parse_moment(raw, zone or timezone.get_current_timezone_name())
    if value is None:
        raise CellError(f"{raw!r} is not a date such as 2024-03-01 10:15", field=column)
    if value > timezone.now():
        raise CellError(f"{raw} is in the future", field=column)
    return value


def cells(row: Row, problems: Problems, read: Callable[[], dict[str, Any]]) -> dict | None:
    """``read()`` the row's values; a bad cell becomes a problem on its column (and None)."""
    try:
        return read()
    except DomainError as error:
        problems.add(row.number, error.field, str(error))
        return None


@contextmanager
def as_row_error(row: int) -> Iterator[None]:
    """A domain service refusing a row while writing (something changed since the dry run)
    stops the import with that row named; the transaction around it rolls everything back."""
    try:
        yield
    except DomainError as error:
        raise RowsRefused([{"row": row, "column": error.field, "message": str(error)}]) from error


class AnyOf(In):
    """``lhs IN (…)``, written on PostgreSQL as ``lhs = ANY(%s)`` with one array parameter:
    building and parsing a query of thousands of placeholders cost more than the lookup."""

    def as_postgresql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s)", (*lhs_params, list(self.rhs))


def any_of(queryset: QuerySet, expression: str, keys: Iterable) -> Iterator[QuerySet]:
    """``queryset`` filtered to ``expression`` (a field or an annotation) in ``keys``: a
    queryset per ``LOOKUP_CHUNK`` keys, so the number of queries does not follow the rows."""
    keys = sorted(set(keys))
    for start in range(0, len(keys), LOOKUP_CHUNK):
        yield queryset.filter(AnyOf(F(expression), keys[start : start + LOOKUP_CHUNK]))


@contextmanager
def bulk_work() -> Iterator[None]:
    """Pauses the cyclic garbage collector while a file is checked (or a kind writes plain
    rows). A large file makes hundreds of thousands of small objects that live until the end
    (rows, cells, plans) and hold no cycles; the collector walked them all again and again,
    close to half of the dry run's CPU time. Reference counting still frees what is dropped.
    The pause is process-wide: cycles that another thread makes meanwhile wait for the end."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def by_lower(queryset: QuerySet, field_name: str, keys: Iterable[str]) -> dict[str, Model]:
    """Rows whose ``field_name`` equals one of ``keys`` ignoring case, by lower-cased key,
    on the lower-case unique indexes (SKU, e-mail)."""
    annotated = queryset.annotate(_key=Lower(field_name))
    return {
        obj._key: obj
        for matches in any_of(annotated, "_key", (key.lower() for key in keys))
        for obj in matches
    }


def chunks[T](items: list[T], size: int = BATCH_SIZE) -> Iterator[list[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class ImportKind:
    """One kind of import: its columns, its checks (all lookups in bulk) and its writes."""

    name: ClassVar[str]
    required: ClassVar[tuple[str, ...]]
    optional: ClassVar[tuple[str, ...]] = ()
    example: ClassVar[tuple[str, ...]] = ()

    @property
    def columns(self) -> tuple[str, ...]:
        return self.required + self.optional

    def check(self, rows: list[Row], problems: Problems) -> Any:
        """Every problem into ``problems``; returns the plan ``write`` carries out."""
        raise NotImplementedError

    def write(self, plan: Any, *, job, progress: Progress) -> None:
        raise NotImplementedError


def limits() -> dict[str, int]:
    return {
        "price": settings.OMS_MAX_UNIT_PRICE,
        "quantity": settings.OMS_MAX_QUANTITY,
        "stock": settings.OMS_MAX_STOCK_ADJUSTMENT,
        "order_total": settings.OMS_MAX_ORDER_TOTAL,
    }
