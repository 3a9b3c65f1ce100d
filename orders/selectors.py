"""Read queries shared by the dashboard, the API and reports."""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import OuterRef, Prefetch, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404

from core.csv_export import (
    FORMULA_PREFIXES,
    ISO_8601,
    ROWS_PER_CHUNK,
    copied_csv,
    csv_lines,
    defused_sql,
    in_keyset_order,
    streamed_rows,
)
from core.money import CENT
from core.pagination import KeysetPage, keyset_page

from . import sourcing
from .models import (
    Allocation,
    CustomerOrderTotals,
    Order,
    OrderEvent,
    OrderLine,
    OrderStatus,
)
from .workflow import OPEN_STATUSES


def order_for_detail(number: str) -> Order:
    """One order with everything its page shows, in a fixed number of queries."""
    lines = OrderLine.objects.select_related("product").prefetch_related(
        Prefetch("allocations", queryset=Allocation.objects.select_related("location"))
    )
    return get_object_or_404(
        Order.objects.select_related(
            "channel", "customer", "held_by", "pickup_location"
        ).prefetch_related(Prefetch("lines", queryset=lines)),
        number=number,
    )


@dataclass(frozen=True)
class SourcingSummary:
    """The order's latest sourcing decision, in words, and why it was made again (empty: as
    placed)."""

    sentence: str
    resourced: str
    event: OrderEvent


def latest_sourcing(order: Order) -> SourcingSummary | None:
    """From the newest stock-reserved event that kept the engine's decision (one query)."""
    event = (
        order.events.filter(type=OrderEvent.Type.STOCK_RESERVED, data__has_key="sourcing")
        .select_related("actor")
        .first()
    )
    if event is None:
        return None
    sentence = sourcing.decision_sentence(event.data["sourcing"])
    return SourcingSummary(sentence, event.data.get("resourced", ""), event)


TIMELINE_EVENTS_SHOWN = 50


def order_timeline(order: Order, *, after: str = "") -> KeysetPage[OrderEvent]:
    """The order's newest events, or those older than the ``after`` cursor ("Show older"),
    by keyset on the (order, created_at, id) index."""
    events = order.events.select_related("actor")
    return keyset_page(events, sort="-created_at", per_page=TIMELINE_EVENTS_SHOWN, after=after)


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


