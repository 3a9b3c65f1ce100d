"""Stripe webhooks: each verified event stored once by id, then applied once by a task."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, cast

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
from ..gateways.stripe_gateway import charge_result, id_of, intent_result
from ..models import (
    Gateway,
    Payment,
    PaymentStatus,
    Refund,
    StripeWebhookEvent,
)
from .cards import payment_refusal, release_stale_authorization
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

Facts = dict[str, Any]  # what a handler's read step found at Stripe

# An event marked with this note could not be processed: Finance sees it on its list.
FAILED = "failed: "
# What a handler meets in an event whose fields are not what Stripe documents.
MALFORMED = (AttributeError, KeyError, TypeError, ValueError, ArithmeticError)
EVENT_ID_LENGTH = StripeWebhookEvent._meta.get_field("event_id").max_length
EVENT_TYPE_LENGTH = StripeWebhookEvent._meta.get_field("type").max_length


# --- Stripe webhooks ----------------------------------------------------------------------


def event_shape_error(event: object) -> str:
    """Why a verified body is not a Stripe event we can keep and process ("" when it is): a
    JSON object with a string ``id`` and ``type`` that fit their columns, an object as
    ``data.object``, and no NUL anywhere (PostgreSQL's jsonb refuses it)."""
    if not isinstance(event, dict):
        return "the body is not a JSON object"
    event_id, event_type = event.get("id"), event.get("type")
    if not isinstance(event_id, str) or not 0 < len(event_id) <= EVENT_ID_LENGTH:
        return f"the event id must be a string of 1 to {EVENT_ID_LENGTH} characters"
    if not isinstance(event_type, str) or not 0 < len(event_type) <= EVENT_TYPE_LENGTH:
        return f"the event type must be a string of 1 to {EVENT_TYPE_LENGTH} characters"
    data = event.get("data")
    if not isinstance(data, dict) or not isinstance(data.get("object"), dict):
        return "data.object must be a JSON object"
    if _holds_nul(event):
        return "the event holds a NUL character"
    return ""


def _holds_nul(value: object) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(key) or _holds_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_holds_nul(item) for item in value)
    return False


