"""The payments report on hand-made payments, in Berlin local days (10–19 Nov 2026).

USD: 100.00 captured at 00:30 Berlin on 10 Nov (inside) and 30.00 of it refunded on 15 Nov; an
authorization of 50.00 still open; 80.00 authorized by wallet and 30.00 of it captured; 20.00
captured at 00:30 Berlin on 20 Nov (outside); a refund pending and one failed; an expired
authorization. EUR: 33.33 captured on 11 Nov (a failed capture call before it) and disputed.
"""

from datetime import date
from decimal import Decimal

import pytest
import time_machine

import payments.reports  # noqa: F401  (registers the report, as the reports app does)
from core.reporting import Params, get_report
from payments.models import PaymentTransaction, Refund
from tests import factories
from tests.reports.domain_data import order, payment, utc

pytestmark = pytest.mark.django_db

PERIOD = Params(start=date(2026, 11, 10), end=date(2026, 11, 19), timezone="Europe/Berlin")


def capture(paid, amount: str, at, outcome: str = "succeeded") -> None:
    with time_machine.travel(at, tick=False):
        PaymentTransaction.objects.create(
            payment=paid, kind="capture", amount=Decimal(amount), outcome=outcome
        )


def refund(paid, amount: str, completed_at, status: str = "succeeded") -> None:
    Refund.objects.create(
        payment=paid,
        amount=Decimal(amount),
        reason="Damaged",
        status=status,
        completed_at=completed_at,
    )


@pytest.fixture
def money():
    web = factories.SalesChannelFactory(code="web", currency="USD")
    eu = factories.SalesChannelFactory(code="eu", currency="EUR")
    customer = factories.CustomerFactory()
    placed = utc(2026, 11, 1)

    def paid(channel, total: str, **amounts):
        return payment(order(channel, customer, total, placed), **amounts)

    card = paid(web, "100.00", authorized="100.00", captured="100.00", refunded="30.00")
    capture(card, "100.00", utc(2026, 11, 9, 23, 30))
    refund(card, "30.00", utc(2026, 11, 15, 12))
    paid(web, "50.00", authorized="50.00", authorized_at=utc(2026, 11, 12))
    wallet = paid(
        web,
        "80.00",
        authorized="80.00",
        captured="30.00",
        method="wallet",
        authorized_at=utc(2026, 11, 13),
    )
    capture(wallet, "30.00", utc(2026, 11, 13, 9))
    late = paid(web, "20.00", authorized="20.00", captured="20.00")
    capture(late, "20.00", utc(2026, 11, 19, 23, 30))
    refunds = paid(web, "10.00", authorized="10.00", captured="10.00")
    refund(refunds, "10.00", None, status="pending")
    refund(refunds, "10.00", utc(2026, 11, 14), status="failed")
    paid(web, "60.00", authorized="60.00", status="expired", authorized_at=utc(2026, 11, 12))
    disputed = paid(
        eu,
        "33.33",
        authorized="33.33",
        captured="33.33",
        disputed_at=utc(2026, 11, 16),
        dispute_amount=Decimal("33.33"),
    )
    capture(disputed, "33.33", utc(2026, 11, 11, 10, 1))
    capture(disputed, "33.33", utc(2026, 11, 11, 10), outcome="failed")
    return {"web": web, "eu": eu}


def run(params: Params = PERIOD):
    report = get_report("payments")
    return report.rows(params, "default"), report.headlines(params, "default")


def test_captured_refunded_outstanding_and_disputes_per_currency(money):
    rows, headlines = run()

    assert rows == [
        {
            "currency": "EUR",
            "group": "All",
            "captured": Decimal("33.33"),
            "refunded": Decimal("0.00"),
            "net": Decimal("33.33"),
            "outstanding": Decimal("0.00"),
            "disputes": 1,
            "disputed": Decimal("33.33"),
        },
        {
            "currency": "USD",
            "group": "All",
            "captured": Decimal("130.00"),  # not the 20.00 at 00:30 Berlin on 20 Nov
            "refunded": Decimal("30.00"),  # not the pending or failed refunds
            "net": Decimal("100.00"),
            "outstanding": Decimal("100.00"),  # 50.00 open + 50.00 left of 80.00, not expired
            "disputes": 0,
            "disputed": Decimal("0.00"),
        },
    ]
    assert [(h.label, h.value) for h in headlines] == [
        ("Captured (EUR)", Decimal("33.33")),
        ("Refunded (EUR)", Decimal("0.00")),
        ("Outstanding (EUR)", Decimal("0.00")),
        ("Captured (USD)", Decimal("130.00")),
        ("Refunded (USD)", Decimal("30.00")),
        ("Outstanding (USD)", Decimal("100.00")),
        ("Disputes", 1),
    ]


def test_by_method_within_a_channel(money):
    params = Params(
        start=PERIOD.start,
        end=PERIOD.end,
        timezone=PERIOD.timezone,
        group_by="method",
        channels=(money["web"].pk,),
    )
    rows, _ = run(params)

    assert [(r["currency"], r["group"], r["captured"], r["outstanding"]) for r in rows] == [
        ("USD", "card", Decimal("100.00"), Decimal("50.00")),
        ("USD", "wallet", Decimal("30.00"), Decimal("50.00")),
    ]


def test_the_previous_period_sees_none_of_it(money):
    rows, _ = run(PERIOD.previous())

    assert rows == []


def test_rows_and_headlines_are_one_query_each(money, django_assert_num_queries):
    report = get_report("payments")
    with django_assert_num_queries(1):
        report.rows(PERIOD, "default")
    with django_assert_num_queries(1):
        report.headlines(PERIOD, "default")
