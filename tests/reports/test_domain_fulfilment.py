"""The fulfilment report on hand-made shipments, in Berlin local days (10–19 Nov 2026).

UPS from WH-A: four parcels in the period, three delivered after 2.0, 1.5 and 4.0 days (the
last after an exception scan), one in transit; one more cancelled. DHL (EUR) from WH-B: one
handed over at 00:30 Berlin on 10 Nov (23:30 UTC the day before: inside), returned to sender,
and one at 00:30 Berlin on 20 Nov (outside). One click & collect parcel from WH-B.
"""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection

import shipping.reports  # noqa: F401  (registers the report, as the reports app does)
from core.reporting import Params, get_report
from shipping.models import Shipment, ShipmentLine, ShipmentStatus, TrackingEvent
from tests import factories

pytestmark = pytest.mark.django_db

PERIOD = Params(start=date(2026, 11, 10), end=date(2026, 11, 19), timezone="Europe/Berlin")


def percentile(value: str) -> Decimal | None:
    """A transit percentile as expected: PostgreSQL has percentile_cont, SQLite leaves it out."""
    return Decimal(value) if connection.vendor == "postgresql" else None


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def shipments(channel, customer, warehouse, second_warehouse):
    mug = factories.ProductFactory(sku="MUG")
    factories.stock(mug, warehouse, 10)
    order = factories.place(channel=channel, customer=customer, items=[(mug, 1)])
    ups = factories.CarrierFactory(code="UPS", name="UPS", currency="USD")
    dhl = factories.CarrierFactory(code="DHL", name="DHL Express", currency="EUR")

    def ship(location, carrier, shipped_at, *, days=None, cost=None, **fields):
        shipment = Shipment.objects.create(
            order=order,
            location=location,
            carrier=carrier,
            shipped_at=shipped_at,
            delivered_at=shipped_at + timedelta(days=days) if days is not None else None,
            cost=cost,
            currency=carrier.currency if carrier else "",
            weight_grams=400,
            status=fields.pop(
                "status",
                ShipmentStatus.DELIVERED if days is not None else ShipmentStatus.IN_TRANSIT,
            ),
            **fields,
        )
        ShipmentLine.objects.create(shipment=shipment, line=order.lines.get(), quantity=1)
        return shipment

    ship(warehouse, ups, utc(2026, 11, 10, 8), days=2, cost=Decimal("5.10"))
    ship(warehouse, ups, utc(2026, 11, 11, 8), days=1.5, cost=Decimal("5.10"))
    late = ship(warehouse, ups, utc(2026, 11, 12, 8), days=4, cost=Decimal("6.25"))
    TrackingEvent.objects.create(
        shipment=late, carrier=ups, status=ShipmentStatus.EXCEPTION, occurred_at=utc(2026, 11, 13)
    )
    ship(warehouse, ups, utc(2026, 11, 13, 8), cost=Decimal("5.00"))
    ship(warehouse, ups, utc(2026, 11, 14, 8), status=ShipmentStatus.CANCELLED, cost=Decimal(9))
    ship(
        second_warehouse,
        dhl,
        utc(2026, 11, 9, 23, 30),
        cost=Decimal("7.00"),
        status=ShipmentStatus.RETURNED_TO_SENDER,
    )
    ship(second_warehouse, dhl, utc(2026, 11, 19, 23, 30), cost=Decimal("7.00"))
    ship(
        second_warehouse,
        None,
        utc(2026, 11, 14, 9),
        is_pickup=True,
        status=ShipmentStatus.COLLECTED,
    )
    return {"mug": mug, "ship": ship, "carrier": ups}


def run(params: Params = PERIOD):
    report = get_report("fulfilment")
    return report.rows(params, "default"), report.headlines(params, "default")


def test_volume_cost_transit_and_exceptions_by_location_and_carrier(shipments):
    rows, headlines = run()

    assert rows == [
        {
            "location_code": "WH-A",
            "carrier_name": "UPS",
            "currency": "USD",
            "shipments": 4,
            "delivered": 3,
            "exceptions": 1,
            "label_cost": Decimal("21.45"),
            "median_transit_days": percentile("2.0"),
            "p90_transit_days": percentile("3.6"),  # 2.0 + 0.8 × (4.0 − 2.0)
        },
        {
            "location_code": "WH-B",
            "carrier_name": "DHL Express",
            "currency": "EUR",
            "shipments": 1,
            "delivered": 0,
            "exceptions": 1,
            "label_cost": Decimal("7.00"),
            "median_transit_days": None,
            "p90_transit_days": None,
        },
        {
            "location_code": "WH-B",
            "carrier_name": "No carrier (pickup)",
            "currency": "",
            "shipments": 1,
            "delivered": 0,
            "exceptions": 0,
            "label_cost": Decimal("0"),
            "median_transit_days": None,
            "p90_transit_days": None,
        },
    ]
    assert [(h.label, h.value) for h in headlines] == [
        ("Shipments", 6),
        ("Delivered", 3),
        ("Exceptions", 2),
        ("Exception rate", Decimal("33.3")),
        ("Median transit (days)", percentile("2.0")),
        ("90th percentile transit (days)", percentile("3.6")),
        ("Label cost (EUR)", Decimal("7.00")),
        ("Label cost (USD)", Decimal("21.45")),
    ]


def test_by_carrier_only_sums_the_locations(shipments, second_warehouse):
    by_carrier = Params(
        start=PERIOD.start, end=PERIOD.end, timezone=PERIOD.timezone, group_by="carrier"
    )
    at_b = Params(
        start=PERIOD.start,
        end=PERIOD.end,
        timezone=PERIOD.timezone,
        locations=(second_warehouse.pk,),
    )

    rows, _ = run(by_carrier)
    assert [(r["location_code"], r["carrier_name"], r["shipments"]) for r in rows] == [
        ("All", "DHL Express", 1),
        ("All", "No carrier (pickup)", 1),
        ("All", "UPS", 4),
    ]
    assert [r["shipments"] for r in run(at_b)[0]] == [1, 1]


def test_the_rows_are_a_fixed_number_of_queries(
    shipments, second_warehouse, django_assert_num_queries
):
    for hour in range(5):
        shipments["ship"](second_warehouse, shipments["carrier"], utc(2026, 11, 15, hour), days=1)
    report = get_report("fulfilment")
    with django_assert_num_queries(1):
        report.rows(PERIOD, "default")
    with django_assert_num_queries(2):
        report.headlines(PERIOD, "default")
