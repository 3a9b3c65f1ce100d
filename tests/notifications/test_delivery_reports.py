"""The provider's tracking webhook (anymail; Postmark's here): a delivery is noted on the log,
a bounce fails the message and flags the customer's address, which is not written to again."""

import base64
import json

import pytest
from django.core import mail

from notifications.models import Kind, Notification
from tests import factories
from tests.factories import place, stock

pytestmark = pytest.mark.django_db

URL = "/notifications/anymail/postmark/tracking/"
AUTH = {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(b"oms:hook-secret").decode()}


@pytest.fixture
def sent(settings, channel, customer, warehouse, django_capture_on_commit_callbacks):
    """An order whose "received" e-mail went out through anymail (its test backend)."""
    settings.EMAIL_BACKEND = "anymail.backends.test.EmailBackend"
    settings.ANYMAIL = {"WEBHOOK_SECRET": "oms:hook-secret"}
    product = factories.ProductFactory()
    stock(product, warehouse, 5)
    mail.outbox = []
    with django_capture_on_commit_callbacks(execute=True):
        place(channel=channel, customer=customer, items=[(product, 1)])
    return Notification.objects.get(kind=Kind.ORDER_RECEIVED)


def report(client, record: dict):
    return client.post(URL, data=json.dumps(record), content_type="application/json", **AUTH)


def test_the_provider_message_id_is_kept(sent):
    assert sent.status == "sent" and sent.provider_message_id == "0"


def test_a_delivery_report_is_noted(client, sent):
    response = report(
        client,
        {
            "RecordType": "Delivery",
            "MessageID": "0",
            "Recipient": sent.recipient,
            "DeliveredAt": "2026-12-01T10:00:00Z",
            "Details": "250 OK",
        },
    )

    assert response.status_code == 200
    sent.refresh_from_db()
    assert (sent.status, sent.delivery_status) == ("sent", "delivered")


def test_a_bounce_fails_the_message_and_flags_the_address(
    client, sent, customer, django_capture_on_commit_callbacks
):
    response = report(
        client,
        {
            "RecordType": "Bounce",
            "MessageID": "0",
            "Type": "HardBounce",
            "TypeCode": 1,
            "Email": sent.recipient,
            "BouncedAt": "2026-12-01T10:00:00Z",
            "Description": "The address does not exist.",
        },
    )

    assert response.status_code == 200
    sent.refresh_from_db()
    customer.refresh_from_db()
    assert (sent.status, sent.delivery_status) == ("failed", "bounced")
    assert "does not exist" in sent.error
    assert customer.email_bounced_at is not None
    assert "does not exist" in customer.email_bounce_reason
    # the next message to the address is suppressed, not sent
    order = sent.order
    with django_capture_on_commit_callbacks(execute=True):
        from orders import services as orders

        orders.cancel_order(order=order, reason="Address unreachable")
    cancelled = order.notifications.get(kind=Kind.CANCELLED)
    assert cancelled.status == "suppressed"


def test_a_report_without_the_secret_is_refused(client, sent):
    response = client.post(URL, data="{}", content_type="application/json")
    assert response.status_code in (400, 401, 403)
    sent.refresh_from_db()
    assert sent.delivery_status == ""
