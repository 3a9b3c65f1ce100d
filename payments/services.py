"""Every write to a payment. Each service is atomic, locks the order and then the payment (the
order every service takes, so none deadlock), checks the state before calling a gateway, records
the call as a ``PaymentTransaction``, writes the order event and refreshes the order's payment
status, all in one transaction.

Gateway calls happen under those locks with idempotency keys made from our ids, so a task run
twice, or two workers racing, move money once: the second sees the first one's result, and a
repeated call is answered by the gateway from its idempotency store. A failed call is recorded
and committed, then its error is raised: ``GatewayUnavailable`` makes the tasks retry.

Amounts from the gateway (calls and webhooks) only ever raise what is recorded, so notifications
arriving late or out of order converge on the right state instead of undoing it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.template.loader import render_to_string
from django.utils import timezone

from core.money import ZERO, to_money
from orders import events, workflow
from orders import services as order_services
from orders.models import HoldReason, Order, OrderStatus, SalesChannel

from . import selectors, tasks
from .exceptions import (
    GatewayError,
    GatewayRejected,
    GatewayUnavailable,
    InvalidPaymentState,
    PaymentAmountError,
    PaymentDeclined,
    PaymentError,
    PaymentRequired,
    RefundExceedsCaptured,
)
from .gateways import GatewayResult, StripeGateway, card_gateway_name, from_minor, get_gateway
from .gateways.stripe_gateway import charge_result, intent_result
from .models import (
    CAPTURED_STATUSES,
    DEFAULT_AUTHORIZATION_WINDOW,
    INVOICE_TERMS_DAYS,
    MANUAL_METHODS,
    Gateway,
    Method,
    Payment,
    PaymentStatus,
    PaymentTransaction,
    Refund,
    StripeWebhookEvent,
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


def _user(actor: Actor) -> Any:
    """The actor for a foreign key: only a saved user (tasks and webhooks act as nobody)."""
    return actor if actor is not None and getattr(actor, "pk", None) else None


def _lock_order(order_id: int) -> Order:
    return Order.objects.select_for_update(of=("self",)).select_related("channel").get(pk=order_id)


def _lock_payment(payment: Payment) -> Payment:
    """Lock the payment's order, then the payment, and return the payment re-read."""
    order_id = Payment.objects.values_list("order_id", flat=True).get(pk=payment.pk)
    order = _lock_order(order_id)
    locked = Payment.objects.select_for_update(of=("self",)).get(pk=payment.pk)
    locked.order = order
    return locked


def _record(
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
        actor=_user(actor),
    )


def _captured_status(payment: Payment) -> str:
    if payment.refunded_amount >= payment.captured_amount:
        return PaymentStatus.REFUNDED
    if payment.refunded_amount > 0:
        return PaymentStatus.PARTIALLY_REFUNDED
    return PaymentStatus.CAPTURED


def _apply(payment: Payment, result: GatewayResult, actor: Actor) -> bool:
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
        payment.status = _captured_status(payment)
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


