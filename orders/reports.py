"""The orders reports (core.reporting): the status funnel of the orders placed in a period,
the open backlog by age, and time to ship with on-time against the promise. Each is a few
grouped queries on the reporting database ``using``; periods are local days."""

from collections import defaultdict
from datetime import timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import Count, DurationField, Exists, F, OuterRef, Q, Sum
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from core.reporting import (
    Chart,
    Column,
    Headline,
    Params,
    Report,
    day_bounds,
    percent,
    period_start,
    register,
    shared,
)

from .models import OPEN_STATUS_VALUES, Order, OrderEvent, OrderStatus

SEE_ORDERS = "orders.view_order"
SHIPPED_OR_LATER = (
    OrderStatus.PARTIALLY_SHIPPED,
    OrderStatus.SHIPPED,
    OrderStatus.DELIVERED,
    OrderStatus.COMPLETED,
)
CONFIRMED_OR_LATER = (OrderStatus.CONFIRMED, OrderStatus.PROCESSING, *SHIPPED_OR_LATER)
DELIVERED_OR_LATER = (OrderStatus.DELIVERED, OrderStatus.COMPLETED)


def _placed(params: Params, using: str):
    start, end = day_bounds(params)
    orders = (
        Order.objects.using(using)
        .filter(placed_at__gte=start, placed_at__lt=end)
        .exclude(status=OrderStatus.DRAFT)
    )
    return orders.filter(channel_id__in=params.channels) if params.channels else orders


def _stage(statuses) -> Q:
    """An order at a stage or past it; one on hold counts where it was when it was held."""
    return Q(status__in=statuses) | Q(status=OrderStatus.ON_HOLD, status_before_hold__in=statuses)


FUNNEL = (
    ("Placed", ~Q(status=OrderStatus.DRAFT)),
    ("Confirmed", _stage(CONFIRMED_OR_LATER)),
    ("Shipped", _stage(SHIPPED_OR_LATER)),
    ("Delivered", _stage(DELIVERED_OR_LATER)),
)


@shared
def _funnel_counts(params: Params, using: str) -> dict[str, int]:
    return _placed(params, using).aggregate(
        **{label: Count("pk", filter=condition) for label, condition in FUNNEL},
        on_hold=Count("pk", filter=Q(status=OrderStatus.ON_HOLD)),
        cancelled=Count("pk", filter=Q(status=OrderStatus.CANCELLED)),
    )


def funnel_rows(params: Params, using: str) -> list[dict]:
    """How far the orders placed in the period have got: one query."""
    counts = _funnel_counts(params, using)
    placed = counts["Placed"]
    return [
        {"stage": label, "orders": counts[label], "share": percent(counts[label], placed)}
        for label, _ in FUNNEL
    ]


def funnel_headlines(params: Params, using: str) -> list[Headline]:
    counts = _funnel_counts(params, using)
    return [
        Headline("Orders placed", counts["Placed"]),
        Headline("Shipped", percent(counts["Shipped"], counts["Placed"]), "percent"),
        Headline("On hold", counts["on_hold"]),
        Headline("Cancelled", counts["cancelled"]),
    ]


register(
    Report(
        slug="order-funnel",
        title="Order status funnel",
        section="Orders",
        description=(
            "How far the orders placed in the period have got: confirmed, shipped, delivered "
            "(an order on hold counts at the stage it was held at; cancelled ones stop at placed)."
        ),
        columns=(
            Column("stage", "Stage"),
            Column("orders", "Orders", "int"),
            Column("share", "Share of placed", "percent"),
        ),
        rows=funnel_rows,
        headlines=funnel_headlines,
        permission=SEE_ORDERS,
        chart=Chart("funnel", x="stage", y=("orders",)),
        filters=("period", "channel"),
    )
)


AGES = (  # (column key, label, older than, at most) in days
    ("age_0", "Under 1 day", 0, 1),
    ("age_1", "1–2 days", 1, 2),
    ("age_2", "2–3 days", 2, 3),
    ("age_3", "3–7 days", 3, 7),
    ("age_7", "Over 7 days", 7, None),
)


@shared
def backlog_rows(params: Params, using: str) -> list[dict]:
    """The open orders now, by status and by age since they were placed: one query. The
    period does not apply: the backlog is today's."""
    now = timezone.now()
    buckets = {}
    for key, _, older, at_most in AGES:
        condition = Q(placed_at__lte=now - timedelta(days=older))
        if at_most is not None:
            condition &= Q(placed_at__gt=now - timedelta(days=at_most))
        buckets[key] = Count("pk", filter=condition)
    orders = Order.objects.using(using).filter(status__in=OPEN_STATUS_VALUES)
    if params.channels:
        orders = orders.filter(channel_id__in=params.channels)
    counts = {
        row["status"]: row
        for row in orders.values("status").order_by().annotate(total=Count("pk"), **buckets)
    }
    return [
        {**counts[status], "status": OrderStatus(status).label}
        for status in OPEN_STATUS_VALUES
        if status in counts
    ]


