"""Read queries shared by the dashboard, the API and reports."""

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404

from .models import Allocation, Order, OrderLine


def order_for_detail(number: str) -> Order:
    """One order with everything its page shows, in a fixed number of queries."""
    lines = OrderLine.objects.select_related("product").prefetch_related(
        Prefetch("allocations", queryset=Allocation.objects.select_related("location"))
    )
    return get_object_or_404(
        Order.objects.select_related("channel", "customer", "held_by").prefetch_related(
            Prefetch("lines", queryset=lines)
        ),
        number=number,
    )


def order_timeline(order: Order):
    return order.events.select_related("actor").order_by("-created_at", "-pk")
