"""Inventory reports: what is on the shelves and what it is worth, what runs low or out, and
how fast stock turns.

Levels, low stock and stock-outs are the stock as it stands now (the period does not apply);
turnover and days of cover read the stock ledger (``StockMovement``) over the period: units
sold are the shipped units (``sale`` movements), the on-hand figure at any instant is today's
less every movement since, so the opening and closing stock of the period come from the ledger
too and average on hand is their mean (the usual (opening + closing) ÷ 2 of inventory turnover).
"""

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import (
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Cast, Coalesce, NullIf, Round

from core.reporting import Chart, Column, Headline, Params, Report, day_bounds, register
from inventory.models import StockLevel, StockMovement

PERMISSION = "inventory.view_stocklevel"
MONEY = DecimalField(max_digits=20, decimal_places=2)

# group_by value -> the fields naming a group
GROUPS = {
    "location": ("location__code", "location__name"),
    "product": ("product__sku", "product__name"),
}
GROUP_CHOICES = (("location", "Location"), ("product", "Product"))
AVAILABLE = ExpressionWrapper(F("on_hand") - F("reserved"), output_field=IntegerField())


def stock_levels(params: Params, using: str) -> QuerySet[StockLevel]:
    """The stock rows of active products at active locations, within the params' filters."""
    levels = StockLevel.objects.using(using).filter(
        product__is_active=True, location__is_active=True
    )
    if params.locations:
        levels = levels.filter(location_id__in=params.locations)
    if params.products:
        levels = levels.filter(product_id__in=params.products)
    return levels


def _grouped(levels: QuerySet[StockLevel], group_by: str) -> tuple[QuerySet, str]:
    code, name = GROUPS.get(group_by, GROUPS["location"])
    return levels.order_by().values(code, name), code


def _named(row: dict[str, Any], code: str) -> dict[str, Any]:
    """The row with its group's code and name under the generic keys the columns use."""
    prefix = code.split("__")[0]
    row["code"] = row.pop(code)
    row["name"] = row.pop(f"{prefix}__name")
    return row


# --- Levels and value ------------------------------------------------------------------------

# In this order: an aggregate named "on_hand" hides the field from the ones after it.
LEVEL_FIGURES = {
    "available": Sum(AVAILABLE),
    "value": Coalesce(Sum(F("on_hand") * F("product__cost"), output_field=MONEY), Decimal(0)),
    "stock_outs": Count("pk", filter=Q(on_hand__lte=F("reserved"))),
    "on_hand": Sum("on_hand"),
    "reserved": Sum("reserved"),
}


def level_rows(params: Params, using: str) -> list[dict[str, Any]]:
    grouped, code = _grouped(stock_levels(params, using), params.group_by)
    currency = settings.OMS_DEFAULT_CURRENCY
    return [
        _named(row, code) | {"currency": currency}
        for row in grouped.annotate(**LEVEL_FIGURES).order_by(code)
    ]


def level_headlines(params: Params, using: str) -> list[Headline]:
    totals = stock_levels(params, using).aggregate(**LEVEL_FIGURES)
    return [
        Headline("Units on hand", totals["on_hand"] or 0),
        Headline("Units available", totals["available"] or 0),
        Headline("Stock value at cost", totals["value"], kind="money"),
        Headline("Stock-outs", totals["stock_outs"]),
    ]


register(
    Report(
        slug="inventory-levels",
        title="Stock levels and value",
        section="Inventory",
        description="Units on hand, reserved and available now, and their value at cost "
        "(on hand × product cost), by location or product.",
        columns=(
            Column("code", "Code"),
            Column("name", "Location or product"),
            Column("on_hand", "On hand", "int"),
            Column("reserved", "Reserved", "int"),
            Column("available", "Available", "int"),
            Column("value", "Value at cost", "money"),
            Column("currency", "Currency"),
            Column("stock_outs", "Stock-outs", "int"),
        ),
        rows=level_rows,
        headlines=level_headlines,
        chart=Chart("bar", x="code", y=("value",)),
        permission=PERMISSION,
        group_by_choices=GROUP_CHOICES,
        filters=("location", "product"),
    )
)


# --- Low stock and stock-outs ----------------------------------------------------------------

ALERT_COLUMNS = (
    Column("sku", "SKU"),
    Column("product_name", "Product"),
    Column("location_code", "Location"),
    Column("on_hand", "On hand", "int"),
    Column("reserved", "Reserved", "int"),
    Column("available", "Available", "int"),
    Column("reorder_point", "Reorder point", "int"),
    Column("reorder_quantity", "Reorder quantity", "int"),
)
LOW = Q(available__lte=F("product__reorder_point"))
OUT = Q(available__lte=0)


def _alert_rows(params: Params, using: str, condition: Q) -> list[dict[str, Any]]:
    return list(
        stock_levels(params, using)
        .annotate(available=AVAILABLE)
        .filter(condition)
        .order_by(F("available") - F("product__reorder_point"), "product__sku", "location__code")
        .values(
            "on_hand",
            "reserved",
            "available",
            sku=F("product__sku"),
            product_name=F("product__name"),
            location_code=F("location__code"),
            reorder_point=F("product__reorder_point"),
            reorder_quantity=F("product__reorder_quantity"),
        )
    )


def low_stock_rows(params: Params, using: str) -> list[dict[str, Any]]:
    return _alert_rows(params, using, LOW)


def stock_out_rows(params: Params, using: str) -> list[dict[str, Any]]:
    return _alert_rows(params, using, OUT)


def alert_headlines(params: Params, using: str) -> list[Headline]:
    counts = (
        stock_levels(params, using)
        .annotate(available=AVAILABLE)
        .aggregate(low=Count("pk", filter=LOW), out=Count("pk", filter=OUT))
    )
    return [Headline("At or below reorder point", counts["low"]), Headline("Out", counts["out"])]


register(
    Report(
        slug="low-stock",
        title="Low stock",
        section="Inventory",
        description="Products whose available units at a location are at or below their "
        "reorder point (stock-outs included), worst first.",
        columns=ALERT_COLUMNS,
        rows=low_stock_rows,
        headlines=alert_headlines,
        chart=Chart("bar", x="sku", y=("available", "reorder_point")),
        permission=PERMISSION,
        filters=("location", "product"),
    )
)
register(
    Report(
        slug="stock-outs",
        title="Stock-outs",
        section="Inventory",
        description="Products with no unit available at a location (all on hand reserved, "
        "or none on hand).",
        columns=ALERT_COLUMNS,
        rows=stock_out_rows,
        headlines=alert_headlines,
        permission=PERMISSION,
        filters=("location", "product"),
    )
)


# --- Turnover and days of cover --------------------------------------------------------------


def _ledger(condition: Q) -> Coalesce:
    """The sum of the ledger's quantities of the outer stock row that match ``condition``."""
    moved = (
        StockMovement.objects.filter(
            condition, product=OuterRef("product_id"), location=OuterRef("location_id")
        )
        .order_by()
        .values("product")
        .annotate(total=Sum("quantity"))
        .values("total")
    )
    return Coalesce(Subquery(moved, output_field=IntegerField()), 0)


def turnover_figures(params: Params) -> dict[str, Any]:
    """The ledger's figures of the period as aggregates over stock rows, to ``annotate`` a
    grouping with (on-hand at an instant is today's less every movement since)."""
    start, end = day_bounds(params)
    in_period = Q(created_at__gte=start, created_at__lt=end)
    return {
        "sold": -Sum(_ledger(in_period & Q(reason=StockMovement.Reason.SALE))),
        "returned": Sum(_ledger(in_period & Q(reason=StockMovement.Reason.RETURN))),
        "opening": Sum(F("on_hand") - _ledger(Q(created_at__gte=start))),
        "closing": Sum(F("on_hand") - _ledger(Q(created_at__gte=end))),
        "available": Sum(AVAILABLE),
    }


def _ratio(numerator, denominator, places: int) -> Cast:
    """``numerator ÷ denominator`` to ``places`` decimals, NULL when the denominator is 0.
    Divided in floating point (SQLite would divide integers to an integer), then rounded as a
    decimal."""
    quotient = Cast(numerator, FloatField()) / NullIf(Cast(denominator, FloatField()), 0.0)
    decimal = DecimalField(max_digits=20, decimal_places=places)
    return Round(Cast(quotient, decimal), places, output_field=decimal)


def turnover_ratios(days: int) -> dict[str, Any]:
    """Average on hand, turnover (sold ÷ average on hand) and days of cover (available ÷
    average daily units sold) from the figures above; NULL where they divide by zero."""
    stock = F("opening") + F("closing")
    return {
        "average_on_hand": _ratio(stock, Value(2), 1),
        "turnover": _ratio(F("sold") * 2, stock, 2),
        "days_of_cover": _ratio(F("available") * days, F("sold"), 1),
    }


def turnover_rows(params: Params, using: str) -> list[dict[str, Any]]:
    grouped, code = _grouped(stock_levels(params, using), params.group_by or "product")
    rows = (
        grouped.annotate(**turnover_figures(params))
        .annotate(**turnover_ratios(params.days))
        .order_by(F("turnover").desc(nulls_last=True), code)
    )
    return [_named(row, code) for row in rows]


TURNOVER_HEADLINES = ("sold", "average_on_hand", "turnover", "days_of_cover")


def turnover_headlines(params: Params, using: str) -> list[Headline]:
    # one group of every stock row, so the ratios are computed in SQL as for the rows
    everything = (
        stock_levels(params, using)
        .annotate(everything=Value(1))
        .order_by()
        .values("everything")
        .annotate(**turnover_figures(params))
        .annotate(**turnover_ratios(params.days))
        .values(*TURNOVER_HEADLINES)
    )
    totals = next(iter(everything), None) or dict.fromkeys(TURNOVER_HEADLINES)
    return [
        Headline("Units sold", totals["sold"] or 0),
        Headline("Average on hand", totals["average_on_hand"], kind="decimal"),
        Headline("Turnover", totals["turnover"], kind="decimal"),
        Headline("Days of cover", totals["days_of_cover"], kind="decimal"),
    ]


register(
    Report(
        slug="inventory-turnover",
        title="Stock turnover and days of cover",
        section="Inventory",
        description="Units sold (shipped) over the period ÷ average units on hand "
        "((opening + closing) ÷ 2, from the stock ledger), and how many days the units "
        "available now last at the period's average daily sales.",
        columns=(
            Column("code", "Code"),
            Column("name", "Product or location"),
            Column("sold", "Units sold", "int"),
            Column("returned", "Units returned", "int"),
            Column("opening", "Opening on hand", "int"),
            Column("closing", "Closing on hand", "int"),
            Column("average_on_hand", "Average on hand", "decimal"),
            Column("turnover", "Turnover", "decimal"),
            Column("available", "Available now", "int"),
            Column("days_of_cover", "Days of cover", "decimal"),
        ),
        rows=turnover_rows,
        headlines=turnover_headlines,
        chart=Chart("bar", x="code", y=("turnover",)),
        permission=PERMISSION,
        group_by_choices=(("product", "Product"), ("location", "Location")),
        filters=("period", "location", "product"),
    )
)
