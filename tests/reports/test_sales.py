"""The sales reports' figures on the hand-computed fixture (tests/reports/sales_fixture.py):
refunds, cancellations, currencies, rounding and local-day boundaries; the previous period;
the daily summary against the live orders."""

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.management import call_command

from core.reporting import get_report
from reports.models import DailySales, SummarisedDay
from reports.runner import run
from reports.summary import OrderFilter, days_to_refresh, live_figures, refresh_days
from reports.tasks import refresh_daily_sales
from tests.reports.sales_fixture import (
    END,
    START,
    berlin,  # noqa: F401  (the fixture)
    build_shop,
    local,
    make_order,
    params,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("berlin")]

D = Decimal


@pytest.fixture
def shop():
    return build_shop()


def headlines(result) -> dict:
    return {h.label: (h.value, h.previous) for h in result.headlines}


def test_headlines_over_the_period_and_the_previous_one(shop):
    result = run(get_report("sales"), params())

    assert headlines(result) == {
        "Orders": (4, 1),
        "Units": (8, 1),
        "Revenue (USD)": (D("148.33"), D("40.00")),
        "Net of refunds (USD)": (D("133.33"), D("40.00")),
        "Average order (USD)": (D("49.44"), D("40.00")),
        "Revenue (EUR)": (D("50.00"), None),
        "Net of refunds (EUR)": (D("50.00"), None),
        "Average order (EUR)": (D("50.00"), None),
        "Cancelled orders": (1, 0),
    }
    changes = {h.label: h.change for h in result.headlines}
    assert changes["Orders"] == D("300.0")
    assert changes["Revenue (EUR)"] is None  # nothing to compare with


def test_rows_by_local_day_keep_currencies_apart(shop):
    rows = run(get_report("sales"), params(compare=False)).rows

    picked = [
        (
            r["period"],
            r["currency"],
            r["orders"],
            r["units"],
            r["revenue"],
            r["refunds"],
            r["net_revenue"],
            r["aov"],
            r["cancelled"],
        )
        for r in rows
    ]
    assert picked == [
        # A at 23:30 local is on the 2nd; B at 00:15 local on the 3rd (the 2nd in UTC)
        (date(2026, 11, 2), "USD", 1, 2, D("95.00"), D("0.00"), D("95.00"), D("95.00"), 0),
        (date(2026, 11, 3), "EUR", 1, 1, D("50.00"), D("0.00"), D("50.00"), D("50.00"), 0),
        # 53.33 / 2 = 26.665, rounded half up to the cent
        (date(2026, 11, 3), "USD", 2, 5, D("53.33"), D("0.00"), D("53.33"), D("26.67"), 0),
        (date(2026, 11, 4), "USD", 0, 0, D("0.00"), D("0.00"), D("0.00"), None, 1),
        # the refund counts on the day it was paid out
        (date(2026, 11, 5), "USD", 0, 0, D("0.00"), D("15.00"), D("-15.00"), None, 0),
    ]
    assert {r["channel"] for r in rows} == {"All channels"}


def test_by_week_and_channel(shop):
    rows = run(get_report("sales"), params(grain="week", group_by="channel")).rows

    assert [
        (r["period"], r["channel"], r["currency"], r["orders"], r["revenue"]) for r in rows
    ] == [
        (date(2026, 11, 2), "Store", "USD", 1, D("20.00")),
        (date(2026, 11, 2), "Web", "EUR", 1, D("50.00")),
        (date(2026, 11, 2), "Web", "USD", 2, D("128.33")),
    ]


def test_in_utc_the_midnight_orders_fall_on_other_days(shop):
    rows = run(get_report("sales"), params(timezone="UTC", compare=False)).rows
    usd = {r["period"]: r["orders"] for r in rows if r["currency"] == "USD"}
    # F (23:59:59 local on the 1st) is 22:59:59 UTC on the 1st: outside; A and B both the 2nd
    assert usd[date(2026, 11, 2)] == 2
    assert usd[date(2026, 11, 3)] == 1


