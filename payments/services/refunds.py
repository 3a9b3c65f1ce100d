"""Refunds: requested by staff, sent to the gateway by a task, never more than captured."""

from __future__ import annotations

import logging
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from core.money import ZERO, to_money

from .. import events, tasks
from ..exceptions import (
    GatewayError,
    GatewayRejected,
    GatewayUnavailable,
    InvalidPaymentState,
    PaymentAmountError,
    PaymentError,
    RefundExceedsCaptured,
)
from ..gateways import get_gateway
from ..models import (
    Gateway,
    Payment,
    PaymentStatus,
    Refund,
)
from .common import (
    STATE_FIELDS,
    Actor,
    Kind,
    Source,
    captured_status,
    lock_payment,
    record_failure,
    record_transaction,
    refresh_order_payment_status,
    saved_user,
)

logger = logging.getLogger(__name__)


# --- refunds ------------------------------------------------------------------------------


def pending_refunds(payment: Payment, exclude: Refund | None = None) -> Decimal:
    pending = payment.refunds.filter(status=Refund.Status.PENDING)
    if exclude is not None:
        pending = pending.exclude(pk=exclude.pk)
    return pending.aggregate(total=Sum("amount"))["total"] or ZERO


def create_refund(*, payment: Payment, amount: Decimal, reason: str, actor: Actor = None) -> Refund:
    """Refund part or all of what was captured, never more (checked here under the payment's
    lock, counting refunds still in flight, and again by the gateway).

    The gateway call runs in the ``refund_payment`` task once this commits; a manual payment's
    refund was made outside (a transfer back, cash) and is recorded at once.
    """
    reason = reason.strip()
    if not reason:
        raise PaymentError("Say why the money is refunded.", "reason_required")
    amount = to_money(amount)
    if amount <= 0:
        raise PaymentAmountError("The refund must be more than zero.")
    with transaction.atomic():
        payment = lock_payment(payment)
        if payment.status not in (PaymentStatus.CAPTURED, PaymentStatus.PARTIALLY_REFUNDED):
            raise InvalidPaymentState(
                f"Nothing to refund: this payment is {payment.get_status_display().lower()}."
            )
        available = payment.captured_amount - payment.refunded_amount - pending_refunds(payment)
        if amount > available:
            raise RefundExceedsCaptured(
                f"At most {available} {payment.currency} can be refunded: "
                f"{payment.captured_amount} captured, {payment.captured_amount - available} "
                "refunded or being refunded."
            )
        refund = Refund.objects.create(
            payment=payment,
            amount=amount,
            reason=reason[:500],
            external=payment.gateway == Gateway.MANUAL,
            requested_by=saved_user(actor),
        )
        if payment.gateway == Gateway.MANUAL:
            _perform_refund(payment, refund, actor)
        else:
            tasks.refund_payment.delay_on_commit(refund.pk)
    return refund


def process_refund(*, refund: Refund) -> Refund:
    """Send a pending refund to the gateway (the ``refund_payment`` task). Run twice, the
    second run finds it done; a network failure leaves it pending for the task to retry."""
    failure = None
    with transaction.atomic():
        payment = lock_payment(refund.payment)
        refund = Refund.objects.select_for_update().get(pk=refund.pk)
        refund.payment = payment
        if refund.status != Refund.Status.PENDING:
            return refund
        failure = _perform_refund(payment, refund, saved_user(refund.requested_by))
    if failure is not None:
        raise failure
    return refund


def _perform_refund(payment: Payment, refund: Refund, actor: Actor) -> GatewayError | None:
    """Call the gateway for a pending refund the caller has locked; returns the error, if any."""
    key = f"refund-{refund.pk}"
    available = payment.captured_amount - payment.refunded_amount - pending_refunds(payment, refund)
    try:
        if refund.amount > available:
            raise RefundExceedsCaptured(
                f"Only {available} {payment.currency} is left to refund.", "amount_too_large"
            )
        result = get_gateway(payment.gateway).refund(
            payment,
            amount=refund.amount,
            reason=refund.reason,
            refund_id=refund.pk,
            idempotency_key=key,
        )
    except (GatewayError, RefundExceedsCaptured) as error:
        if not isinstance(error, GatewayError):
            error = GatewayRejected(error.message, error.code)
        record_failure(
            payment,
            "refund",
            error,
            kind=Kind.REFUND,
            amount=refund.amount,
            key=key,
            actor=actor,
            refund=refund,
        )
        if not isinstance(error, GatewayUnavailable):
            refund.status = Refund.Status.FAILED
            refund.failure_message = error.message[:500]
            refund.completed_at = timezone.now()
            refund.save(update_fields=["status", "failure_message", "completed_at"])
        return error
    source = Source.MANUAL if payment.gateway == Gateway.MANUAL else Source.API
    record_transaction(
        payment,
        Kind.REFUND,
        refund.amount,
        success=True,
        key=key,
        result=result,
        source=source,
        refund=refund,
        actor=actor,
    )
    refund.status = Refund.Status.SUCCEEDED
    refund.gateway_reference = result.object_id[:255]
    refund.completed_at = timezone.now()
    refund.save(update_fields=["status", "gateway_reference", "completed_at"])
    payment.refunded_amount += refund.amount
    payment.status = captured_status(payment)
    payment.save(update_fields=STATE_FIELDS)
    events.payment_refunded(payment.order, refund, actor)
    refresh_order_payment_status(payment.order)
    return None
