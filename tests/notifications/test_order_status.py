"""The customer's order-status page: the signed link in every e-mail opens it with no login; a
tampered, expired or another order's link gives 404; it shows the order in plain words and
nothing of the staff's (notes, internal events) nor of any other customer."""

import re
import time
from datetime import timedelta

import pytest
from django.core import signing
from django.urls import reverse

from notifications import status
from orders import services as order_services
from tests import factories
from tests.factories import place, stock
from tests.shipping.flow import shipped_mug

pytestmark = pytest.mark.django_db
LINK = re.compile(r"Check your order at any time: (\S+)")


@pytest.fixture
def two_orders(channel, warehouse, mailoutbox, django_capture_on_commit_callbacks):
    product = factories.ProductFactory(name="Blue mug")
    stock(product, warehouse, 5)
    orders = []
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            order = place(
                channel=channel, customer=factories.CustomerFactory(), items=[(product, 1)]
            )
        orders.append(order)
    return orders


def path_of(url: str) -> str:
    return url.split("127.0.0.1:8000", 1)[1]


def test_the_link_in_the_email_opens_the_order_without_login(client, two_orders, mailoutbox):
    mine, theirs = two_orders
    order_services.add_note(order=mine, text="Internal: customer is difficult", actor=None)
    (url,) = LINK.findall(mailoutbox[0].body)

    response = client.get(path_of(url))

    body = response.content.decode()
    assert response.status_code == 200
    assert mine.number in body and "Blue mug" in body and "We received your order." in body
    assert "Internal" not in body  # no staff note
    assert theirs.number not in body and theirs.email not in body
    assert mine.email not in body  # nothing a forwarded link would give away
    assert response["X-Robots-Tag"] == "noindex"


def test_a_tampered_link_or_another_orders_link_is_404(client, two_orders):
    mine, theirs = two_orders
    token = status.link_token(mine)
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")

    assert (
        client.get(reverse("notifications:order_status", args=[mine.number, tampered])).status_code
        == 404
    )
    # my token with their number, and their token with my number
    assert (
        client.get(reverse("notifications:order_status", args=[theirs.number, token])).status_code
        == 404
    )
    other = status.link_token(theirs)
    assert (
        client.get(reverse("notifications:order_status", args=[mine.number, other])).status_code
        == 404
    )


def test_an_expired_link_is_404(client, two_orders, settings, monkeypatch):
    mine, _ = two_orders
    settings.OMS_STATUS_LINK_DAYS = 30
    long_ago = time.time() - timedelta(days=31).total_seconds()
    monkeypatch.setattr(signing.time, "time", lambda: long_ago)
    old = status.link_token(mine)
    monkeypatch.undo()

    response = client.get(reverse("notifications:order_status", args=[mine.number, old]))
    assert response.status_code == 404


def test_a_shipped_order_shows_its_parcel_with_tracking(
    client, tables, simulated_payments, django_capture_on_commit_callbacks
):
    shipment = shipped_mug(django_capture_on_commit_callbacks)
    order = shipment.order

    response = client.get(path_of(status.status_url(order)))

    body = response.content.decode()
    assert "On its way" in body and "A parcel left us." in body
    assert shipment.tracking_number in body and shipment.tracking_url in body
    assert "WH-EAST" not in body  # where it left from is ours to know


def test_the_invoice_downloads_from_the_link(
    client, two_orders, settings, tmp_path, django_capture_on_commit_callbacks
):
    from documents import services as documents
    from payments import services as payments
    from payments.models import Method

    settings.MEDIA_ROOT = tmp_path
    mine, _ = two_orders
    payments.record_manual_payment(order=mine, amount=mine.total, method=Method.BANK_TRANSFER)
    with django_capture_on_commit_callbacks(execute=True):
        invoice = documents.issue_invoice(order=mine)
    invoice.refresh_from_db()
    token = status.link_token(mine)

    page = client.get(reverse("notifications:order_status", args=[mine.number, token]))
    pdf = client.get(reverse("notifications:order_status_invoice", args=[mine.number, token]))

    assert invoice.number in page.content.decode()
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content).startswith(b"%PDF")


def test_the_page_reads_little_of_the_database(client, two_orders, django_assert_max_num_queries):
    mine, _ = two_orders
    url = reverse("notifications:order_status", args=[mine.number, status.link_token(mine)])
    with django_assert_max_num_queries(6):
        assert client.get(url).status_code == 200
