"""Stripe webhooks: each verified event stored once by id, then applied once by a task."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from core.money import ZERO
from orders import services as order_services
from orders import workflow
from orders.models import HoldReason, OrderStatus

from .. import events, tasks
from ..exceptions import (
    GatewayUnavailable,
    PaymentDeclined,
    PaymentError,
)
from ..gateways import GatewayResult, StripeGateway, from_minor
from ..gateways.stripe_gateway import charge_result, intent_result
from ..models import (
    Gateway,
    Payment,
    PaymentStatus,
    Refund,
    StripeWebhookEvent,
)
from .common import (
    STATE_FIELDS,
    Kind,
    Source,
    apply_result,
    captured_status,
    lock_payment,
    record_failure,
    record_transaction,
    refresh_order_payment_status,
)

logger = logging.getLogger(__name__)


# --- Stripe webhooks ----------------------------------------------------------------------


def store_stripe_event(*, event: dict[str, Any]) -> tuple[StripeWebhookEvent, bool]:
    """Keep a verified event once by its id and process it in a task after the commit.

    A second delivery of the same event id is stored nowhere and processed no more (unless the
    first is still unprocessed, when it is queued again: processing is once-only by itself).
    """
    with transaction.atomic():
        stored, created = StripeWebhookEvent.objects.get_or_create(
            event_id=event["id"],
            defaults={
                "type": str(event.get("type", ""))[:100],
                "livemode": bool(event.get("livemode")),
                "payload": event,
            },
        )
        if stored.processed_at is None:
            # robust: a failing eager run must not turn Stripe's delivery into a 500.
            transaction.on_commit(lambda: tasks.process_stripe_event.delay(stored.pk), robust=True)
    return stored, created


def process_stripe_event(*, event_pk: int) -> bool:
    """Apply a stored event once (the event row lock makes two workers take turns).

    A ``GatewayUnavailable`` while re-reading Stripe rolls back and is raised for the task to
    retry; any other payment error is noted on the event, which counts as processed.
    """
    with transaction.atomic():
        event = StripeWebhookEvent.objects.select_for_update().filter(pk=event_pk).first()
        if event is None or event.processed_at is not None:
            return False
        handler = WEBHOOK_HANDLERS.get(event.type)
        note = ""
        if handler is not None:
            obj = (event.payload.get("data") or {}).get("object") or {}
            try:
                with transaction.atomic():
                    note = handler(event, obj) or ""
            except GatewayUnavailable:
                raise
            except PaymentError as error:
                note = f"{error.code}: {error}"
        event.processed_at = timezone.now()
        event.error = note
        event.save(update_fields=["processed_at", "error"])
    return True


def _stripe_payment(reference: str, metadata: dict[str, Any]) -> Payment | None:
    """Our payment for a PaymentIntent id, or by the ``oms_payment`` id we put in metadata."""
    payment = None
    if reference:
        payment = Payment.objects.filter(
            gateway=Gateway.STRIPE, gateway_reference=reference
        ).first()
    oms_id = str(metadata.get("oms_payment") or "")
    if payment is None and oms_id.isdigit():
        payment = Payment.objects.filter(pk=int(oms_id), gateway=Gateway.STRIPE).first()
    return payment


WEBHOOK_KINDS = {
    "payment_intent.amount_capturable_updated": Kind.AUTHORIZE,
    "payment_intent.succeeded": Kind.CAPTURE,
    "payment_intent.canceled": Kind.VOID,
    "payment_intent.payment_failed": Kind.AUTHORIZE,
    "checkout.session.completed": Kind.AUTHORIZE,
    "charge.refunded": Kind.REFUND,
}


def _apply_webhook(payment: Payment, event: StripeWebhookEvent, result: GatewayResult) -> str:
    changed = apply_result(payment, result, None)
    if not changed:
        return ""
    amount = result.captured or result.authorized or payment.amount
    record_transaction(
        payment,
        WEBHOOK_KINDS.get(event.type, Kind.AUTHORIZE),
        amount,
        success=True,
        source=Source.WEBHOOK,
        result=result,
        reference=event.event_id,
    )
    return ""


def _on_payment_intent(event: StripeWebhookEvent, intent: dict[str, Any]) -> str:
    """amount_capturable_updated, succeeded, canceled: converge on the PaymentIntent's amounts."""
    result = intent_result(intent)
    payment = _stripe_payment(result.reference, result.metadata)
    if payment is None:
        return f"ignored: no OMS payment for {result.reference}"
    payment = lock_payment(payment)
    if (
        result.authorized
        and not result.authorization_expires_at
        and payment.authorization_expires_at is None
    ):
        result.authorization_expires_at = StripeGateway().authorization_deadline(intent)
    return _apply_webhook(payment, event, result)


