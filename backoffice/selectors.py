"""The dashboard home's figures and the global search: a fixed, small number of queries each."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Count, F, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from inventory.models import Product
from orders.models import HoldReason, Order, OrderLine
from orders.models import OrderStatus as S
from orders.search import matching_orders
from orders.selectors import LIST_FIELDS
from orders.workflow import OPEN_STATUSES


@dataclass(frozen=True)
class HoldCount:
    reason: str
    label: str
    count: int


@dataclass(frozen=True)
class OrderFigures:
    placed_today: int
    # (currency, amount), only currencies sold in; None when not asked for
    revenue_today: list[tuple[str, Decimal]] | None
    to_confirm: int
    to_process: int
    to_ship: int
    on_hold: int
    on_hold_by_reason: list[HoldCount]  # only reasons with orders
    backordered_lines: int


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """Start and end of ``day`` in the current time zone, as a half-open range."""
    zone = timezone.get_current_timezone()
    return (
        datetime.combine(day, time.min, tzinfo=zone),
        datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone),
    )


def order_figures(day: date, *, with_revenue: bool = True) -> OrderFigures:
    """Every order figure of the home page, in queries whose cost does not grow with history.

    The work queues are counted on the partial index of open orders (``order_open_status_idx``:
    only open orders are in it, so an index-only scan reads as many entries as there are orders
    to work on, whatever the years of closed ones), and the day's orders and revenue on a range
    of the placed_at index. Plain COUNTs in one statement each: always exactly what is in the
    table, under any concurrency, with no counter to keep in step. ``with_revenue=False`` leaves
    the money out, for roles that handle the work but not the money (Warehouse).
    """
    queues = open_order_counts()
    on_hold = {reason: n for (status, reason), n in queues.items() if status == S.ON_HOLD}
    today = day_totals(day, with_revenue=with_revenue)
    return OrderFigures(
        placed_today=sum(placed for placed, _ in today.values()),
        revenue_today=[(currency, revenue) for currency, (_, revenue) in today.items() if revenue]
        if with_revenue
        else None,
        to_confirm=_queue(queues, S.PLACED),
        to_process=_queue(queues, S.CONFIRMED),
        to_ship=_queue(queues, S.PROCESSING, S.PARTIALLY_SHIPPED),
        on_hold=_queue(queues, S.ON_HOLD),
        on_hold_by_reason=[
            HoldCount(reason, HoldReason(reason).label, on_hold[reason])
            for reason in HoldReason.values
            if on_hold.get(reason)
        ],
        backordered_lines=backordered_line_count(),
    )


def open_order_counts() -> dict[tuple[str, str], int]:
    """{(status, hold reason): orders} over open orders, an index-only scan of the partial index."""
    rows = (
        Order.objects.filter(status__in=OPEN_STATUSES)
        .values_list("status", "hold_reason")
        .annotate(orders=Count("*"))
        .order_by()
    )
    return {(status, reason): orders for status, reason, orders in rows}


def _queue(counts: dict[tuple[str, str], int], *statuses: str) -> int:
    return sum(n for (status, _), n in counts.items() if status in statuses)


def day_totals(day: date, *, with_revenue: bool) -> dict[str, tuple[int, Decimal | None]]:
    """{currency: (orders placed that day, their revenue)}; cancelled orders are not revenue."""
    start, end = day_bounds(day)
    revenue = Sum("total", filter=~Q(status=S.CANCELLED))
    rows = (
        Order.objects.filter(placed_at__gte=start, placed_at__lt=end)
        .values("currency")
        .annotate(placed=Count("*"), **({"revenue": revenue} if with_revenue else {}))
        .order_by("currency")
    )
    return {row["currency"]: (row["placed"], row.get("revenue")) for row in rows}


def backordered_line_count() -> int:
    return OrderLine.objects.filter(
        quantity_backordered__gt=0, order__status__in=OPEN_STATUSES
    ).count()


def low_stock_count() -> int:
    """Active products with a reorder point whose stock available everywhere is at or below it."""
    return (
        Product.objects.filter(is_active=True, reorder_point__gt=0)
        .annotate(
            available=Coalesce(Sum(F("stock_levels__on_hand") - F("stock_levels__reserved")), 0)
        )
        .filter(available__lte=F("reorder_point"))
        .count()
    )


def recent_orders(limit: int = 10) -> list[Order]:
    return list(
        Order.objects.filter(placed_at__isnull=False)
        .select_related("customer", "channel")
        .only(*LIST_FIELDS)  # not the addresses' JSON, the notes…
        .order_by("-placed_at", "-pk")[:limit]
    )


def search_orders(text: str, *, by_email: bool = True, limit: int = 8) -> list[Order]:
    """The newest orders the text finds (``orders.search``: by number, channel order id, SKU,
    channel, then customer). ``by_email=False`` for users who may not see customer records."""
    found = matching_orders(Order.objects.all(), text, by_contact=by_email)
    newest_first = (
        F("placed_at").desc(nulls_first=True),
        "-pk",
    )  # the index's order: drafts on top
    found = found.select_related("customer").only(*LIST_FIELDS)
    return list(found.order_by(*newest_first)[:limit])
