"""Re-sourcing: units a location cannot supply after all (damaged, not found, a short pick), and
staff moving an order's units by hand.

Picked units are never moved: they are off the shelf, and shipments (the shipping app's) are
built from picked units only, so what is in a parcel is always picked. Only the unpicked part
of an allocation is released, then planned again by the sourcing engine.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import transaction
from django.db.models import F

from core.limits import check_quantity
from inventory import services as inventory
from inventory.models import Location

from .. import events, sourcing, workflow
from ..exceptions import STATE_WORDS, OrderError, OrderValidationError
from ..models import Allocation, Order, OrderLine
from .common import Actor, lock_order, refresh_fulfilment_status, reserve_backordered

REASON_LENGTH = 200


def resourcing_allowed(order: Order) -> bool:
    """Open and not fully shipped: its units are still held for it and may move."""
    return order.status in workflow.OPEN_STATUSES


def _lock_open(order: Order) -> Order:
    order = lock_order(order)
    if not resourcing_allowed(order):
        state = STATE_WORDS.get(order.status, order.status)
        raise OrderError(
            f"{order.number} is {state}: its stock can no longer be re-sourced.",
            code="not_resourceable",
        )
    return order


@transaction.atomic
def reject_units(
    *, line: OrderLine, location_id: int, quantity: int, reason: str, actor: Actor = None
) -> Order:
    """``location_id`` cannot supply ``quantity`` of the units it holds for ``line`` (damaged,
    not found, a short pick): they go back to its stock (the unpicked ones first; the picked
    count never exceeds what is left there) and are sourced again anywhere else, or
    backordered when nobody has them. The order's timeline records the decision and why."""
    reason = (reason or "").strip()[:REASON_LENGTH] or "Rejected"
    order = _lock_open(line.order)
    line = OrderLine.objects.select_related("product").get(pk=line.pk, order=order)
    allocation = (
        Allocation.objects.filter(line=line, location_id=location_id)
        .select_related("location")
        .first()
    )
    if allocation is None:
        raise OrderValidationError(
            f"{line.sku}: no units of it are held at that location.", field="location_id"
        )
    quantity = check_quantity(
        quantity,
        field="quantity",
        label=f"{line.sku}: units rejected at {allocation.location.code}",
        maximum=allocation.quantity,
        error=OrderValidationError,
    )
    inventory.lock_stock_levels(product_ids=[line.product_id], location_ids=[location_id])
    inventory.release(product=line.product, location=allocation.location, quantity=quantity)
    left = allocation.quantity - quantity
    if left:
        picked = min(allocation.picked_quantity, left)
        Allocation.objects.filter(pk=allocation.pk).update(quantity=left, picked_quantity=picked)
    else:
        allocation.delete()
    line.quantity_allocated -= quantity
    line.quantity_backordered += quantity
    released = [{"sku": line.sku, "location": allocation.location.code, "quantity": quantity}]
    plan = sourcing.plan_reservations(
        [(line, quantity)], order=order, partial=True, excluded_location_ids=[location_id]
    )
    return _finish(
        order, [line], plan, released, f"Rejected at {allocation.location.code} ({reason})", actor
    )


@transaction.atomic
def resource_order(
    *,
    order: Order,
    line_ids: Iterable[int] | None = None,
    location_id: int | None = None,
    actor: Actor = None,
) -> Order:
    """Source the order's (or these lines') units again: their unpicked allocated units go
    back to stock and, with their backordered ones, are planned by the engine, or taken from
    ``location_id`` (an error names each line it cannot fully supply; nothing changes then).
    Picked units stay where they are."""
    order = _lock_open(order)
    lines = list(order.lines.select_related("product").order_by("pk"))
    if line_ids is not None:
        wanted_ids = set(line_ids)
        lines = [line for line in lines if line.pk in wanted_ids]
        if not lines or len(lines) != len(wanted_ids):
            raise OrderValidationError(
                f"Choose lines of {order.number} to re-source.", field="line_ids"
            )
    location = _chosen_location(order, location_id)
    released = _release_unpicked(lines)
    requests = [(line, line.quantity_backordered) for line in lines if line.quantity_backordered]
    if not requests:
        raise OrderError(
            f"Nothing on {order.number} to re-source: every unit left is picked or shipped.",
            code="nothing_to_resource",
        )
    plan = sourcing.plan_reservations(
        requests, order=order, partial=True, only_location_id=location_id
    )
    if location is not None and plan.backorders:
        short = ", ".join(
            f"{line.sku} (needs {wanted}, has {wanted - plan.backorders[line.pk]})"
            for line, wanted in requests
            if plan.backorders.get(line.pk)
        )
        raise OrderValidationError(
            f"{location.code} has too little sellable stock for {short}.", field="location_id"
        )
    reason = f"Re-sourced to {location.code}" if location else "Re-sourced"
    return _finish(order, lines, plan, released, reason, actor)


def _chosen_location(order: Order, location_id: int | None) -> Location | None:
    if location_id is None:
        return None
    location = Location.objects.filter(pk=location_id, is_active=True).first()
    if location is None:
        raise OrderValidationError("Choose an active location.", field="location_id")
    if order.pickup_location_id and location.pk != order.pickup_location_id:
        raise OrderValidationError(
            f"{order.number} is collected at its store: its units come from there only.",
            field="location_id",
        )
    return location


def _release_unpicked(lines: Sequence[OrderLine]) -> list[dict[str, Any]]:
    """Give the lines' unpicked allocated units back to stock and count them as backordered
    until planned again (the caller saves the lines); returns what left where."""
    by_pk = {line.pk: line for line in lines}
    allocations = list(
        Allocation.objects.filter(line__in=lines, quantity__gt=F("picked_quantity"))
        .select_related("location")
        .order_by("pk")
    )
    inventory.lock_stock_levels(
        product_ids=[by_pk[a.line_id].product_id for a in allocations],
        location_ids=[a.location_id for a in allocations],
    )
    released = []
    emptied = []
    for allocation in allocations:
        line = by_pk[allocation.line_id]
        unpicked = allocation.quantity - allocation.picked_quantity
        inventory.release(product=line.product, location=allocation.location, quantity=unpicked)
        if allocation.picked_quantity:
            Allocation.objects.filter(pk=allocation.pk).update(quantity=allocation.picked_quantity)
        else:
            emptied.append(allocation.pk)
        line.quantity_allocated -= unpicked
        line.quantity_backordered += unpicked
        released.append(
            {"sku": line.sku, "location": allocation.location.code, "quantity": unpicked}
        )
    Allocation.objects.filter(pk__in=emptied).delete()
    return released


def _finish(
    order: Order,
    lines: list[OrderLine],
    plan: sourcing.ReservationPlan,
    released: list[dict[str, Any]],
    reason: str,
    actor: Actor,
) -> Order:
    """Reserve the plan, save the lines and the order's fulfilment status, record the event."""
    reserved = reserve_backordered(plan).get(order.pk, [])
    OrderLine.objects.bulk_update(lines, ["quantity_allocated", "quantity_backordered"])
    refresh_fulfilment_status(order, list(order.lines.all()))
    backordered: dict[str, int] = defaultdict(int)
    for line in lines:
        if plan.backorders.get(line.pk):
            backordered[line.sku] += plan.backorders[line.pk]
    events.units_resourced(
        order,
        released=released,
        reserved=reserved,
        backordered=[{"sku": sku, "quantity": units} for sku, units in backordered.items()],
        decision=plan.decision_for(lines),
        reason=reason,
        actor=actor,
    )
    return order