def store_stripe_event(*, event: object) -> tuple[StripeWebhookEvent, bool]:
    """Keep a verified event once by its id and process it in a task after the commit.

    A body that is not an event (``event_shape_error``) is refused with a ``PaymentError``
    and not stored: stored, it could never be processed. A second delivery of the same event
    id is stored nowhere and processed no more (unless the first is still unprocessed, when it
    is queued again: processing is once-only by itself).
    """
    if reason := event_shape_error(event):
        raise PaymentError(f"Not a Stripe event: {reason}.", "invalid_webhook")
    event = cast(dict[str, Any], event)
    with transaction.atomic():
        stored, created = StripeWebhookEvent.objects.get_or_create(
            event_id=event["id"],
            defaults={
                "type": event["type"],
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

    What the event needs read from Stripe (the PaymentIntent a Checkout Session made, a
    charge's capture deadline…) is read first, with no transaction open and no row locked. A
    ``GatewayUnavailable`` then is noted on the event and raised for the task to retry (the
    sweeper queues it again if the task gives up); any other payment error is noted on the
    event, which counts as processed. An event whose fields are not what Stripe documents is
    marked failed with the reason (``FAILED``), for Finance to see, never retried for ever.
    """
    event = StripeWebhookEvent.objects.filter(pk=event_pk).first()
    if event is None or event.processed_at is not None:
        return False
    if reason := event_shape_error(event.payload):
        return _mark_failed(event_pk, reason)
    handler = WEBHOOK_HANDLERS.get(event.type)
    obj = event.payload["data"]["object"]
    read = WEBHOOK_READS.get(event.type)
    try:
        facts = read(obj) if handler is not None and read is not None else {}
    except GatewayUnavailable as error:
        StripeWebhookEvent.objects.filter(pk=event.pk).update(error=f"retrying: {error}"[:1000])
        raise
    except MALFORMED as error:
        return _mark_failed(event_pk, f"unreadable {event.type}: {error!r}")
    with transaction.atomic():
        event = StripeWebhookEvent.objects.select_for_update().get(pk=event_pk)
        if event.processed_at is not None:
            return False
        note = ""
        if handler is not None:
            try:
                with transaction.atomic():
                    note = handler(event, obj, facts) or ""
            except PaymentError as error:
                note = f"{error.code}: {error}"
            except MALFORMED as error:
                logger.exception("Stripe event %s could not be processed", event.event_id)
                note = f"{FAILED}unreadable {event.type}: {error!r}"
        event.processed_at = timezone.now()
        event.error = note[:1000]
        event.save(update_fields=["processed_at", "error"])
    return True


def _mark_failed(event_pk: int, reason: str) -> bool:
    """Close an event that cannot be processed, with the reason Finance reads."""
    logger.error("Stripe event %s could not be processed: %s", event_pk, reason)
    StripeWebhookEvent.objects.filter(pk=event_pk, processed_at__isnull=True).update(
        processed_at=timezone.now(), error=f"{FAILED}{reason}"[:1000]
    )
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


def _read_deadline(intent: dict[str, Any]) -> Facts:
    """An authorization's capture deadline, from its charge when the event does not carry it."""
    result = intent_result(intent)
    if not result.authorized or result.authorization_expires_at:
        return {}
    return {"deadline": StripeGateway().authorization_deadline(intent)}


def _on_payment_intent(event: StripeWebhookEvent, intent: dict[str, Any], facts: Facts) -> str:
    """amount_capturable_updated, succeeded, canceled: converge on the PaymentIntent's amounts."""
    result = intent_result(intent)
    payment = _stripe_payment(result.reference, result.metadata)
    if payment is None:
        return f"ignored: no OMS payment for {result.reference}"
    payment = lock_payment(payment)
    if payment.authorization_expires_at is None and facts.get("deadline"):
        result.authorization_expires_at = facts["deadline"]
    if refusal := _stale(payment, result):
        release_stale_authorization(payment, result, refusal)
        return f"refused: {refusal}"
    return _apply_webhook(payment, event, result)


def _stale(payment: Payment, result: GatewayResult) -> str:
    """Why money the customer just authorized may not be taken ("" when it may)."""
    if payment.status != PaymentStatus.PENDING or not (result.authorized or result.captured):
        return ""
    return payment_refusal(payment)


def _on_payment_failed(event: StripeWebhookEvent, intent: dict[str, Any], facts: Facts) -> str:
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
        source=Source.WEBHOOK,
        actor=None,
        mark_failed=not open_link,
    )
    return ""


def _on_charge_refunded(event: StripeWebhookEvent, charge: dict[str, Any], facts: Facts) -> str:
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


def _read_checkout_intent(session: dict[str, Any]) -> Facts:
    """The PaymentIntent a paid Checkout Session made: what was authorized, until when."""
    reference = id_of(session.get("payment_intent"))
    return {"intent": StripeGateway().retrieve(reference)} if reference else {}


def _on_checkout_completed(event: StripeWebhookEvent, session: dict[str, Any], facts: Facts) -> str:
    """The customer paid a payment link: mark the payment authorized, unless the link was no
    longer to be paid (the order was cancelled, a newer link replaced it): then the money is
    released at once."""
    payment = Payment.objects.filter(
        gateway=Gateway.STRIPE, checkout_session_id=session.get("id") or "-"
    ).first() or _stripe_payment("", session.get("metadata") or {})
    if payment is None:
        return f"ignored: no OMS payment for {session.get('id')}"
    result = facts.get("intent")
    if result is None:
        return "ignored: the session has no PaymentIntent"
    payment = lock_payment(payment)
    result.reference = id_of(session.get("payment_intent"))
    if refusal := _stale(payment, result):
        record_transaction(
            payment,
            Kind.AUTHORIZE,
            result.authorized or result.captured,
            success=True,
            source=Source.WEBHOOK,
            result=result,
            reference=event.event_id,
        )
        release_stale_authorization(payment, result, refusal)
        return f"refused: {refusal}"
    return _apply_webhook(payment, event, result)


def _read_disputed_intent(dispute: dict[str, Any]) -> Facts:
    """The disputed PaymentIntent's id, from the dispute or else its charge."""
    reference = id_of(dispute.get("payment_intent"))
    if not reference and dispute.get("charge"):
        charge = dispute["charge"]
        if not isinstance(charge, dict):
            charge = StripeGateway().retrieve_charge(charge)
        reference = id_of(charge.get("payment_intent"))
    return {"reference": reference}


def _on_dispute_created(event: StripeWebhookEvent, dispute: dict[str, Any], facts: Facts) -> str:
    """The customer's bank disputes a charge: note it, alert Finance, hold the order."""
    reference = facts.get("reference", "")
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


# What an event needs read from Stripe before it is applied, outside any lock.
WEBHOOK_READS: dict[str, Callable[[dict[str, Any]], Facts]] = {
    "payment_intent.amount_capturable_updated": _read_deadline,
    "payment_intent.succeeded": _read_deadline,
    "checkout.session.completed": _read_checkout_intent,
    "charge.dispute.created": _read_disputed_intent,
}
WEBHOOK_HANDLERS: dict[str, Callable[[StripeWebhookEvent, dict[str, Any], Facts], str]] = {
    "payment_intent.amount_capturable_updated": _on_payment_intent,
    "payment_intent.succeeded": _on_payment_intent,
    "payment_intent.canceled": _on_payment_intent,
    "payment_intent.payment_failed": _on_payment_failed,
    "charge.refunded": _on_charge_refunded,
    "checkout.session.completed": _on_checkout_completed,
    "charge.dispute.created": _on_dispute_created,
}
