"""Sending scheduled reports: once per slot at its local time, a missed slot once when the
workers return, idempotent tasks, retries, and only to recipients who may see the report."""

import contextlib
import io
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from celery.exceptions import Retry
from django.core import mail
from pypdf import PdfReader

from core.roles import FINANCE, WAREHOUSE
from digests import services, tasks
from digests.models import Format, ReportRun
from tests import factories
from tests.digests.conftest import MONDAY_8_BERLIN, ORDERS
from tests.digests.mail import FlakyBackend

pytestmark = pytest.mark.django_db

SUNDAY_NOON = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


@pytest.fixture
def sweep(django_capture_on_commit_callbacks):
    """The beat task at a moment: the runs it queues are sent (eager tasks) after commit."""

    def at(moment: datetime) -> None:
        # eager: Celery's own retry is not run (Retry is raised); later sweeps queue it again
        with (
            time_machine.travel(moment, tick=False),
            django_capture_on_commit_callbacks(execute=True),
            contextlib.suppress(Retry),
        ):
            tasks.send_due_digests.delay()

    return at


def pdf_text(message) -> str:
    (pdf,) = [
        content for name, content, mimetype in _files(message) if mimetype == "application/pdf"
    ]
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def _files(message):
    return [item for item in message.attachments if isinstance(item, tuple)]


def test_a_monday_8_berlin_digest_is_sent_once_at_8_berlin_time(make_subscription, sweep):
    subscription = make_subscription(now=SUNDAY_NOON)
    assert subscription.next_run_at == MONDAY_8_BERLIN  # 08:00 CET is 07:00 UTC

    sweep(MONDAY_8_BERLIN - timedelta(minutes=1))
    assert mail.outbox == []

    sweep(MONDAY_8_BERLIN)
    sweep(MONDAY_8_BERLIN + timedelta(minutes=1))
    sweep(MONDAY_8_BERLIN + timedelta(hours=3))

    (message,) = mail.outbox
    assert message.to == ["mia@staff.example"]
    assert message.subject == "Weekly sales: Digest fixture sales, 2026-11-23 to 2026-11-29"
    text = pdf_text(message)
    assert f"{ORDERS:,}" in text  # 4,321
    assert "12,345.67" in text
    assert "2026-11-23" in text and "2026-11-29" in text
    assert "12,345.67" in message.body and "4,321" in message.body
    (run,) = ReportRun.objects.all()
    assert (run.status, run.scheduled_for, run.attempts) == ("sent", MONDAY_8_BERLIN, 1)
    assert run.recipients == ["mia@staff.example"]
    subscription.refresh_from_db()
    assert subscription.next_run_at == MONDAY_8_BERLIN + timedelta(days=7)
    assert subscription.last_run_at == MONDAY_8_BERLIN


def test_the_email_carries_the_chart_inline_and_the_headlines_in_its_html(make_subscription, sweep):
    make_subscription(now=SUNDAY_NOON)

    sweep(MONDAY_8_BERLIN)

    (message,) = mail.outbox
    html, _ = message.alternatives[0]
    assert "12,345.67" in html and 'src="cid:chart"' in html
    (image,) = [part for part in message.attachments if not isinstance(part, tuple)]
    assert image.get_content_type() == "image/png"
    assert image["Content-ID"] == "<chart>"
    assert message.extra_headers["Message-ID"].startswith("<digest-run-")


def test_a_run_missed_while_the_workers_were_down_is_sent_once_when_they_return(
    make_subscription, sweep
):
    subscription = make_subscription(now=SUNDAY_NOON)
    back = MONDAY_8_BERLIN + timedelta(days=9, hours=2)  # two Mondays missed: back on Wednesday

    sweep(back)
    sweep(back + timedelta(minutes=1))

    (message,) = mail.outbox
    (run,) = ReportRun.objects.all()
    assert run.scheduled_for == MONDAY_8_BERLIN  # the first missed slot, its own period
    assert "2026-11-23 to 2026-11-29" in message.subject
    subscription.refresh_from_db()
    assert subscription.next_run_at == MONDAY_8_BERLIN + timedelta(days=14)


def test_a_run_whose_worker_died_mid_send_is_sent_once_after_its_lease(make_subscription, sweep):
    make_subscription(now=SUNDAY_NOON)
    run = _run_created_without_its_task(MONDAY_8_BERLIN)
    assert services._claim(run.pk, MONDAY_8_BERLIN)  # a worker took it, then died

    sweep(MONDAY_8_BERLIN + timedelta(minutes=5))
    assert mail.outbox == []  # its lease still holds
    sweep(MONDAY_8_BERLIN + services.LEASE + timedelta(minutes=1))
    sweep(MONDAY_8_BERLIN + services.LEASE + timedelta(minutes=2))

    assert len(mail.outbox) == 1
    run.refresh_from_db()
    assert (run.status, run.attempts) == ("sent", 2)


def _run_created_without_its_task(moment: datetime) -> ReportRun:
    """The sweep's transaction committed, its task never reached a worker."""
    with time_machine.travel(moment, tick=False):
        services.schedule_due_runs(now=moment)  # on_commit never fires in the test transaction
    return ReportRun.objects.get()


def test_a_lost_task_is_queued_again_by_the_sweep(make_subscription, sweep):
    make_subscription(now=SUNDAY_NOON)
    _run_created_without_its_task(MONDAY_8_BERLIN)

    sweep(MONDAY_8_BERLIN + timedelta(minutes=1))
    assert mail.outbox == []  # its task has a few minutes to take it
    sweep(MONDAY_8_BERLIN + services.REQUEUE_AFTER)

    assert len(mail.outbox) == 1


