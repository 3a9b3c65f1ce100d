"""Periodic housekeeping of the API's own tables (celery beat), and what a channel order
leaves to do once it commits."""

import logging

from celery import shared_task

from orders.models import Order
from payments.exceptions import GatewayUnavailable, PaymentError
from payments.services import attach_payment_intent
from payments.tasks import RETRIED

from .idempotency import purge_records

logger = logging.getLogger(__name__)


@shared_task
def purge_idempotency_records() -> int:
    return purge_records()


@shared_task(**RETRIED)
def attach_channel_payment(order_id: int, payment_intent_id: str) -> str:
    """Record the PaymentIntent a channel order came with (checked before it was placed) as
    its authorized payment; the payment's status, or why it was refused (final: the intent
    changed at Stripe meanwhile, or another order took it first)."""
    order = Order.objects.filter(pk=order_id).first()
    if order is None:
        return "missing"
    try:
        return attach_payment_intent(order=order, payment_intent_id=payment_intent_id).status
    except GatewayUnavailable:
        raise
    except PaymentError as error:
        logger.warning("%s: PaymentIntent %s refused: %s", order.number, payment_intent_id, error)
        return f"refused: {error.code}"
