"""What every payment service shares: the locks (order, then payment, the order every
service takes so none deadlock), the record of each gateway call, merging a gateway's answer
into a payment (amounts only ever rise, so late or repeated news converges), and the order's
payment status, derived in ``selectors`` and stored through ``orders.services``.

Gateway calls never happen under a row lock. ``call_gateway`` runs each in three steps: under a
short lock, check the payment and record the call (a pending ``PaymentTransaction`` with its
idempotency key) and commit; call the gateway, its client bounded by connect and read timeouts;
then, under a short lock again, write the answer. A call that timed out is ``unknown``: asked
again, with the same key, it is answered once by the gateway; a worker that died mid-call leaves
the pending record the sweeper finds.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from core.limits import check_money
from core.money import ZERO
from orders import services as order_services
from orders.models import Order

from .. import events, selectors
from ..exceptions import (
    GatewayError,
    GatewayRejected,
    GatewayUnavailable,
    InvalidPaymentState,
    PaymentAmountError,
    PaymentError,
)
from ..gateways import GatewayResult, get_gateway
from ..models import (
    CAPTURED_STATUSES,
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
Outcome = PaymentTransaction.Outcome
OPEN_OUTCOMES = (Outcome.PENDING, Outcome.UNKNOWN)


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
    """Record something already answered: a notification, a receipt, a lookup."""
    raw = result.raw if result is not None else getattr(error, "raw", {}) or {}
    if result is not None and not reference:
        reference = result.object_id
    return PaymentTransaction.objects.create(
        payment=payment,
        refund=refund,
        kind=kind,
        source=source,
        amount=amount or ZERO,
        outcome=Outcome.SUCCEEDED if success else Outcome.FAILED,
        error_code=_error_code(error),
        error_message=(error.message if error else "")[:500],
        gateway_reference=reference[:255],
        idempotency_key=key,
        raw_response=raw,
        actor=saved_user(actor),
    )


def _error_code(error: PaymentError | None) -> str:
    if error is None:
        return ""
    return (getattr(error, "decline_code", "") or error.code or "")[:100]


def captured_status(payment: Payment) -> str:
    if payment.refunded_amount >= payment.captured_amount:
        return PaymentStatus.REFUNDED
    if payment.refunded_amount > 0:
        return PaymentStatus.PARTIALLY_REFUNDED
    return PaymentStatus.CAPTURED


def _status_with_capture(payment: Payment, result: GatewayResult) -> str:
    """Captured money: partially captured while the gateway keeps the rest authorized."""
    if payment.status in CAPTURED_STATUSES:
        return captured_status(payment)
    if result.canceled:
        still_open = False
    elif result.capturable is None:  # the answer does not say (a charge): keep what we know
        still_open = payment.status == PaymentStatus.PARTIALLY_CAPTURED
    else:
        still_open = result.capturable > 0
    if still_open and payment.captured_amount < payment.authorized_amount:
        return PaymentStatus.PARTIALLY_CAPTURED
    return captured_status(payment)


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
        payment.status = _status_with_capture(payment, result)
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
    _write_events(payment, before, result, was_authorized=was_authorized, actor=actor)
    refresh_order_payment_status(order)
    return True


def _write_events(
    payment: Payment,
    before: dict[str, Any],
    result: GatewayResult,
    *,
    was_authorized: bool,
    actor: Actor,
) -> None:
    order = payment.order
    if not was_authorized and payment.status == PaymentStatus.AUTHORIZED:
        events.payment_authorized(order, payment, actor)
    if payment.captured_amount > before["captured_amount"]:
        captured = payment.captured_amount - before["captured_amount"]
        events.payment_captured(order, payment, captured, actor)
    elif payment.status == before["status"]:
        return
    # The rest of a partially captured authorization released (voided) or lapsed.
    released = before["status"] == PaymentStatus.PARTIALLY_CAPTURED and result.canceled
    expired = result.cancellation_reason == "automatic"
    if payment.status == PaymentStatus.VOIDED or (released and not expired):
        events.payment_voided(order, payment, actor)
    elif payment.status == PaymentStatus.EXPIRED or (released and expired):
        events.payment_expired(order, payment)


def note_failure(
    payment: Payment,
    operation: str,
    error: GatewayError,
    *,
    actor: Actor,
    mark_failed: bool = False,
) -> None:
    """A final failure goes on the timeline (and may fail the payment); a network failure or
    a timeout is not a failure at all, only an unknown outcome the task asks again."""
    if isinstance(error, GatewayUnavailable):
        return
    if mark_failed:
        intent = (error.raw.get("error") or {}).get("payment_intent") or {}
        if isinstance(intent, dict) and intent.get("id") and not payment.gateway_reference:
            payment.gateway_reference = intent["id"]
        payment.status = PaymentStatus.FAILED
        payment.failure_code = (error.decline_code or error.code)[:100]
        payment.failure_message = error.message[:500]
        payment.save(update_fields=STATE_FIELDS)
    events.payment_failed(
        payment.order, payment, operation, error.message, error.decline_code or error.code, actor
    )


def record_failure(
    payment: Payment,
    operation: str,
    error: GatewayError,
    *,
    kind: str,
    amount: Decimal | None,
    source: str = Source.API,
    actor: Actor,
    mark_failed: bool = False,
) -> None:
    """Record a failure the gateway told us of (a webhook) and note it."""
    record_transaction(payment, kind, amount, success=False, error=error, source=source)
    note_failure(payment, operation, error, actor=actor, mark_failed=mark_failed)


def check_order_open(order: Order) -> None:
    if not selectors.takes_new_payments(order):
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
    amount = check_amount(amount, label="The amount")
    if amount <= 0:
        raise PaymentAmountError("The amount must be more than zero.", field="amount")
    return amount


def check_amount(amount: object, *, label: str) -> Decimal:
    """A payment, capture or refund amount rounded to cents, within what an order may total
    (OMS_MAX_ORDER_TOTAL); anything else (NaN, 1E+15, a float) is a ``PaymentAmountError``."""
    return check_money(
        amount,
        field="amount",
        label=label,
        maximum=settings.OMS_MAX_ORDER_TOTAL,
        error=PaymentAmountError,
    )


def actor_id(actor: Actor) -> int | None:
    user = saved_user(actor)
    return user.pk if user else None


# --- gateway calls: record, commit, call, apply -------------------------------------------


@dataclass
class Answer:
    """What came back from a call: a result or an error, and after a refusal the payment as
    the gateway holds it now (read outside the lock too)."""

    result: GatewayResult | None = None
    error: PaymentError | None = None
    current: GatewayResult | None = None


@dataclass
class Call:
    """A recorded call about to be made. ``retry``: it was sent before without an answer.
    ``answer``: known without asking the gateway (a manual payment, a refusal found here)."""

    txn: PaymentTransaction
    retry: bool = False
    answer: Answer | None = None


CALL_NAMES = {
    Kind.AUTHORIZE: "authorization",
    Kind.CAPTURE: "capture",
    Kind.REFUND: "refund",
    Kind.VOID: "void",
    Kind.PAYMENT_LINK: "payment link",
}


def in_flight_window() -> timedelta:
    """How long a sent call may still be waiting for its answer: every try the SDK makes,
    each bounded by the connect and read timeouts, and a margin."""
    tries = settings.STRIPE_MAX_NETWORK_RETRIES + 1
    per_try = float(settings.STRIPE_CONNECT_TIMEOUT) + float(settings.STRIPE_READ_TIMEOUT)
    return timedelta(seconds=tries * per_try + 5)


def find_call(payment: Payment, kind: str, key: str) -> PaymentTransaction | None:
    return payment.transactions.filter(kind=kind, idempotency_key=key).order_by("-pk").first()


def next_key(payment: Payment, kind: str, base: str) -> str:
    """The key for an operation a payment may need more than once after a final failure (an
    authorization retried with another card, a void refused and asked again): the open call's
    key if there is one (ask the same question again), else a new one."""
    calls = payment.transactions.filter(kind=kind).exclude(idempotency_key="")
    latest = calls.order_by("-pk").first()
    if latest is None:
        return base
    if latest.outcome in OPEN_OUTCOMES:
        return latest.idempotency_key
    return f"{base}-{calls.count() + 1}"


def open_call(
    payment: Payment,
    kind: str,
    key: str,
    amount: Decimal | None,
    *,
    request: dict[str, Any] | None = None,
    refund: Refund | None = None,
    source: str = Source.API,
    actor: Actor = None,
) -> PaymentTransaction:
    """The recorded call for ``key``, recorded pending if it is new (the caller holds the
    payment's lock, so two workers cannot both record it)."""
    return find_call(payment, kind, key) or PaymentTransaction.objects.create(
        payment=payment,
        refund=refund,
        kind=kind,
        source=source,
        amount=amount or ZERO,
        outcome=Outcome.PENDING,
        idempotency_key=key,
        request=request or {},
        actor=saved_user(actor),
    )


def claim_call(txn: PaymentTransaction) -> Call | None:
    """Take a recorded call to send it now: None when it already has its answer. A call
    another worker sent moments ago is left to it (``in_progress``); one sent long ago (that
    worker died) or answered "unknown" is sent again, with the same key."""
    if txn.outcome == Outcome.SUCCEEDED:
        return None
    now = timezone.now()
    sent = txn.attempted_at is not None
    if txn.outcome == Outcome.PENDING and sent and txn.attempted_at > now - in_flight_window():
        raise InvalidPaymentState(
            f"The {CALL_NAMES[txn.kind]} is with the gateway already; its answer is awaited.",
            code="in_progress",
        )
    txn.attempted_at = now
    txn.save(update_fields=["attempted_at"])
    return Call(txn=txn, retry=sent)


def _send(payment: Payment, call: Call, send: Callable[[Payment, Call], GatewayResult]) -> Answer:
    """Make the call (outside any lock); after a refusal, read what the gateway holds now."""
    try:
        return Answer(result=send(payment, call))
    except GatewayError as error:
        answer = Answer(error=error)
    refused = isinstance(answer.error, GatewayRejected)
    if refused and payment.gateway == Gateway.STRIPE and payment.gateway_reference:
        try:
            answer.current = get_gateway(payment.gateway).retrieve(payment.gateway_reference)
        except GatewayError as error:
            logger.warning("could not re-read %s: %s", payment.gateway_reference, error)
    return answer


def _close(txn: PaymentTransaction, answer: Answer) -> None:
    if answer.result is not None:
        txn.outcome = Outcome.SUCCEEDED
        txn.raw_response = answer.result.raw
        txn.gateway_reference = (answer.result.object_id or txn.gateway_reference)[:255]
        txn.error_code = txn.error_message = ""
    else:
        error = answer.error
        unknown = isinstance(error, GatewayUnavailable)
        txn.outcome = Outcome.UNKNOWN if unknown else Outcome.FAILED
        txn.raw_response = getattr(error, "raw", {}) or {}
        txn.error_code = _error_code(error)
        txn.error_message = (error.message if error else "")[:500]
    txn.save(
        update_fields=[
            "outcome",
            "raw_response",
            "gateway_reference",
            "error_code",
            "error_message",
        ]
    )


Prepare = Callable[[Payment], Call | None]
Send = Callable[[Payment, Call], GatewayResult]
Conclude = Callable[[Payment, PaymentTransaction, Answer], PaymentError | None]


def call_gateway(payment: Payment, *, prepare: Prepare, send: Send, conclude: Conclude) -> Payment:
    """Run one gateway call in its three steps (see the module's docstring).

    ``prepare`` checks the locked payment and returns the claimed call, or None when there is
    nothing to do; ``send`` calls the gateway; ``conclude`` applies the answer under the lock
    and returns the error to raise, if any. An answer a racing worker already applied is not
    applied twice.
    """
    with transaction.atomic():
        payment = lock_payment(payment)
        call = prepare(payment)
    if call is None:
        return payment
    answer = call.answer or _send(payment, call, send)
    with transaction.atomic():
        payment = lock_payment(payment)
        txn = PaymentTransaction.objects.select_for_update().get(pk=call.txn.pk)
        if txn.outcome == Outcome.SUCCEEDED:
            return payment  # another worker had the same answer first and applied it
        _close(txn, answer)
        failure = conclude(payment, txn, answer)
    if failure is not None:
        raise failure
    return payment


def converge(payment: Payment, answer: Answer, actor: Actor) -> None:
    """After a refusal for the payment's state, take what happened meanwhile at the gateway
    (captured in the Stripe dashboard, expired…), as read by ``_send``."""
    if answer.current is not None:
        apply_result(payment, answer.current, actor)


# --- the order's payment status -----------------------------------------------------------


def refresh_order_payment_status(order: Order) -> selectors.PaymentSummary:
    """Write ``Order.payment_status`` as derived from the payments (``selectors``: one place).

    Callers hold the order's lock, so two payments changing at once cannot both write a stale
    status. Returns the summary it derived the status from, for callers that read on.
    """
    summary = selectors.payment_summary(order)
    order_services.set_payment_status(order=order, status=summary.status)
    return summary
