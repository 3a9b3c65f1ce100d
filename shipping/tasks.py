"""Celery tasks: load ids, call a service. Safe to run twice (the label service claims the
shipment under a lock and stops when the label is there), retried with backoff while the
carrier cannot be reached; a carrier's refusal is final and shown on the shipment."""

from celery import shared_task

from . import services
from .exceptions import CarrierUnavailable, ShippingError
from .models import LabelBatch, Shipment


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


@shared_task
def create_label_batch(batch_id: int) -> str:
    """Buy the labels of a batch, one parcel after another; safe to run twice (labelled and
    refused parcels are skipped). Returns the batch's counts."""
    batch = LabelBatch.objects.filter(pk=batch_id).first()
    if batch is None:
        return "missing"
    result = services.run_label_batch(batch)
    return f"{result.done} labelled, {result.failed} failed of {result.total}"


@shared_task
def sweep_at_risk() -> str:
    """Open and resolve at-risk items (every 15 minutes, CELERY_BEAT_SCHEDULE)."""
    sweep = services.sweep_at_risk()
    return f"{sweep.opened} opened, {sweep.resolved} resolved"


@shared_task
def advance_demo_tracking() -> int:
    """Move demo parcels one step along (only with OMS_DEMO_TRACKING on)."""
    return services.advance_demo_tracking()
