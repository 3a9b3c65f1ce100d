"""Where an order's units are reserved. The one place a later sourcing engine replaces.

Current policy: take from the active, shippable location of highest priority (lowest number)
first and split across locations when one is not enough; a store's own orders take the store's
stock first. Units that cannot be reserved are
backordered when the product allows it; otherwise the whole order is refused.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from inventory import services as inventory
from inventory.exceptions import InsufficientStock
from inventory.models import Location
from inventory.selectors import fulfilment_locations

from .models import OrderLine


@dataclass
class ReservationPlan:
    allocations: list[tuple[OrderLine, Location, int]] = field(default_factory=list)
    backorders: dict[int, int] = field(default_factory=dict)  # line pk -> units


def plan_reservations(
    requests: list[tuple[OrderLine, int]],
    *,
    partial: bool = False,
    store_first: bool = False,
    lock: bool = True,
) -> ReservationPlan:
    """Lock the stock rows of the requested products and decide where each unit comes from
    (``lock=False``: a plan from the rows as they are, which the reservation itself checks).

    It reserves from the rows ``inventory.selectors.available_to_sell`` counts (the products at
    ``fulfilment_locations()``), so what order entry shows as available is what it can take.

    ``requests`` pairs a line with the units it still needs. Units not in stock are planned as
    backorders where the product allows it (or ``partial`` is set, to fill what can be filled);
    otherwise InsufficientStock is raised, naming every short SKU.

    ``store_first`` (an order taken at a store's till) puts the store locations ahead of the
    warehouses: the customer is standing at the shelf the stock is on.
    """
    locations = list(fulfilment_locations())
    if store_first:
        locations.sort(key=lambda location: location.kind != Location.Kind.STORE)
    read = inventory.lock_stock_levels if lock else inventory.stock_levels
    levels = read(
        product_ids=[line.product_id for line, _ in requests],
        location_ids=[location.pk for location in locations],
    )
    available: dict[tuple[int, int], int] = defaultdict(int)
    for level in levels:
        available[level.product_id, level.location_id] = level.available

    plan = ReservationPlan()
    shortages = []
    for line, wanted in requests:
        remaining = wanted
        for location in locations:
            take = min(remaining, available[line.product_id, location.pk])
            if take > 0:
                plan.allocations.append((line, location, take))
                available[line.product_id, location.pk] -= take
                remaining -= take
        if remaining and (partial or line.product.allow_backorder):
            plan.backorders[line.pk] = remaining
        elif remaining:
            in_stock = sum(
                level.available for level in levels if level.product_id == line.product_id
            )
            shortages.append((line.sku, wanted, in_stock))
    if shortages:
        raise InsufficientStock(shortages)
    return plan
