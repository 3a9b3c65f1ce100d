"""The inventory reports on a hand-computed stock ledger, in Berlin local days.

WH-A holds MUG (cost 2.50, reorder point 5) and CAP (cost 1.00, reorder point 0); WH-B holds
3 MUG. MUG at WH-A: 20 received on 1 Nov; sold 4 at 00:30 Berlin on 10 Nov (23:30 UTC the day
before: inside the period 10–19 Nov), sold 6 on 15 Nov, 1 returned on 16 Nov, sold 2 at 00:30
Berlin on 20 Nov (outside); 3 more reserved. CAP: 5 received, all 5 reserved.
"""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine

import inventory.reports
from core.reporting import Params, get_report
from inventory import services as inventory
from tests import factories

pytestmark = pytest.mark.django_db

PERIOD = Params(start=date(2026, 11, 10), end=date(2026, 11, 19), timezone="Europe/Berlin")


def at(*args) -> time_machine.travel:
    return time_machine.travel(datetime(*args, tzinfo=UTC), tick=False)


def sell(product, location, quantity: int) -> None:
    inventory.reserve(product=product, location=location, quantity=quantity)
    inventory.commit(product=product, location=location, quantity=quantity)


@pytest.fixture
def stock_ledger():
    wh_a = factories.LocationFactory(code="WH-A", name="Main")
    wh_b = factories.LocationFactory(code="WH-B", name="Overflow")
    mug = factories.ProductFactory(sku="MUG", cost=Decimal("2.50"), reorder_point=5)
    cap = factories.ProductFactory(sku="CAP", cost=Decimal("1.00"), reorder_point=0)
    with at(2026, 11, 1, 10):
        factories.stock(mug, wh_a, 20)
        factories.stock(cap, wh_a, 5)
        factories.stock(mug, wh_b, 3)
    with at(2026, 11, 9, 23, 30):
        sell(mug, wh_a, 4)
    with at(2026, 11, 15, 12):
        sell(mug, wh_a, 6)
    with at(2026, 11, 16, 12):
        inventory.adjust_stock(product=mug, location=wh_a, quantity=1, reason="return")
    with at(2026, 11, 19, 23, 30):
        sell(mug, wh_a, 2)
    inventory.reserve(product=mug, location=wh_a, quantity=3)
    inventory.reserve(product=cap, location=wh_a, quantity=5)
    return {"wh_a": wh_a, "wh_b": wh_b, "mug": mug, "cap": cap}


def run(slug: str, params: Params = PERIOD):
    report = get_report(slug)
    return report.rows(params, "default"), report.headlines(params, "default")


def test_levels_and_value_by_location(stock_ledger):
    rows, headlines = run("inventory-levels")

    assert rows == [
        {
            "code": "WH-A",
            "name": "Main",
            "on_hand": 14,
            "reserved": 8,
            "available": 6,
            "value": Decimal("27.50"),  # 9 × 2.50 + 5 × 1.00
            "currency": "USD",
            "stock_outs": 1,
        },
        {
            "code": "WH-B",
            "name": "Overflow",
            "on_hand": 3,
            "reserved": 0,
            "available": 3,
            "value": Decimal("7.50"),
            "currency": "USD",
            "stock_outs": 0,
        },
    ]
    assert [(h.label, h.value) for h in headlines] == [
        ("Units on hand", 17),
        ("Units available", 9),
        ("Stock value at cost", Decimal("35.00")),
        ("Stock-outs", 1),
    ]


def test_levels_by_product_at_one_location(stock_ledger):
    params = Params(
        start=PERIOD.start,
        end=PERIOD.end,
        timezone=PERIOD.timezone,
        group_by="product",
        locations=(stock_ledger["wh_b"].pk,),
    )
    rows, _ = run("inventory-levels", params)

    assert [(row["code"], row["on_hand"], row["value"]) for row in rows] == [
        ("MUG", 3, Decimal("7.50"))
    ]


def test_low_stock_and_stock_outs_worst_first(stock_ledger):
    low, headlines = run("low-stock")
    out, _ = run("stock-outs")

    # MUG at WH-A has 6 available, above its reorder point of 5
    assert [(row["sku"], row["location_code"], row["available"]) for row in low] == [
        ("MUG", "WH-B", 3),
        ("CAP", "WH-A", 0),
    ]
    assert [(row["sku"], row["location_code"], row["reserved"]) for row in out] == [
        ("CAP", "WH-A", 5)
    ]
    assert [(h.label, h.value) for h in headlines] == [
        ("At or below reorder point", 2),
        ("Out", 1),
    ]


def test_turnover_and_days_of_cover_from_the_ledger_in_local_days(stock_ledger):
    rows, headlines = run("inventory-turnover")

    assert rows == [
        {
            "code": "MUG",
            "name": "Product MUG",
            "sold": 10,  # 4 + 6: the 2 sold at 00:30 on 20 Nov fall outside
            "returned": 1,
            "opening": 23,  # 20 at WH-A + 3 at WH-B at 00:00 Berlin on 10 Nov
            "closing": 14,  # 11 + 3 at 00:00 Berlin on 20 Nov
            "average_on_hand": Decimal("18.5"),
            "turnover": Decimal("0.54"),  # 10 ÷ 18.5
            "available": 9,
            "days_of_cover": Decimal("9.0"),  # 9 ÷ (10 sold ÷ 10 days)
        },
        {
            "code": "CAP",
            "name": "Product CAP",
            "sold": 0,
            "returned": 0,
            "opening": 5,
            "closing": 5,
            "average_on_hand": Decimal("5.0"),
            "turnover": Decimal("0.00"),
            "available": 0,
            "days_of_cover": None,  # nothing sold: no rate to cover
        },
    ]
    assert [(h.label, h.value) for h in headlines] == [
        ("Units sold", 10),
        ("Average on hand", Decimal("23.5")),
        ("Turnover", Decimal("0.43")),  # 10 ÷ 23.5
        ("Days of cover", Decimal("9.0")),
    ]


def test_turnover_of_the_previous_period_sees_the_receipts_only(stock_ledger):
    rows, _ = run("inventory-turnover", PERIOD.previous())

    mug = rows[-1] if rows[0]["code"] == "CAP" else rows[0]
    assert (mug["sold"], mug["opening"], mug["closing"]) == (0, 0, 23)


@pytest.mark.parametrize(
    "slug", ["inventory-levels", "low-stock", "stock-outs", "inventory-turnover"]
)
def test_each_report_is_one_query_whatever_the_data(stock_ledger, slug, django_assert_num_queries):
    for n in range(5):
        product = factories.ProductFactory(sku=f"EXTRA-{n}")
        factories.stock(product, stock_ledger["wh_b"], n + 1)
        sell(product, stock_ledger["wh_b"], 1)
    report = get_report(slug)

    with django_assert_num_queries(1):
        report.rows(PERIOD, "default")
    with django_assert_num_queries(1):
        report.headlines(PERIOD, "default")
