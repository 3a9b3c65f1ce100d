"""Card payments: authorizations, PaymentIntents a channel already authorized, payment
links (Stripe Checkout, or the simulated checkout page in the demo).

An authorization or a link whose answer was lost (a timeout) is not made a second time: asking
again for the same payment reuses its idempotency key, and first looks the PaymentIntent up by
our id, so the customer is authorized once. An order has one open payment link at a time.
"""

from __future__ import annotations

import logging
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction

from core.money import to_money
from orders.models import Order

from .. import events, selectors
from ..exceptions import (
    GatewayError,
    GatewayRejected,
    InvalidPaymentState,
    PaymentDeclined,
    PaymentError,
)
from ..gateways import GatewayResult, StripeGateway, card_gateway_name, get_gateway
from ..models import (
    Gateway,
    Method,
    Payment,
    PaymentStatus,
    PaymentTransaction,
)
from .capture import request_void
from .common import (
    OPEN_OUTCOMES,
    Actor,
    Answer,
    Call,
    Kind,
    amount_or_uncovered,
    apply_result,
    call_gateway,
    check_order_open,
    claim_call,
    lock_order,
    next_key,
    note_failure,
    open_call,
    record_transaction,
    saved_user,
)

logger = logging.getLogger(__name__)


# --- which payments may be paid -----------------------------------------------------------


def _open_links(order: Order):
    """The order's payment links a customer could still pay."""
    return order.payments.filter(status=PaymentStatus.PENDING, method=Method.CARD).exclude(
        checkout_session_id=""
    )


def _being_voided(payment: Payment) -> bool:
    return payment.transactions.filter(kind=Kind.VOID, outcome__in=OPEN_OUTCOMES).exists()


def payment_refusal(payment: Payment) -> str:
    """Why the customer may not pay this payment now ("" when they may): the order is
    cancelled or completed, the payment is no longer open, or a newer link replaced it."""
    order = payment.order
    if not selectors.takes_new_payments(order):
        return f"order {order.number} is {order.get_status_display().lower()}"
    if payment.status != PaymentStatus.PENDING:
        return f"this payment is {payment.get_status_display().lower()}"
    if _being_voided(payment):
        return "it is being voided"
    if payment.checkout_session_id and _open_links(order).filter(pk__gt=payment.pk).exists():
        return "a newer payment link replaced it"
    return ""


def release_stale_authorization(payment: Payment, result: GatewayResult, reason: str) -> None:
    """The gateway holds the customer's money for a payment that may not be paid (a link
    paid after the order was cancelled, or after a newer link replaced it): keep its
    reference so the void finds it, say so on the timeline and void it at once (once: the
    same money reported again, by another event, is already being released)."""
    if payment.gateway_reference == result.reference and _being_voided(payment):
        return
    if result.reference and not payment.gateway_reference:
        payment.gateway_reference = result.reference
        payment.save(update_fields=["gateway_reference", "updated_at"])
    voidable = payment.status == PaymentStatus.PENDING and payment.captured_amount == 0
    amount = result.authorized or result.captured or payment.amount
    events.stale_payment_refused(payment.order, payment, amount, reason, voiding=voidable)
    if voidable:
        request_void(payment=payment)


# --- authorizations -----------------------------------------------------------------------


def _new_card_payment(order: Order, amount: Decimal | None, actor: Actor) -> Payment:
    """A pending card payment for ``amount`` (default: what is not yet covered), committed
    before the gateway is called so the call's idempotency key has an id to come from."""
    with transaction.atomic():
        order = lock_order(order.pk)
        check_order_open(order)
        return Payment.objects.create(
            order=order,
            gateway=card_gateway_name(),
            method=Method.CARD,
            amount=amount_or_uncovered(order, amount),
            currency=order.currency,
            created_by=saved_user(actor),
        )


