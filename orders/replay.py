"""What-if sourcing replay: the orders of a period sourced again under changed rules, side by
side with what was decided when they were placed. Reads in bulk and writes nothing.

**The stock picture.** The stock of the past is not kept, so every order is replayed against
today's stock rows with what the order itself holds now added back (its allocations: as if it
were being placed again this minute, before anyone else takes its units), each order on its
own (they do not take from each other). The same picture is replayed under today's rules too
("Today's rules"), so the gap between that column and "Changed rules" is the rule change
alone, while "Recorded" is the decision the order's timeline kept when it was placed (the
first stock-reserved event with a sourcing decision; orders without one are left out of it).

**Changed rules**: a safety stock per location (units, or a share of on hand, ``*`` for every
location) in place of the rows' own, other priorities (the engine's last criterion, its only
weight), more excluded locations, and never split on or off for every order. Costs come from
the registered estimator as when placing (none: every plan costs the same, and no cost shows).

Bounded: at most ``MAX_ORDERS`` orders and ``MAX_PERIOD_DAYS`` days per replay, loaded in seven
queries whatever their number (orders, lines, allocations, decisions, stock, channels and
their exclusions), then planned in memory with ``sourcing.choose_plan``.
"""

import math
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from inventory.models import StockLevel

from . import sourcing
from .exceptions import OrderError
from .models import Allocation, Order, OrderEvent, OrderLine, SalesChannel

MAX_ORDERS = 5_000
MAX_PERIOD_DAYS = 366
DIFFERENCES_SHOWN = 50
AS_RECORDED, ALWAYS, NEVER = "as_recorded", "on", "off"
NEVER_SPLIT_CHOICES = [
    (AS_RECORDED, "As each order and its channel say"),
    (ALWAYS, "On for every order"),
    (NEVER, "Off for every order"),
]


class ReplayTooLarge(OrderError):
    code = "replay_too_large"


@dataclass(frozen=True)
class StockRule:
    """A location's safety stock in the replay: ``value`` units, or ``value`` % of on hand."""

    value: int
    percent: bool = False

    def units(self, on_hand: int) -> int:
        return math.ceil(on_hand * self.value / 100) if self.percent else self.value


@dataclass(frozen=True)
class RuleChanges:
    safety_stock: Mapping[str, StockRule] = field(default_factory=dict)  # code or "*"
    priorities: Mapping[str, int] = field(default_factory=dict)  # code -> priority
    excluded_codes: frozenset[str] = frozenset()
    never_split: str = AS_RECORDED


@dataclass
class Outcome:
    """One column of the comparison: totals over the orders it decided."""

    orders: int = 0
    shipments: int = 0
    split: int = 0
    on_time: int = 0
    units: int = 0
    units_wanted: int = 0
    priced: int = 0
    cost: Decimal = Decimal("0.00")

    def add(self, score: Mapping[str, Any] | None, wanted: int) -> None:
        """An order's chosen option (its ``score()``; None: nothing could be sourced)."""
        self.orders += 1
        self.units_wanted += wanted
        if score is None:
            return
        self.shipments += score["shipments"]
        self.split += score["shipments"] > 1
        self.on_time += bool(score["meets_promise"])
        self.units += score["units"]
        if score["estimated_cost"] is not None:
            self.priced += 1
            self.cost += Decimal(score["estimated_cost"])

    @staticmethod
    def _share(part: int, whole: int) -> Decimal | None:
        return (Decimal(100) * part / whole).quantize(Decimal("0.1")) if whole else None

    @property
    def split_rate(self) -> Decimal | None:
        return self._share(self.split, self.orders)

    @property
    def on_time_rate(self) -> Decimal | None:
        return self._share(self.on_time, self.orders)

    @property
    def fill_rate(self) -> Decimal | None:
        return self._share(self.units, self.units_wanted)

    @property
    def shipments_per_order(self) -> Decimal | None:
        return (
            (Decimal(self.shipments) / self.orders).quantize(Decimal("0.01"))
            if self.orders
            else None
        )

    @property
    def average_cost(self) -> Decimal | None:
        return (self.cost / self.priced).quantize(Decimal("0.01")) if self.priced else None


@dataclass(frozen=True)
class Difference:
    """An order the changed rules source elsewhere than today's rules do."""

    number: str
    recorded: str
    today: str
    changed: str


@dataclass
class ReplayResult:
    orders: int = 0
    recorded: Outcome = field(default_factory=Outcome)
    current: Outcome = field(default_factory=Outcome)
    changed: Outcome = field(default_factory=Outcome)
    differences: list[Difference] = field(default_factory=list)
    changed_plans: int = 0  # orders the changed rules source elsewhere than today's

    @property
    def columns(self) -> list[tuple[str, Outcome]]:
        return [
            ("Recorded", self.recorded),
            ("Today's rules", self.current),
            ("Changed rules", self.changed),
        ]


