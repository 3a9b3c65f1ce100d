"""One creator per event type: the timeline shows ``message``; ``data`` keeps the details."""

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from .models import Order, OrderEvent

if TYPE_CHECKING:
    from payments.models import Payment, Refund

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


def email_sent(order: Order, kind: str, recipient: str, **data: Any) -> OrderEvent:
    """Both the timeline entry and the record that stops the same e-mail going out twice."""
    label = kind.replace("_", " ")
    return _event(
        order, Type.EMAIL_SENT, f"E-mail '{label}' sent to {recipient}.", None, kind=kind, **data
    )


# --- payments ------------------------------------------------------------------------------


def _payment_label(payment: "Payment") -> str:
    label = payment.get_method_display()
    if payment.card_label:
        label += f" ({payment.card_label})"
    return label


def _payment_data(payment: "Payment", **extra: Any) -> dict[str, Any]:
    return {
        "payment": payment.pk,
        "gateway": payment.gateway,
        "method": payment.method,
        "reference": payment.gateway_reference,
        **extra,
    }


def _when(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M %Z")


def payment_link_sent(order: Order, payment: "Payment", actor: Actor) -> OrderEvent:
    return _event(
        order,
        Type.PAYMENT_LINK_SENT,
        f"Payment link for {payment.amount} {payment.currency} sent to {order.email}.",
        actor,
        **_payment_data(payment, amount=str(payment.amount), url=payment.checkout_url),
    )


def payment_link_emailed(order: Order, payment: "Payment", recipient: str) -> OrderEvent:
    return email_sent(order, "payment_link", recipient, payment=payment.pk)


def payment_expected(order: Order, payment: "Payment", actor: Actor) -> OrderEvent:
    message = f"Awaiting {payment.amount} {payment.currency} by {payment.get_method_display()}"
    message += f", due {payment.due_date:%Y-%m-%d}." if payment.due_date else "."
    return _event(
        order,
        Type.PAYMENT_EXPECTED,
        message,
        actor,
        **_payment_data(payment, amount=str(payment.amount)),
    )


def payment_authorized(order: Order, payment: "Payment", actor: Actor) -> OrderEvent:
    message = (
        f"{_payment_label(payment)} authorized for {payment.authorized_amount} {payment.currency}."
    )
    if payment.authorization_expires_at:
        message += f" Capture by {_when(payment.authorization_expires_at)}."
    return _event(
        order,
        Type.PAYMENT_AUTHORIZED,
        message,
        actor,
        **_payment_data(payment, amount=str(payment.authorized_amount)),
    )


def payment_captured(order: Order, payment: "Payment", amount: Decimal, actor: Actor):
    message = f"{_payment_label(payment)}: captured {amount} {payment.currency}."
    released = payment.authorized_amount - payment.captured_amount
    if released > 0:
        message += f" The remaining {released} {payment.currency} was released."
    return _event(
        order, Type.PAYMENT_CAPTURED, message, actor, **_payment_data(payment, amount=str(amount))
    )


def payment_received(
    order: Order, payment: "Payment", amount: Decimal, reference: str, actor: Actor
) -> OrderEvent:
    message = f"Received {amount} {payment.currency} by {payment.get_method_display().lower()}"
    message += f" (reference {reference})." if reference else "."
    return _event(
        order,
        Type.PAYMENT_RECEIVED,
        message,
        actor,
        **_payment_data(payment, amount=str(amount), receipt=reference),
    )


def payment_refunded(order: Order, refund: "Refund", actor: Actor) -> OrderEvent:
    payment = refund.payment
    where = " outside the OMS" if refund.external else ""
    message = f"Refunded {refund.amount} {payment.currency}{where}"
    message += f": {refund.reason}." if refund.reason else "."
    return _event(
        order,
        Type.PAYMENT_REFUNDED,
        message,
        actor,
        **_payment_data(payment, refund=refund.pk, amount=str(refund.amount)),
    )


def payment_failed(
    order: Order, payment: "Payment", operation: str, message: str, code: str, actor: Actor
) -> OrderEvent:
    return _event(
        order,
        Type.PAYMENT_FAILED,
        f"{_payment_label(payment)}: {operation} failed — {message}",
        actor,
        **_payment_data(payment, operation=operation, code=code),
    )


def payment_voided(order: Order, payment: "Payment", actor: Actor) -> OrderEvent:
    return _event(
        order,
        Type.PAYMENT_VOIDED,
        f"{_payment_label(payment)}: authorization of {payment.amount} {payment.currency} voided.",
        actor,
        **_payment_data(payment),
    )


def payment_expired(order: Order, payment: "Payment") -> OrderEvent:
    return _event(
        order,
        Type.PAYMENT_EXPIRED,
        f"{_payment_label(payment)}: the authorization expired before it was captured.",
        None,
        **_payment_data(payment),
    )


def authorization_expiring(order: Order, payment: "Payment") -> OrderEvent:
    deadline = payment.authorization_expires_at
    return _event(
        order,
        Type.AUTHORIZATION_EXPIRING,
        f"Finance: the authorization of {payment.authorized_amount} {payment.currency} "
        f"expires {_when(deadline)}; capture it or ask the customer to pay again.",
        None,
        **_payment_data(payment, expires_at=deadline.isoformat()),
    )


def dispute_opened(
    order: Order, payment: "Payment", amount: Decimal, reason: str, due_by: datetime | None
) -> OrderEvent:
    message = (
        f"Finance: the customer's bank opened a dispute for {amount} {payment.currency}"
        f" (reason: {reason.replace('_', ' ') or 'not given'})."
    )
    if due_by:
        message += f" Respond in Stripe by {_when(due_by)}."
    return _event(
        order,
        Type.DISPUTE_OPENED,
        message,
        None,
        **_payment_data(
            payment, amount=str(amount), reason=reason, dispute=payment.dispute_reference
        ),
    )