def _payment_in_doubt(order: Order, kind: str, amount: Decimal | None) -> Payment | None:
    """The order's pending card payment whose ``kind`` call got no answer (a timeout): asking
    again for that one, rather than making a second, keeps it to one at the gateway."""
    doubtful = (
        order.payments.filter(
            status=PaymentStatus.PENDING,
            method=Method.CARD,
            checkout_session_id="",
            transactions__kind=kind,
            transactions__outcome__in=OPEN_OUTCOMES,
        )
        .distinct()
        .order_by("-pk")
        .first()
    )
    if doubtful is None or (amount is not None and to_money(amount) != doubtful.amount):
        return None
    return doubtful


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
    card leaves a failed payment and a timeline entry, then raises ``PaymentDeclined``. A
    timeout leaves the payment pending and raises ``GatewayUnavailable``: authorizing again
    settles that same payment with Stripe (found by our id, or its key answered again).
    """
    payment = _payment_in_doubt(order, Kind.AUTHORIZE, amount)
    if payment is None:
        payment = _new_card_payment(order, amount, actor)
    return _authorize(payment, payment_method, actor)


def _found_authorization(payment: Payment) -> GatewayResult:
    """What the gateway holds for the payment, as an answer to the lost authorization."""
    found = get_gateway(payment.gateway).find_payment(payment)
    if found is None:
        raise GatewayRejected(
            "The gateway has no authorization for this payment: the request never arrived.",
            "not_found",
        )
    if found.failure_code and not (found.authorized or found.captured):
        raise PaymentDeclined(found.failure_message or "The card was declined.", found.failure_code)
    return found


def _authorize(
    payment: Payment,
    payment_method: str | None,
    actor: Actor,
    *,
    keep_pending: bool = False,
) -> Payment:
    """Authorize ``payment`` with ``payment_method``; with None, only find out what became of
    an authorization whose answer was lost (the sweeper). ``keep_pending``: a payment link
    stays open after a decline, as Stripe Checkout lets the customer try another card."""
    link = bool(payment.checkout_session_id)

    def prepare(locked: Payment) -> Call | None:
        if payment_method is None:
            recorded = locked.transactions.filter(kind=Kind.AUTHORIZE, outcome__in=OPEN_OUTCOMES)
            txn = recorded.order_by("-pk").first()
            return None if txn is None else claim_call(txn)
        if link and (refusal := payment_refusal(locked)):
            raise InvalidPaymentState(
                f"This payment link can no longer be paid: {refusal}.", code="link_closed"
            )
        if locked.status != PaymentStatus.PENDING:
            return None
        check_order_open(locked.order)
        key = next_key(locked, Kind.AUTHORIZE, f"authorize-{locked.pk}")
        return claim_call(open_call(locked, Kind.AUTHORIZE, key, locked.amount, actor=actor))

    def send(locked: Payment, call: Call) -> GatewayResult:
        if payment_method is None:
            return _found_authorization(locked)
        gateway = get_gateway(locked.gateway)
        if call.retry:  # sent before, answer lost: Stripe may hold it already
            found = gateway.find_payment(locked)
            if found is not None and (found.authorized or found.captured):
                return found
        return gateway.authorize(
            locked, payment_method=payment_method, idempotency_key=call.txn.idempotency_key
        )

    def conclude(locked: Payment, txn: PaymentTransaction, answer: Answer) -> PaymentError | None:
        result = answer.result
        if result is not None:
            refusal = payment_refusal(locked) if locked.status == PaymentStatus.PENDING else ""
            if refusal and (result.authorized or result.captured):
                release_stale_authorization(locked, result, refusal)
            else:
                apply_result(locked, result, actor)
            return None
        error = answer.error
        if isinstance(error, GatewayError):
            note_failure(
                locked, "authorization", error, actor=actor, mark_failed=not (keep_pending or link)
            )
        return error

    return call_gateway(payment, prepare=prepare, send=send, conclude=conclude)


def reconcile_authorization(*, payment: Payment) -> Payment:
    """Settle an authorization left without an answer (the sweeper, minutes later): take
    what the gateway holds for the payment, or, when it holds nothing, record that the
    request never arrived (the payment fails; a payment link stays open)."""
    return _authorize(payment, None, None)


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
    result = StripeGateway().retrieve(reference)  # before any lock is taken
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
        order = lock_order(order.pk)
        try:
            with transaction.atomic():
                payment = Payment.objects.create(
                    order=order,
                    gateway=Gateway.STRIPE,
                    method=Method.CARD,
                    amount=result.amount,
                    currency=order.currency,
                    gateway_reference=reference,
                    created_by=saved_user(actor),
                )
        except IntegrityError:  # attached by someone else at the same moment
            return Payment.objects.get(gateway=Gateway.STRIPE, gateway_reference=reference)
        payment.order = order
        record_transaction(
            payment,
            Kind.AUTHORIZE,
            result.authorized or result.captured,
            success=True,
            result=result,
            actor=actor,
        )
        apply_result(payment, result, actor)
    return payment


# --- payment links ------------------------------------------------------------------------


def _new_link_payment(order: Order, amount: Decimal | None, actor: Actor) -> Payment:
    """A pending card payment for a new link; the order's open links are voided (their
    Checkout Sessions expired) once this commits: one payable link per order."""
    with transaction.atomic():
        order = lock_order(order.pk)
        check_order_open(order)
        for old in _open_links(order).order_by("pk"):
            if not _being_voided(old):
                request_void(payment=old, actor=actor)
        return _new_card_payment(order, amount, actor)


def _link_in_doubt(order: Order, amount: Decimal | None) -> Payment | None:
    return _payment_in_doubt(order, Kind.PAYMENT_LINK, amount)


def send_payment_link(*, order: Order, amount: Decimal | None = None, actor: Actor = None):
    """Create a payment link (a Stripe Checkout Session, manual capture) for a phone or manual
    order and e-mail it to the customer. The customer types the card on Stripe's page; the
    ``checkout.session.completed`` webhook then marks the payment authorized. A new link
    replaces the order's open one; a link whose creation timed out is asked for again."""
    payment = _link_in_doubt(order, amount) or _new_link_payment(order, amount, actor)
    return create_payment_link(payment=payment, actor=actor)


