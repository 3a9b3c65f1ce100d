"""The customer reports on hand-made orders, in Berlin local days (10–19 Nov 2026).

Ada (new): 10.00, 10.00 (5.00 of it refunded) and 10.01 USD, the last at 23:30 Berlin on 19 Nov.
Bob (returning): 50.00 in October, 20.00 on 15 Nov. Cy: one order, cancelled. Dee (EUR, new):
15.50 at 00:30 Berlin on 10 Nov (inside), another at 00:30 on 20 Nov (outside). Eve (new):
40.00, all refunded.
"""

from datetime import date
from decimal import Decimal

import pytest

import customers.reports
from core.reporting import Params, get_report
from orders.models import Order, OrderLine
from orders.selectors import NOT_COUNTED_STATUSES
from tests import factories
from tests.reports.domain_data import order, payment, utc

pytestmark = pytest.mark.django_db

PERIOD = Params(start=date(2026, 11, 10), end=date(2026, 11, 19), timezone="Europe/Berlin")


def period(**changes) -> Params:
    return Params(start=PERIOD.start, end=PERIOD.end, timezone=PERIOD.timezone, **changes)


@pytest.fixture
def orders():
    web = factories.SalesChannelFactory(code="web", currency="USD")
    eu = factories.SalesChannelFactory(code="eu", currency="EUR")
    ada, bob, cy, dee, eve = (
        factories.CustomerFactory(name=name) for name in ("Ada", "Bob", "Cy", "Dee", "Eve")
    )
    order(web, ada, "10.00", utc(2026, 11, 10, 10))
    refunded_in_part = order(web, ada, "10.00", utc(2026, 11, 12, 10))
    payment(refunded_in_part, authorized="10.00", captured="10.00", refunded="5.00")
    order(web, ada, "10.01", utc(2026, 11, 19, 22, 30))
    order(web, bob, "50.00", utc(2026, 10, 1, 10), status="completed")
    order(web, bob, "20.00", utc(2026, 11, 15, 10))
    order(web, cy, "99.00", utc(2026, 11, 11, 10), status="cancelled")
    order(eu, dee, "15.50", utc(2026, 11, 9, 23, 30))
    order(eu, dee, "8.00", utc(2026, 11, 19, 23, 30))
    refunded = order(web, eve, "40.00", utc(2026, 11, 13, 10))
    payment(refunded, authorized="40.00", captured="40.00", refunded="40.00")
    return {"web": web, "eu": eu}


def run(slug: str, params: Params = PERIOD):
    report = get_report(slug)
    return report.rows(params, "default"), report.headlines(params, "default")


def test_the_statuses_left_out_are_the_orders_app_s():
    assert set(customers.reports.NOT_COUNTED_STATUSES) == set(NOT_COUNTED_STATUSES)


def test_new_and_returning_by_local_day(orders):
    rows, headlines = run("customers-new-returning")

    assert [
        (r["period"], r["new_customers"], r["returning_customers"], r["new_orders"]) for r in rows
    ] == [
        (date(2026, 11, 10), 2, 0, 2),  # Ada, and Dee at 00:30 Berlin
        (date(2026, 11, 12), 1, 0, 1),
        (date(2026, 11, 13), 1, 0, 1),
        (date(2026, 11, 15), 0, 1, 0),  # Bob
        (date(2026, 11, 19), 1, 0, 1),  # Ada at 23:30 Berlin
    ]
    assert [(h.label, h.value) for h in headlines] == [
        ("Customers who ordered", 4),  # not Cy: cancelled
        ("New customers", 3),
        ("Returning customers", 1),
        ("Repeat rate", Decimal("50.0")),  # Ada (3 orders) and Bob (2) of four
    ]


def test_by_week_counts_each_customer_once(orders):
    rows, _ = run("customers-new-returning", period(grain="week"))

    assert rows == [
        {
            "period": date(2026, 11, 9),
            "new_customers": 3,
            "returning_customers": 1,
            "new_orders": 4,
            "returning_orders": 1,
        },
        {
            "period": date(2026, 11, 16),
            "new_customers": 1,
            "returning_customers": 0,
            "new_orders": 1,
            "returning_orders": 0,
        },
    ]


def test_the_returning_segment_and_a_channel(orders):
    returning, headlines = run("customers-new-returning", period(segment="returning"))
    eu, _ = run("customers-new-returning", period(channels=(orders["eu"].pk,)))

    assert [(r["period"], r["returning_customers"]) for r in returning] == [(date(2026, 11, 15), 1)]
    assert headlines[0].value == 1
    assert [(r["period"], r["new_customers"]) for r in eu] == [(date(2026, 11, 10), 1)]


def test_customers_who_bought_a_product(orders):
    mug = factories.ProductFactory(sku="MUG")
    bobs = Order.objects.get(customer__name="Bob", placed_at__gte=utc(2026, 11, 1))
    OrderLine.objects.create(
        order=bobs,
        product=mug,
        sku="MUG",
        name="Mug",
        quantity=2,
        unit_price=Decimal("10.00"),
        line_total=Decimal("20.00"),
    )

    rows, headlines = run("top-customers", period(products=(mug.pk,)))

    assert [(r["name"], r["revenue"]) for r in rows] == [("Bob", Decimal("20.00"))]
    assert headlines[0].value == 1


def test_top_customers_per_currency_net_of_refunds(orders):
    rows, _ = run("top-customers")

    keys = ("currency", "rank", "name", "orders", "revenue", "refunded", "net_revenue")
    assert [(*(r[key] for key in keys), r["average_order"]) for r in rows] == [
        ("EUR", 1, "Dee", 1, Decimal("15.50"), Decimal("0"), Decimal("15.50"), Decimal("15.50")),
        ("USD", 1, "Ada", 3, Decimal("30.01"), Decimal("5.00"), Decimal("25.01"), Decimal("10.00")),
        ("USD", 2, "Bob", 1, Decimal("20.00"), Decimal("0"), Decimal("20.00"), Decimal("20.00")),
        ("USD", 3, "Eve", 1, Decimal("40.00"), Decimal("40.00"), Decimal("0"), Decimal("40.00")),
    ]


@pytest.mark.parametrize("slug", ["customers-new-returning", "top-customers"])
def test_a_fixed_number_of_queries(orders, slug, django_assert_num_queries):
    for n in range(5):
        customer = factories.CustomerFactory()
        order(orders["web"], customer, f"{n + 1}.00", utc(2026, 11, 14, n))
    report = get_report(slug)

    with django_assert_num_queries(1):
        report.rows(PERIOD, "default")
    with django_assert_num_queries(1):
        report.headlines(PERIOD, "default")
