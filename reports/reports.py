"""The sales reports. They live in the reports app, not in orders/reports.py, because they read
the daily summary (reports.models) and refunds (payments), both above orders in the layers.
Figures as reports.summary defines them."""

from collections import defaultdict

from django.db.models import Count, F, Sum

from core.reporting import (
    Chart,
    Column,
    Headline,
    Params,
    Report,
    money_average,
    period_start,
    register,
)
from orders.models import OrderLine, SalesChannel

from .summary import NOT_SALES, Figures, OrderFilter, filtered_orders, sales_figures

SALES_PERMISSION = "reports.view_sales_report"
TOP_PRODUCTS = 50


def where(params: Params) -> OrderFilter:
    return OrderFilter(
        channels=params.channels,
        locations=params.locations,
        products=params.products,
        segment=params.segment,
    )


def sales_rows(params: Params, using: str) -> list[dict]:
    """One row per period, channel (or all channels) and currency, in period order."""
    figures = sales_figures(params.start, params.end, params.timezone, where(params), using)
    by_channel = params.group_by == "channel"
    names = dict(SalesChannel.objects.using(using).values_list("pk", "name")) if by_channel else {}
    buckets: dict[tuple, Figures] = defaultdict(Figures)
    for (day, channel_id, currency), value in figures.items():
        group = names.get(channel_id, "") if by_channel else "All channels"
        buckets[(period_start(day, params.grain), group, currency)].add(value)
    return [
        {
            "period": period,
            "channel": group,
            "currency": currency,
            "orders": value.orders,
            "units": value.units,
            "revenue": value.revenue,
            "discounts": value.discounts,
            "refunds": value.refunds,
            "net_revenue": value.revenue - value.refunds,
            "aov": money_average(value.revenue, value.orders),
            "cancelled": value.cancelled,
        }
        for (period, group, currency), value in sorted(buckets.items())
    ]


def sales_headlines(params: Params, using: str) -> list[Headline]:
    """Orders, units and cancellations over every currency; money figures per currency."""
    figures = sales_figures(params.start, params.end, params.timezone, where(params), using)
    total = Figures()
    by_currency: dict[str, Figures] = defaultdict(Figures)
    for (_, _, currency), value in figures.items():
        total.add(value)
        by_currency[currency].add(value)
    headlines = [Headline("Orders", total.orders), Headline("Units", total.units)]
    for currency, value in sorted(by_currency.items()):
        aov = money_average(value.revenue, value.orders)
        headlines += [
            Headline(f"Revenue ({currency})", value.revenue, "money"),
            Headline(f"Net of refunds ({currency})", value.revenue - value.refunds, "money"),
            Headline(f"Average order ({currency})", aov, "money"),
        ]
    headlines.append(Headline("Cancelled orders", total.cancelled))
    return headlines


SALES = register(
    Report(
        slug="sales",
        title="Sales",
        section="Sales",
        description=(
            "Revenue, orders, average order value and units by day, week or month, by channel. "
            "Orders count on the local day they were placed; cancelled orders are left out "
            "(counted as cancelled) and refunds are subtracted on the day they were paid out."
        ),
        columns=(
            Column("period", "Period", "date"),
            Column("channel", "Channel"),
            Column("currency", "Currency"),
            Column("orders", "Orders", "int"),
            Column("units", "Units", "int"),
            Column("revenue", "Revenue", "money"),
            Column("discounts", "Discounts", "money"),
            Column("refunds", "Refunds", "money"),
            Column("net_revenue", "Net of refunds", "money"),
            Column("aov", "Average order", "money"),
            Column("cancelled", "Cancelled", "int"),
        ),
        rows=sales_rows,
        headlines=sales_headlines,
        permission=SALES_PERMISSION,
        chart=Chart("line", x="period", y=("revenue",), series="channel"),
        group_by_choices=(("", "All channels together"), ("channel", "Channel")),
    )
)


def product_rows(params: Params, using: str) -> list[dict]:
    """The products sold most (by net sales: line totals less line discounts, before tax and
    shipping), per currency, over the orders the filters pick."""
    orders = filtered_orders(
        params.start, params.end, params.timezone, where(params), using
    ).exclude(status__in=NOT_SALES)
    lines = OrderLine.objects.using(using).filter(order__in=orders.values("pk"))
    if params.products:
        lines = lines.filter(product_id__in=params.products)
    rows = (
        lines.values("product_id", "product__sku", "product__name", "order__currency")
        .order_by()
        .annotate(
            units=Sum("quantity"),
            net_sales=Sum(F("line_total") - F("discount")),
            orders=Count("order_id", distinct=True),
        )
        .order_by("-net_sales", "product__sku")[:TOP_PRODUCTS]
    )
    return [
        {
            "product": f"{row['product__sku']} — {row['product__name']}",
            "currency": row["order__currency"],
            "orders": row["orders"],
            "units": row["units"],
            "net_sales": row["net_sales"],
        }
        for row in rows
    ]


SALES_BY_PRODUCT = register(
    Report(
        slug="sales-by-product",
        title=f"Top {TOP_PRODUCTS} products",
        section="Sales",
        description=(
            "The products with the highest net sales (line totals less line discounts, before "
            "tax and shipping) on orders placed in the period, cancelled orders left out."
        ),
        columns=(
            Column("product", "Product"),
            Column("currency", "Currency"),
            Column("orders", "Orders", "int"),
            Column("units", "Units", "int"),
            Column("net_sales", "Net sales", "money"),
        ),
        rows=product_rows,
        permission=SALES_PERMISSION,
        chart=Chart("bar", x="product", y=("net_sales",)),
    )
)