# --- loading the period in bulk -----------------------------------------------------------


@dataclass
class _OrderRow:
    pk: int
    number: str
    channel_id: int
    destination: Mapping[str, Any]
    promised: date | None
    never_split: bool
    pickup_id: int | None
    demands: list[sourcing.Demand] = field(default_factory=list)
    held: dict[tuple[int, int], int] = field(default_factory=dict)
    recorded: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class _Level:
    location_id: int
    on_hand: int
    reserved: int
    safety_stock: int


def _period(start: date, end: date) -> tuple[datetime, datetime]:
    zone = timezone.get_current_timezone()
    since = datetime.combine(start, time.min, tzinfo=zone)
    until = datetime.combine(end + timedelta(days=1), time.min, tzinfo=zone)
    return since, until


def _orders_in(start: date, end: date) -> QuerySet[Order]:
    since, until = _period(start, end)
    return Order.objects.filter(placed_at__gte=since, placed_at__lt=until).order_by()


def _load_orders(start: date, end: date) -> tuple[list[_OrderRow], QuerySet[Order]]:
    placed = _orders_in(start, end)
    columns = (
        "pk",
        "number",
        "channel_id",
        "shipping_address",
        "promised_ship_date",
        "never_split",
        "pickup_location_id",
    )
    rows = [
        _OrderRow(*values)
        for values in placed.order_by("placed_at", "pk").values_list(*columns)[: MAX_ORDERS + 1]
    ]
    if len(rows) > MAX_ORDERS:
        raise ReplayTooLarge(
            f"More than {MAX_ORDERS:,} orders were placed from {start} to {end}: "
            "replay a shorter period.",
            field="date_to",
        )
    return rows, placed


def _attach_lines(rows: Mapping[int, _OrderRow], placed: QuerySet[Order]) -> None:
    wanted: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    weights: dict[int, int] = {}
    lines = OrderLine.objects.filter(order__in=placed.values("pk")).order_by("order_id", "pk")
    for order_id, product_id, quantity, grams in lines.values_list(
        "order_id", "product_id", "quantity", "product__weight_grams"
    ):
        wanted[order_id][product_id] += quantity
        weights[product_id] = grams
    for order_id, products in wanted.items():
        rows[order_id].demands = [
            sourcing.Demand(product_id, quantity, weights[product_id])
            for product_id, quantity in products.items()
        ]
    held = Allocation.objects.filter(line__order__in=placed.values("pk"))
    for order_id, product_id, location_id, quantity in held.values_list(
        "line__order_id", "line__product_id", "location_id", "quantity"
    ):
        key = (product_id, location_id)
        rows[order_id].held[key] = rows[order_id].held.get(key, 0) + quantity


def _attach_decisions(rows: Mapping[int, _OrderRow], placed: QuerySet[Order]) -> None:
    """The decision made when each order was placed: its first with the engine's data."""
    decisions = (
        OrderEvent.objects.filter(
            order__in=placed.values("pk"),
            type=OrderEvent.Type.STOCK_RESERVED,
            data__has_key="sourcing",
        )
        .exclude(data__has_key="resourced")
        .order_by("order_id", "created_at", "pk")
    )
    for order_id, data in decisions.values_list("order_id", "data"):
        if rows[order_id].recorded is None:
            rows[order_id].recorded = data["sourcing"]["chosen"]


def _load_stock(
    placed: QuerySet[Order],
) -> tuple[dict[int, list[_Level]], dict[int, sourcing.Site], set[int]]:
    """Today's rows of the period's products at active locations, by product; the locations
    as sites; and which of them fulfil (ship)."""
    levels = StockLevel.objects.filter(
        product_id__in=OrderLine.objects.filter(order__in=placed.values("pk")).values("product_id"),
        location__is_active=True,
    ).order_by("pk")
    by_product: dict[int, list[_Level]] = defaultdict(list)
    sites: dict[int, sourcing.Site] = {}
    for product_id, location_id, on_hand, reserved, safety, *site in levels.values_list(
        "product_id",
        "location_id",
        "on_hand",
        "reserved",
        "safety_stock",
        "location__code",
        "location__priority",
        "location__kind",
        "location__country",
        "location__postal_code",
        "location__can_ship",
    ):
        by_product[product_id].append(_Level(location_id, on_hand, reserved, safety))
        sites.setdefault(location_id, sourcing.Site(location_id, *site))
    return by_product, sites, {pk for pk, site in sites.items() if site.can_ship}


# --- planning each order twice ------------------------------------------------------------


