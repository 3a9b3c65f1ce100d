"""Where an order's units are reserved: the sourcing engine (distributed order management).

For each order it chooses, from the active locations that ship (less the channel's excluded
ones), the plan that, in this order:

1. fulfils every line it can (most lines complete, then most units);
2. uses the fewest locations, i.e. shipments;
3. costs the least to ship, as the registered estimator prices each location's parcel
   (``register_cost_estimator``; without one every plan costs the same);
4. meets the promised date, when the estimator tells when a parcel arrives;
5. prefers the locations of higher priority (lower number, then code).

An order taken at a store's till (``store_first``) first takes as much as it can from the store
shelves (the customer is standing there), then the rest as above. A click & collect order
(``Order.pickup_location``) takes every unit from its store, or backorders it. A location's
safety stock (units a store keeps for walk-in customers) is never taken. With "never split"
(the channel's or the order's) only single-location plans are considered. What the chosen
plan cannot cover is backordered where the product allows it (or ``partial`` is set),
otherwise the whole request is refused with InsufficientStock naming every short SKU.

**The search** (``_location_sets``), per order, over the locations holding any of its SKUs:

* every location is reduced to its *profile*: per SKU, the units it can give, capped at what
  the order can get of that SKU anywhere. Locations with one profile are interchangeable for
  coverage.
* a greedy set cover (the location giving the most units still missing, ties to priority),
  then shrunk while one of its locations is not needed or two can be swapped for one, gives a
  plan and a bound on the shipments;
* a pool of at most ``POOL_SIZE`` locations: the greedy cover's, each SKU's two best holders,
  then the most covering, with at most ``TIES_KEPT`` of one profile (by priority), so cost and
  priority still choose among interchangeable locations;
* an exhaustive search of every set of up to ``MAX_SEARCHED_SHIPMENTS`` locations of the pool
  finds the covers with the fewest shipments, and the irredundant covers one shipment bigger
  as runners-up, stopping at ``MAX_PRICED`` of them. Bound: at most C(16,1) + C(16,2) +
  C(16,3) = 696 sets checked, whatever the number of locations (shrinking the greedy cover of
  g locations checks at most g × (g + 16 × C(g, 2)) more); the rest is linear in the locations
  holding stock. An order no 3 locations can cover ships as the shrunk greedy cover says,
  which a brute force over random orders found one shipment too many in about 0.5% of them.
  Never split: the ``MAX_PRICED`` single locations filling the most.
* at most ``MAX_PRICED`` plans, the best by the criteria before cost, are priced (at most one
  estimator call per location and parcel weight), then ranked by all five criteria.

Every decision is kept on the plan (``ReservationPlan.decision_for``): the chosen plan and up
to three runners-up with their scores, for the order's timeline.
"""

import heapq
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from itertools import chain, combinations
from typing import Any

from django.db import DEFAULT_DB_ALIAS
from django.db.models import Q, QuerySet

from inventory.exceptions import InsufficientStock
from inventory.models import Location, StockLevel
from inventory.selectors import SELLABLE_UNITS, sellable_levels

from .models import Order, OrderLine, SalesChannel

TIES_KEPT = 4
POOL_SIZE = 16
MAX_SEARCHED_SHIPMENTS = 3
MAX_PRICED = 8
RUNNERS_UP = 3


@dataclass(frozen=True, slots=True)
class Site:
    """A location as sourcing sees it: read with its stock rows, light enough to build by the
    hundred for every order (the estimator gets it as the parcel's origin)."""

    pk: int
    code: str
    priority: int
    kind: str
    country: str = ""
    postal_code: str = ""
    can_ship: bool = True  # False: a click & collect store that ships nothing


# --- the cost estimator -------------------------------------------------------------------


@dataclass(frozen=True)
class ParcelEstimate:
    """An estimator's answer for one parcel: its cost and, if known, when it arrives."""

    cost: Decimal
    delivery: date | None = None


# (origin, destination address, parcel weight in grams) -> its cost, an estimate, or None when
# no carrier takes it.
CostEstimator = Callable[[Site, Mapping[str, Any], int], Decimal | ParcelEstimate | None]
_estimator: list[CostEstimator] = []


