"""Read queries shared by the dashboard, the API and reports."""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import (
    Avg,
    Count,
    DecimalField,
    F,
    OrderBy,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404

from core.parsing import parse_ascii_int

from .models import Allocation, Order, OrderLine, OrderStatus
from .workflow import OPEN_STATUSES


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


# --- the orders list -----------------------------------------------------------------------

EXPORT_COLUMNS = (
    "number",
    "placed_at",
    "status",
    "payment_status",
    "fulfilment_status",
    "channel__code",
    "customer__name",
    "customer__email",
    "units",
    "subtotal",
    "discount_total",
    "shipping_total",
    "tax_total",
    "total",
    "currency",
)

Cursor = tuple[Any, int]  # (value of the sort field, pk) of the row a page starts after


@dataclass(frozen=True)
class OrderPage:
    orders: list[Order]
    next_cursor: str = ""
    previous_cursor: str = ""


def units_ordered() -> Coalesce:
    """Total units over an order's lines, as a subquery run only for the rows fetched."""
    units = (
        OrderLine.objects.filter(order=OuterRef("pk"))
        .order_by()
        .values("order")
        .annotate(units=Sum("quantity"))
        .values("units")
    )
    return Coalesce(Subquery(units), 0)


def order_page(
    queryset: QuerySet[Order],
    *,
    sort: str,
    per_page: int,
    after: str = "",
    before: str = "",
) -> OrderPage:
    """One page of the list by keyset on (sort field, pk): as fast on page 1,000 as on page 1.

    ``after`` and ``before`` are cursors from a previous page; one query, whatever the page size.
    """
    field, descending = sort.removeprefix("-"), sort.startswith("-")
    cursor = parse_cursor(field, before)
    backwards = cursor is not None
    if not backwards:
        cursor = parse_cursor(field, after)
    scan_descending = descending != backwards
    rows = (
        queryset.select_related("channel", "customer")
        .annotate(units=units_ordered())
        .order_by(*keyset_ordering(field, descending=scan_descending))
    )
    if cursor is not None:
        rows = rows.filter(_beyond(field, cursor, descending=scan_descending))
    orders = list(rows[: per_page + 1])
    has_more = len(orders) > per_page
    orders = orders[:per_page]
    if backwards:
        orders.reverse()
    has_next, has_previous = (True, has_more) if backwards else (has_more, cursor is not None)
    return OrderPage(
        orders=orders,
        next_cursor=format_cursor(orders[-1], field) if orders and has_next else "",
        previous_cursor=format_cursor(orders[0], field) if orders and has_previous else "",
    )


def order_export_rows(queryset: QuerySet[Order], *, sort: str) -> Iterator[tuple]:
    """The filtered orders as EXPORT_COLUMNS tuples, streamed from the database in chunks."""
    field, descending = sort.removeprefix("-"), sort.startswith("-")
    return (
        queryset.annotate(units=units_ordered())
        .order_by(*keyset_ordering(field, descending=descending))
        .values_list(*EXPORT_COLUMNS)
        .iterator(chunk_size=2000)
    )


def orders_for_bulk_action(ids: Iterable[int]) -> list[Order]:
    return list(Order.objects.filter(pk__in=ids).order_by("number"))


def keyset_ordering(field: str, *, descending: bool) -> tuple[OrderBy, OrderBy]:
    """NULLs (drafts' placed_at) sort as if above every value, as PostgreSQL's indexes do."""
    if descending:
        return F(field).desc(nulls_first=True), F("pk").desc()
    return F(field).asc(nulls_last=True), F("pk").asc()


def _beyond(field: str, cursor: Cursor, *, descending: bool) -> Q:
    """Rows after the cursor in scan order. The redundant ``lte``/``gte`` bound lets the
    database start the index scan at the cursor instead of filtering from the first row."""
    value, pk = cursor
    nullable = Order._meta.get_field(field).null
    null = Q(**{f"{field}__isnull": True})
    if value is None:
        return (~null | (null & Q(pk__lt=pk))) if descending else (null & Q(pk__gt=pk))
    if descending:
        strictly, bound, tie = "lt", "lte", Q(pk__lt=pk)
    else:
        strictly, bound, tie = "gt", "gte", Q(pk__gt=pk)
    beyond = Q(**{f"{field}__{bound}": value}) & (
        Q(**{f"{field}__{strictly}": value}) | (Q(**{field: value}) & tie)
    )
    return (beyond | null) if nullable and not descending else beyond


def format_cursor(order: Order, field: str) -> str:
    value = getattr(order, field)
    text = "" if value is None else value.isoformat() if isinstance(value, datetime) else value
    return f"{text}|{order.pk}"


def parse_cursor(field: str, cursor: str) -> Cursor | None:
    """The cursor's (value, pk), or None when it is malformed or belongs to another sort."""
    text, separator, pk = cursor.rpartition("|")
    model_field = Order._meta.get_field(field)
    number = parse_ascii_int(pk)
    if not separator or number is None or "\x00" in text or (text == "" and not model_field.null):
        return None
    if text == "":
        return None, number
    try:
        value = model_field.to_python(text)
    except ValidationError:
        return None
    # A value its column cannot hold would fail in the query: malformed as well.
    return None if isinstance(value, Decimal) and not value.is_finite() else (value, number)


# --- panels on the customer and product pages ------------------------------------------------
# customers and inventory do not import orders: their pages load these by URL (views/panels.py).

# Drafts were never placed and cancelled orders were never paid for: neither is revenue.
NOT_COUNTED_STATUSES = (OrderStatus.DRAFT, OrderStatus.CANCELLED)
MONEY_FIELD = DecimalField(max_digits=14, decimal_places=2)


@dataclass(frozen=True)
class CustomerTotals:
    """What one customer has spent in one currency."""

    currency: str
    order_count: int
    lifetime_value: Decimal
    average_order_value: Decimal


def totals_by_customer(customer_ids: Iterable[int]) -> dict[int, list[CustomerTotals]]:
    """Order count, lifetime value and average order value per customer and currency, in one
    grouped query over the customers' orders (by the (customer, placed_at) index)."""
    rows = (
        Order.objects.filter(customer_id__in=list(customer_ids))
        .exclude(status__in=NOT_COUNTED_STATUSES)
        .values("customer_id", "currency")
        .annotate(
            order_count=Count("pk"),
            lifetime_value=Sum("total"),
            average_order_value=Avg("total", output_field=MONEY_FIELD),
        )
        .order_by("customer_id", "currency")
    )
    totals: dict[int, list[CustomerTotals]] = {}
    for row in rows:
        totals.setdefault(row.pop("customer_id"), []).append(CustomerTotals(**row))
    return totals


def customer_orders(customer_id: int) -> QuerySet[Order]:
    """Every order of the customer, newest first; drafts (not placed yet) on top."""
    return Order.objects.filter(customer_id=customer_id).order_by(
        F("placed_at").desc(nulls_first=True), "-pk"
    )


def backordered_lines(product_id: int) -> QuerySet[OrderLine]:
    """The product's lines on open orders still waiting for stock, in the order new stock
    fills them (oldest order first, as ``services.allocate_backorders``)."""
    return (
        OrderLine.objects.filter(
            product_id=product_id, quantity_backordered__gt=0, order__status__in=OPEN_STATUSES
        )
        .select_related("order__customer")
        .order_by("order__placed_at", "pk")
    )


def backordered_quantity(product_id: int) -> int:
    """Units of the product that open orders are still waiting for."""
    waiting = backordered_lines(product_id).aggregate(total=Sum("quantity_backordered"))
    return waiting["total"] or 0
