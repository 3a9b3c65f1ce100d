"""What every payment service shares: the locks (order, then payment, the order every
service takes so none deadlock), the record of each gateway call, merging a gateway's answer
into a payment (amounts only ever rise, so late or repeated news converges), and the order's
payment status, derived in ``selectors`` and stored through ``orders.services``."""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from core.money import ZERO, to_money
from orders import services as order_services
from orders.models import Order, OrderStatus

from .. import events, selectors
from ..exceptions import (
    GatewayError,
    GatewayUnavailable,
    InvalidPaymentState,
    PaymentAmountError,
)
from ..gateways import GatewayResult, StripeGateway
from ..models import (
    DEFAULT_AUTHORIZATION_WINDOW,
    Gateway,
    Payment,
    PaymentStatus,
    PaymentTransaction,
    Refund,
)

logger = logging.getLogger(__name__)

Actor = AbstractBaseUser | None
Kind = PaymentTransaction.Kind
Source = PaymentTransaction.Source


STATE_FIELDS = [
    "status",
    "gateway_reference",
    "authorized_amount",
    "captured_amount",
    "refunded_amount",
    "authorized_at",
    "captured_at",
    "authorization_expires_at",
    "card_brand",
    "card_last4",
    "failure_code",
    "failure_message",
    "updated_at",
]
# A payment in one of these may still become authorized, or be voided or expire.
OPEN_STATUSES = frozenset({PaymentStatus.PENDING, PaymentStatus.AUTHORIZED, PaymentStatus.FAILED})
CLOSED_ORDER_STATUSES = frozenset({OrderStatus.DRAFT, OrderStatus.CANCELLED, OrderStatus.COMPLETED})


# --- helpers ------------------------------------------------------------------------------


def saved_user(actor: Actor) -> Any:
    """The actor for a foreign key: only a saved user (tasks and webhooks act as nobody)."""
    return actor if actor is not None and getattr(actor, "pk", None) else None


def lock_order(order_id: int) -> Order:
    return Order.objects.select_for_update(of=("self",)).select_related("channel").get(pk=order_id)


def lock_payment(payment: Payment) -> Payment:
    """Lock the payment's order, then the payment, and return the payment re-read."""
    order_id = Payment.objects.values_list("order_id", flat=True).get(pk=payment.pk)
    order = lock_order(order_id)
    locked = Payment.objects.select_for_update(of=("self",)).get(pk=payment.pk)
    locked.order = order
    return locked


def record_transaction(
    payment: Payment,
    kind: str,
    amount: Decimal | None,
    *,
    success: bool,
    key: str = "",
    result: GatewayResult | None = None,
    error: GatewayError | None = None,
    source: str = Source.API,
    reference: str = "",
    refund: Refund | None = None,
    actor: Actor = None,
) -> PaymentTransaction:
    raw = result.raw if result is not None else getattr(error, "raw", {}) or {}
    if result is not None and not reference:
        reference = result.object_id
    return PaymentTransaction.objects.create(
        payment=payment,
        refund=refund,
        kind=kind,
        source=source,
        amount=amount or ZERO,
        success=success,
        error_code=((error.decline_code or error.code) if error else "")[:100],
        error_message=(error.message if error else "")[:500],
        gateway_reference=reference[:255],
        idempotency_key=key,
        raw_response=raw,
        actor=saved_user(actor),
    )


def captured_status(payment: Payment) -> str:
    if payment.refunded_amount >= payment.captured_amount:
        return PaymentStatus.REFUNDED
    if payment.refunded_amount > 0:
        return PaymentStatus.PARTIALLY_REFUNDED
    return PaymentStatus.CAPTURED


