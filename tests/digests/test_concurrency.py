"""Sweeps and send tasks racing (an overlapping beat, a redelivered task) send one e-mail."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.contrib.auth.models import Group, Permission
from django.core import mail

from core.roles import MANAGER
from digests import services
from digests.models import ReportRun
from tests.digests.conftest import MONDAY_8_BERLIN
from tests.orders.test_concurrency import run_concurrently

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def manager_role():
    """The role the recipient holds. Transactional tests end by flushing the database, role
    groups included (migrations made them); ``serialized_rollback`` would restore them but
    clashes with the content types the flush re-creates, so the group is made here."""
    group, _ = Group.objects.get_or_create(name=MANAGER)
    group.permissions.add(
        Permission.objects.get(content_type__app_label="reports", codename="view_sales_report")
    )


def test_four_sweeps_at_once_create_one_run_and_send_one_email(make_subscription):
    make_subscription(now=datetime(2026, 11, 29, 12, 0, tzinfo=UTC))

    with time_machine.travel(MONDAY_8_BERLIN, tick=False):
        queued = run_concurrently(4, lambda _: services.schedule_due_runs())

    assert sum(queued) == 1
    assert ReportRun.objects.get().status == "sent"
    assert len(mail.outbox) == 1


def test_four_copies_of_the_send_task_send_one_email(make_subscription):
    subscription = make_subscription(now=datetime(2026, 11, 29, 12, 0, tzinfo=UTC))
    run = ReportRun.objects.create(
        subscription=subscription, scheduled_for=MONDAY_8_BERLIN, next_attempt_at=MONDAY_8_BERLIN
    )

    with time_machine.travel(MONDAY_8_BERLIN, tick=False):
        outcomes = run_concurrently(4, lambda _: services.deliver_run(run_id=run.pk))

    assert sorted(outcomes) == ["sent", "skipped", "skipped", "skipped"]
    assert len(mail.outbox) == 1
