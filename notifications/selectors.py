"""Reads for the Communications panel and the Notifications page."""

from django.db.models import QuerySet

from core.pagination import KeysetPage, keyset_page
from orders.models import Order

from .models import Notification

FAILURES_PER_PAGE = 50
FAILURES_SORT = "-created_at"  # newest first
# What the lists show of a message: not its bodies (the message page shows those).
LIST_FIELDS = (
    "order__number",
    "kind",
    "channel",
    "recipient",
    "subject",
    "status",
    "attempts",
    "error",
    "sent_at",
    "delivery_status",
    "created_at",
    "resend_of",
)


def with_order() -> QuerySet[Notification]:
    return Notification.objects.select_related("order")


def for_order(order: Order) -> list[Notification]:
    """Every message of the order, newest first (index notification_order_idx)."""
    rows = Notification.objects.filter(order=order).select_related("order").only(*LIST_FIELDS)
    return list(rows.order_by("-created_at", "-pk"))


def failed() -> QuerySet[Notification]:
    """Messages that failed for good (index notification_failed_idx): the Notifications page
    and its export, in the order ``FAILURES_SORT``."""
    return (
        Notification.objects.filter(status=Notification.Status.FAILED)
        .select_related("order")
        .only(*LIST_FIELDS)
    )


def failures(*, after: str = "", before: str = "") -> KeysetPage[Notification]:
    """A page of the failed messages, newest first."""
    return keyset_page(
        failed(), sort=FAILURES_SORT, per_page=FAILURES_PER_PAGE, after=after, before=before
    )