def _on_payment_failed(event: StripeWebhookEvent, intent: dict[str, Any]) -> str:
    result = intent_result(intent)
    payment = _stripe_payment(result.reference, result.metadata)
    if payment is None:
        return f"ignored: no OMS payment for {result.reference}"
    payment = lock_payment(payment)
    if payment.status not in (PaymentStatus.PENDING, PaymentStatus.FAILED):
        return f"ignored: the payment is already {payment.status}"
    code = result.failure_code or "payment_failed"
    if payment.status == PaymentStatus.FAILED and payment.failure_code == code:
        return ""
    error = PaymentDeclined(result.failure_message or "The payment failed.", code)
    error.raw = intent
    # A customer paying through a payment link may try another card: the link stays open.
    open_link = bool(payment.checkout_session_id) and payment.status == PaymentStatus.PENDING
    if result.reference and not payment.gateway_reference:
        payment.gateway_reference = result.reference
    record_failure(
        payment,
        "payment",
        error,
        kind=Kind.AUTHORIZE,
        amount=payment.amount,
        key="",
        actor=None,
        mark_failed=not open_link,
    )
    return ""


def _on_charge_refunded(event: StripeWebhookEvent, charge: dict[str, Any]) -> str:
    """Refunds seen at Stripe: ours are already recorded (or in flight); any other amount was
    refunded in the Stripe dashboard and is recorded as an external refund."""
    result = charge_result(charge)
    payment = _stripe_payment(result.reference, result.metadata)
    if payment is None:
        return f"ignored: no OMS payment for {result.reference}"
    payment = lock_payment(payment)
    note = _apply_webhook(payment, event, result)
    known = payment.refunds.exclude(status=Refund.Status.FAILED).aggregate(total=Sum("amount"))
    extra = (result.refunded or ZERO) - (known["total"] or ZERO)
    if extra <= 0:
        return note
    refund = Refund.objects.create(
        payment=payment,
        amount=extra,
        reason="Refunded in the Stripe dashboard",
        status=Refund.Status.SUCCEEDED,
        external=True,
        gateway_reference=result.object_id,
        completed_at=timezone.now(),
    )
    payment.refunded_amount += extra
    payment.status = captured_status(payment)
    payment.save(update_fields=STATE_FIELDS)
    record_transaction(
        payment,
        Kind.REFUND,
        extra,
        success=True,
        source=Source.WEBHOOK,
        result=result,
        reference=event.event_id,
        refund=refund,
    )
    events.payment_refunded(payment.order, refund, None)
    refresh_order_payment_status(payment.order)
    return ""


def _on_checkout_completed(event: StripeWebhookEvent, session: dict[str, Any]) -> str:
    """The customer paid a payment link: read its PaymentIntent and mark the payment authorized."""
    payment = Payment.objects.filter(
        gateway=Gateway.STRIPE, checkout_session_id=session.get("id") or "-"
    ).first() or _stripe_payment("", session.get("metadata") or {})
    if payment is None:
        return f"ignored: no OMS payment for {session.get('id')}"
    reference = session.get("payment_intent") or ""
    if isinstance(reference, dict):
        reference = reference.get("id") or ""
    if not reference:
        return "ignored: the session has no PaymentIntent"
    result = StripeGateway().retrieve(reference)  # what was authorized, and until when
    payment = lock_payment(payment)
    result.reference = reference
    return _apply_webhook(payment, event, result)


def _on_dispute_created(event: StripeWebhookEvent, dispute: dict[str, Any]) -> str:
    """The customer's bank disputes a charge: note it, alert Finance, hold the order."""
    reference = dispute.get("payment_intent") or ""
    if isinstance(reference, dict):
        reference = reference.get("id") or ""
    if not reference and dispute.get("charge"):
        charge = dispute["charge"]
        if not isinstance(charge, dict):
            charge = StripeGateway().retrieve_charge(charge)
        reference = charge.get("payment_intent") or ""
    payment = _stripe_payment(reference, dispute.get("metadata") or {})
    if payment is None:
        return f"ignored: no OMS payment for {reference or dispute.get('id')}"
    payment = lock_payment(payment)
    if payment.dispute_reference == dispute.get("id"):
        return ""
    currency = dispute.get("currency") or payment.currency
    amount = from_minor(dispute.get("amount"), currency) or payment.captured_amount
    reason = str(dispute.get("reason") or "")
    payment.disputed_at = timezone.now()
    payment.dispute_reason = reason[:100]
    payment.dispute_amount = amount
    payment.dispute_reference = str(dispute.get("id") or "")[:255]
    payment.save(
        update_fields=[
            "disputed_at",
            "dispute_reason",
            "dispute_amount",
            "dispute_reference",
            "updated_at",
        ]
    )
    due_by = (dispute.get("evidence_details") or {}).get("due_by")
    due = datetime.fromtimestamp(due_by, tz=UTC) if due_by else None
    order = payment.order
    events.dispute_opened(order, payment, amount, reason, due)
    if OrderStatus.ON_HOLD in workflow.allowed_targets(order):
        order_services.hold_order(
            order=order,
            reason=HoldReason.PAYMENT_DISPUTE,
            note=f"Stripe dispute {payment.dispute_reference} ({reason or 'no reason given'}).",
            actor=None,
        )
    return ""


WEBHOOK_HANDLERS: dict[str, Callable[[StripeWebhookEvent, dict[str, Any]], str]] = {
    "payment_intent.amount_capturable_updated": _on_payment_intent,
    "payment_intent.succeeded": _on_payment_intent,
    "payment_intent.canceled": _on_payment_intent,
    "payment_intent.payment_failed": _on_payment_failed,
    "charge.refunded": _on_charge_refunded,
    "checkout.session.completed": _on_checkout_completed,
    "charge.dispute.created": _on_dispute_created,
}
