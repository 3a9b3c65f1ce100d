"""Backorders: filled when stock arrives, made when reserved stock is written off."""

from collections import defaultdict
from collections.abc import Sequence

from django.db import transaction
from django.db.models import F

from inventory.models import Location, Product

from .. import events, sourcing, workflow
from ..models import (
    Allocation,
    HoldReason,
    Order,
    OrderLine,
    OrderStatus,
)
from .common import Actor, refresh_fulfilment_status, reserve_backordered
from .transitions import release_hold


def _lock_orders(order_ids: set[int]) -> None:
    """Orders before stock rows, in primary-key order, as every order service locks them."""
    list(Order.objects.filter(pk__in=order_ids).select_for_update().order_by("pk"))


def _release_stock_hold(order: Order, lines: Sequence[OrderLine]) -> None:
    """An order held as out of stock goes back to work once nothing on it waits for stock."""
    if (
        order.status == OrderStatus.ON_HOLD
        and order.hold_reason == HoldReason.OUT_OF_STOCK
        and not any(line.quantity_backordered for line in lines)
    ):
        release_hold(order=order)


@transaction.atomic
def allocate_backorders(*, product: Product) -> int:
    """Reserve newly available stock for backordered lines, oldest order first; an order held
    as out of stock whose backorders are all filled is released. Returns the units allocated.

    Locks follow the order every service uses (orders, then stock rows) so this can run beside
    a cancellation or a shipment without deadlocking.
    """
    waiting = OrderLine.objects.filter(
        product=product,
        quantity_backordered__gt=0,
        order__status__in=workflow.OPEN_STATUSES,
    )
    _lock_orders(set(waiting.values_list("order_id", flat=True)))
    lines = list(waiting.select_related("order", "product").order_by("order__placed_at", "pk"))
    if not lines:
        return 0
    plan = sourcing.plan_reservations(
        [(line, line.quantity_backordered) for line in lines], partial=True
    )
    by_order = reserve_backordered(plan)
    OrderLine.objects.bulk_update(lines, ["quantity_allocated", "quantity_backordered"])
    orders = {line.order_id: line.order for line in lines}
    for order_id, reserved in by_order.items():
        order = orders[order_id]
        order_lines = list(order.lines.all())
        refresh_fulfilment_status(order, order_lines)
        events.backorder_allocated(order, reserved)
        _release_stock_hold(order, order_lines)
    return sum(quantity for _, _, quantity in plan.allocations)


def _take_lost_units(
    product: Product, location: Location, quantity: int
) -> list[tuple[OrderLine, int]]:
    """Take ``quantity`` units off the open orders' allocations of ``product`` at ``location``,
    newest order first (the oldest keep their stock), and count them as backordered for now.
    Returns each line with the units it lost; the caller saves the lines."""
    held = Allocation.objects.filter(
        line__product=product, location=location, line__order__status__in=workflow.OPEN_STATUSES
    )
    _lock_orders(set(held.values_list("line__order_id", flat=True)))
    allocations = held.select_related("line__order", "line__product").order_by(
        F("line__order__placed_at").desc(nulls_last=True), "-line__order_id", "-pk"
    )
    taken = []
    left = quantity
    for allocation in allocations:
        if not left:
            break
        take = min(allocation.quantity, left)
        left -= take
        if take == allocation.quantity:
            allocation.delete()
        else:
            Allocation.objects.filter(pk=allocation.pk).update(quantity=F("quantity") - take)
        line = allocation.line
        line.quantity_allocated -= take
        line.quantity_backordered += take
        taken.append((line, take))
    return taken


@transaction.atomic
def reallocate_written_off_stock(
    *, product: Product, location: Location, quantity: int, reason: str, actor: Actor = None
) -> None:
    """Reserved units at ``location`` were written off (damaged, lost): the orders that held
    them reserve the units again wherever stock is free, or backorder them, and each order's
    timeline says which. Runs inside the write-off's transaction (``inventory.signals``)."""
    taken = _take_lost_units(product, location, quantity)
    if not taken:
        return
    plan = sourcing.plan_reservations(taken, partial=True)
    reserved = reserve_backordered(plan)
    lines = [line for line, _ in taken]
    OrderLine.objects.bulk_update(lines, ["quantity_allocated", "quantity_backordered"])
    per_order: dict[int, list[tuple[OrderLine, int]]] = defaultdict(list)
    for line, lost in taken:
        per_order[line.order_id].append((line, lost))
    for order_id, order_taken in per_order.items():
        order = order_taken[0][0].order
        refresh_fulfilment_status(order, list(order.lines.all()))
        events.stock_written_off(
            order,
            written_off=[
                {"sku": line.sku, "location": location.code, "quantity": lost}
                for line, lost in order_taken
            ],
            reserved=reserved.get(order_id, []),
            backordered=[
                {"sku": line.sku, "quantity": plan.backorders[line.pk]}
                for line, _ in order_taken
                if plan.backorders.get(line.pk)
            ],
            reason=reason,
            actor=actor,
        )