def register_cost_estimator(estimator: CostEstimator | None) -> None:
    """Price parcels with ``estimator`` from now on (None: no estimator). Shipping registers
    its rate tables once its app is ready; orders may not import shipping."""
    _estimator.clear()
    if estimator is not None:
        _estimator.append(estimator)


def registered_cost_estimator() -> CostEstimator | None:
    """The estimator parcels are priced with now, to put it back after replacing it."""
    return _estimator[0] if _estimator else None


def _estimate(origin: Site, destination: Mapping[str, Any], grams: int) -> ParcelEstimate | None:
    if not _estimator:
        return None
    answer = _estimator[0](origin, destination, max(grams, 1))  # a parcel weighs something
    if answer is None or isinstance(answer, ParcelEstimate):
        return answer
    return ParcelEstimate(cost=answer)


# --- what one order asks of the engine ----------------------------------------------------


@dataclass(frozen=True)
class Rules:
    destination: Mapping[str, Any] = field(default_factory=dict)
    promised_date: date | None = None
    store_first: bool = False
    never_split: bool = False
    excluded_location_ids: frozenset[int] = frozenset()
    # Click & collect (the order's store) or a location staff chose: the only one to take from.
    only_location_id: int | None = None

    def allows(self, location_id: int) -> bool:
        if self.only_location_id is not None:
            return location_id == self.only_location_id
        return location_id not in self.excluded_location_ids


def rules_for(
    order: Order, channel: SalesChannel, excluded_location_ids: Iterable[int] = ()
) -> Rules:
    """The order's rules. A click & collect order takes every unit from its store, whatever
    the channel excludes: the customer chose it (what the store lacks is backordered)."""
    return Rules(
        destination=order.shipping_address or {},
        promised_date=order.promised_ship_date,
        store_first=channel.kind == SalesChannel.Kind.STORE,
        never_split=order.never_split or channel.never_split,
        excluded_location_ids=frozenset(excluded_location_ids),
        only_location_id=order.pickup_location_id,
    )


@dataclass(frozen=True)
class Demand:
    """One SKU of an order: the units it asks for, their unit weight."""

    product_id: int
    quantity: int
    weight_grams: int


# --- options and decisions ----------------------------------------------------------------


@dataclass
class Option:
    """One way to source an order: what each location gives, and how it scores."""

    locations: tuple[Site, ...]
    takes: dict[tuple[int, int], int]  # (product id, location id) -> units
    lines_filled: int
    units: int
    store_units: int
    rank: tuple[int, ...]  # the locations' places in priority order
    cost: Decimal | None = None
    meets_promise: bool = True

    @property
    def shipments(self) -> int:
        return len(self.locations)

    def coverage_key(self, store_first: bool) -> tuple:
        """Criteria 1 and 2 (and the store shelf first), then priority: what pricing needs."""
        return (
            -self.lines_filled,
            -self.units,
            -self.store_units if store_first else 0,
            self.shipments,
            self.rank,
        )

    def key(self, store_first: bool) -> tuple:
        *coverage, rank = self.coverage_key(store_first)
        return (*coverage, self.cost is None, self.cost or 0, not self.meets_promise, rank)

    def score(self) -> dict[str, Any]:
        return {
            "locations": [location.code for location in self.locations],
            "shipments": self.shipments,
            "units": self.units,
            "estimated_cost": None if self.cost is None else str(self.cost),
            "meets_promise": self.meets_promise,
        }

    def describe(self, *, chosen: bool) -> str:
        return describe_score(self.score(), chosen=chosen)


def describe_score(score: Mapping[str, Any], *, chosen: bool) -> str:
    """An option's ``score`` in words: "WH-EAST: 1 parcel, est. 4.90" chosen, "WH-WEST would
    be 1 parcel, 9.80" not (the order page reads them back from the recorded decision)."""
    where = " + ".join(score["locations"])
    shipments = score["shipments"]
    parcels = f"{shipments} parcel{'s' if shipments != 1 else ''}"
    cost = score["estimated_cost"]
    cost = "" if cost is None else f", {'est. ' if chosen else ''}{cost}"
    late = "" if score["meets_promise"] else ", late for the promised date"
    return f"{where}{': ' if chosen else ' would be '}{parcels}{cost}{late}"


