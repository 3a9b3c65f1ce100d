"""Customer reports: who ordered in the period — new customers (their first order falls in the
period) or returning ones (they had ordered before) —, how many come back, and who spends most.

Orders sit above customers in the layers, so this module reaches them through the customer's
reverse relations (``Customer.orders``, ``Order.payments``) rather than an import. An order
counts when it is neither a draft nor cancelled (as ``orders.selectors.NOT_COUNTED_STATUSES``);
a customer's first order is their first placed one, cancelled or not (as the sales report's
segment), so "new" means the same in every report. Money is per currency: revenue is the
orders' totals, refunds their payments' refunded amounts, never summed across currencies.
"""

from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.db import connections
from django.db.models import (
    Count,
    DateField,
    DecimalField,
    Exists,
    F,
    IntegerField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Cast, Coalesce, Round, Trunc

from core.reporting import (
    CENT,
    Chart,
    Column,
    Headline,
    Params,
    Report,
    day_bounds,
    percent,
    register,
)
from customers.models import Customer

PERMISSION = "customers.view_customer"
NOT_COUNTED_STATUSES = ("draft", "cancelled")
MONEY = DecimalField(max_digits=16, decimal_places=2)
TOP = 10  # customers per currency

Order = Customer._meta.get_field("orders").related_model
Payment = Order._meta.get_field("payments").related_model
OrderLine = Order._meta.get_field("lines").related_model


def _first_order_at(customer: str) -> Subquery:
    """When the customer of the outer row (its field ``customer``) placed their first order."""
    placed = (
        Order.objects.filter(customer=OuterRef(customer), placed_at__isnull=False)
        .exclude(status="draft")
        .order_by()
        .values("customer")
        .annotate(first=Min("placed_at"))
        .values("first")
    )
    return Subquery(placed)


def counted_orders(params: Params, using: str) -> QuerySet:
    """The counted orders placed in the params' local days, with ``first_order_at`` (of their
    customer), within the channel, product (an order with a line of it) and segment filters."""
    start, end = day_bounds(params)
    orders = (
        Order.objects.using(using)
        .filter(placed_at__gte=start, placed_at__lt=end)
        .exclude(status__in=NOT_COUNTED_STATUSES)
        .annotate(first_order_at=_first_order_at("customer_id"))
    )
    if params.channels:
        orders = orders.filter(channel_id__in=params.channels)
    if params.products:
        lines = OrderLine.objects.filter(order=OuterRef("pk"), product_id__in=params.products)
        orders = orders.filter(Exists(lines))
    if params.segment == "new":
        orders = orders.filter(first_order_at__gte=start)
    elif params.segment == "returning":
        orders = orders.filter(first_order_at__lt=start)
    return orders


# --- New and returning -----------------------------------------------------------------------


def new_returning_rows(params: Params, using: str) -> list[dict[str, Any]]:
    start, _ = day_bounds(params)
    new, returning = Q(first_order_at__gte=start), Q(first_order_at__lt=start)
    bucket = Trunc("placed_at", params.grain, tzinfo=ZoneInfo(params.timezone))
    rows = (
        counted_orders(params, using)
        .annotate(period=Cast(bucket, output_field=DateField()))
        .order_by()
        .values("period")
        .annotate(
            new_customers=Count("customer", distinct=True, filter=new),
            returning_customers=Count("customer", distinct=True, filter=returning),
            new_orders=Count("pk", filter=new),
            returning_orders=Count("pk", filter=returning),
        )
        .order_by("period")
    )
    return list(rows)


def customer_headlines(params: Params, using: str) -> list[Headline]:
    """Customers who ordered, new and returning, and the repeat rate: the share of them with
    two counted orders or more placed up to the end of the period."""
    start, end = day_bounds(params)
    to_date = (
        Order.objects.filter(customer=OuterRef("pk"), placed_at__lt=end)
        .exclude(status__in=NOT_COUNTED_STATUSES)
        .order_by()
        .values("customer")
        .annotate(n=Count("pk"))
        .values("n")
    )
    ordered = counted_orders(params, using).filter(customer=OuterRef("pk"))
    figures = (
        Customer.objects.using(using)
        .filter(Exists(ordered))
        .annotate(
            first_order_at=_first_order_at("pk"),
            orders_to_date=Subquery(to_date, output_field=IntegerField()),
        )
        .aggregate(
            customers=Count("pk"),
            new=Count("pk", filter=Q(first_order_at__gte=start)),
            returning=Count("pk", filter=Q(first_order_at__lt=start)),
            repeat=Count("pk", filter=Q(orders_to_date__gte=2)),
        )
    )
    return [
        Headline("Customers who ordered", figures["customers"]),
        Headline("New customers", figures["new"]),
        Headline("Returning customers", figures["returning"]),
        Headline("Repeat rate", percent(figures["repeat"], figures["customers"]), kind="percent"),
    ]


register(
    Report(
        slug="customers-new-returning",
        title="New and returning customers",
        section="Customers",
        description="Customers who placed an order (not cancelled), by day, week or month: new "
        "ones (their first order is in the period) and returning ones, with their orders. "
        "The repeat rate is the share of them with two orders or more to date.",
        columns=(
            Column("period", "Period", "date"),
            Column("new_customers", "New customers", "int"),
            Column("returning_customers", "Returning customers", "int"),
            Column("new_orders", "Orders by new customers", "int"),
            Column("returning_orders", "Orders by returning customers", "int"),
        ),
        rows=new_returning_rows,
        headlines=customer_headlines,
        chart=Chart("stacked_bar", x="period", y=("new_customers", "returning_customers")),
        permission=PERMISSION,
        filters=("period", "channel", "product", "segment"),
    )
)


# --- Top customers ---------------------------------------------------------------------------


def _refunded() -> Coalesce:
    """What was refunded of the outer order, over all its payments."""
    refunded = (
        Payment.objects.filter(order=OuterRef("pk"))
        .order_by()
        .values("order")
        .annotate(total=Sum("refunded_amount"))
        .values("total")
    )
    return Coalesce(Subquery(refunded, output_field=MONEY), Value(Decimal(0)))


# The ranking wraps the ORM's grouped query: Django puts a window over aggregates into the
# GROUP BY, which PostgreSQL refuses.
RANKED = """
    SELECT {keys} FROM (
        SELECT grouped.*, ROW_NUMBER() OVER (
            PARTITION BY currency ORDER BY net_revenue DESC, name, customer_ref
        ) AS rank
        FROM ({grouped}) grouped
    ) ranked
    WHERE rank <= %s
    ORDER BY currency, rank
"""
TOP_KEYS = (
    "currency",
    "rank",
    "name",
    "email",
    "orders",
    "revenue",
    "refunded",
    "net_revenue",
    "average_order",
)


def top_customer_rows(params: Params, using: str) -> list[dict[str, Any]]:
    grouped = (
        counted_orders(params, using)
        .annotate(order_refunded=_refunded())
        .order_by()
        .values("currency", customer_ref=F("customer_id"))
        .annotate(
            name=F("customer__name"),
            email=F("customer__email"),
            orders=Count("pk"),
            revenue=Sum("total", output_field=MONEY),
            refunded=Sum("order_refunded", output_field=MONEY),
            net_revenue=F("revenue") - F("refunded"),
            average_order=Round(F("revenue") / F("orders"), 2, output_field=MONEY),
        )
    )
    sql, values = grouped.query.get_compiler(using=using).as_sql()
    with connections[using].cursor() as cursor:
        cursor.execute(RANKED.format(keys=", ".join(TOP_KEYS), grouped=sql), (*values, TOP))
        rows = [dict(zip(TOP_KEYS, row, strict=True)) for row in cursor.fetchall()]
    # a raw cursor skips the ORM's converters: SQLite (the demo) answers sums as floats
    return [row | {key: _money(row[key]) for key in MONEY_KEYS} for row in rows]


MONEY_KEYS = ("revenue", "refunded", "net_revenue", "average_order")


def _money(value: Decimal | float) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(repr(value)).quantize(CENT)


register(
    Report(
        slug="top-customers",
        title="Top customers",
        section="Customers",
        description=f"The {TOP} customers who spent most in each currency over the period: "
        "order totals (cancelled orders left out) less what was refunded on them.",
        columns=(
            Column("currency", "Currency"),
            Column("rank", "Rank", "int"),
            Column("name", "Customer"),
            Column("email", "E-mail"),
            Column("orders", "Orders", "int"),
            Column("revenue", "Revenue", "money"),
            Column("refunded", "Refunded", "money"),
            Column("net_revenue", "Net revenue", "money"),
            Column("average_order", "Average order", "money"),
        ),
        rows=top_customer_rows,
        headlines=customer_headlines,
        chart=Chart("bar", x="name", y=("net_revenue",), series="currency"),
        permission=PERMISSION,
        filters=("period", "channel", "product", "segment"),
    )
)
