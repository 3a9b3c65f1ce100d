"""Reads for the Webhooks pages."""

from django.db.models import QuerySet

from core.pagination import KeysetPage, keyset_page

from .models import Delivery, Subscription

DELIVERIES_PER_PAGE = 50


def subscriptions() -> QuerySet[Subscription]:
    return Subscription.objects.select_related("owner").defer("secret")


def delivery_log(
    subscription: Subscription, *, after: str = "", before: str = ""
) -> KeysetPage[Delivery]:
    """The subscription's deliveries, newest first (index webhook_delivery_log_idx)."""
    rows = Delivery.objects.filter(subscription=subscription).defer("payload")
    return keyset_page(
        rows, sort="-created_at", per_page=DELIVERIES_PER_PAGE, after=after, before=before
    )
