"""Celery tasks: load ids, call a service. Each is safe to run twice."""

from datetime import timedelta

from celery import shared_task
from django.conf import settings

from inventory.models import Product

from . import services


@shared_task
def allocate_backorders(product_id: int) -> int:
    product = Product.objects.filter(pk=product_id).first()
    return services.allocate_backorders(product=product) if product else 0


@shared_task
def cancel_stale_orders() -> list[str]:
    """Periodic (celery beat): cancel drafts and unpaid orders older than OMS_STALE_ORDER_HOURS."""
    return services.cancel_stale_orders(older_than=timedelta(hours=settings.OMS_STALE_ORDER_HOURS))
