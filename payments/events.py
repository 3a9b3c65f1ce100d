"""Payments' entries on the order timeline, one creator per event type, written through
``orders.events.record`` (so other domains hear of them too)."""

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from orders.events import Type, record
from orders.models import Order, OrderEvent

from .models import Payment, PaymentStatus, Refund

Actor = AbstractBaseUser | None


def _payment_label(payment: Payment) -> str:
    label = payment.get_method_display()
    if payment.card_label:
        label += f" ({payment.card_label})"
    return label


def _payment_data(payment: Payment, **extra: Any) -> dict[str, Any]:
    return {
        "payment": payment.pk,
        "gateway": payment.gateway,
        "method": payment.method,
        "reference": payment.gateway_reference,
        **extra,
    }


def _when(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M %Z")


def payment_link_sent(order: Order, payment: Payment, actor: Actor) -> OrderEvent:
    return record(
        order,
        Type.PAYMENT_LINK_SENT,
        f"Payment link for {payment.amount} {payment.currency} sent to {order.email}.",
        actor,
        **_payment_data(payment, amount=str(payment.amount), url=payment.checkout_url),
    )


def payment_expected(order: Order, payment: Payment, actor: Actor) -> OrderEvent:
    message = f"Awaiting {payment.amount} {payment.currency} by {payment.get_method_display()}"
    message += f", due {payment.due_date:%Y-%m-%d}." if payment.due_date else "."
    return record(
        order,
        Type.PAYMENT_EXPECTED,
        message,
        actor,
        **_payment_data(payment, amount=str(payment.amount)),
    )


def payment_authorized(order: Order, payment: Payment, actor: Actor) -> OrderEvent:
    message = (
        f"{_payment_label(payment)} authorized for {payment.authorized_amount} {payment.currency}."
    )
    if payment.authorization_expires_at:
        message += f" Capture by {_when(payment.authorization_expires_at)}."
    return record(
        order,
        Type.PAYMENT_AUTHORIZED,
        message,
        actor,
        **_payment_data(payment, amount=str(payment.authorized_amount)),
    )


def payment_captured(order: Order, payment: Payment, amount: Decimal, actor: Actor):
    message = f"{_payment_label(payment)}: captured {amount} {payment.currency}."
    rest = payment.authorized_amount - payment.captured_amount
    if rest > 0 and payment.status == PaymentStatus.PARTIALLY_CAPTURED:
        message += f" {rest} {payment.currency} stays authorized for what is still to ship."
    elif rest > 0:
        message += f" The remaining {rest} {payment.currency} was released."
    return record(
        order, Type.PAYMENT_CAPTURED, message, actor, **_payment_data(payment, amount=str(amount))
    )


def payment_received(
    order: Order, payment: Payment, amount: Decimal, reference: str, actor: Actor
) -> OrderEvent:
    message = f"Received {amount} {payment.currency} by {payment.get_method_display().lower()}"
    message += f" (reference {reference})." if reference else "."
    return record(
        order,
        Type.PAYMENT_RECEIVED,
        message,
        actor,
        **_payment_data(payment, amount=str(amount), receipt=reference),
    )


def payment_refunded(order: Order, refund: Refund, actor: Actor) -> OrderEvent:
    payment = refund.payment
    where = " outside the OMS" if refund.external else ""
    message = f"Refunded {refund.amount} {payment.currency}{where}"
    message += f": {refund.reason}." if refund.reason else "."
    return record(
        order,
        Type.PAYMENT_REFUNDED,
        message,
        actor,
        **_payment_data(payment, refund=refund.pk, amount=str(refund.amount)),
    )


def payment_failed(
    order: Order, payment: Payment, operation: str, message: str, code: str, actor: Actor
) -> OrderEvent:
    return record(
        order,
        Type.PAYMENT_FAILED,
        f"{_payment_label(payment)}: {operation} failed — {message}",
        actor,
        **_payment_data(payment, operation=operation, code=code),
    )


def payment_voided(order: Order, payment: Payment, actor: Actor) -> OrderEvent:
    message = f"authorization of {payment.amount} {payment.currency} voided."
    if payment.captured_amount > 0:  # what partial captures left of it
        rest = payment.authorized_amount - payment.captured_amount
        message = f"the remaining {rest} {payment.currency} of the authorization was released."
    return record(
        order,
        Type.PAYMENT_VOIDED,
        f"{_payment_label(payment)}: {message}",
        actor,
        **_payment_data(payment),
    )


def stale_payment_refused(
    order: Order, payment: Payment, amount: Decimal, reason: str, *, voiding: bool
) -> OrderEvent:
    """The customer paid a link that may no longer be paid; the gateway holds the money."""
    message = (
        f"{_payment_label(payment)}: the customer authorized {amount} {payment.currency} "
        f"although {reason}; "
    )
    message += "the authorization is being voided." if voiding else "release it in Stripe."
    return record(
        order,
        Type.PAYMENT_FAILED,
        message,
        None,
        **_payment_data(payment, operation="payment", code="payment_refused", reason=reason),
    )


def payment_expired(order: Order, payment: Payment) -> OrderEvent:
    return record(
        order,
        Type.PAYMENT_EXPIRED,
        f"{_payment_label(payment)}: the "
        f"{'rest of the ' if payment.captured_amount > 0 else ''}authorization expired before "
        "it was captured.",
        None,
        **_payment_data(payment),
    )


def authorization_expiring(order: Order, payment: Payment) -> OrderEvent:
    deadline = payment.authorization_expires_at
    return record(
        order,
        Type.AUTHORIZATION_EXPIRING,
        f"Finance: the authorization of {payment.authorized_amount} {payment.currency} "
        f"expires {_when(deadline)}; capture it or ask the customer to pay again.",
        None,
        **_payment_data(payment, expires_at=deadline.isoformat()),
    )


def dispute_opened(
    order: Order, payment: Payment, amount: Decimal, reason: str, due_by: datetime | None
) -> OrderEvent:
    message = (
        f"Finance: the customer's bank opened a dispute for {amount} {payment.currency}"
        f" (reason: {reason.replace('_', ' ') or 'not given'})."
    )
    if due_by:
        message += f" Respond in Stripe by {_when(due_by)}."
    return record(
        order,
        Type.DISPUTE_OPENED,
        message,
        None,
        **_payment_data(
            payment, amount=str(amount), reason=reason, dispute=payment.dispute_reference
        ),
    )


def refund_due(order: Order, amount: Decimal, actor: Actor) -> OrderEvent:
    """The order holds more money than it is owed: Finance's refund-due queue lists it."""
    why = "the order is cancelled" if order.status == "cancelled" else "more was paid than owed"
    return record(
        order,
        Type.REFUND_DUE,
        f"Refund due: {amount} {order.currency} ({why}).",
        actor,
        amount=str(amount),
    )


def overpaid(order: Order, payment: Payment, amount: Decimal, actor: Actor) -> OrderEvent:
    return record(
        order,
        Type.OVERPAID,
        f"Overpayment of {amount} {order.currency} accepted: credit due to the customer.",
        actor,
        **_payment_data(payment, amount=str(amount)),
    )
