"""Reads for the Webhooks pages."""

from django.db.models import QuerySet

from core.csv_export import in_keyset_order
from core.pagination import KeysetPage, keyset_page

from .models import Delivery, Subscription

DELIVERIES_PER_PAGE = 50
LOG_SORT = "-created_at"  # newest first


def subscriptions() -> QuerySet[Subscription]:
    return Subscription.objects.select_related("owner").defer("secret")


def deliveries(subscription: Subscription) -> QuerySet[Delivery]:
    """The subscription's deliveries, newest first (index webhook_delivery_log_idx)."""
    rows = Delivery.objects.filter(subscription=subscription).defer("payload")
    return in_keyset_order(rows, LOG_SORT)


def delivery_log(
    subscription: Subscription, *, after: str = "", before: str = ""
) -> KeysetPage[Delivery]:
    """A page of ``deliveries``."""
    return keyset_page(
        deliveries(subscription),
        sort=LOG_SORT,
        per_page=DELIVERIES_PER_PAGE,
        after=after,
        before=before,
    )
