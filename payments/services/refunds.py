"""Refunds: requested by staff, sent to the gateway by a task, never more than captured."""

from __future__ import annotations

import logging
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from core.money import ZERO

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
from ..gateways import GatewayResult, get_gateway
from ..models import (
    Gateway,
    Payment,
    PaymentStatus,
    PaymentTransaction,
    Refund,
)
from .common import (
    STATE_FIELDS,
    Actor,
    Answer,
    Call,
    Kind,
    Source,
    call_gateway,
    captured_status,
    check_amount,
    claim_call,
    lock_payment,
    note_failure,
    open_call,
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


def _record_refund_call(payment: Payment, refund: Refund, actor: Actor) -> PaymentTransaction:
    source = Source.MANUAL if payment.gateway == Gateway.MANUAL else Source.API
    return open_call(
        payment,
        Kind.REFUND,
        f"refund-{refund.pk}",
        refund.amount,
        refund=refund,
        source=source,
        actor=actor,
    )


def create_refund(*, payment: Payment, amount: Decimal, reason: str, actor: Actor = None) -> Refund:
    """Refund part or all of what was captured, never more (checked here under the payment's
    lock, counting refunds still in flight, and again by the gateway).

    The refund and its gateway call are recorded together; the call runs in the
    ``refund_payment`` task once this commits (the sweeper sends it again if that task is
    lost). A manual payment's refund was made outside (a transfer back, cash) and is recorded
    at once.
    """
    reason = reason.strip()
    if not reason:
        raise PaymentError("Say why the money is refunded.", "reason_required")
    amount = check_amount(amount, label="The refund")
    if amount <= 0:
        raise PaymentAmountError("The refund must be more than zero.", field="amount")
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
        _record_refund_call(payment, refund, actor)
        if payment.gateway != Gateway.MANUAL:
            tasks.refund_payment.delay_on_commit(refund.pk)
    if payment.gateway == Gateway.MANUAL:
        return process_refund(refund=refund)
    return refund


def process_refund(*, refund: Refund) -> Refund:
    """Send a pending refund to the gateway (the ``refund_payment`` task). Run twice, the
    second run finds it done; a network failure leaves it pending for the task to retry."""
    actor = saved_user(refund.requested_by)

    def prepare(locked: Payment) -> Call | None:
        current = Refund.objects.select_for_update().get(pk=refund.pk)
        if current.status != Refund.Status.PENDING:
            return None
        call = claim_call(_record_refund_call(locked, current, actor))
        left = (
            locked.captured_amount
            - locked.refunded_amount
            - pending_refunds(locked, exclude=current)
        )
        if call is not None and current.amount > left:
            message = f"Only {left} {locked.currency} is left to refund."
            call.answer = Answer(error=GatewayRejected(message, "amount_too_large"))
        return call

    def send(locked: Payment, call: Call) -> GatewayResult:
        return get_gateway(locked.gateway).refund(
            locked,
            amount=call.txn.amount,
            reason=refund.reason,
            refund_id=refund.pk,
            idempotency_key=call.txn.idempotency_key,
        )

    def conclude(locked: Payment, txn: PaymentTransaction, answer: Answer) -> PaymentError | None:
        current = Refund.objects.select_for_update().get(pk=refund.pk)
        if current.status != Refund.Status.PENDING:
            return None
        current.payment = locked
        if answer.result is not None:
            _refunded(locked, current, answer.result, actor)
            return None
        error = answer.error
        if isinstance(error, GatewayError):
            note_failure(locked, "refund", error, actor=actor)
        if not isinstance(error, GatewayUnavailable):
            current.status = Refund.Status.FAILED
            current.failure_message = error.message[:500]
            current.completed_at = timezone.now()
            current.save(update_fields=["status", "failure_message", "completed_at"])
        return error

    call_gateway(refund.payment, prepare=prepare, send=send, conclude=conclude)
    return Refund.objects.select_related("payment").get(pk=refund.pk)


def _refunded(payment: Payment, refund: Refund, result: GatewayResult, actor: Actor) -> None:
    refund.status = Refund.Status.SUCCEEDED
    refund.gateway_reference = result.object_id[:255]
    refund.completed_at = timezone.now()
    refund.save(update_fields=["status", "gateway_reference", "completed_at"])
    payment.refunded_amount += refund.amount
    payment.status = captured_status(payment)
    payment.save(update_fields=STATE_FIELDS)
    events.payment_refunded(payment.order, refund, actor)
    refresh_order_payment_status(payment.order)
