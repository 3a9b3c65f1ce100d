"""The order's moves through the state machine, one service per transition."""

from collections.abc import Sequence
from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.db.models.functions import Greatest

from core.money import ZERO, to_money
from inventory import services as inventory

from .. import events, signals, workflow
from ..exceptions import ConfirmationBlocked, OrderError, OrderValidationError
from ..models import (
    Allocation,
    FulfilmentStatus,
    HoldReason,
    Order,
    OrderLine,
    OrderStatus,
    PaymentStatus,
)
from .common import (
    Actor,
    advance,
    fulfilment_status_for,
    lock_order,
    release_allocations,
    set_status,
)


def confirmation_blocker(order: Order) -> str:
    """Why the order cannot be confirmed now ("" when nothing stands in the way): each domain
    that has a say (payments: is it paid?) answers ``signals.confirmation_requested``."""
    answers = signals.confirmation_requested.send(sender=Order, order=order)
    return " ".join(reason for _, reason in answers if reason)


@transaction.atomic
def confirm_order(*, order: Order, actor: Actor = None) -> Order:
    """Confirm the order unless a domain vetoes it (``confirmation_blocker``): then raise
    ``ConfirmationBlocked`` with the reason. What follows a confirmation (payments capturing
    on a channel that says so, notifications e-mailing the customer) reacts to the
    ``confirmed`` event."""
    order = lock_order(order)
    workflow.check_transition(order, OrderStatus.CONFIRMED)
    if reason := confirmation_blocker(order):
        raise ConfirmationBlocked(reason)
    set_status(order, OrderStatus.CONFIRMED)
    events.order_confirmed(order, actor)
    return order


@transaction.atomic
def start_processing(*, order: Order, actor: Actor = None) -> Order:
    return advance(order, OrderStatus.PROCESSING, events.processing_started, actor)


@transaction.atomic
def hold_order(*, order: Order, reason: str, note: str = "", actor: Actor = None) -> Order:
    if not reason:
        raise OrderValidationError("Choose a hold reason.", field="reason")
    if reason not in HoldReason.values:
        raise OrderValidationError(f"Unknown hold reason {reason!r}.", field="reason")
    if reason == HoldReason.OTHER and not note.strip():
        raise OrderValidationError("Say why the order is held.", field="note")
    order = lock_order(order)
    workflow.check_transition(order, OrderStatus.ON_HOLD)
    order.status_before_hold = order.status
    order.hold_reason = reason
    order.hold_note = note.strip()[:500]
    order.held_by = actor if actor and actor.pk else None
    set_status(
        order, OrderStatus.ON_HOLD, "status_before_hold", "hold_reason", "hold_note", "held_by"
    )
    events.order_held(order, actor)
    return order


@transaction.atomic
def release_hold(*, order: Order, actor: Actor = None) -> Order:
    order = lock_order(order)
    if not workflow.can_release(order):
        raise OrderError(f"Order {order.number} is not on hold.", code="not_on_hold")
    target = order.status_before_hold
    reason = order.hold_reason
    order.hold_reason, order.hold_note, order.held_by = "", "", None
    order.status_before_hold = ""
    order.status = target
    order.save(
        update_fields=[
            "status",
            "status_before_hold",
            "hold_reason",
            "hold_note",
            "held_by",
            "updated_at",
        ]
    )
    events.hold_released(order, reason, actor)
    return order


@transaction.atomic
def cancel_order(*, order: Order, reason: str, actor: Actor = None) -> Order:
    """Cancel and give every reserved unit back to stock; payments reacts to the event (voids
    authorizations, closes payment links, flags money to refund)."""
    reason = reason.strip()
    if not reason:
        raise OrderValidationError("A cancellation needs a reason.", field="reason")
    order = lock_order(order)
    workflow.check_transition(order, OrderStatus.CANCELLED)
    released = release_allocations(order)
    order.cancel_reason = reason[:500]
    order.hold_reason, order.hold_note, order.held_by = "", "", None
    order.fulfilment_status = FulfilmentStatus.UNFULFILLED
    set_status(
        order,
        OrderStatus.CANCELLED,
        "cancel_reason",
        "hold_reason",
        "hold_note",
        "held_by",
        "fulfilment_status",
    )
    events.order_cancelled(order, released, actor)
    return order


def _allocations_to_ship(
    order: Order, quantities: dict[int, int] | None, location_id: int | None = None
) -> list[tuple[Allocation, int]]:
    """The allocations a shipment takes units from, with how many: all of them, or for each
    line in ``quantities`` (line id → units) that many from its allocations in turn; only
    those at ``location_id`` when given (a parcel leaves one building)."""
    allocations = Allocation.objects.filter(line__order=order)
    if location_id is not None:
        allocations = allocations.filter(location_id=location_id)
    allocations = list(
        allocations.select_related("line__product", "location").order_by("line_id", "pk")
    )
    if quantities is None:
        return [(allocation, allocation.quantity) for allocation in allocations]
    reserved: dict[int, int] = {}
    for allocation in allocations:
        reserved[allocation.line_id] = reserved.get(allocation.line_id, 0) + allocation.quantity
    for line_id, quantity in quantities.items():
        if not isinstance(quantity, int) or quantity < 0 or quantity > reserved.get(line_id, 0):
            raise OrderValidationError(
                f"Line {line_id}: ship between 0 and the {reserved.get(line_id, 0)} "
                "units reserved for it.",
                field=f"quantities[{line_id}]",
            )
    taken = []
    left = dict(quantities)
    for allocation in allocations:
        quantity = min(allocation.quantity, left.get(allocation.line_id, 0))
        if quantity:
            taken.append((allocation, quantity))
            left[allocation.line_id] -= quantity
    return taken