def test_the_send_task_is_idempotent(make_subscription, sweep):
    make_subscription(now=SUNDAY_NOON)
    sweep(MONDAY_8_BERLIN)
    (run,) = ReportRun.objects.all()

    assert tasks.send_run.delay(run.pk).get() == "skipped"
    assert services.deliver_run(run_id=run.pk) == "skipped"

    assert len(mail.outbox) == 1


def _retry_due(run: ReportRun) -> datetime:
    """When the sweep queues a failed run again (its Celery retry lost, or eager as here)."""
    run.refresh_from_db()
    return run.next_attempt_at + services.REQUEUE_AFTER


def test_a_mail_server_that_fails_is_retried_and_the_report_sent_once(
    make_subscription, sweep, settings
):
    settings.EMAIL_BACKEND = "tests.digests.mail.FlakyBackend"
    FlakyBackend.failures_left = 1
    make_subscription(now=SUNDAY_NOON)

    sweep(MONDAY_8_BERLIN)
    (run,) = ReportRun.objects.all()
    assert (run.status, run.attempts) == ("failed", 1)
    assert run.error == "SMTPServerDisconnected: the mail server hung up"
    assert run.next_attempt_at == MONDAY_8_BERLIN + timedelta(seconds=services.BACKOFF_SECONDS)
    due = _retry_due(run)
    sweep(due)
    sweep(due + timedelta(hours=1))

    assert len(mail.outbox) == 1
    run.refresh_from_db()
    assert (run.status, run.attempts, run.error) == ("sent", 2, "")


def test_a_mail_server_that_stays_down_is_given_up_after_the_last_attempt(
    make_subscription, sweep, settings
):
    settings.EMAIL_BACKEND = "tests.digests.mail.FlakyBackend"
    FlakyBackend.failures_left = services.MAX_ATTEMPTS
    make_subscription(now=SUNDAY_NOON)
    sweep(MONDAY_8_BERLIN)
    run = ReportRun.objects.get()

    for _ in range(services.MAX_ATTEMPTS - 1):
        sweep(_retry_due(run))
    sweep(MONDAY_8_BERLIN + timedelta(days=1))

    assert mail.outbox == []
    run.refresh_from_db()
    assert (run.status, run.attempts) == ("gave_up", services.MAX_ATTEMPTS)


def test_only_recipients_who_may_see_the_report_get_it(make_subscription, sweep):
    finance = factories.UserFactory(email="fin@staff.example", role=FINANCE)
    warehouse = factories.UserFactory(email="wh@staff.example", role=WAREHOUSE)
    inactive = factories.UserFactory(email="gone@staff.example", role=FINANCE, is_active=False)
    subscription = make_subscription(now=SUNDAY_NOON)
    subscription.recipient_users.add(warehouse, inactive)
    subscription.recipient_groups.add(finance.groups.get())

    sweep(MONDAY_8_BERLIN)

    (message,) = mail.outbox
    assert message.to == ["fin@staff.example", "mia@staff.example"]


def test_a_csv_digest_attaches_every_row(make_subscription, sweep):
    make_subscription(now=SUNDAY_NOON, format=Format.CSV)

    sweep(MONDAY_8_BERLIN)

    (message,) = mail.outbox
    ((name, content, mimetype),) = _files(message)
    assert (name, mimetype) == ("digest-fixture-2026-11-23-2026-11-29.csv", "text/csv")
    assert content.splitlines()[:2] == ["Day,Orders,Revenue", "2026-11-23,1,10.50"]
    assert len(content.splitlines()) == 8


def test_a_paused_subscription_is_not_sent(make_subscription, sweep):
    make_subscription(now=SUNDAY_NOON, is_active=False)

    sweep(MONDAY_8_BERLIN)

    assert mail.outbox == []
    assert not ReportRun.objects.exists()


def test_a_run_waiting_for_the_workers_is_not_sent_once_its_subscription_is_paused(
    make_subscription, sweep
):
    subscription = make_subscription(now=SUNDAY_NOON)
    run = _run_created_without_its_task(MONDAY_8_BERLIN)
    subscription.is_active = False
    services.save_subscription(subscription=subscription, users=[subscription.owner], groups=[])

    sweep(MONDAY_8_BERLIN + services.REQUEUE_AFTER)

    assert mail.outbox == []
    run.refresh_from_db()
    assert (run.status, run.error) == ("gave_up", "Paused before it was sent.")


def test_send_now_twice_in_a_minute_sends_once(
    make_subscription, manager, django_capture_on_commit_callbacks
):
    subscription = make_subscription(now=SUNDAY_NOON)
    moment = datetime(2026, 12, 2, 9, 30, 10, tzinfo=UTC)

    with time_machine.travel(moment, tick=False), django_capture_on_commit_callbacks(execute=True):
        first, created = services.send_now(subscription=subscription, actor=manager)
        again, created_again = services.send_now(subscription=subscription, actor=manager)

    assert (created, created_again, first.pk) == (True, False, again.pk)
    (message,) = mail.outbox
    assert "2026-11-25 to 2026-12-01" in message.subject  # the 7 days before today
    first.refresh_from_db()
    assert (first.trigger, first.requested_by, first.status) == ("manual", manager, "sent")
