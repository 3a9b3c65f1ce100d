"""Sales figures per local day, channel and currency: live from the orders, or from the
``DailySales`` summary (reports.models) for whole past days, kept fresh by ``refresh_days``.

Definitions, the same in both:

- an order counts on the local day it was placed (``placed_at``), unless it is a draft or
  cancelled; a cancelled order counts in ``cancelled`` on its placed day instead;
- ``revenue`` is the order total (goods less discounts, plus shipping and tax), ``units`` the
  quantities of its lines, ``discounts`` its discount total;
- ``refunds`` are the refunds that succeeded that day (by ``completed_at``), in the payment's
  currency, on the order's channel, whenever the order was placed: net revenue is revenue less
  refunds, and a refund never rewrites a closed day's figures.

Money is never added across currencies: currency is part of every key.
"""

from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import date, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Exists, F, OuterRef, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from core.reporting import day_start, shared
from orders.models import Order, OrderEvent, OrderLine, OrderStatus
from payments.models import Refund

from .models import DailySales, SummarisedDay

NOT_SALES = (OrderStatus.DRAFT, OrderStatus.CANCELLED)
REFRESH_DAYS = 2  # the beat task recomputes yesterday and the day before


@dataclass
class Figures:
    orders: int = 0
    units: int = 0
    revenue: Decimal = Decimal("0.00")
    discounts: Decimal = Decimal("0.00")
    refunds: Decimal = Decimal("0.00")
    cancelled: int = 0

    def add(self, other: "Figures") -> None:
        for item in fields(self):
            setattr(self, item.name, getattr(self, item.name) + getattr(other, item.name))


Key = tuple[date, int, str]  # local day, channel id, currency
FIGURE_NAMES = tuple(item.name for item in fields(Figures))


@dataclass(frozen=True)
class OrderFilter:
    """What narrows the orders beyond the days: the summary holds only channel and currency,
    so any other filter (``needs_live``) reads the orders themselves."""

    channels: tuple[int, ...] = ()
    locations: tuple[int, ...] = ()
    products: tuple[int, ...] = ()
    segment: str = ""  # "new" (the customer's first order) or "returning"

    @property
    def needs_live(self) -> bool:
        return bool(self.locations or self.products or self.segment)


def shop_timezone() -> str:
    return settings.TIME_ZONE


def filtered_orders(
    start: date, end: date, zone: str, where: OrderFilter, using: str
) -> QuerySet[Order]:
    """Orders placed on the local days ``start``..``end`` in ``zone`` (any status), filtered."""
    return narrowed(
        Order.objects.using(using).filter(
            placed_at__gte=day_start(start, zone),
            placed_at__lt=day_start(end + timedelta(days=1), zone),
        ),
        where,
    )


def narrowed(orders: QuerySet[Order], where: OrderFilter) -> QuerySet[Order]:
    if where.channels:
        orders = orders.filter(channel_id__in=where.channels)
    if where.products:
        lines = OrderLine.objects.filter(order=OuterRef("pk"), product_id__in=where.products)
        orders = orders.filter(Exists(lines))
    if where.locations:
        lines = OrderLine.objects.filter(
            order=OuterRef("pk"), allocations__location_id__in=where.locations
        )
        orders = orders.filter(Exists(lines))
    if where.segment:
        earlier = Order.objects.filter(
            customer=OuterRef("customer"), placed_at__lt=OuterRef("placed_at")
        ).exclude(status=OrderStatus.DRAFT)
        orders = orders.filter(~Exists(earlier) if where.segment == "new" else Exists(earlier))
    return orders