# What a row of the list shows: not the addresses (JSON), notes and timestamps of every order.
LIST_FIELDS = (
    "number",
    "placed_at",
    "status",
    "payment_status",
    "fulfilment_status",
    "hold_reason",
    "total",
    "currency",
    "channel__name",
    "customer__name",
    "customer__email",
)


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

    ``after`` and ``before`` are cursors from a previous page; one query whatever the page
    size (two for a page that spans the drafts, whose placed_at is NULL, and placed orders).
    """
    rows = (
        queryset.select_related("channel", "customer")
        .only(*LIST_FIELDS)
        .annotate(units=units_ordered())
    )
    page = keyset_page(rows, sort=sort, per_page=per_page, after=after, before=before)
    return OrderPage(
        orders=page.rows, next_cursor=page.next_cursor, previous_cursor=page.previous_cursor
    )


def order_export_rows(queryset: QuerySet[Order], *, sort: str) -> Iterator[tuple]:
    """The filtered orders as EXPORT_COLUMNS tuples, streamed from the database in chunks."""
    ordered = in_keyset_order(queryset.annotate(units=units_ordered()), sort)
    return streamed_rows(ordered.values_list(*EXPORT_COLUMNS))


# --- CSV export ----------------------------------------------------------------------------

EXPORT_ROWS_PER_CHUNK = ROWS_PER_CHUNK


def order_export_csv(queryset: QuerySet[Order], *, sort: str) -> Iterator[bytes]:
    """The filtered orders as CSV data rows in EXPORT_COLUMNS order (UTF-8, CRLF), a few
    hundred rows a chunk: timestamps in ISO 8601 with the offset of the current time zone,
    cells that start like a spreadsheet formula defused with a leading apostrophe.

    On PostgreSQL the rows come straight from COPY as the database produces them, none
    through the ORM; elsewhere (the SQLite demo) from the ORM, formatted by core.csv_export.
    """
    if connection.vendor != "postgresql":
        return _formatted_csv(order_export_rows(queryset, sort=sort))
    try:
        statement = _export_copy_statement(queryset, sort=sort)
    except EmptyResultSet:  # a filter that can match nothing (an empty IN list)
        return iter(())
    return copied_csv(statement, rows_per_chunk=EXPORT_ROWS_PER_CHUNK)


def _export_copy_statement(queryset: QuerySet[Order], *, sort: str) -> str:
    """COPY (SELECT …) TO STDOUT around the queryset's own SQL, so every filter holds. Each
    order's units come from a LATERAL join on its lines, one index lookup per row as it
    leaves: nothing needs every row before the first can go (unless PostgreSQL finds sorting
    the matches cheaper than walking the sort's index)."""
    fields = [column for column in EXPORT_COLUMNS if column != "units"]
    sql, params = queryset.order_by().values_list("pk", *fields).query.sql_with_params()
    aliases = ", ".join(["id", *(_alias(field) for field in fields)])
    cells = [_csv_cell_sql(column) for column in EXPORT_COLUMNS]
    cell_params = [list(FORMULA_PREFIXES) for cell in cells if "%s" in cell]
    # Every piece is ours or Django's compiled SQL; values are parameters.
    select = (
        f"SELECT {', '.join(cells)} FROM ({sql}) AS o ({aliases}) "  # noqa: S608
        f"LEFT JOIN LATERAL (SELECT sum(quantity) AS units FROM {OrderLine._meta.db_table}"
        f" WHERE order_id = o.id) AS lines ON true ORDER BY {_export_order_by(sort)}"
    )
    query = connection.ops.compose_sql(select, [*cell_params, *params])
    return f"COPY ({query}) TO STDOUT WITH (FORMAT csv)"


def _alias(field: str) -> str:
    return field.replace("__", "_")


def _csv_cell_sql(column: str) -> str:
    """One cell as ``core.csv_export.cell`` writes it: text, defused, NULL empty."""
    if column == "placed_at":  # starts with the year: never a formula
        return f"to_char(o.placed_at, '{ISO_8601}')"
    value = "coalesce(lines.units, 0)::text" if column == "units" else f"o.{_alias(column)}::text"
    return defused_sql(value)


def _export_order_by(sort: str) -> str:
    """keyset_ordering's order, in SQL on the subquery's columns: NULLs above every value."""
    field, descending = sort.removeprefix("-"), sort.startswith("-")
    if field not in EXPORT_COLUMNS:
        raise ValueError(f"cannot sort the export by {field!r}")
    if descending:
        return f"o.{field} DESC NULLS FIRST, o.id DESC"
    return f"o.{field} ASC NULLS LAST, o.id ASC"


def _formatted_csv(rows: Iterable[tuple]) -> Iterator[bytes]:
    return csv_lines(rows, rows_per_chunk=EXPORT_ROWS_PER_CHUNK)


def orders_for_bulk_action(ids: Iterable[int]) -> list[Order]:
    return list(Order.objects.filter(pk__in=ids).order_by("number"))


# --- panels on the customer and product pages ------------------------------------------------
# customers and inventory do not import orders: their pages load these by URL (views/panels.py).

# Drafts were never placed and cancelled orders were never paid for: neither is revenue.
NOT_COUNTED_STATUSES = (OrderStatus.DRAFT, OrderStatus.CANCELLED)


@dataclass(frozen=True)
class CustomerTotals:
    """What one customer has spent in one currency."""

    currency: str
    order_count: int
    lifetime_value: Decimal
    average_order_value: Decimal


def average_order_value(lifetime_value: Decimal, order_count: int) -> Decimal:
    """To the cent, half to even: what the ``money`` filter showed of the exact average."""
    return (lifetime_value / order_count).quantize(CENT, rounding=ROUND_HALF_EVEN)


def totals_by_customer(customer_ids: Iterable[int]) -> dict[int, list[CustomerTotals]]:
    """Order count, lifetime value and average order value per customer and currency, read
    in one query from ``CustomerOrderTotals`` (one row each, kept by triggers), however many
    orders the customers have."""
    rows = (
        CustomerOrderTotals.objects.filter(customer_id__in=list(customer_ids), order_count__gt=0)
        .values_list("customer_id", "currency", "order_count", "lifetime_value")
        .order_by("customer_id", "currency")
    )
    totals: dict[int, list[CustomerTotals]] = {}
    for customer_id, currency, order_count, lifetime_value in rows:
        totals.setdefault(customer_id, []).append(
            CustomerTotals(
                currency=currency,
                order_count=order_count,
                lifetime_value=lifetime_value,
                average_order_value=average_order_value(lifetime_value, order_count),
            )
        )
    return totals


CUSTOMER_ORDERS_SORT = "-placed_at"  # newest first; drafts (not placed yet, NULL) on top
CUSTOMER_ORDER_COLUMNS = ("number", "placed_at", "status", "payment_status", "total", "currency")


def customer_orders(customer_id: int) -> QuerySet[Order]:
    """Every order of the customer, for ``customer_orders_page`` and its capped count."""
    return Order.objects.filter(customer_id=customer_id)


def customer_orders_page(
    customer_id: int, *, per_page: int, after: str = "", before: str = ""
) -> KeysetPage[Order]:
    """One page of the customer's orders by keyset on the (customer, placed_at, id) index,
    with only the columns the customer page's orders panel shows."""
    return keyset_page(
        customer_orders(customer_id).only(*CUSTOMER_ORDER_COLUMNS),
        sort=CUSTOMER_ORDERS_SORT,
        per_page=per_page,
        after=after,
        before=before,
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