def decision_sentence(data: Mapping[str, Any]) -> str:
    """A decision's ``as_data()`` in words: "From WH-EAST: 1 parcel, est. 4.90; WH-WEST +
    STORE-NYC would be 2 parcels, 9.80." """
    others = "".join(f"; {describe_score(o, chosen=False)}" for o in data["runners_up"])
    return f"From {describe_score(data['chosen'], chosen=True)}{others}."


@dataclass
class Decision:
    chosen: Option
    runners_up: list[Option] = field(default_factory=list)

    def as_data(self) -> dict[str, Any]:
        return {
            "chosen": self.chosen.score(),
            "runners_up": [option.score() for option in self.runners_up],
        }

    def sentence(self) -> str:
        """For the timeline: ``decision_sentence`` of its data."""
        return decision_sentence(self.as_data())


@dataclass
class ReservationPlan:
    allocations: list[tuple[OrderLine, Location, int]] = field(default_factory=list)
    backorders: dict[int, int] = field(default_factory=dict)  # line pk -> units
    decisions: list[tuple[list[OrderLine], Decision]] = field(default_factory=list)

    def decision_for(self, lines: Sequence[OrderLine]) -> Decision | None:
        """The decision made for the order these lines belong to (matched by identity: the
        lines of an order being placed have no key yet)."""
        for planned, decision in self.decisions:
            if any(line is other for line in planned for other in lines):
                return decision
        return None


# --- choosing a plan: no database ---------------------------------------------------------


def choose_plan(
    demands: Sequence[Demand],
    locations: Sequence[Site],
    sellable: Mapping[tuple[int, int], int],
    rules: Rules,
) -> Decision | None:
    """The best option for one order over ``locations`` (in priority order, the excluded ones
    already out) and the units each may give (``sellable``, by (product id, location id)),
    with its runners-up; None when no location holds any of it. Reads no database: what-if
    replays run it over stock of their own."""
    allowed = [location for location in locations if rules.allows(location.pk)]
    locations = _in_sourcing_order(allowed, rules.store_first)
    holders, units = [], []
    for location in locations:
        pk = location.pk
        held = tuple(sellable.get((demand.product_id, pk), 0) for demand in demands)
        if any(held):
            holders.append(location)
            units.append(held)
    if not holders:
        return None
    targets = [
        min(demand.quantity, sum(held[i] for held in units)) for i, demand in enumerate(demands)
    ]
    profiles = [tuple(map(min, held, targets)) for held in units]
    if rules.never_split:
        candidates = _best_single_locations(holders, profiles, demands, rules.store_first)
    else:
        candidates = _location_sets(profiles, targets)
        if rules.store_first:  # the store shelves emptied first, the rest by priority
            candidates.append(tuple(range(len(holders))))
    rank = {location.pk: number for number, location in enumerate(locations)}
    options = _distinct(
        _option([holders[i] for i in numbers], demands, sellable, rank, rules.store_first)
        for numbers in candidates
    )
    options.sort(key=lambda option: option.coverage_key(rules.store_first))
    priced = options[:MAX_PRICED]
    _price(priced, demands, rules)
    priced.sort(key=lambda option: option.key(rules.store_first))
    return Decision(chosen=priced[0], runners_up=priced[1 : 1 + RUNNERS_UP])


def _in_sourcing_order(locations: Sequence[Site], store_first: bool) -> list[Site]:
    if store_first:
        return sorted(locations, key=lambda location: location.kind != Location.Kind.STORE)
    return list(locations)