def live_figures(
    start: date, end: date, zone: str, where: OrderFilter, using: str
) -> dict[Key, Figures]:
    """The figures of the days ``start``..``end`` computed from the orders: four grouped
    queries (orders, units, cancellations, refunds), each one row per day, channel, currency."""
    tz = ZoneInfo(zone)
    orders = filtered_orders(start, end, zone, where, using)
    result: dict[Key, Figures] = {}

    def put(rows: Iterable[dict], **names: str) -> None:
        for row in rows:
            key = (row["day"], row["channel_id"], row["currency"])
            figures = result.setdefault(key, Figures())
            for figure, column in names.items():
                setattr(figures, figure, getattr(figures, figure) + (row[column] or 0))

    by_day = TruncDate("placed_at", tzinfo=tz)
    sales = orders.exclude(status__in=NOT_SALES)
    put(
        sales.values("channel_id", "currency", day=by_day)
        .order_by()
        .annotate(n=Count("pk"), total=Sum("total"), discount=Sum("discount_total")),
        orders="n",
        revenue="total",
        discounts="discount",
    )
    lines = OrderLine.objects.using(using).filter(order__in=sales.values("pk"))
    if where.products:
        lines = lines.filter(product_id__in=where.products)
    put(
        lines.values(
            day=TruncDate("order__placed_at", tzinfo=tz),
            channel_id=F("order__channel_id"),
            currency=F("order__currency"),
        )
        .order_by()
        .annotate(n=Sum("quantity")),
        units="n",
    )
    put(
        orders.filter(status=OrderStatus.CANCELLED)
        .values("channel_id", "currency", day=by_day)
        .order_by()
        .annotate(n=Count("pk")),
        cancelled="n",
    )
    refunds = Refund.objects.using(using).filter(
        status=Refund.Status.SUCCEEDED,
        completed_at__gte=day_start(start, zone),
        completed_at__lt=day_start(end + timedelta(days=1), zone),
    )
    if where.channels:
        refunds = refunds.filter(payment__order__channel_id__in=where.channels)
    if where.needs_live:  # refunds of the orders the other filters pick
        refunds = refunds.filter(
            payment__order__in=narrowed(Order.objects.using(using), where).values("pk")
        )
    put(
        refunds.values(
            day=TruncDate("completed_at", tzinfo=tz),
            channel_id=F("payment__order__channel_id"),
            currency=F("payment__currency"),
        )
        .order_by()
        .annotate(amount=Sum("amount")),
        refunds="amount",
    )
    return result


def summary_figures(start: date, end: date, channels: tuple[int, ...], using: str):
    """The summary's rows for the days ``start``..``end``."""
    rows = DailySales.objects.using(using).filter(day__range=(start, end))
    if channels:
        rows = rows.filter(channel_id__in=channels)
    return {
        (row["day"], row["channel_id"], row["currency"]): Figures(
            **{name: row[name] for name in FIGURE_NAMES}
        )
        for row in rows.values("day", "channel_id", "currency", *FIGURE_NAMES)
    }


@shared
def sales_figures(
    start: date, end: date, zone: str, where: OrderFilter, using: str
) -> dict[Key, Figures]:
    """The figures of the days ``start``..``end``: from the summary for the whole past days it
    holds (in the shop's time zone, with no filter it cannot apply), live for the rest, today
    always live. Two queries for the summary part (the marked days, their rows), four for the
    live one."""
    if where.needs_live or zone != shop_timezone():
        return live_figures(start, end, zone, where, using)
    today = timezone.localdate(timezone=ZoneInfo(zone))
    last_past = min(end, today - timedelta(days=1))
    covered_until = start - timedelta(days=1)
    if last_past >= start:
        marked = set(
            SummarisedDay.objects.using(using)
            .filter(day__range=(start, last_past))
            .values_list("day", flat=True)
        )
        while covered_until + timedelta(days=1) in marked:
            covered_until += timedelta(days=1)
    result = {}
    if covered_until >= start:
        result = summary_figures(start, covered_until, where.channels, using)
    if covered_until < end:
        result |= live_figures(covered_until + timedelta(days=1), end, zone, where, using)
    return result


# --- keeping the summary fresh --------------------------------------------------------------


def refresh_days(days: Iterable[date]) -> int:
    """Recompute the summary of each local day (shop time zone): delete its rows and insert
    them again in one transaction per day, so a rerun gives the same rows and a reader sees
    the old day or the new one, never half. Today is computed but not marked: the report
    reads it live. Returns the number of days recomputed."""
    zone = shop_timezone()
    today = timezone.localdate()
    count = 0
    for day in sorted(set(days)):
        figures = live_figures(day, day, zone, OrderFilter(), "default")
        with transaction.atomic():
            DailySales.objects.filter(day=day).delete()
            DailySales.objects.bulk_create(
                DailySales(day=key[0], channel_id=key[1], currency=key[2], **vars(value))
                for key, value in figures.items()
            )
            if day < today:
                SummarisedDay.objects.update_or_create(
                    day=day, defaults={"computed_at": timezone.now()}
                )
        count += 1
    return count


def days_to_refresh(now=None) -> set[date]:
    """The last ``REFRESH_DAYS`` whole days, and the placed days of the orders cancelled
    since then (a cancellation moves an order out of its day's sales, however old the day)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    days = {today - timedelta(days=back) for back in range(1, REFRESH_DAYS + 1)}
    since = now - timedelta(days=REFRESH_DAYS)
    cancelled = OrderEvent.objects.filter(
        type=OrderEvent.Type.CANCELLED, created_at__gte=since
    ).values("order_id")
    placed = (
        Order.objects.filter(pk__in=cancelled, placed_at__isnull=False)
        .annotate(day=TruncDate("placed_at", tzinfo=timezone.get_current_timezone()))
        .values_list("day", flat=True)
        .distinct()
    )
    return days | {day for day in placed if day < today}
