"""Capturing authorized money, all at once or one shipment at a time, and voiding
authorizations or unpaid payments. Each gateway call runs through ``common.call_gateway``:
nothing stays locked while the gateway answers."""

from __future__ import annotations

import logging
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum

from core.money import ZERO

from .. import tasks
from ..exceptions import (
    GatewayError,
    GatewayUnavailable,
    InvalidPaymentState,
    PaymentAmountError,
    PaymentError,
)
from ..gateways import GatewayResult, get_gateway
from ..models import (
    CAPTURABLE_STATUSES,
    CAPTURED_STATUSES,
    Gateway,
    Payment,
    PaymentStatus,
    PaymentTransaction,
)
from .common import (
    OPEN_OUTCOMES,
    Actor,
    Answer,
    Call,
    Kind,
    Source,
    actor_id,
    apply_result,
    call_gateway,
    check_amount,
    claim_call,
    converge,
    find_call,
    lock_payment,
    next_key,
    note_failure,
    open_call,
)

logger = logging.getLogger(__name__)


# --- capture ------------------------------------------------------------------------------


def _capture_key(payment: Payment, amount: Decimal, request_id: str) -> str:
    """One capture per request (``shipment-<event id>``), or per amount for a staff capture."""
    return f"capture-{payment.pk}-{request_id or amount}"


def _captures_in_flight(payment: Payment, key: str) -> Decimal:
    """Captures recorded but not answered yet, other than ``key``: their money is spoken for."""
    calls = payment.transactions.filter(kind=Kind.CAPTURE, outcome__in=OPEN_OUTCOMES)
    total = calls.exclude(idempotency_key=key).aggregate(total=Sum("amount"))["total"]
    return total or ZERO


def capturable_now(payment: Payment) -> Decimal:
    """What a new capture may take: still authorized, and not spoken for by a capture that
    is recorded but not answered yet (a shipment's capture still in its task)."""
    if payment.status not in CAPTURABLE_STATUSES:
        return ZERO
    return max(payment.capturable_amount - _captures_in_flight(payment, ""), ZERO)


def _check_capturable(payment: Payment, amount: Decimal, key: str) -> Decimal:
    if payment.status in CAPTURED_STATUSES:
        raise InvalidPaymentState("This payment is already captured.", code="already_captured")
    if payment.status not in CAPTURABLE_STATUSES:
        raise InvalidPaymentState(
            f"Only an authorized payment can be captured; this one is "
            f"{payment.get_status_display().lower()}."
        )
    still_open = payment.capturable_amount - _captures_in_flight(payment, key)
    if amount <= 0 or amount > still_open:
        raise PaymentAmountError(
            f"Capture between 0.01 and the {max(still_open, ZERO)} {payment.currency} "
            "still authorized."
        )
    return amount


def _recorded_capture(
    payment: Payment, amount: Decimal | None, request_id: str
) -> tuple[Decimal, str, PaymentTransaction | None]:
    """The amount asked (default: all still authorized), its key, and its recorded call."""
    value = (
        payment.capturable_amount
        if amount is None
        else check_amount(amount, label="The capture amount")
    )
    key = _capture_key(payment, value, request_id)
    return value, key, find_call(payment, Kind.CAPTURE, key)


def _record_capture(
    payment: Payment, key: str, value: Decimal, final: bool, request_id: str, actor: Actor
) -> PaymentTransaction:
    """The capture's call record (pending until the gateway answers), made once per key."""
    return open_call(
        payment,
        Kind.CAPTURE,
        key,
        value,
        request={"final": final, "request_id": request_id},
        actor=actor,
    )


def capture_payment(
    *,
    payment: Payment,
    amount: Decimal | None = None,
    final: bool = True,
    request_id: str = "",
    actor: Actor = None,
) -> Payment:
    """Capture an authorization, in full or in part. ``final`` (the default) releases the
    rest; otherwise it stays authorized for the next capture (a partial shipment).

    Each capture is recorded before the gateway is asked, under the key
    ``capture-<payment>-<request_id>`` (or ``-<amount>`` without one), so a repeated request
    captures once: the same request run again after it succeeded changes nothing; a full
    capture run again raises ``InvalidPaymentState`` (``already_captured``).
    """

    def prepare(locked: Payment) -> Call | None:
        value, key, recorded = _recorded_capture(locked, amount, request_id)
        if recorded is not None and recorded.succeeded:
            return None
        try:
            value = _check_capturable(locked, value, key)
        except PaymentError as refusal:
            if recorded is None or recorded.outcome not in OPEN_OUTCOMES:
                raise
            return Call(txn=recorded, answer=Answer(error=refusal))  # close it: nothing to do
        return claim_call(_record_capture(locked, key, value, final, request_id, actor))

    def send(locked: Payment, call: Call) -> GatewayResult:
        return get_gateway(locked.gateway).capture(
            locked,
            amount=call.txn.amount,
            final=call.txn.request.get("final", True),
            idempotency_key=call.txn.idempotency_key,
        )

    def conclude(locked: Payment, txn: PaymentTransaction, answer: Answer) -> PaymentError | None:
        if answer.result is not None:
            apply_result(locked, answer.result, actor)
            return None
        error = answer.error
        if isinstance(error, GatewayError):
            note_failure(locked, "capture", error, actor=actor)
            converge(locked, answer, actor)
        if locked.status in CAPTURED_STATUSES and not isinstance(error, GatewayUnavailable):
            return None  # captured meanwhile (in the Stripe dashboard): nothing left to do
        return error

    return call_gateway(payment, prepare=prepare, send=send, conclude=conclude)