def _option(
    location_set: Sequence[Site],
    demands: Sequence[Demand],
    sellable: Mapping[tuple[int, int], int],
    rank: Mapping[int, int],
    store_first: bool,
) -> Option:
    """What each location of the set gives: a SKU comes whole from the first location (in
    sourcing order) that has it all, else from each in turn; a store's own order empties the
    store shelves first."""
    ordered = sorted(location_set, key=lambda location: rank[location.pk])
    takes: dict[tuple[int, int], int] = {}
    lines_filled = units = store_units = 0
    for demand in demands:
        given = _split(demand, ordered, sellable, whole_first=not store_first)
        for location, quantity in given:
            takes[demand.product_id, location.pk] = quantity
            if location.kind == Location.Kind.STORE:
                store_units += quantity
        got = sum(quantity for _, quantity in given)
        units += got
        lines_filled += got == demand.quantity
    used = tuple(loc for loc in ordered if any(takes.get((d.product_id, loc.pk)) for d in demands))
    return Option(
        locations=used,
        takes=takes,
        lines_filled=lines_filled,
        units=units,
        store_units=store_units,
        rank=tuple(rank[location.pk] for location in used),
    )


def _split(
    demand: Demand,
    ordered: Sequence[Site],
    sellable: Mapping[tuple[int, int], int],
    *,
    whole_first: bool,
) -> list[tuple[Site, int]]:
    def free(location: Site) -> int:
        return sellable.get((demand.product_id, location.pk), 0)

    enough = (location for location in ordered if free(location) >= demand.quantity)
    if whole_first and (whole := next(enough, None)):
        return [(whole, demand.quantity)]
    given, remaining = [], demand.quantity
    for location in ordered:
        if take := min(remaining, free(location)):
            given.append((location, take))
            remaining -= take
    return given


def _distinct(options: Iterable[Option]) -> list[Option]:
    """One option per set of locations actually used (a set may leave one of its own idle)."""
    seen: dict[tuple[int, ...], Option] = {}
    for option in options:
        seen.setdefault(option.rank, option)
    return list(seen.values())


def _price(options: Sequence[Option], demands: Sequence[Demand], rules: Rules) -> None:
    """Each option's estimated cost (None if a parcel cannot be priced) and whether every
    parcel arrives by the promised date; one estimate per location and parcel weight."""
    weights = {demand.product_id: demand.weight_grams for demand in demands}
    estimates: dict[tuple[int, int], ParcelEstimate | None] = {}
    for option in options:
        total: Decimal | None = Decimal("0.00")
        for location in option.locations:
            grams = sum(
                weights[product_id] * quantity
                for (product_id, location_id), quantity in option.takes.items()
                if location_id == location.pk
            )
            if (location.pk, grams) not in estimates:
                estimates[location.pk, grams] = _estimate(location, rules.destination, grams)
            estimate = estimates[location.pk, grams]
            if estimate is None:
                total = None
                continue
            if total is not None:
                total += estimate.cost
            if _late(estimate, rules.promised_date):
                option.meets_promise = False
        option.cost = total


def _late(estimate: ParcelEstimate, promised_date: date | None) -> bool:
    """Only an estimate that tells when the parcel arrives can miss the promised date."""
    return bool(promised_date and estimate.delivery and estimate.delivery > promised_date)


# --- the search for location sets ---------------------------------------------------------
# Locations are numbered by their place in sourcing order; a profile is what one gives of each
# SKU, capped at the target (what the order can get of that SKU anywhere).


def _best_single_locations(
    holders: Sequence[Site],
    profiles: Sequence[tuple[int, ...]],
    demands: Sequence[Demand],
    store_first: bool,
) -> list[tuple[int, ...]]:
    """Never split: the MAX_PRICED single locations that fill the most lines, then units."""
    wanted = [demand.quantity for demand in demands]

    def coverage(number: int) -> tuple[int, int, int, int]:
        profile = profiles[number]
        filled = sum(units >= want for units, want in zip(profile, wanted, strict=True))
        units = sum(profile)
        on_shelf = units if store_first and holders[number].kind == Location.Kind.STORE else 0
        return (-filled, -units, -on_shelf, number)

    return [(number,) for number in heapq.nsmallest(MAX_PRICED, range(len(holders)), coverage)]


