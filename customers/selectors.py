"""Read queries for the customer pages and the global search."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import (
    Avg,
    Count,
    DecimalField,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404

from orders.models import Order, OrderStatus

from .models import Address, Customer

# Drafts were never placed and cancelled orders were never paid for: neither is revenue.
NOT_COUNTED_STATUSES = (OrderStatus.DRAFT, OrderStatus.CANCELLED)
MONEY_FIELD = DecimalField(max_digits=14, decimal_places=2)


def customer_text_query(text: str) -> Q:
    """Free text as staff type it: the start of an e-mail, part of a name, phone or company."""
    return (
        Q(email__istartswith=text)
        | Q(name__icontains=text)
        | Q(phone__contains=text)
        | Q(company__icontains=text)
    )


def _counted_orders_of_outer_customer() -> QuerySet[Order]:
    return (
        Order.objects.filter(customer=OuterRef("pk"))
        .exclude(status__in=NOT_COUNTED_STATUSES)
        .order_by()
        .values("customer")
    )


def customers_with_totals() -> QuerySet[Customer]:
    """Customers annotated with ``order_count`` and ``lifetime_value`` in the same query.

    Correlated subqueries use the (customer, placed_at) index per row on the page instead of
    grouping the whole orders table. Cancelled and draft orders do not count.
    """
    orders = _counted_orders_of_outer_customer()
    return Customer.objects.annotate(
        order_count=Coalesce(
            Subquery(orders.annotate(n=Count("pk")).values("n"), output_field=IntegerField()),
            0,
        ),
        lifetime_value=Coalesce(
            Subquery(orders.annotate(v=Sum("total")).values("v"), output_field=MONEY_FIELD),
            Value(Decimal("0.00")),
            output_field=MONEY_FIELD,
        ),
    )


def default_address_countries() -> list[str]:
    return list(
        Address.objects.filter(is_default=True)
        .order_by("country")
        .values_list("country", flat=True)
        .distinct()
    )


def customer_for_detail(pk: int) -> Customer:
    return get_object_or_404(Customer.objects.prefetch_related("addresses"), pk=pk)


@dataclass(frozen=True)
class CustomerTotals:
    """What one customer has spent in one currency."""

    currency: str
    order_count: int
    lifetime_value: Decimal
    average_order_value: Decimal


def customer_totals(customer: Customer) -> list[CustomerTotals]:
    """Order count, lifetime value and average order value per currency, in one query."""
    rows = (
        Order.objects.filter(customer=customer)
        .exclude(status__in=NOT_COUNTED_STATUSES)
        .values("currency")
        .annotate(
            order_count=Count("pk"),
            lifetime_value=Sum("total"),
            average_order_value=Avg("total", output_field=MONEY_FIELD),
        )
        .order_by("currency")
    )
    return [CustomerTotals(**row) for row in rows]


def customer_orders(customer: Customer) -> QuerySet[Order]:
    """Every order of the customer, newest first; drafts (not placed yet) on top."""
    return Order.objects.filter(customer=customer).order_by(
        F("placed_at").desc(nulls_first=True), "-pk"
    )


def search_customers(text: str, limit: int = 5) -> list[Customer]:
    return list(Customer.objects.filter(customer_text_query(text)).order_by("name", "pk")[:limit])