def create_payment_link(*, payment: Payment, actor: Actor = None) -> Payment:
    """Create the Checkout Session of a pending payment (again, with the same key, after a
    lost answer) and queue its e-mail."""

    def prepare(locked: Payment) -> Call | None:
        if locked.status != PaymentStatus.PENDING or locked.checkout_session_id:
            return None
        check_order_open(locked.order)
        key = f"payment-link-{locked.pk}"
        return claim_call(open_call(locked, Kind.PAYMENT_LINK, key, locked.amount, actor=actor))

    def send(locked: Payment, call: Call) -> GatewayResult:
        return get_gateway(locked.gateway).create_payment_link(
            locked,
            description=f"Order {locked.order.number}",
            success_url=settings.STRIPE_CHECKOUT_SUCCESS_URL,
            cancel_url=settings.STRIPE_CHECKOUT_CANCEL_URL,
            idempotency_key=call.txn.idempotency_key,
        )

    def conclude(locked: Payment, txn: PaymentTransaction, answer: Answer) -> PaymentError | None:
        if answer.result is None:
            if isinstance(answer.error, GatewayError):
                note_failure(locked, "payment link", answer.error, actor=actor, mark_failed=True)
            return answer.error
        locked.checkout_session_id = answer.result.object_id
        locked.checkout_url = answer.result.url
        locked.save(update_fields=["checkout_session_id", "checkout_url", "updated_at"])
        if payment_refusal(locked):  # voided, or the order closed, while Stripe answered
            return None  # kept for the record; nobody is sent the link
        events.payment_link_sent(locked.order, locked, actor)  # notifications e-mails it
        return None

    return call_gateway(payment, prepare=prepare, send=send, conclude=conclude)


def complete_simulated_checkout(*, payment: Payment, card_number: str) -> Payment:
    """The customer pays a simulated payment link (the demo's stand-in for Stripe Checkout).

    A declined test card leaves the link open, as Stripe Checkout does, and raises; a link of
    a cancelled or completed order, or one a newer link replaced, is refused."""
    if payment.gateway != Gateway.SIMULATED or not payment.checkout_session_id:
        raise InvalidPaymentState("Only simulated payment links are paid here.")
    return _authorize(payment, card_number, None, keep_pending=True)
