"""A report with known figures for the digest tests, registered once, and a manager's weekly
digest of it (Monday 08:00, Europe/Berlin)."""

from datetime import UTC, datetime, time, timedelta
from decimal import Decimal

import pytest
import time_machine

from core.reporting import Chart, Column, Headline, Params, Report, get_report, register
from core.roles import MANAGER
from digests.models import Format, Frequency, ReportSubscription, Weekday
from digests.services import save_subscription
from tests import factories

SLUG = "digest-fixture"
REVENUE = Decimal("12345.67")
ORDERS = 4321


def _rows(params: Params, using: str) -> list[dict]:
    days = [params.start + timedelta(days=n) for n in range(params.days)]
    return [
        {"day": day, "orders": n + 1, "revenue": Decimal("10.50") * (n + 1)}
        for n, day in enumerate(days)
    ]


def _headlines(params: Params, using: str) -> list[Headline]:
    return [Headline("Orders", ORDERS), Headline("Revenue USD", REVENUE, "money")]


REPORT = get_report(SLUG) or register(
    Report(
        slug=SLUG,
        title="Digest fixture sales",
        section="Sales",
        description="Fixed figures for the digest tests.",
        columns=(
            Column("day", "Day", "date"),
            Column("orders", "Orders", "int"),
            Column("revenue", "Revenue", "money"),
        ),
        rows=_rows,
        headlines=_headlines,
        permission="reports.view_sales_report",
        chart=Chart("bar", x="day", y=("revenue",)),
        filters=("period", "channel"),
    )
)

# Monday 2026-11-30 08:00 in Berlin (CET, UTC+1) is 07:00 UTC.
MONDAY_8_BERLIN = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)


@pytest.fixture
def manager():
    return factories.UserFactory(username="mia", email="mia@staff.example", role=MANAGER)


@pytest.fixture
def make_subscription(manager):
    def make(*, now: datetime, **fields) -> ReportSubscription:
        defaults = {
            "name": "Weekly sales",
            "report_slug": SLUG,
            "frequency": Frequency.WEEKLY,
            "weekday": Weekday.MONDAY,
            "time_of_day": time(8, 0),
            "timezone": "Europe/Berlin",
            "format": Format.PDF,
            "owner": manager,
        }
        subscription = ReportSubscription(**(defaults | fields))
        with time_machine.travel(now, tick=False):
            return save_subscription(subscription=subscription, users=[manager], groups=[])

    return make
