"""Sending: retried with backoff when the mail server fails, failed (and listed) after the last
try; never twice, whoever runs the task again; the invoice PDF attached when it is issued."""

import smtplib
from decimal import Decimal

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend

from notifications import services, tasks
from notifications.models import Kind, Notification
from oms.celery import app as celery_app
from payments import services as payments
from payments.models import Method
from tests import factories
from tests.factories import place, stock

pytestmark = pytest.mark.django_db


class DownBackend(EmailBackend):
    """A mail server that is down for the first ``failures`` messages (all when None)."""

    failures: int | None = None
    calls = 0

    def send_messages(self, messages):
        type(self).calls += 1
        if self.failures is None or self.calls <= self.failures:
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return super().send_messages(messages)


@pytest.fixture
def down(settings):
    """The server down, and eager tasks run as in the demo: a retry runs at once (the tests
    otherwise propagate a task's exception, a retry's included, instead of retrying)."""
    settings.EMAIL_BACKEND = "tests.notifications.test_sending.DownBackend"
    DownBackend.calls, DownBackend.failures = 0, None
    propagates = celery_app.conf.task_eager_propagates
    celery_app.conf.task_eager_propagates = False
    try:
        yield DownBackend
    finally:
        celery_app.conf.task_eager_propagates = propagates


@pytest.fixture
def place_one(channel, customer, warehouse, django_capture_on_commit_callbacks):
    product = factories.ProductFactory(sku="MUG", name="Mug", unit_price=Decimal("12.50"))
    stock(product, warehouse, 10)

    def make():
        with django_capture_on_commit_callbacks(execute=True):
            return place(channel=channel, customer=customer, items=[(product, 1)])

    return make


def test_a_failing_backend_is_retried_and_then_shown_failed(down, place_one, mailoutbox):
    order = place_one()

    (notification,) = Notification.objects.filter(order=order)
    assert notification.status == Notification.Status.FAILED
    assert notification.attempts == tasks.MAX_RETRIES + 1 == down.calls
    assert "SMTPServerDisconnected" in notification.error
    assert mailoutbox == []
    assert not order.events.filter(type="email_sent").exists()


def test_a_server_back_after_two_failures_sends_once(down, place_one, mailoutbox):
    down.failures = 2
    order = place_one()

    (notification,) = Notification.objects.filter(order=order)
    assert (notification.status, notification.attempts, notification.error) == ("sent", 3, "")
    assert len(mailoutbox) == 1


def test_a_failed_message_retried_by_staff_goes_out(
    down, place_one, mailoutbox, settings, django_capture_on_commit_callbacks
):
    order = place_one()
    (failed,) = Notification.objects.filter(order=order)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

    with django_capture_on_commit_callbacks(execute=True):
        services.resend(notification=failed, token="t", actor=None)

    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == ("sent", tasks.MAX_RETRIES + 2)
    assert len(mail.outbox) == 1


def test_a_sent_message_is_never_sent_again_by_a_redelivered_task(place_one, mailoutbox):
    order = place_one()
    (notification,) = Notification.objects.filter(order=order)

    assert tasks.send_notification.delay(notification.pk).result is False
    assert services.deliver(notification_id=notification.pk, attempt="other") is False
    assert len(mailoutbox) == 1


def test_a_message_claimed_by_a_live_task_is_left_to_it_but_its_redelivery_sends(
    place_one, mailoutbox
):
    order = place_one()
    mailoutbox.clear()
    (notification,) = Notification.objects.filter(order=order)
    Notification.objects.filter(pk=notification.pk).update(status="queued", claimed_by="task-1")

    # when another copy of the task runs, it finds the claim and does nothing
    assert services.deliver(notification_id=notification.pk, attempt="task-2") is False
    # the claiming task, redelivered after its worker died, sends
    assert services.deliver(notification_id=notification.pk, attempt="task-1") is True
    assert len(mailoutbox) == 1


def test_resending_a_sent_message_is_a_new_attempt_once_per_form(
    place_one, mailoutbox, django_capture_on_commit_callbacks
):
    order = place_one()
    (sent,) = Notification.objects.filter(order=order)
    with django_capture_on_commit_callbacks(execute=True):
        first = services.resend(notification=sent, token="form-1", actor=None)
        again = services.resend(notification=sent, token="form-1", actor=None)

    first.refresh_from_db()
    assert first == again and first.resend_of == sent and first.status == "sent"
    assert len(mailoutbox) == 2
    assert mailoutbox[1].body == mailoutbox[0].body


def test_the_issued_invoice_is_emailed_once_with_its_pdf(
    place_one, mailoutbox, django_capture_on_commit_callbacks
):
    from documents import services as documents

    order = place_one()
    payments.record_manual_payment(order=order, amount=order.total, method=Method.BANK_TRANSFER)
    with django_capture_on_commit_callbacks(execute=True):
        invoice = documents.issue_invoice(order=order)
    invoice.refresh_from_db()
    documents.draw_document(document=invoice)  # already drawn: not issued again

    (notification,) = order.notifications.filter(kind=Kind.INVOICE)
    (sent,) = [m for m in mailoutbox if invoice.number in m.subject]
    assert notification.status == "sent"
    ((name, content, mimetype),) = sent.attachments
    assert (name, mimetype) == (invoice.filename, "application/pdf")
    assert content.startswith(b"%PDF")
    invoice.refresh_from_db()
    assert invoice.sent_at is not None  # the Documents panel's "sent"