def apply_result(payment: Payment, result: GatewayResult, actor: Actor) -> bool:
    """Merge what the gateway says into the payment, never lowering an amount or going back
    to an earlier status; write the events for what changed. Returns whether anything did."""
    order = payment.order
    before = {field: getattr(payment, field) for field in STATE_FIELDS}
    was_authorized = payment.authorized_at is not None
    now = timezone.now()
    if result.reference and not payment.gateway_reference:
        payment.gateway_reference = result.reference
    if result.card_last4 and not payment.card_last4:
        payment.card_brand, payment.card_last4 = result.card_brand[:20], result.card_last4[-4:]
    captured = max(payment.captured_amount, result.captured or ZERO)
    payment.authorized_amount = max(payment.authorized_amount, result.authorized or ZERO, captured)
    payment.captured_amount = captured
    if captured > 0:
        payment.status = captured_status(payment)
        payment.captured_at = payment.captured_at or now
        payment.authorized_at = payment.authorized_at or now
    elif result.canceled:
        if payment.status in (
            PaymentStatus.PENDING,
            PaymentStatus.AUTHORIZED,
            PaymentStatus.FAILED,
        ):
            expired = result.cancellation_reason == "automatic"
            payment.status = PaymentStatus.EXPIRED if expired else PaymentStatus.VOIDED
    elif payment.authorized_amount > 0 and payment.status in (
        PaymentStatus.PENDING,
        PaymentStatus.FAILED,
    ):
        payment.status = PaymentStatus.AUTHORIZED
        payment.authorized_at = payment.authorized_at or now
        payment.failure_code = payment.failure_message = ""
    if payment.authorized_at and payment.captured_amount == 0:
        if result.authorization_expires_at:
            payment.authorization_expires_at = result.authorization_expires_at
        elif not payment.authorization_expires_at:
            payment.authorization_expires_at = payment.authorized_at + DEFAULT_AUTHORIZATION_WINDOW
    changed = {field for field in STATE_FIELDS if getattr(payment, field) != before[field]}
    if not changed:
        return False
    payment.save(update_fields=STATE_FIELDS)
    if not was_authorized and payment.status == PaymentStatus.AUTHORIZED:
        events.payment_authorized(order, payment, actor)
    if captured > before["captured_amount"]:
        events.payment_captured(order, payment, captured - before["captured_amount"], actor)
    if payment.status != before["status"]:
        if payment.status == PaymentStatus.VOIDED:
            events.payment_voided(order, payment, actor)
        elif payment.status == PaymentStatus.EXPIRED:
            events.payment_expired(order, payment)
    refresh_order_payment_status(order)
    return True


def record_failure(
    payment: Payment,
    operation: str,
    error: GatewayError,
    *,
    kind: str,
    amount: Decimal | None,
    key: str,
    actor: Actor,
    mark_failed: bool = False,
    refund: Refund | None = None,
) -> None:
    """Record a failed call; a final failure also goes on the timeline (and may fail the
    payment). A network failure is only recorded: the task retries it."""
    record_transaction(
        payment, kind, amount, success=False, key=key, error=error, refund=refund, actor=actor
    )
    if mark_failed:
        intent = (error.raw.get("error") or {}).get("payment_intent") or {}
        if isinstance(intent, dict) and intent.get("id") and not payment.gateway_reference:
            payment.gateway_reference = intent["id"]
        payment.status = PaymentStatus.FAILED
        payment.failure_code = (error.decline_code or error.code)[:100]
        payment.failure_message = error.message[:500]
        payment.save(update_fields=STATE_FIELDS)
    elif isinstance(error, GatewayUnavailable):
        return
    events.payment_failed(
        payment.order, payment, operation, error.message, error.decline_code or error.code, actor
    )


def converge(payment: Payment, actor: Actor) -> None:
    """After Stripe refused a capture or void for the PaymentIntent's state, read it and take
    what happened meanwhile (captured in the Stripe dashboard, expired…)."""
    if payment.gateway != Gateway.STRIPE or not payment.gateway_reference:
        return
    try:
        current = StripeGateway().retrieve(payment.gateway_reference)
    except GatewayError as error:
        logger.warning("could not re-read %s: %s", payment.gateway_reference, error)
        return
    apply_result(payment, current, actor)


def check_order_open(order: Order) -> None:
    if order.status in CLOSED_ORDER_STATUSES:
        raise InvalidPaymentState(
            f"Order {order.number} is {order.get_status_display().lower()}: "
            "it takes no new payments.",
            code="order_closed",
        )


def amount_or_uncovered(order: Order, amount: Decimal | None) -> Decimal:
    if amount is None:
        amount = selectors.payment_summary(order).uncovered
        if amount <= 0:
            raise PaymentAmountError(
                f"Order {order.number} is already paid or authorized in full.", code="nothing_due"
            )
        return amount
    amount = to_money(amount)
    if amount <= 0:
        raise PaymentAmountError("The amount must be more than zero.")
    return amount


def actor_id(actor: Actor) -> int | None:
    user = saved_user(actor)
    return user.pk if user else None


# --- the order's payment status -----------------------------------------------------------


def refresh_order_payment_status(order: Order) -> str:
    """Write ``Order.payment_status`` as derived from the payments (``selectors``: one place).

    Callers hold the order's lock, so two payments changing at once cannot both write a stale
    status. Any service that changes an order's total should call it too.
    """
    status = selectors.payment_summary(order).status
    order_services.set_payment_status(order=order, status=status)
    return status