def _location_sets(
    profiles: Sequence[tuple[int, ...]], targets: Sequence[int]
) -> list[tuple[int, ...]]:
    """The sets of locations worth pricing: the first MAX_PRICED covers in priority order,
    fewest locations first (the smallest the bounded search finds, then irredundant ones a
    location bigger), and the greedy cover."""
    greedy = _greedy_cover(profiles, targets)
    pool = _search_pool(profiles, targets, greedy)
    greedy = _shrunk(greedy, pool, profiles, targets)
    found: list[tuple[int, ...]] = []
    smallest = None
    for size in range(1, min(len(greedy) + 1, MAX_SEARCHED_SHIPMENTS) + 1):
        if smallest is not None and size > smallest + 1:
            break
        for numbers in combinations(pool, size):
            if _covers(numbers, profiles, targets) and not _holds_a_cover(numbers, found):
                found.append(numbers)
                smallest = smallest or size
                if len(found) == MAX_PRICED:
                    return [*found, greedy]
    return [*found, greedy]


def _covers(
    numbers: Sequence[int], profiles: Sequence[tuple[int, ...]], targets: Sequence[int]
) -> bool:
    for sku, target in enumerate(targets):
        if sum(profiles[number][sku] for number in numbers) < target:
            return False
    return True


def _holds_a_cover(numbers: tuple[int, ...], found: Sequence[tuple[int, ...]]) -> bool:
    members = set(numbers)
    return any(members.issuperset(cover) for cover in found)


def _greedy_cover(profiles: Sequence[tuple[int, ...]], targets: Sequence[int]) -> tuple[int, ...]:
    """Add the location that gives the most units still missing until nothing is: a cover, as
    the holders together reach every target. Ties go to the higher priority."""
    missing = list(targets)
    chosen: list[int] = []
    left = list(range(len(profiles)))
    while any(missing):
        best = max(left, key=lambda number: sum(map(min, missing, profiles[number])))
        chosen.append(best)
        left.remove(best)
        missing = [max(0, m - p) for m, p in zip(missing, profiles[best], strict=True)]
    return tuple(chosen)


def _shrunk(
    cover: tuple[int, ...],
    pool: Sequence[int],
    profiles: Sequence[tuple[int, ...]],
    targets: Sequence[int],
) -> tuple[int, ...]:
    """The greedy cover made smaller while it can be (it may hold a location it no longer
    needs, or two that one of the pool replaces)."""
    members = cover
    while len(members) > 1 and (smaller := _one_smaller(members, pool, profiles, targets)):
        members = smaller
    return members


def _one_smaller(
    members: tuple[int, ...],
    pool: Sequence[int],
    profiles: Sequence[tuple[int, ...]],
    targets: Sequence[int],
) -> tuple[int, ...] | None:
    """A cover one location smaller: the members less one, or less two plus one of the pool."""
    less_one = combinations(members, len(members) - 1)
    swapped = (
        (*kept, number)
        for kept in combinations(members, len(members) - 2)
        for number in pool
        if number not in members
    )
    covers = (tuple(sorted(c)) for c in chain(less_one, swapped) if _covers(c, profiles, targets))
    return next(covers, None)


def _search_pool(
    profiles: Sequence[tuple[int, ...]], targets: Sequence[int], greedy: Sequence[int]
) -> list[int]:
    """At most POOL_SIZE locations for the exhaustive search, in priority order: the greedy
    cover's, then each SKU's two best holders, then the most covering; at most TIES_KEPT
    locations of one profile (interchangeable: enough for cost and priority to choose)."""
    everyone = range(len(profiles))
    share = [1 / target if target else 0 for target in targets]

    def coverage(number: int) -> float:
        return -sum(units * weight for units, weight in zip(profiles[number], share, strict=True))

    best_per_sku = [
        number
        for sku in range(len(targets))
        for number in heapq.nsmallest(2, everyone, key=lambda n: -profiles[n][sku])
    ]
    ranked = heapq.nsmallest(POOL_SIZE * TIES_KEPT, everyone, key=coverage)  # stable
    pool = set(greedy)
    per_profile = Counter(profiles[number] for number in pool)
    for number in [*best_per_sku, *ranked]:
        if len(pool) >= POOL_SIZE:
            break
        profile = profiles[number]
        if number not in pool and per_profile[profile] < TIES_KEPT:
            pool.add(number)
            per_profile[profile] += 1
    return sorted(pool)


# --- reading the stock and planning requests ----------------------------------------------


