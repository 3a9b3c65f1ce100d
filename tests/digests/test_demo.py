"""The demo's weekly digest: the manager's, Monday 08:00, of the real sales report."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.core import mail

from demo.digest import seed_weekly_digest
from digests import services
from digests.models import ReportRun

pytestmark = pytest.mark.django_db


def test_the_demo_manager_gets_a_weekly_sales_digest_on_monday_morning(
    manager, settings, django_capture_on_commit_callbacks
):
    settings.TIME_ZONE = "Europe/Berlin"
    with time_machine.travel(datetime(2026, 12, 2, 12, 0, tzinfo=UTC), tick=False):
        digest = seed_weekly_digest(manager)
        assert seed_weekly_digest(manager) == digest  # seeding again creates nothing more

    assert (digest.report_slug, digest.frequency, digest.filters) == (
        "sales",
        "weekly",
        {"group": ["channel"], "compare": ["on"]},
    )
    assert digest.next_run_at == datetime(2026, 12, 7, 7, 0, tzinfo=UTC)  # Monday 08:00 CET

    monday = digest.next_run_at
    with time_machine.travel(monday, tick=False), django_capture_on_commit_callbacks(execute=True):
        services.schedule_due_runs()

    (message,) = mail.outbox
    assert message.subject == "Weekly sales (demo): Sales, 2026-11-30 to 2026-12-06"
    assert [name for name, _, _ in message.attachments] == ["sales-2026-11-30-2026-12-06.pdf"]
    assert ReportRun.objects.get().status == "sent"
