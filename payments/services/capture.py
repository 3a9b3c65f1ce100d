"""Capturing authorized money, and voiding authorizations or unpaid payments."""

from __future__ import annotations

import logging
from decimal import Decimal

from django.db import transaction

from core.money import ZERO, to_money

from .. import tasks
from ..exceptions import (
    GatewayError,
    GatewayRejected,
    InvalidPaymentState,
    PaymentAmountError,
)
from ..gateways import GatewayResult, get_gateway
from ..models import (
    CAPTURED_STATUSES,
    Gateway,
    Payment,
    PaymentStatus,
)
from .common import (
    Actor,
    Kind,
    Source,
    actor_id,
    apply_result,
    converge,
    lock_payment,
    record_failure,
    record_transaction,
)

logger = logging.getLogger(__name__)


# --- capture and void ---------------------------------------------------------------------


def _check_capturable(payment: Payment, amount: Decimal | None) -> Decimal:
    if payment.status in CAPTURED_STATUSES:
        raise InvalidPaymentState("This payment is already captured.", code="already_captured")
    if payment.status != PaymentStatus.AUTHORIZED:
        raise InvalidPaymentState(
            f"Only an authorized payment can be captured; this one is "
            f"{payment.get_status_display().lower()}."
        )
    amount = payment.authorized_amount if amount is None else to_money(amount)
    if amount <= 0 or amount > payment.authorized_amount:
        raise PaymentAmountError(
            f"Capture between 0.01 and the {payment.authorized_amount} {payment.currency} "
            "authorized."
        )
    return amount


def capture_payment(
    *, payment: Payment, amount: Decimal | None = None, actor: Actor = None
) -> Payment:
    """Capture an authorization, in full or in part (the rest is released by the gateway).

    Run twice, the second run finds the payment captured and raises ``InvalidPaymentState``
    (code ``already_captured``) without calling the gateway.
    """
    failure = None
    with transaction.atomic():
        payment = lock_payment(payment)
        amount = _check_capturable(payment, amount)
        key = f"capture-{payment.pk}-{amount}"
        gateway = get_gateway(payment.gateway)
        try:
            result = gateway.capture(payment, amount=amount, idempotency_key=key)
        except GatewayError as error:
            record_failure(
                payment, "capture", error, kind=Kind.CAPTURE, amount=amount, key=key, actor=actor
            )
            if isinstance(error, GatewayRejected):
                converge(payment, actor)
            if payment.status not in CAPTURED_STATUSES:
                failure = error
        else:
            record_transaction(
                payment, Kind.CAPTURE, amount, success=True, key=key, result=result, actor=actor
            )
            result.captured = max(result.captured or ZERO, amount)
            apply_result(payment, result, actor)
    if failure is not None:
        raise failure
    return payment


def request_capture(
    *, payment: Payment, amount: Decimal | None = None, actor: Actor = None
) -> Payment:
    """Check a capture is possible now and leave it to the ``capture_payment`` task."""
    with transaction.atomic():
        payment = lock_payment(payment)
        amount = _check_capturable(payment, amount)
        tasks.capture_payment.delay_on_commit(payment.pk, str(amount), actor_id(actor))
    return payment


def _check_voidable(payment: Payment) -> None:
    if payment.status in (PaymentStatus.VOIDED, PaymentStatus.EXPIRED):
        raise InvalidPaymentState("This payment is already voided.", code="already_voided")
    pending = payment.status == PaymentStatus.PENDING and payment.captured_amount == 0
    if payment.status != PaymentStatus.AUTHORIZED and not pending:
        raise InvalidPaymentState(
            f"Only an authorization or an unpaid payment can be voided; this one is "
            f"{payment.get_status_display().lower()} (refund captured money instead)."
        )


def void_payment(*, payment: Payment, actor: Actor = None) -> Payment:
    """Release an authorization (or close an unpaid payment link or expected payment)."""
    failure = None
    with transaction.atomic():
        payment = lock_payment(payment)
        _check_voidable(payment)
        key = f"void-{payment.pk}"
        amount = payment.authorized_amount or payment.amount
        at_gateway = payment.gateway != Gateway.MANUAL and bool(
            payment.gateway_reference or payment.checkout_session_id
        )
        try:
            if at_gateway:
                result = get_gateway(payment.gateway).void(payment, idempotency_key=key)
            else:
                result = GatewayResult(status="canceled", canceled=True, raw={"recorded": True})
        except GatewayError as error:
            record_failure(
                payment, "void", error, kind=Kind.VOID, amount=amount, key=key, actor=actor
            )
            if isinstance(error, GatewayRejected):
                converge(payment, actor)
            if payment.status not in (PaymentStatus.VOIDED, PaymentStatus.EXPIRED):
                failure = error
        else:
            record_transaction(
                payment,
                Kind.VOID,
                amount,
                success=True,
                key=key,
                result=result,
                source=Source.API if at_gateway else Source.MANUAL,
                actor=actor,
            )
            result.canceled, result.cancellation_reason = True, ""
            apply_result(payment, result, actor)
    if failure is not None:
        raise failure
    return payment


def request_void(*, payment: Payment, actor: Actor = None) -> Payment:
    """Check a void is possible now and leave it to the ``void_payment`` task."""
    with transaction.atomic():
        payment = lock_payment(payment)
        _check_voidable(payment)
        tasks.void_payment.delay_on_commit(payment.pk, actor_id(actor))
    return payment
