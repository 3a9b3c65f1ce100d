"""The dashboard home's figures and the global search: a fixed, small number of queries each."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Count, F, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from inventory.models import Product
from orders.filters import exact_order_match
from orders.models import HoldReason, Order, OrderLine
from orders.models import OrderStatus as S
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
    """Every order figure of the home page in two queries.

    The counts are conditional aggregates over open orders and the day's orders, grouped by
    currency so that the day's revenue comes out per currency in the same query; the counts
    are then summed over the currencies. ``with_revenue=False`` leaves the money out, for
    roles that handle the work but not the money (Warehouse).
    """
    start, end = day_bounds(day)
    placed_that_day = Q(placed_at__gte=start, placed_at__lt=end)
    counts = {
        "placed_today": Count("pk", filter=placed_that_day),
        "to_confirm": Count("pk", filter=Q(status=S.PLACED)),
        "to_process": Count("pk", filter=Q(status=S.CONFIRMED)),
        "to_ship": Count("pk", filter=Q(status__in=(S.PROCESSING, S.PARTIALLY_SHIPPED))),
        "on_hold": Count("pk", filter=Q(status=S.ON_HOLD)),
    }
    holds = {
        reason: Count("pk", filter=Q(status=S.ON_HOLD, hold_reason=reason))
        for reason in HoldReason.values
    }
    revenue = (
        {"revenue": Sum("total", filter=placed_that_day & ~Q(status=S.CANCELLED))}
        if with_revenue
        else {}
    )
    rows = list(
        Order.objects.filter(placed_that_day | Q(status__in=OPEN_STATUSES))
        .values("currency")
        .annotate(**counts, **holds, **revenue)
        .order_by("currency")
    )
    totals = {name: sum(row[name] for row in rows) for name in counts | holds}
    return OrderFigures(
        **{name: totals[name] for name in counts},
        revenue_today=[(row["currency"], row["revenue"]) for row in rows if row["revenue"]]
        if with_revenue
        else None,
        on_hold_by_reason=[
            HoldCount(reason, HoldReason(reason).label, totals[reason])
            for reason in HoldReason.values
            if totals[reason]
        ],
        backordered_lines=backordered_line_count(),
    )


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
        .order_by("-placed_at", "-pk")[:limit]
    )


def search_orders(text: str, *, by_email: bool = True, limit: int = 8) -> list[Order]:
    """By number as staff type it ("123" finds SO-000123 by its index), channel order id,
    the start of the customer's e-mail or part of their name. ``by_email=False`` for users
    who may not see customer records: a match would tell them whose address it is."""
    matches = exact_order_match(text) | Q(customer__name__icontains=text)
    if by_email:
        matches |= Q(customer__email__istartswith=text)
    return list(
        Order.objects.filter(matches)
        .select_related("customer")
        .order_by(F("placed_at").desc(nulls_last=True), "-pk")[:limit]
    )


def search_products(text: str, limit: int = 5) -> list[Product]:
    matches = Q(sku__istartswith=text) | Q(name__icontains=text) | Q(barcode=text)
    return list(Product.objects.filter(matches).order_by("sku")[:limit])