def plan_reservations(
    requests: list[tuple[OrderLine, int]],
    *,
    order: Order | None = None,
    partial: bool = False,
    lock: bool = True,
    excluded_location_ids: Iterable[int] = (),
    only_location_id: int | None = None,
) -> ReservationPlan:
    """Lock the stock rows of the requested products and decide where each unit comes from
    (``lock=False``: a plan from the rows as they are, which the reservation itself checks).

    ``requests`` pairs a line with the units it still needs. They are the lines of ``order``
    (whose rules apply: destination, promised date, channel exclusions, never split, a
    store's till), or else of the orders the lines are on (loaded with them), planned one
    order after the other in the order given, each taking what the earlier ones left.

    It reserves from the rows ``inventory.selectors.available_to_sell`` counts (the products
    at ``fulfilment_locations()``, above their safety stock), so what order entry shows as
    available is what it can take. Units not covered are planned as backorders where the
    product allows it (or ``partial`` is set, to fill what can be filled); otherwise
    InsufficientStock is raised, naming every short SKU.

    ``excluded_location_ids`` (a location that could not supply them) and ``only_location_id``
    (one staff chose) narrow where ``order``'s units may come from. A click & collect order
    (``Order.pickup_location``) takes them from its store only, which need not ship.

    One query: the stock rows with their locations' columns.
    """
    groups = _by_order(requests, order)
    if order is not None:
        rules = {order.pk: rules_for(order, order.channel, excluded_location_ids)}
        if only_location_id is not None:
            rules[order.pk] = replace(rules[order.pk], only_location_id=only_location_id)
        stores = {order.pickup_location_id} - {None}
    else:
        rules = _rules_of_orders(groups)
        stores = {group[0][0].order.pickup_location_id for group in groups.values()} - {None}
    product_ids = [line.product_id for line, _ in requests]
    sites, sellable = _read_stock(product_ids, order, stores, lock=lock)

    plan = ReservationPlan()
    planned: list[tuple[OrderLine, Site, int]] = []
    shortages = []
    for order_id, group in groups.items():
        order_rules = rules[order_id]
        allowed = [
            site
            for site in sites
            if order_rules.allows(site.pk)
            and (site.can_ship or site.pk == order_rules.only_location_id)
        ]
        in_stock = _units_by_product(group, allowed, sellable)
        decision = choose_plan(_demands(group), allowed, sellable, order_rules)
        taken = _take(decision, group, sellable, planned)
        for (line, wanted), got in zip(group, taken, strict=True):
            remaining = wanted - got
            if remaining and (partial or line.product.allow_backorder):
                plan.backorders[line.pk] = remaining
            elif remaining:
                shortages.append((line.sku, wanted, in_stock[line.product_id]))
        if decision is not None:
            plan.decisions.append(([line for line, _ in group], decision))
    if shortages:
        raise InsufficientStock(shortages)
    plan.allocations = _at_locations(planned)
    return plan


def _by_order(
    requests: Sequence[tuple[OrderLine, int]], order: Order | None
) -> dict[int | None, list[tuple[OrderLine, int]]]:
    if order is not None:
        return {order.pk: list(requests)}
    groups: dict[int | None, list[tuple[OrderLine, int]]] = defaultdict(list)
    for line, wanted in requests:
        groups[line.order_id].append((line, wanted))
    return groups


STOCK_COLUMNS = (
    "product_id",
    "location_id",
    "units",
    "location__code",
    "location__priority",
    "location__kind",
    "location__country",
    "location__postal_code",
    "location__can_ship",
)


def _read_stock(
    product_ids: Iterable[int], order: Order | None, stores: set[int], *, lock: bool
) -> tuple[list[Site], dict[tuple[int, int], int]]:
    """The locations holding the products (in priority order) and what each may give, by
    (product id, location id), with the click & collect ``stores`` whether they ship or not;
    the order's channel's exclusions are left out in the query (a collect order: only its
    store's rows), and the rows locked (in primary-key order) when ``lock`` is set."""
    if order is not None and order.pickup_location_id:
        levels = _stock_levels(product_ids).filter(
            location_id=order.pickup_location_id, location__is_active=True
        )
    else:
        levels = sellable_levels(product_ids)
        if stores:
            at_stores = Q(location_id__in=stores, location__is_active=True)
            levels = _stock_levels(product_ids).filter(Q(pk__in=levels.values("pk")) | at_stores)
        if order is not None:
            levels = levels.exclude(location__excluding_channels=order.channel_id)
    if lock:
        levels = levels.select_for_update(of=("self",))
    sites: dict[int, Site] = {}
    sellable: dict[tuple[int, int], int] = defaultdict(int)
    for product_id, location_id, units, *site in levels.values_list(*STOCK_COLUMNS):
        sellable[product_id, location_id] = units
        if location_id not in sites:
            sites[location_id] = Site(location_id, *site)
    return sorted(sites.values(), key=lambda site: (site.priority, site.code)), sellable


