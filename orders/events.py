"""One creator per event type: the timeline shows ``message``; ``data`` keeps the details."""

from typing import Any

from django.contrib.auth.models import AbstractBaseUser

from .models import Order, OrderEvent

Type = OrderEvent.Type
Actor = AbstractBaseUser | None


MESSAGE_LENGTH = OrderEvent._meta.get_field("message").max_length


def _event(order: Order, type_: str, message: str, actor: Actor, **data: Any) -> OrderEvent:
    """Write one event. Long messages (a 40-line order) are cut; ``data`` keeps every detail."""
    if len(message) > MESSAGE_LENGTH:
        message = message[: MESSAGE_LENGTH - 1] + "…"
    return OrderEvent.objects.create(
        order=order, type=type_, message=message, actor=actor, data=data
    )


def order_placed(order: Order, actor: Actor) -> OrderEvent:
    return _event(
        order,
        Type.PLACED,
        f"Order placed via {order.channel.name} for {order.total} {order.currency}.",
        actor,
        total=str(order.total),
    )


def draft_created(order: Order, actor: Actor) -> OrderEvent:
    return _event(order, Type.DRAFT_CREATED, "Draft order created.", actor)


def stock_reserved(order: Order, reserved: list[dict[str, Any]], actor: Actor) -> OrderEvent:
    parts = ", ".join(f"{r['quantity']} × {r['sku']} at {r['location']}" for r in reserved)
    return _event(order, Type.STOCK_RESERVED, f"Reserved {parts}.", actor, allocations=reserved)


def backordered(order: Order, lines: list[dict[str, Any]], actor: Actor) -> OrderEvent:
    parts = ", ".join(f"{line['quantity']} × {line['sku']}" for line in lines)
    return _event(order, Type.BACKORDERED, f"Backordered {parts}.", actor, lines=lines)


def backorder_allocated(order: Order, reserved: list[dict[str, Any]]) -> OrderEvent:
    parts = ", ".join(f"{r['quantity']} × {r['sku']} at {r['location']}" for r in reserved)
    return _event(
        order, Type.BACKORDER_ALLOCATED, f"Backorder filled: {parts}.", None, allocations=reserved
    )


def order_confirmed(order: Order, actor: Actor) -> OrderEvent:
    return _event(order, Type.CONFIRMED, "Order confirmed.", actor)


def processing_started(order: Order, actor: Actor) -> OrderEvent:
    return _event(order, Type.PROCESSING, "Processing started.", actor)


def order_held(order: Order, actor: Actor) -> OrderEvent:
    message = f"Put on hold: {order.get_hold_reason_display()}."
    if order.hold_note:
        message += f" {order.hold_note}"
    return _event(order, Type.HELD, message, actor, reason=order.hold_reason, note=order.hold_note)


def hold_released(order: Order, reason: str, actor: Actor) -> OrderEvent:
    return _event(
        order,
        Type.HOLD_RELEASED,
        f"Hold released; back to {order.get_status_display().lower()}.",
        actor,
        previous_reason=reason,
    )


def order_cancelled(order: Order, released: int, actor: Actor) -> OrderEvent:
    message = f"Cancelled: {order.cancel_reason}."
    if released:
        message += f" {released} reserved unit(s) returned to stock."
    return _event(
        order, Type.CANCELLED, message, actor, reason=order.cancel_reason, released=released
    )


def order_shipped(order: Order, shipped: list[dict[str, Any]], actor: Actor) -> OrderEvent:
    parts = ", ".join(f"{s['quantity']} × {s['sku']} from {s['location']}" for s in shipped)
    return _event(order, Type.SHIPPED, f"Shipped {parts}.", actor, shipped=shipped)


def order_delivered(order: Order, actor: Actor) -> OrderEvent:
    return _event(order, Type.DELIVERED, "Delivered to the customer.", actor)


def order_completed(order: Order, actor: Actor) -> OrderEvent:
    return _event(order, Type.COMPLETED, "Order completed.", actor)


def lines_changed(order: Order, message: str, changes: list[dict[str, Any]], actor: Actor):
    return _event(order, Type.LINES_CHANGED, message, actor, changes=changes)


def note_added(order: Order, text: str, actor: Actor) -> OrderEvent:
    return _event(order, Type.NOTE, text, actor)


def email_sent(order: Order, kind: str, recipient: str) -> OrderEvent:
    return _event(order, Type.EMAIL_SENT, f"E-mail '{kind}' sent to {recipient}.", None, kind=kind)
