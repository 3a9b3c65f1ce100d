"""Fulfilment report: the parcels handed to carriers over the period, by location and carrier —
how many, what their labels cost, how long they took to arrive and how many ran into trouble.

A shipment counts on the local day it was handed over (``shipped_at``); its transit time is
handed over → delivered, as the median and 90th percentile (PostgreSQL's ``percentile_cont``,
which SQLite lacks: there the two figures are empty). Label cost is summed per currency.
"""

from decimal import Decimal
from typing import Any

from django.db.models import (
    Aggregate,
    Count,
    DecimalField,
    Exists,
    F,
    FloatField,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import Cast, Coalesce

from core.reporting import (
    Chart,
    Column,
    Headline,
    Params,
    Report,
    day_bounds,
    percent,
    register,
)
from shipping.models import Shipment, ShipmentLine, ShipmentStatus, TrackingEvent

PERMISSION = "shipping.view_shipment"
DAYS = DecimalField(max_digits=10, decimal_places=1)
MONEY = DecimalField(max_digits=16, decimal_places=2)
NO_CARRIER = "No carrier (pickup)"
ALL = "All"


class PercentileCont(Aggregate):
    """``percentile_cont(fraction) WITHIN GROUP (ORDER BY expression)``: the value below which
    ``fraction`` of the group lies, interpolated. NULL on SQLite, which has no such function."""

    function = "percentile_cont"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression, fraction: float, **extra) -> None:
        super().__init__(expression, fraction=float(fraction), **extra)

    def as_sqlite(self, compiler, connection, **extra_context):
        return "NULL", []


def transit_days() -> Func:
    """Handed over → delivered, in days (fractional), on PostgreSQL."""
    return Func(
        F("delivered_at") - F("shipped_at"),
        template="EXTRACT(EPOCH FROM %(expressions)s) / 86400.0",
        output_field=FloatField(),
    )


def _in_days(percentile: Aggregate) -> Cast:
    return Cast(percentile, DAYS)


EXCEPTION = Q(
    Exists(TrackingEvent.objects.filter(shipment=OuterRef("pk"), status=ShipmentStatus.EXCEPTION))
) | Q(status__in=(ShipmentStatus.EXCEPTION, ShipmentStatus.RETURNED_TO_SENDER))
FIGURES = {
    "shipments": Count("pk"),
    "delivered": Count("pk", filter=Q(delivered_at__isnull=False)),
    "exceptions": Count("pk", filter=EXCEPTION),
    "label_cost": Coalesce(Sum("cost", output_field=MONEY), Decimal(0)),
    "median_transit_days": _in_days(PercentileCont(transit_days(), 0.5)),
    "p90_transit_days": _in_days(PercentileCont(transit_days(), 0.9)),
}
GROUPS = {
    "location_carrier": ("location_code", "carrier_name"),
    "location": ("location_code",),
    "carrier": ("carrier_name",),
}
GROUP_FIELDS = {
    "location_code": F("location__code"),
    "carrier_name": Coalesce(F("carrier__name"), Value(NO_CARRIER)),
}


def shipped(params: Params, using: str) -> QuerySet[Shipment]:
    """The shipments handed over in the params' local days, within their filters."""
    start, end = day_bounds(params)
    shipments = (
        Shipment.objects.using(using)
        .filter(shipped_at__gte=start, shipped_at__lt=end)
        .exclude(status=ShipmentStatus.CANCELLED)
    )
    if params.channels:
        shipments = shipments.filter(order__channel_id__in=params.channels)
    if params.locations:
        shipments = shipments.filter(location_id__in=params.locations)
    if params.products:
        shipments = shipments.filter(
            Exists(
                ShipmentLine.objects.filter(
                    shipment=OuterRef("pk"), line__product_id__in=params.products
                )
            )
        )
    return shipments


def fulfilment_rows(params: Params, using: str) -> list[dict[str, Any]]:
    grouped = GROUPS.get(params.group_by, GROUPS["location_carrier"])
    keys = {
        key: expression if key in grouped else Value(ALL)
        for key, expression in GROUP_FIELDS.items()
    }
    return list(
        shipped(params, using)
        .order_by()
        .values("currency", **keys)
        .annotate(**FIGURES)
        .order_by(*grouped, "currency")
    )


def fulfilment_headlines(params: Params, using: str) -> list[Headline]:
    shipments = shipped(params, using)
    totals = shipments.aggregate(**{key: FIGURES[key] for key in FIGURES if key != "label_cost"})
    costs = (
        shipments.filter(cost__isnull=False)
        .order_by()
        .values("currency")
        .annotate(cost=FIGURES["label_cost"])
    )
    return [
        Headline("Shipments", totals["shipments"]),
        Headline("Delivered", totals["delivered"]),
        Headline("Exceptions", totals["exceptions"]),
        Headline(
            "Exception rate", percent(totals["exceptions"], totals["shipments"]), kind="percent"
        ),
        Headline("Median transit (days)", totals["median_transit_days"], kind="decimal"),
        Headline("90th percentile transit (days)", totals["p90_transit_days"], kind="decimal"),
        *(
            Headline(f"Label cost ({row['currency']})", row["cost"], kind="money")
            for row in costs.order_by("currency")
        ),
    ]


register(
    Report(
        slug="fulfilment",
        title="Fulfilment by location and carrier",
        section="Fulfilment",
        description="Parcels handed to carriers in the period: volume, label cost (per "
        "currency), transit time handed over → delivered (median and 90th percentile) and "
        "exceptions (a carrier exception scan, or returned to sender).",
        columns=(
            Column("location_code", "Location"),
            Column("carrier_name", "Carrier"),
            Column("shipments", "Shipments", "int"),
            Column("delivered", "Delivered", "int"),
            Column("exceptions", "Exceptions", "int"),
            Column("label_cost", "Label cost", "money"),
            Column("currency", "Currency"),
            Column("median_transit_days", "Median transit (days)", "decimal"),
            Column("p90_transit_days", "90th percentile transit (days)", "decimal"),
        ),
        rows=fulfilment_rows,
        headlines=fulfilment_headlines,
        chart=Chart("bar", x="carrier_name", y=("shipments", "exceptions")),
        permission=PERMISSION,
        group_by_choices=(
            ("location_carrier", "Location and carrier"),
            ("location", "Location"),
            ("carrier", "Carrier"),
        ),
        filters=("period", "channel", "location", "product"),
    )
)