def _stock_levels(product_ids: Iterable[int]) -> QuerySet[StockLevel]:
    """The products' rows anywhere, with the ``units`` sourcing may take (as sellable_levels)."""
    levels = StockLevel.objects.filter(product_id__in=set(product_ids))
    return levels.annotate(units=SELLABLE_UNITS).order_by("pk")


SITE_FIELDS = ("id", "code", "priority", "kind", "country", "postal_code", "can_ship")


def _at_locations(planned: Sequence[tuple[OrderLine, Site, int]]) -> list[tuple]:
    """The planned units with the locations they are reserved at, built from the columns the
    stock query read, with no query: the locations' other columns are deferred (loaded if
    ever read)."""
    locations = {site.pk: _as_location(site) for _, site, _ in planned}
    return [(line, locations[site.pk], quantity) for line, site, quantity in planned]


def _as_location(site: Site) -> Location:
    values = (
        site.pk,
        site.code,
        site.priority,
        site.kind,
        site.country,
        site.postal_code,
        site.can_ship,
    )
    return Location.from_db(DEFAULT_DB_ALIAS, SITE_FIELDS, values)


def _rules_of_orders(groups: Mapping[int | None, Any]) -> dict[int | None, Rules]:
    """The rules of the orders the lines are on: their channels and exclusions in two queries."""
    orders = {group[0][0].order_id: group[0][0].order for group in groups.values()}
    channel_ids = {order.channel_id for order in orders.values()}
    channels = SalesChannel.objects.in_bulk(channel_ids)
    excluded: dict[int, set[int]] = defaultdict(set)
    through = SalesChannel.excluded_locations.through.objects.filter(
        saleschannel_id__in=channel_ids
    )
    for channel_id, location_id in through.values_list("saleschannel_id", "location_id"):
        excluded[channel_id].add(location_id)
    return {
        order_id: rules_for(order, channels[order.channel_id], excluded[order.channel_id])
        for order_id, order in orders.items()
    }


def _demands(group: Sequence[tuple[OrderLine, int]]) -> list[Demand]:
    """One demand per SKU (two lines of one SKU share its stock)."""
    wanted: dict[int, int] = defaultdict(int)
    weights = {}
    for line, quantity in group:
        wanted[line.product_id] += quantity
        weights[line.product_id] = line.product.weight_grams
    return [Demand(pid, quantity, weights[pid]) for pid, quantity in wanted.items()]


def _units_by_product(
    group: Sequence[tuple[OrderLine, int]],
    sites: Sequence[Site],
    sellable: Mapping[tuple[int, int], int],
) -> dict[int, int]:
    return {
        line.product_id: sum(sellable.get((line.product_id, site.pk), 0) for site in sites)
        for line, _ in group
    }


def _take(
    decision: Decision | None,
    group: Sequence[tuple[OrderLine, int]],
    sellable: dict[tuple[int, int], int],
    planned: list[tuple[OrderLine, Site, int]],
) -> list[int]:
    """Hand the chosen option's units to the lines, in their order (onto ``planned``), and take
    them off ``sellable`` for the orders planned next; returns the units each line got."""
    taken = [0] * len(group)
    if decision is None:
        return taken
    left = dict(decision.chosen.takes)
    for number, (line, wanted) in enumerate(group):
        for site in decision.chosen.locations:
            key = (line.product_id, site.pk)
            if give := min(wanted - taken[number], left.get(key, 0)):
                planned.append((line, site, give))
                left[key] -= give
                sellable[key] -= give
                taken[number] += give
    return taken