@dataclass(frozen=True)
class _Scenario:
    """Rules as the replay applies them: the sites (priorities) and the stock they may give."""

    sites: dict[int, sourcing.Site]
    safety: Mapping[int, StockRule]  # location id -> rule, "*" as key -1
    excluded: frozenset[int]
    never_split: str

    def safety_of(self, level: _Level) -> int:
        rule = self.safety.get(level.location_id) or self.safety.get(-1)
        return level.safety_stock if rule is None else rule.units(level.on_hand)


def _scenario(changes: RuleChanges | None, sites: dict[int, sourcing.Site]) -> _Scenario:
    if changes is None:
        return _Scenario(sites, {}, frozenset(), AS_RECORDED)
    by_code = {site.code.upper(): site for site in sites.values()}
    changed_sites = {
        pk: replace(site, priority=changes.priorities[site.code.upper()])
        if site.code.upper() in changes.priorities
        else site
        for pk, site in sites.items()
    }
    safety = {
        (-1 if code == "*" else by_code[code].pk): rule
        for code, rule in changes.safety_stock.items()
        if code == "*" or code in by_code
    }
    excluded = frozenset(by_code[code].pk for code in changes.excluded_codes if code in by_code)
    return _Scenario(changed_sites, safety, excluded, changes.never_split)


def _plan(
    row: _OrderRow,
    scenario: _Scenario,
    stock: Mapping[int, list[_Level]],
    shipping: set[int],
    channel: tuple[SalesChannel, frozenset[int]],
) -> dict[str, Any] | None:
    channel_row, channel_excluded = channel
    never_split = row.never_split or channel_row.never_split
    if scenario.never_split != AS_RECORDED:
        never_split = scenario.never_split == ALWAYS
    rules = sourcing.Rules(
        destination=row.destination or {},
        promised_date=row.promised,
        store_first=channel_row.kind == SalesChannel.Kind.STORE,
        never_split=never_split,
        excluded_location_ids=channel_excluded | scenario.excluded,
        only_location_id=row.pickup_id,
    )
    sellable: dict[tuple[int, int], int] = {}
    for demand in row.demands:
        for level in stock.get(demand.product_id, ()):
            key = (demand.product_id, level.location_id)
            free = level.on_hand - level.reserved + row.held.get(key, 0) - scenario.safety_of(level)
            sellable[key] = max(free, 0)
    used = {location_id for _, location_id in sellable}
    locations = sorted(
        (scenario.sites[pk] for pk in used if pk in shipping or pk == row.pickup_id),
        key=lambda site: (site.priority, site.code),
    )
    decision = sourcing.choose_plan(row.demands, locations, sellable, rules)
    return None if decision is None else decision.chosen.score()


def replay_sourcing(*, date_from: date, date_to: date, changes: RuleChanges) -> ReplayResult:
    """Replay the orders placed from ``date_from`` to ``date_to`` (local days, inclusive)
    under ``changes``; see the module's docstring for the stock picture. Writes nothing:
    whatever an estimator might write is rolled back."""
    if (date_to - date_from).days >= MAX_PERIOD_DAYS:
        raise ReplayTooLarge(f"Replay at most {MAX_PERIOD_DAYS} days at a time.", field="date_to")
    with transaction.atomic():
        result = _replay(date_from, date_to, changes)
        transaction.set_rollback(True)
    return result


def _replay(date_from: date, date_to: date, changes: RuleChanges) -> ReplayResult:
    rows, placed = _load_orders(date_from, date_to)
    result = ReplayResult(orders=len(rows))
    if not rows:
        return result
    by_pk = {row.pk: row for row in rows}
    _attach_lines(by_pk, placed)
    _attach_decisions(by_pk, placed)
    stock, sites, shipping = _load_stock(placed)
    channels = sourcing.channels_with_exclusions(row.channel_id for row in rows)
    today, changed = _scenario(None, sites), _scenario(changes, sites)
    for row in rows:
        wanted = sum(demand.quantity for demand in row.demands)
        channel = channels[row.channel_id]
        if row.recorded is not None:
            result.recorded.add(row.recorded, wanted)
        current = _plan(row, today, stock, shipping, channel)
        new = _plan(row, changed, stock, shipping, channel)
        result.current.add(current, wanted)
        result.changed.add(new, wanted)
        if _where(current) != _where(new):
            result.changed_plans += 1
            if len(result.differences) < DIFFERENCES_SHOWN:
                result.differences.append(
                    Difference(row.number, _where(row.recorded), _where(current), _where(new))
                )
    return result


def _where(score: Mapping[str, Any] | None) -> str:
    return " + ".join(score["locations"]) if score and score["locations"] else "—"