def backlog_headlines(params: Params, using: str) -> list[Headline]:
    rows = backlog_rows(params, using)
    return [
        Headline("Open orders", sum(row["total"] for row in rows)),
        Headline("Older than 3 days", sum(row["age_3"] + row["age_7"] for row in rows)),
    ]


register(
    Report(
        slug="order-backlog",
        title="Backlog by age",
        section="Orders",
        description="The orders still open now, by status and by how long ago they were placed.",
        columns=(
            Column("status", "Status"),
            *(Column(key, label, "int") for key, label, _, _ in AGES),
            Column("total", "Open", "int"),
        ),
        rows=backlog_rows,
        headlines=backlog_headlines,
        permission=SEE_ORDERS,
        chart=Chart("stacked_bar", x="status", y=tuple(key for key, *_ in AGES)),
        filters=("channel",),
    )
)


def _first_shipments(params: Params, using: str):
    """Each order's first shipment (its first "shipped" event) made on the period's days."""
    start, end = day_bounds(params)
    earlier = OrderEvent.objects.filter(
        order=OuterRef("order"), type=OrderEvent.Type.SHIPPED, created_at__lt=OuterRef("created_at")
    )
    events = (
        OrderEvent.objects.using(using)
        .filter(type=OrderEvent.Type.SHIPPED, created_at__gte=start, created_at__lt=end)
        .filter(~Exists(earlier))
    )
    if params.channels:
        events = events.filter(order__channel_id__in=params.channels)
    return events


@shared
def shipping_by_day(params: Params, using: str) -> dict:
    """Per local day shipped: orders, the summed time from placing to shipping, and the count
    shipped on or before their promised day (the promised ship date, else the ship-by day),
    after it, or with no promise. One query."""
    tz = ZoneInfo(params.timezone)
    promise = Coalesce("order__promised_ship_date", "order__ship_by")
    return {
        row["day"]: row
        for row in _first_shipments(params, using)
        .annotate(day=TruncDate("created_at", tzinfo=tz), promise=promise)
        .values("day")
        .order_by()
        .annotate(
            shipped=Count("pk"),
            waited=Sum(F("created_at") - F("order__placed_at"), output_field=DurationField()),
            on_time=Count("pk", filter=Q(day__lte=F("promise"))),
            late=Count("pk", filter=Q(day__gt=F("promise"))),
            no_promise=Count("pk", filter=Q(promise__isnull=True)),
        )
    }


def _hours(waited: timedelta, count: int) -> Decimal | None:
    if not count:
        return None
    return (Decimal(waited.total_seconds()) / 3600 / count).quantize(Decimal("0.1"))


def shipping_rows(params: Params, using: str) -> list[dict]:
    periods: dict = defaultdict(
        lambda: {"shipped": 0, "waited": timedelta(), "on_time": 0, "late": 0, "no_promise": 0}
    )
    for day, row in shipping_by_day(params, using).items():
        period = periods[period_start(day, params.grain)]
        for key in ("shipped", "on_time", "late", "no_promise"):
            period[key] += row[key]
        period["waited"] += row["waited"] or timedelta()
    return [
        {
            "period": period,
            "shipped": row["shipped"],
            "hours_to_ship": _hours(row["waited"], row["shipped"]),
            "on_time": row["on_time"],
            "late": row["late"],
            "no_promise": row["no_promise"],
            "on_time_share": percent(row["on_time"], row["on_time"] + row["late"]),
        }
        for period, row in sorted(periods.items())
    ]


def shipping_headlines(params: Params, using: str) -> list[Headline]:
    rows = shipping_by_day(params, using).values()
    shipped = sum(row["shipped"] for row in rows)
    waited = sum((row["waited"] or timedelta() for row in rows), timedelta())
    on_time = sum(row["on_time"] for row in rows)
    late = sum(row["late"] for row in rows)
    return [
        Headline("Orders shipped", shipped),
        Headline("Hours to ship (mean)", _hours(waited, shipped), "decimal"),
        Headline("On time", percent(on_time, on_time + late), "percent"),
    ]


register(
    Report(
        slug="order-shipping",
        title="Time to ship and on-time",
        section="Orders",
        description=(
            "Orders by the local day of their first shipment: hours from placing to shipping, "
            "and whether they left by the day promised (promised ship date, else ship-by day)."
        ),
        columns=(
            Column("period", "Period", "date"),
            Column("shipped", "Shipped", "int"),
            Column("hours_to_ship", "Hours to ship", "decimal"),
            Column("on_time", "On time", "int"),
            Column("late", "Late", "int"),
            Column("no_promise", "No promise", "int"),
            Column("on_time_share", "On time %", "percent"),
        ),
        rows=shipping_rows,
        headlines=shipping_headlines,
        permission=SEE_ORDERS,
        chart=Chart("bar", x="period", y=("on_time", "late")),
        filters=("period", "channel"),
    )
)
