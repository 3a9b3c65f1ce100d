"""Filling backorders when stock arrives."""

from collections import defaultdict
from typing import Any

from django.db import transaction
from django.db.models import F

from inventory import services as inventory
from inventory.models import Product

from .. import events, sourcing, workflow
from ..models import (
    Allocation,
    Order,
    OrderLine,
)
from .common import refresh_fulfilment_status


@transaction.atomic
def allocate_backorders(*, product: Product) -> int:
    """Reserve newly available stock for backordered lines, oldest order first.

    Locks follow the order every service uses (orders, then stock rows) so this can run beside
    a cancellation or a shipment without deadlocking. Returns the number of units allocated.
    """
    waiting = OrderLine.objects.filter(
        product=product,
        quantity_backordered__gt=0,
        order__status__in=workflow.OPEN_STATUSES,
    )
    order_ids = set(waiting.values_list("order_id", flat=True))
    list(Order.objects.filter(pk__in=order_ids).select_for_update().order_by("pk"))
    lines = list(waiting.select_related("order", "product").order_by("order__placed_at", "pk"))
    if not lines:
        return 0
    plan = sourcing.plan_reservations(
        [(line, line.quantity_backordered) for line in lines], partial=True
    )
    by_order: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for line, location, quantity in plan.allocations:
        inventory.reserve(product=product, location=location, quantity=quantity)
        allocation, created = Allocation.objects.get_or_create(
            line=line, location=location, defaults={"quantity": quantity}
        )
        if not created:
            Allocation.objects.filter(pk=allocation.pk).update(quantity=F("quantity") + quantity)
        line.quantity_allocated += quantity
        line.quantity_backordered -= quantity
        by_order[line.order_id].append(
            {"sku": line.sku, "location": location.code, "quantity": quantity}
        )
    OrderLine.objects.bulk_update(lines, ["quantity_allocated", "quantity_backordered"])
    for line in lines:
        if line.order_id in by_order:
            order = line.order
            refresh_fulfilment_status(order, list(order.lines.all()))
            events.backorder_allocated(order, by_order.pop(line.order_id))
    return sum(quantity for _, _, quantity in plan.allocations)
