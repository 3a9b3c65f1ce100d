"""Planning requests against the stock: one read of the sellable units, the rules of each order,
and the chosen plan turned into reservations (or backorders, or a refusal)."""

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from django.db import DEFAULT_DB_ALIAS
from django.db.models import Q, QuerySet

from inventory.exceptions import InsufficientStock
from inventory.models import Location, StockLevel
from inventory.selectors import SELLABLE_UNITS, sellable_levels

from ..models import Order, OrderLine, SalesChannel
from .choosing import choose_plan
from .options import Decision, Demand, ReservationPlan, Rules, Site, rules_for

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


def channels_with_exclusions(
    channel_ids: Iterable[int],
) -> dict[int, tuple[SalesChannel, frozenset[int]]]:
    """Each channel with the ids of the locations it never ships from, in two queries."""
    channel_ids = set(channel_ids)
    channels = SalesChannel.objects.in_bulk(channel_ids)
    excluded: dict[int, set[int]] = defaultdict(set)
    through = SalesChannel.excluded_locations.through.objects.filter(
        saleschannel_id__in=channel_ids
    )
    for channel_id, location_id in through.values_list("saleschannel_id", "location_id"):
        excluded[channel_id].add(location_id)
    return {pk: (channel, frozenset(excluded[pk])) for pk, channel in channels.items()}


def _rules_of_orders(groups: Mapping[int | None, Any]) -> dict[int | None, Rules]:
    """The rules of the orders the lines are on: their channels and exclusions in two queries."""
    orders = {group[0][0].order_id: group[0][0].order for group in groups.values()}
    channels = channels_with_exclusions(order.channel_id for order in orders.values())
    return {
        order_id: rules_for(order, *channels[order.channel_id])
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
