"""Celery tasks: safe to run twice (a delivery is claimed before it is sent, and one that
succeeded is never claimed again)."""

from celery import shared_task
from django.utils import timezone

from .models import Delivery
from .services import delivery

SWEEP_BATCH = 500


@shared_task
def deliver(delivery_id: int) -> str:
    return delivery.attempt(delivery_id)


@shared_task
def send_due_deliveries() -> int:
    """Every minute (beat): queue the deliveries whose next attempt is due (retries, the
    resumed, those whose task was lost). Their count."""
    due = list(
        Delivery.objects.filter(
            status__in=delivery.RETRYABLE,
            next_attempt_at__lte=timezone.now(),
            subscription__is_active=True,
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    for pk in due:
        deliver.delay(pk)
    return len(due)
