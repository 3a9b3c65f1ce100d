"""Celery tasks: load ids, call a service. Safe to run twice (the services check the state
under a row lock first and use idempotency keys), retried with exponential backoff when the
gateway cannot be reached or fails on its side, never for a declined card or a refused request
(those are final and already on the order's timeline)."""

import smtplib
from decimal import Decimal

from celery import shared_task
from django.contrib.auth import get_user_model

from . import services
from .exceptions import GatewayUnavailable, PaymentError
from .models import Payment, Refund

RETRIED = {
    "autoretry_for": (GatewayUnavailable,),
    "retry_backoff": True,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 8,
}


def _user(actor_id: int | None):
    return get_user_model().objects.filter(pk=actor_id).first() if actor_id else None


@shared_task(**RETRIED)
def capture_payment(payment_id: int, amount: str | None = None, actor_id: int | None = None) -> str:
    payment = Payment.objects.filter(pk=payment_id).first()
    if payment is None:
        return "missing"
    try:
        payment = services.capture_payment(
            payment=payment, amount=Decimal(amount) if amount else None, actor=_user(actor_id)
        )
    except GatewayUnavailable:
        raise
    except PaymentError as error:  # final: already captured, declined, refused
        return f"not captured: {error.code}"
    return payment.status


@shared_task(**RETRIED)
def void_payment(payment_id: int, actor_id: int | None = None) -> str:
    payment = Payment.objects.filter(pk=payment_id).first()
    if payment is None:
        return "missing"
    try:
        payment = services.void_payment(payment=payment, actor=_user(actor_id))
    except GatewayUnavailable:
        raise
    except PaymentError as error:
        return f"not voided: {error.code}"
    return payment.status


@shared_task(**RETRIED)
def refund_payment(refund_id: int) -> str:
    refund = Refund.objects.filter(pk=refund_id).select_related("payment").first()
    if refund is None:
        return "missing"
    try:
        refund = services.process_refund(refund=refund)
    except GatewayUnavailable:
        raise
    except PaymentError as error:
        return f"not refunded: {error.code}"
    return refund.status


@shared_task(**RETRIED)
def process_stripe_event(event_pk: int) -> bool:
    return services.process_stripe_event(event_pk=event_pk)


@shared_task
def flag_expiring_authorizations() -> list[int]:
    """Periodic (celery beat): warn of authorizations expiring within the warning window."""
    return services.flag_expiring_authorizations()


@shared_task(
    autoretry_for=(smtplib.SMTPException, ConnectionError, TimeoutError),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=8,
)
def send_payment_link_email(payment_id: int) -> bool:
    return services.email_payment_link(payment_id=payment_id)
