"""Choosing a plan, with no database: the options for an order's demands, searched over sets of
locations (see the package's docstring), priced, and ranked by the five criteria."""

import heapq
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from itertools import chain, combinations

from inventory.models import Location

from .options import (
    MAX_PRICED,
    MAX_SEARCHED_SHIPMENTS,
    POOL_SIZE,
    RUNNERS_UP,
    TIES_KEPT,
    Decision,
    Demand,
    Option,
    ParcelEstimate,
    Rules,
    Site,
    estimate_parcel,
)

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
                estimates[location.pk, grams] = estimate_parcel(location, rules.destination, grams)
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
