"""The notifications report on hand-made messages, in Berlin local days (10–19 Nov 2026)."""

from datetime import date
from decimal import Decimal
from itertools import count

import pytest
import time_machine

import notifications.reports  # noqa: F401  (registers the report, as the reports app does)
from core.reporting import Params, get_report
from notifications.models import Notification
from tests import factories
from tests.reports.domain_data import order, utc

pytestmark = pytest.mark.django_db

PERIOD = Params(start=date(2026, 11, 10), end=date(2026, 11, 19), timezone="Europe/Berlin")
_keys = count()


def message(kind: str, status: str, at, **fields) -> Notification:
    with time_machine.travel(at, tick=False):
        return Notification.objects.create(
            kind=kind,
            status=status,
            recipient="ada@example.com",
            dedupe_key=f"test:{next(_keys)}",
            **fields,
        )


@pytest.fixture
def messages():
    web = factories.SalesChannelFactory(code="web")
    shop_order = order(web, factories.CustomerFactory(), "10.00", utc(2026, 11, 1))
    message("shipped", "sent", utc(2026, 11, 9, 23, 30), order=shop_order)  # 00:30 Berlin
    message("shipped", "sent", utc(2026, 11, 12), delivery_status="delivered")
    message("shipped", "failed", utc(2026, 11, 12), delivery_status="bounced")
    message("shipped", "failed", utc(2026, 11, 13), error="Connection refused")
    message("order_confirmed", "suppressed", utc(2026, 11, 14))
    message("order_confirmed", "queued", utc(2026, 11, 19, 12), channel="sms")
    message("order_confirmed", "sent", utc(2026, 11, 19, 23, 30))  # 00:30 Berlin on 20 Nov
    return {"web": web}


def run(params: Params = PERIOD):
    report = get_report("notifications")
    return report.rows(params, "default"), report.headlines(params, "default")


def test_sent_failed_and_bounced_by_kind(messages):
    rows, headlines = run()

    assert rows == [
        {
            "group": "Order confirmed",
            "messages": 2,
            "sent": 0,
            "failed": 0,
            "bounced": 0,
            "suppressed": 1,
            "queued": 1,
        },
        {
            "group": "Shipped",
            "messages": 4,
            "sent": 2,
            "failed": 2,
            "bounced": 1,
            "suppressed": 0,
            "queued": 0,
        },
    ]
    assert [(h.label, h.value) for h in headlines] == [
        ("Messages", 6),
        ("Sent", 2),
        ("Failed", 2),
        ("Bounced", 1),
        ("Failure rate", Decimal("33.3")),
    ]


def test_by_channel_and_for_one_sales_channel(messages):
    by_channel = Params(
        start=PERIOD.start, end=PERIOD.end, timezone=PERIOD.timezone, group_by="channel"
    )
    web = Params(
        start=PERIOD.start, end=PERIOD.end, timezone=PERIOD.timezone, channels=(messages["web"].pk,)
    )

    assert [(r["group"], r["messages"]) for r in run(by_channel)[0]] == [("E-mail", 5), ("SMS", 1)]
    assert [(r["group"], r["sent"]) for r in run(web)[0]] == [("Shipped", 1)]


def test_rows_and_headlines_are_one_query_each(messages, django_assert_num_queries):
    report = get_report("notifications")
    with django_assert_num_queries(1):
        report.rows(PERIOD, "default")
    with django_assert_num_queries(1):
        report.headlines(PERIOD, "default")