def _fail(
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
    _record(payment, kind, amount, success=False, key=key, error=error, refund=refund, actor=actor)
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


def _converge(payment: Payment, actor: Actor) -> None:
    """After Stripe refused a capture or void for the PaymentIntent's state, read it and take
    what happened meanwhile (captured in the Stripe dashboard, expired…)."""
    if payment.gateway != Gateway.STRIPE or not payment.gateway_reference:
        return
    try:
        current = StripeGateway().retrieve(payment.gateway_reference)
    except GatewayError as error:
        logger.warning("could not re-read %s: %s", payment.gateway_reference, error)
        return
    _apply(payment, current, actor)


def _check_order_open(order: Order) -> None:
    if order.status in CLOSED_ORDER_STATUSES:
        raise InvalidPaymentState(
            f"Order {order.number} is {order.get_status_display().lower()}: "
            "it takes no new payments.",
            code="order_closed",
        )


def _amount_or_uncovered(order: Order, amount: Decimal | None) -> Decimal:
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


def _actor_id(actor: Actor) -> int | None:
    user = _user(actor)
    return user.pk if user else None


# --- the order's payment status -----------------------------------------------------------


def refresh_order_payment_status(order: Order) -> str:
    """Write ``Order.payment_status`` as derived from the payments (``selectors``: one place).

    Callers hold the order's lock, so two payments changing at once cannot both write a stale
    status. Any service that changes an order's total should call it too.
    """
    status = selectors.payment_summary(order).status
    if order.payment_status != status:
        order.payment_status = status
        order.save(update_fields=["payment_status", "updated_at"])
    return status


def check_order_confirmable(order: Order) -> None:
    """Raise ``PaymentRequired`` unless payment allows confirming the order now."""
    if reason := selectors.confirmation_blocker(order):
        raise PaymentRequired(reason)


def _enqueue_captures(order: Order, actor: Actor) -> list[Payment]:
    payments = list(order.payments.filter(status=PaymentStatus.AUTHORIZED).order_by("pk"))
    for payment in payments:
        tasks.capture_payment.delay_on_commit(payment.pk, None, _actor_id(actor))
    return payments


def order_confirmed(*, order: Order, actor: Actor = None) -> list[Payment]:
    """Called by ``orders.services.confirm_order``: capture now if the channel says so."""
    if order.channel.capture_policy == SalesChannel.CapturePolicy.ON_CONFIRMATION:
        return _enqueue_captures(order, actor)
    return []


def order_cancelled(*, order: Order, actor: Actor = None) -> list[Payment]:
    """Called by ``orders.services.cancel_order``: release the customer's held funds.

    Open authorizations are voided by the ``void_payment`` task after the commit; captured
    money is not touched here, since refunding it is Finance's decision.
    """
    payments = list(order.payments.filter(status=PaymentStatus.AUTHORIZED).order_by("pk"))
    for payment in payments:
        tasks.void_payment.delay_on_commit(payment.pk, _actor_id(actor))
    return payments


def capture_for_shipment(*, order: Order, actor: Actor = None) -> list[Payment]:
    """Capture every open authorization of an order that ships (the fulfilment calls this).

    Captures run in tasks after the caller's transaction commits; a payment already captured
    (policy "on confirmation") is skipped. Returns the payments queued for capture.
    """
    return _enqueue_captures(order, actor)


# --- card payments ------------------------------------------------------------------------


def _new_card_payment(order: Order, amount: Decimal | None, actor: Actor) -> Payment:
    """A pending card payment for ``amount`` (default: what is not yet covered), committed
    before the gateway is called so the call's idempotency key has an id to come from."""
    with transaction.atomic():
        order = _lock_order(order.pk)
        _check_order_open(order)
        return Payment.objects.create(
            order=order,
            gateway=card_gateway_name(),
            method=Method.CARD,
            amount=_amount_or_uncovered(order, amount),
            currency=order.currency,
            created_by=_user(actor),
        )


def authorize_payment(
    *,
    order: Order,
    payment_method: str,
    amount: Decimal | None = None,
    actor: Actor = None,
) -> Payment:
    """Authorize a card for the order (default: what is not yet paid or authorized).

    ``payment_method`` is a Stripe PaymentMethod id made in the customer's browser by Stripe.js;
    the simulated gateway takes a test card number instead (demo and tests only). A declined
    card leaves a failed payment and a timeline entry, then raises ``PaymentDeclined``.
    """
    payment = _new_card_payment(order, amount, actor)
    return _authorize(payment, payment_method, actor)


def _authorize(
    payment: Payment, payment_method: str, actor: Actor, *, keep_pending: bool = False
) -> Payment:
    failure = None
    with transaction.atomic():
        payment = _lock_payment(payment)
        if payment.status != PaymentStatus.PENDING:
            return payment
        key = f"authorize-{payment.pk}"
        try:
            result = get_gateway(payment.gateway).authorize(
                payment, payment_method=payment_method, idempotency_key=key
            )
        except GatewayError as error:
            failure = error
            _fail(
                payment,
                "authorization",
                error,
                kind=Kind.AUTHORIZE,
                amount=payment.amount,
                key=key,
                actor=actor,
                mark_failed=not keep_pending,
            )
        else:
            _record(
                payment,
                Kind.AUTHORIZE,
                result.authorized,
                success=True,
                key=key,
                result=result,
                actor=actor,
            )
            _apply(payment, result, actor)
    if failure is not None:
        raise failure
    return payment


def attach_payment_intent(*, order: Order, payment_intent_id: str, actor: Actor = None) -> Payment:
    """Attach a PaymentIntent the channel already authorized (its checkout ran Stripe.js).

    Idempotent: the same PaymentIntent attached twice gives back the one payment.
    """
    reference = payment_intent_id.strip()
    if not reference.startswith("pi_"):
        raise PaymentError(f"{reference!r} is not a Stripe PaymentIntent id.", "invalid_reference")
    existing = Payment.objects.filter(gateway=Gateway.STRIPE, gateway_reference=reference).first()
    if existing is not None:
        if existing.order_id != order.pk:
            raise PaymentError(
                f"PaymentIntent {reference} already pays order {existing.order.number}.",
                "reference_in_use",
            )
        return existing
    result = StripeGateway().retrieve(reference)
    if result.currency != order.currency.upper():
        raise PaymentError(
            f"PaymentIntent {reference} is in {result.currency}, the order in {order.currency}.",
            "currency_mismatch",
        )
    if not (result.authorized or result.captured):
        raise PaymentError(
            f"PaymentIntent {reference} is not authorized (its status is {result.status}).",
            "not_authorized",
        )
    with transaction.atomic():
        order = _lock_order(order.pk)
        try:
            with transaction.atomic():
                payment = Payment.objects.create(
                    order=order,
                    gateway=Gateway.STRIPE,
                    method=Method.CARD,
                    amount=result.amount,
                    currency=order.currency,
                    gateway_reference=reference,
                    created_by=_user(actor),
                )
        except IntegrityError:  # attached by someone else at the same moment
            return Payment.objects.get(gateway=Gateway.STRIPE, gateway_reference=reference)
        payment.order = order
        _record(
            payment,
            Kind.AUTHORIZE,
            result.authorized or result.captured,
            success=True,
            result=result,
            actor=actor,
        )
        _apply(payment, result, actor)
    return payment


def send_payment_link(*, order: Order, amount: Decimal | None = None, actor: Actor = None):
    """Create a payment link (a Stripe Checkout Session, manual capture) for a phone or manual
    order and e-mail it to the customer. The customer types the card on Stripe's page; the
    ``checkout.session.completed`` webhook then marks the payment authorized."""
    payment = _new_card_payment(order, amount, actor)
    failure = None
    with transaction.atomic():
        payment = _lock_payment(payment)
        key = f"payment-link-{payment.pk}"
        try:
            result = get_gateway(payment.gateway).create_payment_link(
                payment,
                description=f"Order {order.number}",
                success_url=settings.STRIPE_CHECKOUT_SUCCESS_URL,
                cancel_url=settings.STRIPE_CHECKOUT_CANCEL_URL,
                idempotency_key=key,
            )
        except GatewayError as error:
            failure = error
            _fail(
                payment,
                "payment link",
                error,
                kind=Kind.PAYMENT_LINK,
                amount=payment.amount,
                key=key,
                actor=actor,
                mark_failed=True,
            )
        else:
            payment.checkout_session_id = result.object_id
            payment.checkout_url = result.url
            payment.save(update_fields=["checkout_session_id", "checkout_url", "updated_at"])
            _record(
                payment,
                Kind.PAYMENT_LINK,
                payment.amount,
                success=True,
                key=key,
                result=result,
                actor=actor,
            )
            events.payment_link_sent(payment.order, payment, actor)
            tasks.send_payment_link_email.delay_on_commit(payment.pk)
    if failure is not None:
        raise failure
    return payment


@transaction.atomic
def email_payment_link(*, payment_id: int) -> bool:
    """E-mail a payment link to the customer, at most once per payment (the EMAIL_SENT event
    under the order lock is the record)."""
    payment = Payment.objects.filter(pk=payment_id).first()
    if payment is None or not payment.checkout_url:
        return False
    payment = _lock_payment(payment)
    order = payment.order
    sent = order.events.filter(
        type=events.Type.EMAIL_SENT, data__kind="payment_link", data__payment=payment.pk
    )
    if payment.status != PaymentStatus.PENDING or sent.exists():
        return False
    send_mail(
        subject=f"Pay for your order {order.number}",
        message=render_to_string(
            "payments/email/payment_link.txt", {"order": order, "payment": payment}
        ),
        from_email=None,
        recipient_list=[order.email],
    )
    events.payment_link_emailed(order, payment, order.email)
    return True


def complete_simulated_checkout(*, payment: Payment, card_number: str) -> Payment:
    """The customer pays a simulated payment link (the demo's stand-in for Stripe Checkout).

    A declined test card leaves the link open, as Stripe Checkout does, and raises."""
    if payment.gateway != Gateway.SIMULATED or not payment.checkout_session_id:
        raise InvalidPaymentState("Only simulated payment links are paid here.")
    return _authorize(payment, card_number, None, keep_pending=True)


# --- manual payments ----------------------------------------------------------------------


def set_payment_terms(
    *, order: Order, method: str, amount: Decimal | None = None, actor: Actor = None
) -> Payment:
    """Agree a manual method before the money arrives (cash on delivery, invoice net 30, bank
    transfer…): a pending payment, which lets the order be confirmed if its channel accepts
    that method. Receipts are recorded against it with ``record_manual_payment``."""
    if method not in MANUAL_METHODS:
        raise PaymentError(f"{method!r} is not a manual payment method.", "invalid_method")
    with transaction.atomic():
        order = _lock_order(order.pk)
        _check_order_open(order)
        payment = Payment.objects.create(
            order=order,
            gateway=Gateway.MANUAL,
            method=method,
            amount=_amount_or_uncovered(order, amount),
            currency=order.currency,
            due_date=timezone.localdate() + timedelta(days=INVOICE_TERMS_DAYS)
            if method == Method.INVOICE_TERMS
            else None,
            created_by=_user(actor),
        )
        events.payment_expected(order, payment, actor)
    return payment


def record_manual_payment(
    *,
    order: Order,
    amount: Decimal,
    method: str = "",
    reference: str = "",
    payment: Payment | None = None,
    actor: Actor = None,
) -> Payment:
    """Record money received outside the OMS (bank transfer, cash, cheque…), either as a new
    payment of ``method`` or as a receipt against an expected ``payment``."""
    amount = to_money(amount)
    if amount <= 0:
        raise PaymentAmountError("The amount received must be more than zero.")
    reference = reference.strip()[:255]
    with transaction.atomic():
        if payment is not None:
            payment = _lock_payment(payment)
            if payment.order_id != order.pk or payment.gateway != Gateway.MANUAL:
                raise InvalidPaymentState("Receipts are recorded against manual payments only.")
            if payment.status not in (PaymentStatus.PENDING, PaymentStatus.CAPTURED):
                raise InvalidPaymentState(
                    f"This payment is {payment.get_status_display().lower()}: record a new one."
                )
            order = payment.order
        else:
            if method not in MANUAL_METHODS:
                raise PaymentError(f"{method!r} is not a manual payment method.", "invalid_method")
            order = _lock_order(order.pk)
            if order.status == OrderStatus.DRAFT:
                raise InvalidPaymentState(f"Order {order.number} is a draft: submit it first.")
            payment = Payment.objects.create(
                order=order,
                gateway=Gateway.MANUAL,
                method=method,
                amount=amount,
                currency=order.currency,
                created_by=_user(actor),
            )
        now = timezone.now()
        payment.captured_amount += amount
        payment.authorized_amount = max(payment.authorized_amount, payment.captured_amount)
        payment.authorized_at = payment.authorized_at or now
        payment.captured_at = now
        payment.status = _captured_status(payment)
        payment.save(update_fields=STATE_FIELDS)
        _record(
            payment,
            Kind.CAPTURE,
            amount,
            success=True,
            source=Source.MANUAL,
            reference=reference,
            actor=actor,
        )
        events.payment_received(order, payment, amount, reference, actor)
        refresh_order_payment_status(order)
    return payment


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
        payment = _lock_payment(payment)
        amount = _check_capturable(payment, amount)
        key = f"capture-{payment.pk}-{amount}"
        gateway = get_gateway(payment.gateway)
        try:
            result = gateway.capture(payment, amount=amount, idempotency_key=key)
        except GatewayError as error:
            _fail(payment, "capture", error, kind=Kind.CAPTURE, amount=amount, key=key, actor=actor)
            if isinstance(error, GatewayRejected):
                _converge(payment, actor)
            if payment.status not in CAPTURED_STATUSES:
                failure = error
        else:
            _record(
                payment, Kind.CAPTURE, amount, success=True, key=key, result=result, actor=actor
            )
            result.captured = max(result.captured or ZERO, amount)
            _apply(payment, result, actor)
    if failure is not None:
        raise failure
    return payment


def request_capture(
    *, payment: Payment, amount: Decimal | None = None, actor: Actor = None
) -> Payment:
    """Check a capture is possible now and leave it to the ``capture_payment`` task."""
    with transaction.atomic():
        payment = _lock_payment(payment)
        amount = _check_capturable(payment, amount)
        tasks.capture_payment.delay_on_commit(payment.pk, str(amount), _actor_id(actor))
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
        payment = _lock_payment(payment)
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
            _fail(payment, "void", error, kind=Kind.VOID, amount=amount, key=key, actor=actor)
            if isinstance(error, GatewayRejected):
                _converge(payment, actor)
            if payment.status not in (PaymentStatus.VOIDED, PaymentStatus.EXPIRED):
                failure = error
        else:
            _record(
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
            _apply(payment, result, actor)
    if failure is not None:
        raise failure
    return payment


def request_void(*, payment: Payment, actor: Actor = None) -> Payment:
    """Check a void is possible now and leave it to the ``void_payment`` task."""
    with transaction.atomic():
        payment = _lock_payment(payment)
        _check_voidable(payment)
        tasks.void_payment.delay_on_commit(payment.pk, _actor_id(actor))
    return payment


# --- refunds ------------------------------------------------------------------------------


def _pending_refunds(payment: Payment, exclude: Refund | None = None) -> Decimal:
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
        payment = _lock_payment(payment)
        if payment.status not in (PaymentStatus.CAPTURED, PaymentStatus.PARTIALLY_REFUNDED):
            raise InvalidPaymentState(
                f"Nothing to refund: this payment is {payment.get_status_display().lower()}."
            )
        available = payment.captured_amount - payment.refunded_amount - _pending_refunds(payment)
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
            requested_by=_user(actor),
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
        payment = _lock_payment(refund.payment)
        refund = Refund.objects.select_for_update().get(pk=refund.pk)
        refund.payment = payment
        if refund.status != Refund.Status.PENDING:
            return refund
        failure = _perform_refund(payment, refund, _user(refund.requested_by))
    if failure is not None:
        raise failure
    return refund


def _perform_refund(payment: Payment, refund: Refund, actor: Actor) -> GatewayError | None:
    """Call the gateway for a pending refund the caller has locked; returns the error, if any."""
    key = f"refund-{refund.pk}"
    available = (
        payment.captured_amount - payment.refunded_amount - _pending_refunds(payment, refund)
    )
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
        _fail(
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
    _record(
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
    payment.status = _captured_status(payment)
    payment.save(update_fields=STATE_FIELDS)
    events.payment_refunded(payment.order, refund, actor)
    refresh_order_payment_status(payment.order)
    return None


# --- authorization deadlines --------------------------------------------------------------


def flag_expiring_authorizations(*, now: datetime | None = None) -> list[int]:
    """Warn on the timeline, once per payment, of authorizations that lapse within the warning
    window (OMS_AUTHORIZATION_EXPIRY_WARNING_HOURS); simulated ones past their deadline expire
    (Stripe's send a ``payment_intent.canceled`` webhook instead). Returns the flagged ids."""
    now = now or timezone.now()
    flagged = []
    candidates = Payment.objects.expiring(now=now).filter(expiry_flagged_at__isnull=True)
    for payment in candidates.order_by("pk"):
        with transaction.atomic():
            payment = _lock_payment(payment)
            if payment.status != PaymentStatus.AUTHORIZED or payment.expiry_flagged_at:
                continue
            if payment.gateway == Gateway.SIMULATED and payment.authorization_expires_at <= now:
                _apply(
                    payment,
                    GatewayResult(canceled=True, cancellation_reason="automatic"),
                    None,
                )
                continue
            payment.expiry_flagged_at = now
            payment.save(update_fields=["expiry_flagged_at", "updated_at"])
            events.authorization_expiring(payment.order, payment)
            flagged.append(payment.pk)
    return flagged


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
    changed = _apply(payment, result, None)
    if not changed:
        return ""
    amount = result.captured or result.authorized or payment.amount
    _record(
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
    payment = _lock_payment(payment)
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
    payment = _lock_payment(payment)
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
    _fail(
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
    payment = _lock_payment(payment)
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
    payment.status = _captured_status(payment)
    payment.save(update_fields=STATE_FIELDS)
    _record(
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
    payment = _lock_payment(payment)
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
    payment = _lock_payment(payment)
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
