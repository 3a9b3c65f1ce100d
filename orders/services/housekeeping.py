"""The periodic clean-up of stale orders."""

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from ..models import (
    Order,
    OrderStatus,
    PaymentStatus,
)
from .transitions import cancel_order


def stale_orders(*, older_than: timedelta, now: datetime | None = None):
    cutoff = (now or timezone.now()) - older_than
    return Order.objects.filter(
        Q(status=OrderStatus.DRAFT, created_at__lt=cutoff)
        | Q(
            status=OrderStatus.PLACED,
            payment_status=PaymentStatus.UNPAID,
            placed_at__lt=cutoff,
        )
    )


def cancel_stale_orders(*, older_than: timedelta, now: datetime | None = None) -> list[str]:
    """Cancel drafts and unpaid orders older than ``older_than``, freeing their stock.

    Each order is cancelled in its own transaction and re-checked under its lock, so a run
    that overlaps another, or a payment arriving meanwhile, never cancels the wrong order.
    """
    cancelled = []
    for pk in stale_orders(older_than=older_than, now=now).values_list("pk", flat=True):
        with transaction.atomic():
            order = stale_orders(older_than=older_than, now=now).select_for_update().filter(pk=pk)
            order = order.first()
            if order is None:
                continue
            hours = int(older_than.total_seconds() // 3600)
            cancel_order(order=order, reason=f"Not paid within {hours} hours", actor=None)
            cancelled.append(order.number)
    return cancelled