def test_filters_channel_product_and_segment(shop):
    report = get_report("sales")
    web_only = run(report, params(channels=(shop.web.pk,))).headlines
    assert {h.label: h.value for h in web_only}["Revenue (USD)"] == D("128.33")
    other = run(report, params(products=(shop.product.pk + 1000,))).headlines
    assert {h.label: h.value for h in other}["Orders"] == 0
    # one customer placed every order: only F (before the period) was their first
    returning = run(report, params(segment="returning")).headlines
    assert {h.label: h.value for h in returning}["Orders"] == 4
    new = run(report, params(segment="new", compare=False)).headlines
    assert {h.label: h.value for h in new}["Orders"] == 0


def test_the_summary_gives_the_live_figures_and_is_idempotent(shop, django_assert_max_num_queries):
    live = live_figures(START, END, "Europe/Berlin", OrderFilter(), "default")
    days = [START + timedelta(days=n) for n in range(7)]

    assert refresh_days(days) == 7
    assert refresh_days(days) == 7  # again: the same rows, not twice as many
    assert DailySales.objects.count() == len(live)
    assert SummarisedDay.objects.filter(day__range=(START, END)).count() == 7

    # whole past days come from the summary: 3 queries (marks, summary, channel names)
    with django_assert_max_num_queries(3):
        summarised = run(get_report("sales"), params(compare=False, group_by="channel")).rows
    live_rows = run(get_report("sales"), params(compare=False, timezone="UTC")).rows
    assert live_rows  # a zone other than the shop's reads the orders
    assert sum(r["revenue"] for r in summarised) == D("198.33")
    assert sum(r["refunds"] for r in summarised) == D("15.00")


def test_today_is_live_and_past_days_come_from_the_summary(shop, settings):
    with time_machine.travel(local(2026, 11, 5, 12), tick=False):
        refresh_days([date(2026, 11, 2), date(2026, 11, 3), date(2026, 11, 4)])
        # a late write to a summarised day is not seen until it is recomputed…
        make_order(
            channel=shop.web,
            customer=shop.orders["A"].customer,
            product=shop.product,
            placed_at=local(2026, 11, 3, 8),
            units=1,
            subtotal="1.00",
        )
        # …while today's orders are read live
        make_order(
            channel=shop.web,
            customer=shop.orders["A"].customer,
            product=shop.product,
            placed_at=local(2026, 11, 5, 8),
            units=1,
            subtotal="2.00",
        )
        rows = run(get_report("sales"), params(end=date(2026, 11, 5), compare=False)).rows
        usd = {r["period"]: r["revenue"] for r in rows if r["currency"] == "USD"}
        assert usd[date(2026, 11, 3)] == D("53.33")
        assert usd[date(2026, 11, 5)] == D("2.00")
        assert days_to_refresh() == {date(2026, 11, 4), date(2026, 11, 3)}
        refresh_days(days_to_refresh())
        rows = run(get_report("sales"), params(end=date(2026, 11, 5), compare=False)).rows
        usd = {r["period"]: r["revenue"] for r in rows if r["currency"] == "USD"}
        assert usd[date(2026, 11, 3)] == D("54.33")


def test_a_day_not_yet_summarised_is_read_live(shop):
    refresh_days([date(2026, 11, 2), date(2026, 11, 4)])  # the 3rd is missing
    rows = run(get_report("sales"), params(compare=False)).rows
    assert sum(r["orders"] for r in rows) == 4


def test_top_products(shop):
    rows = run(get_report("sales-by-product"), params()).rows
    assert [
        (r["product"], r["currency"], r["orders"], r["units"], r["net_sales"]) for r in rows
    ] == [
        ("REP-1 — Product REP-1", "USD", 3, 7, D("153.33")),
        ("REP-1 — Product REP-1", "EUR", 1, 1, D("50.00")),
    ]


def test_the_backfill_command_and_the_beat_task(shop):
    call_command("backfill_daily_sales", "--since", "2026-11-01", stdout=io.StringIO())
    assert SummarisedDay.objects.count() == 19  # 11-01 to 11-19: today (the 20th) stays live
    assert refresh_daily_sales() == 2  # yesterday and the day before; no recent cancellation
    result = run(get_report("sales"), params())
    assert {h.label: h.value for h in result.headlines}["Revenue (USD)"] == D("148.33")
