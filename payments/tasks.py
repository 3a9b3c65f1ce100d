"""Celery tasks: load ids, call a service. Safe to run twice (the services record each gateway
call with its idempotency key under a row lock first), retried with exponential backoff when
the gateway cannot be reached, fails on its side or does not answer in time, never for a
declined card or a refused request (those are final and already on the order's timeline). A
task lost for good is queued again by ``sweep_stuck_work``."""

from collections.abc import Callable
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


def _on_payment(payment_id: int, action: Callable[[Payment], Payment], refused: str) -> str:
    """Run ``action`` on the payment; its status, or why it was refused (final: not retried)."""
    payment = Payment.objects.filter(pk=payment_id).first()
    if payment is None:
        return "missing"
    try:
        return action(payment).status
    except GatewayUnavailable:
        raise
    except PaymentError as error:  # already done, declined, refused, in progress elsewhere
        return f"{refused}: {error.code}"


@shared_task(**RETRIED)
def capture_payment(
    payment_id: int,
    amount: str | None = None,
    actor_id: int | None = None,
    final: bool = True,
    request_id: str = "",
) -> str:
    """Capture ``amount`` (default: all still authorized); ``final=False`` keeps the rest
    authorized for a later capture; ``request_id`` (``shipment-<event id>``) makes the
    idempotency key, so the same shipment is captured once however often this runs."""
    return _on_payment(
        payment_id,
        lambda payment: services.capture_payment(
            payment=payment,
            amount=Decimal(amount) if amount else None,
            final=final,
            request_id=request_id,
            actor=_user(actor_id),
        ),
        "not captured",
    )


@shared_task(**RETRIED)
def void_payment(payment_id: int, actor_id: int | None = None) -> str:
    return _on_payment(
        payment_id,
        lambda payment: services.void_payment(payment=payment, actor=_user(actor_id)),
        "not voided",
    )


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
def reconcile_authorization(payment_id: int) -> str:
    """Settle an authorization whose answer was lost, from what the gateway holds."""
    return _on_payment(
        payment_id,
        lambda payment: services.reconcile_authorization(payment=payment),
        "not settled",
    )


@shared_task(**RETRIED)
def create_payment_link(payment_id: int, actor_id: int | None = None) -> str:
    """Create a payment link whose first request got no answer (same idempotency key)."""
    return _on_payment(
        payment_id,
        lambda payment: services.create_payment_link(payment=payment, actor=_user(actor_id)),
        "no link",
    )


@shared_task(**RETRIED)
def process_stripe_event(event_pk: int) -> bool:
    return services.process_stripe_event(event_pk=event_pk)


@shared_task
def flag_expiring_authorizations() -> list[int]:
    """Periodic (celery beat): warn of authorizations expiring within the warning window."""
    return services.flag_expiring_authorizations()


@shared_task
def sweep_stuck_work() -> dict[str, int]:
    """Periodic (celery beat, every minute): queue again lost captures, voids, refunds and
    Stripe events (see ``payments.services.sweeper``)."""
    return services.sweep_stuck_work()
