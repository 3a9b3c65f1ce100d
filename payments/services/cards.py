"""Card payments: authorizations, PaymentIntents a channel already authorized, payment
links (Stripe Checkout, or the simulated checkout page in the demo)."""

from __future__ import annotations

import logging
from decimal import Decimal

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string

from orders.models import Order, OrderEvent

from .. import events, tasks
from ..exceptions import (
    GatewayError,
    InvalidPaymentState,
    PaymentError,
)
from ..gateways import StripeGateway, card_gateway_name, get_gateway
from ..models import (
    Gateway,
    Method,
    Payment,
    PaymentStatus,
)
from .common import (
    Actor,
    Kind,
    amount_or_uncovered,
    apply_result,
    check_order_open,
    lock_order,
    lock_payment,
    record_failure,
    record_transaction,
    saved_user,
)

logger = logging.getLogger(__name__)


# --- card payments ------------------------------------------------------------------------


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
        payment = lock_payment(payment)
        if payment.status != PaymentStatus.PENDING:
            return payment
        key = f"authorize-{payment.pk}"
        try:
            result = get_gateway(payment.gateway).authorize(
                payment, payment_method=payment_method, idempotency_key=key
            )
        except GatewayError as error:
            failure = error
            record_failure(
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
            record_transaction(
                payment,
                Kind.AUTHORIZE,
                result.authorized,
                success=True,
                key=key,
                result=result,
                actor=actor,
            )
            apply_result(payment, result, actor)
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


def send_payment_link(*, order: Order, amount: Decimal | None = None, actor: Actor = None):
    """Create a payment link (a Stripe Checkout Session, manual capture) for a phone or manual
    order and e-mail it to the customer. The customer types the card on Stripe's page; the
    ``checkout.session.completed`` webhook then marks the payment authorized."""
    payment = _new_card_payment(order, amount, actor)
    failure = None
    with transaction.atomic():
        payment = lock_payment(payment)
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
            record_failure(
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
            record_transaction(
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
    payment = lock_payment(payment)
    order = payment.order
    sent = order.events.filter(
        type=OrderEvent.Type.EMAIL_SENT, data__kind="payment_link", data__payment=payment.pk
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
