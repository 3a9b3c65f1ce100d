"""Celery tasks: load ids, call a service. Safe to run twice (the label service claims the
shipment under a lock and stops when the label is there), retried with backoff while the
carrier cannot be reached; a carrier's refusal is final and shown on the shipment."""

from celery import shared_task

from . import services
from .exceptions import CarrierUnavailable, ShippingError
from .models import Shipment


@shared_task(
    autoretry_for=(CarrierUnavailable,),
    retry_backoff=True,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=8,
)
def create_label(shipment_id: int) -> str:
    """Buy and render the shipment's label; returns its status, or why there is none."""
    shipment = Shipment.objects.filter(pk=shipment_id).first()
    if shipment is None:
        return "missing"
    try:
        return services.issue_label(shipment=shipment).status
    except CarrierUnavailable:
        raise
    except ShippingError as error:  # refused by the carrier, or another worker has it
        return f"not labelled: {error.code}"
