"""The orders reports on hand-computed fixtures: the status funnel, the backlog by age, time
to ship and on-time against the promise (local days in Europe/Berlin)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from core.reporting import get_report
from orders.models import OrderEvent, OrderStatus
from reports.runner import run
from tests import factories
from tests.reports.sales_fixture import (
    NOW,
    berlin,  # noqa: F401  (the fixture)
    local,
    make_order,
    params,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("berlin")]

D = Decimal


@pytest.fixture
def order():
    channel = factories.SalesChannelFactory(code="web")
    customer = factories.CustomerFactory()
    product = factories.ProductFactory(sku="ORD-1")

    def make(placed_at, status=OrderStatus.CONFIRMED, **fields):
        made = make_order(
            channel=channel,
            customer=customer,
            product=product,
            placed_at=placed_at,
            units=1,
            subtotal="10.00",
            status=status,
        )
        if fields:
            type(made).objects.filter(pk=made.pk).update(**fields)
        return made

    return make


def shipped(order, at):
    event = OrderEvent.objects.create(order=order, type=OrderEvent.Type.SHIPPED, message="Shipped")
    OrderEvent.objects.filter(pk=event.pk).update(created_at=at)


def test_the_status_funnel(order):
    day = local(2026, 11, 3, 9)
    for status in (
        "placed",
        "confirmed",
        "processing",
        "shipped",
        "delivered",
        "completed",
        "cancelled",
    ):
        order(day, status=status)
    order(day, status="on_hold", status_before_hold="confirmed", hold_reason="other")
    order(day, status="draft")
    order(local(2026, 11, 1, 23, 59), status="shipped")  # the day before the period

    result = run(get_report("order-funnel"), params())

    assert [(r["stage"], r["orders"], r["share"]) for r in result.rows] == [
        ("Placed", 8, D("100.0")),
        ("Confirmed", 6, D("75.0")),
        ("Shipped", 3, D("37.5")),
        ("Delivered", 2, D("25.0")),
    ]
    assert {h.label: (h.value, h.previous) for h in result.headlines} == {
        "Orders placed": (8, 1),
        "Shipped": (D("37.5"), D("100.0")),
        "On hold": (1, 0),
        "Cancelled": (1, 0),
    }


def test_the_backlog_by_age(order):
    order(NOW - timedelta(hours=12), status="placed")
    order(NOW - timedelta(hours=36), status="confirmed")
    order(NOW - timedelta(days=2, hours=1), status="confirmed")
    order(
        NOW - timedelta(days=10),
        status="on_hold",
        status_before_hold="confirmed",
        hold_reason="other",
    )
    order(NOW - timedelta(days=10), status="shipped")  # not open

    result = run(get_report("order-backlog"), params())

    assert [
        (r["status"], r["age_0"], r["age_1"], r["age_2"], r["age_3"], r["age_7"], r["total"])
        for r in result.rows
    ] == [
        ("Placed", 1, 0, 0, 0, 0, 1),
        ("Confirmed", 0, 1, 1, 0, 0, 2),
        ("On hold", 0, 0, 0, 0, 1, 1),
    ]
    assert {h.label: h.value for h in result.headlines} == {
        "Open orders": 4,
        "Older than 3 days": 1,
    }


def test_time_to_ship_and_on_time(order):
    x = order(local(2026, 11, 2, 10), status="shipped", promised_ship_date=date(2026, 11, 3))
    shipped(x, local(2026, 11, 3, 22, 30))  # 36.5 h; on its promised day (local)
    shipped(x, local(2026, 11, 5, 9))  # a second parcel: not its first shipment
    y = order(local(2026, 11, 2, 12), status="shipped", ship_by=date(2026, 11, 3))
    shipped(y, local(2026, 11, 4, 0, 30))  # 36.5 h; the 4th local (the 3rd in UTC): late
    z = order(local(2026, 11, 5, 0), status="shipped")
    shipped(z, local(2026, 11, 5, 12))  # 12 h, no promise
    w = order(local(2026, 10, 30, 0), status="shipped")
    shipped(w, local(2026, 11, 1, 23))  # before the period

    result = run(get_report("order-shipping"), params(grain="week"))

    assert result.rows == [
        {
            "period": date(2026, 11, 2),
            "shipped": 3,
            "hours_to_ship": D("28.3"),
            "on_time": 1,
            "late": 1,
            "no_promise": 1,
            "on_time_share": D("50.0"),
        }
    ]
    assert {h.label: h.value for h in result.headlines} == {
        "Orders shipped": 3,
        "Hours to ship (mean)": D("28.3"),
        "On time": D("50.0"),
    }
    daily = run(get_report("order-shipping"), params(compare=False)).rows
    assert [(r["period"], r["shipped"]) for r in daily] == [
        (date(2026, 11, 3), 1),
        (date(2026, 11, 4), 1),
        (date(2026, 11, 5), 1),
    ]