def request_capture(
    *,
    payment: Payment,
    amount: Decimal | None = None,
    final: bool = True,
    request_id: str = "",
    actor: Actor = None,
) -> Payment:
    """Check a capture is possible now, record it, and leave it to the ``capture_payment``
    task (the record lets the sweeper send it again if the task is lost). A request already
    captured is not queued again."""
    with transaction.atomic():
        payment = lock_payment(payment)
        value, key, recorded = _recorded_capture(payment, amount, request_id)
        if recorded is not None and recorded.succeeded:
            return payment
        value = _check_capturable(payment, value, key)
        _record_capture(payment, key, value, final, request_id, actor)
        tasks.capture_payment.delay_on_commit(
            payment.pk, str(value), actor_id(actor), final, request_id
        )
    return payment


# --- void ---------------------------------------------------------------------------------


def _check_voidable(payment: Payment) -> None:
    if payment.status in (PaymentStatus.VOIDED, PaymentStatus.EXPIRED):
        raise InvalidPaymentState("This payment is already voided.", code="already_voided")
    pending = payment.status == PaymentStatus.PENDING and payment.captured_amount == 0
    if payment.status not in CAPTURABLE_STATUSES and not pending:
        raise InvalidPaymentState(
            f"Only an authorization or an unpaid payment can be voided; this one is "
            f"{payment.get_status_display().lower()} (refund captured money instead)."
        )


def _at_gateway(payment: Payment) -> bool:
    return payment.gateway != Gateway.MANUAL and bool(
        payment.gateway_reference or payment.checkout_session_id
    )


def _record_void(payment: Payment, key: str, actor: Actor) -> PaymentTransaction:
    source = Source.API if _at_gateway(payment) else Source.MANUAL
    amount = payment.capturable_amount or payment.amount
    return open_call(payment, Kind.VOID, key, amount, source=source, actor=actor)


def void_payment(*, payment: Payment, actor: Actor = None) -> Payment:
    """Release an authorization (what is left of it after partial captures), or close an
    unpaid payment link (its Checkout Session expires) or an expected payment."""

    def prepare(locked: Payment) -> Call | None:
        key = next_key(locked, Kind.VOID, f"void-{locked.pk}")
        recorded = find_call(locked, Kind.VOID, key)
        try:
            _check_voidable(locked)
        except PaymentError as refusal:
            if recorded is None or recorded.outcome not in OPEN_OUTCOMES:
                raise
            return Call(txn=recorded, answer=Answer(error=refusal))
        call = claim_call(_record_void(locked, key, actor))
        if call is not None and not _at_gateway(locked):  # nothing at a gateway: done here
            call.answer = Answer(result=GatewayResult(status="canceled", raw={"recorded": True}))
        return call

    def send(locked: Payment, call: Call) -> GatewayResult:
        return get_gateway(locked.gateway).void(locked, idempotency_key=call.txn.idempotency_key)

    def conclude(locked: Payment, txn: PaymentTransaction, answer: Answer) -> PaymentError | None:
        if answer.result is not None:
            result = answer.result
            result.canceled, result.cancellation_reason = True, ""
            apply_result(locked, result, actor)
            return None
        error = answer.error
        if isinstance(error, GatewayError):
            note_failure(locked, "void", error, actor=actor)
            converge(locked, answer, actor)
        if locked.status in (PaymentStatus.VOIDED, PaymentStatus.EXPIRED):
            return None
        return error

    return call_gateway(payment, prepare=prepare, send=send, conclude=conclude)


def request_void(*, payment: Payment, actor: Actor = None) -> Payment:
    """Check a void is possible now, record it, and leave it to the ``void_payment`` task."""
    with transaction.atomic():
        payment = lock_payment(payment)
        _check_voidable(payment)
        _record_void(payment, next_key(payment, Kind.VOID, f"void-{payment.pk}"), actor)
        tasks.void_payment.delay_on_commit(payment.pk, actor_id(actor))
    return payment