def _shipped_value(lines: Sequence[OrderLine], shipped: dict[int, int]) -> Decimal:
    """What the shipped units are worth, tax included: each line's total pro rata."""
    value = sum(
        (
            (line.line_total + line.tax_amount) * shipped[line.pk] / line.quantity
            for line in lines
            if shipped.get(line.pk)
        ),
        ZERO,
    )
    return to_money(value)


def _commit_shipped_stock(order: Order, taken: list[tuple[Allocation, int]], actor: Actor) -> None:
    """Take the shipped units out of stock (the ledger records the sale) and the allocations."""
    inventory.lock_stock_levels(
        product_ids=[a.line.product_id for a, _ in taken],
        location_ids=[a.location_id for a, _ in taken],
    )
    for allocation, quantity in taken:
        inventory.commit(
            product=allocation.line.product,
            location=allocation.location,
            quantity=quantity,
            reference=order.number,
            user=actor if actor and actor.pk else None,
        )
        if quantity == allocation.quantity:
            allocation.delete()
        else:
            # The units that leave are the picked ones (fulfilment ships only what was picked):
            # picked_quantity stays within what is left (allocation_picked_lte_quantity).
            Allocation.objects.filter(pk=allocation.pk).update(
                quantity=F("quantity") - quantity,
                picked_quantity=Greatest(F("picked_quantity") - quantity, 0),
            )


@transaction.atomic
def ship_order(
    *,
    order: Order,
    quantities: dict[int, int] | None = None,
    location_id: int | None = None,
    actor: Actor = None,
) -> Order:
    """Ship reserved units (all of them, or ``quantities``: line id → units; only those held at
    ``location_id`` when given): stock leaves the building and the ledger records the sale.

    The state machine is asked first, before any stock moves. The ``shipped`` event carries
    what the shipment is worth (``value``; the last shipment also carries the shipping charge)
    so payments captures what was shipped. Fulfilment (pick, pack, labels) calls this per
    shipment.
    """
    order = lock_order(order)
    taken = _allocations_to_ship(order, quantities, location_id)
    if not taken:
        raise OrderError(f"Order {order.number} has no reserved units to ship.", code="nothing")
    per_line: dict[int, int] = {}
    for allocation, quantity in taken:
        per_line[allocation.line_id] = per_line.get(allocation.line_id, 0) + quantity
    lines = list(order.lines.all())
    for line in lines:
        line.quantity_shipped += per_line.get(line.pk, 0)
        line.quantity_allocated -= per_line.get(line.pk, 0)
    fulfilment = fulfilment_status_for(lines)
    complete = fulfilment == FulfilmentStatus.SHIPPED
    target = OrderStatus.SHIPPED if complete else OrderStatus.PARTIALLY_SHIPPED
    if target != order.status:
        workflow.check_transition(order, target)  # before any stock moves
    _commit_shipped_stock(order, taken, actor)
    OrderLine.objects.bulk_update(lines, ["quantity_shipped", "quantity_allocated"])
    order.fulfilment_status = fulfilment
    if target != order.status:
        set_status(order, target, "fulfilment_status")
    else:
        order.save(update_fields=["fulfilment_status", "updated_at"])
    shipped = [
        {"sku": allocation.line.sku, "location": allocation.location.code, "quantity": quantity}
        for allocation, quantity in taken
    ]
    value = _shipped_value(lines, per_line) + (order.shipping_total if complete else ZERO)
    events.order_shipped(order, shipped, value, complete, actor)
    return order


@transaction.atomic
def mark_delivered(*, order: Order, actor: Actor = None) -> Order:
    return advance(order, OrderStatus.DELIVERED, events.order_delivered, actor)


@transaction.atomic
def complete_order(*, order: Order, actor: Actor = None) -> Order:
    return advance(order, OrderStatus.COMPLETED, events.order_completed, actor)


@transaction.atomic
def add_note(*, order: Order, text: str, actor: Actor = None) -> None:
    text = text.strip()
    if not text:
        raise OrderValidationError("A note cannot be empty.", field="text")
    events.note_added(order, text, actor)


def set_payment_status(*, order: Order, status: str) -> Order:
    """Store the payment status payments derives for the order (the caller holds the order's
    lock in its transaction: payments writes it through here, never on the model itself)."""
    if status not in PaymentStatus.values:
        raise OrderValidationError(f"Unknown payment status {status!r}.", field="payment_status")
    if order.payment_status != status:
        order.payment_status = status
        order.save(update_fields=["payment_status", "updated_at"])
    return order
