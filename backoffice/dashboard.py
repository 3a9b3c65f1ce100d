"""The home page's sales panel: today against the same weekday last week, and the last 30
days as a chart, read from the reports' daily summary (``reports.summary``: whole past days
from the summary table, today live), so its cost is a fixed number of small queries whatever
the years of orders. Money stays per currency."""

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal

from core.reporting import Chart, Column, Report, reporting_alias
from reports.charts import chart_svg, data_uri
from reports.summary import Figures, OrderFilter, sales_figures, shop_timezone

CHART_DAYS = 30
ONE_WEEK = timedelta(days=7)


@dataclass(frozen=True)
class Comparison:
    """One figure today and on the same weekday a week before."""

    label: str
    today: Decimal | int
    last_week: Decimal | int
    currency: str = ""

    @property
    def change(self) -> Decimal | int:
        return self.today - self.last_week

    @property
    def percent(self) -> Decimal | None:
        """The change in percent of last week's figure; None when last week had none."""
        if not self.last_week:
            return None
        return (Decimal(self.change) * 100 / Decimal(self.last_week)).quantize(Decimal("1"))


@dataclass(frozen=True)
class SalesPanel:
    day: date
    week_before: date
    comparisons: list[Comparison]
    chart: str | None  # a data: URI of the SVG chart, None with no sales in the 30 days
    rows: list[dict]  # the chart's table: day, currency, orders, revenue


# A definition only to draw the home chart with the reports' renderer; not registered.
HOME_CHART = Report(
    slug="home-sales",
    title="Sales, last 30 days",
    section="Sales",
    description="Revenue per day over the last 30 days, per currency.",
    columns=(
        Column("day", "Day", "date"),
        Column("currency", "Currency"),
        Column("orders", "Orders", "int"),
        Column("revenue", "Revenue", "money"),
    ),
    rows=lambda params, using: [],
    permission="orders.view_order",
    chart=Chart(kind="line", x="day", y=("revenue",)),
)
HOME_ORDERS_CHART = replace(
    HOME_CHART,
    description="Orders per day over the last 30 days.",
    chart=Chart(kind="line", x="day", y=("orders",)),
)


def per_day(start: date, end: date) -> dict[date, dict[str, Figures]]:
    """{day: {currency: figures}} over all channels, the summary's figures summed."""
    days: dict[date, dict[str, Figures]] = defaultdict(lambda: defaultdict(Figures))
    figures = sales_figures(start, end, shop_timezone(), OrderFilter(), reporting_alias())
    for (day, _channel, currency), values in figures.items():
        days[day][currency].add(values)
    return days


def sales_panel(today: date, *, with_revenue: bool) -> SalesPanel:
    start = today - timedelta(days=CHART_DAYS - 1)
    days = per_day(start, today)
    week_before = today - ONE_WEEK
    now, then = days.get(today, {}), days.get(week_before, {})

    def total(figures: dict[str, Figures], name: str) -> int:
        return sum(getattr(values, name) for values in figures.values())

    comparisons = [
        Comparison("Orders", total(now, "orders"), total(then, "orders")),
        Comparison("Units", total(now, "units"), total(then, "units")),
    ]
    currencies = sorted({currency for figures in days.values() for currency in figures})
    rows = []
    for offset in range(CHART_DAYS):  # every day, a quiet one as zero rather than a gap
        day = start + timedelta(days=offset)
        for currency in currencies:
            values = days[day][currency] if currency in days.get(day, {}) else Figures()
            rows.append(
                {
                    "day": day,
                    "currency": currency,
                    "orders": values.orders,
                    "revenue": values.revenue,
                }
            )
    if with_revenue:
        comparisons += [
            Comparison(
                "Revenue",
                now[currency].revenue if currency in now else Decimal("0.00"),
                then[currency].revenue if currency in then else Decimal("0.00"),
                currency,
            )
            for currency in sorted(set(now) | set(then))
        ]
    else:
        rows = [{key: row[key] for key in ("day", "currency", "orders")} for row in rows]
    chart = _chart(rows, with_revenue=with_revenue)
    return SalesPanel(today, week_before, comparisons, chart, rows)


def _chart(rows: list[dict], *, with_revenue: bool) -> str | None:
    """Revenue per day per currency for those who see money, else orders per day."""
    report = HOME_CHART if with_revenue else HOME_ORDERS_CHART
    svg = chart_svg(report, [{**row, "day": row["day"].strftime("%d %b")} for row in rows])
    return data_uri(svg) if svg else None
