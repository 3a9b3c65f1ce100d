"""Reads for the API: the orders an integration may see, and one order with everything its
detail shows, in a fixed number of queries."""

from django.db.models import Prefetch, QuerySet, prefetch_related_objects
from django.http import Http404
from django.shortcuts import get_object_or_404

from orders.models import Order, OrderEvent
from orders.selectors import order_for_detail
from payments.models import Payment
from shipping.models import Shipment

from .models import Integration


def visible_orders(integration: Integration | None) -> QuerySet[Order]:
    """Every order for a staff session or an ``all_channels`` integration; else its channel's."""
    orders = Order.objects.all()
    if integration is not None and not integration.all_channels:
        orders = orders.filter(channel_id=integration.channel_id)
    return orders


def orders_for_list(integration: Integration | None) -> QuerySet[Order]:
    return visible_orders(integration).select_related("channel", "customer")


def order_for_change(number: str, integration: Integration | None) -> Order:
    """The order an action is about, if the integration may see it (else 404)."""
    return get_object_or_404(visible_orders(integration), number=number)


def order_for_api(number: str, integration: Integration | None) -> Order:
    """The order with its lines and allocations (``orders.selectors.order_for_detail``), then
    its shipments with their lines, payments and events: eight queries whatever its size."""
    order = order_for_detail(number)
    if (
        integration is not None
        and not integration.all_channels
        and order.channel_id != integration.channel_id
    ):
        raise Http404("No order with this number.")
    prefetch_related_objects(
        [order],
        Prefetch(
            "shipments",
            queryset=Shipment.objects.select_related("carrier", "service", "location")
            .prefetch_related("lines")
            .order_by("pk"),
        ),
        Prefetch("payments", queryset=Payment.objects.order_by("pk")),
        Prefetch("events", queryset=OrderEvent.objects.order_by("created_at", "pk")),
    )
    return order
