"""The customer's order-status page (portal): the signed link opens it with no login; a
tampered, expired, forged or garbage link gives the same 404; it shows the order in plain words
and nothing of the staff's (notes, hold reasons, staff names, our locations) nor of any other
customer; it reads the database a fixed number of times whatever the order's size."""

import time
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.signing import TimestampSigner, b62_encode
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from documents.models import Document
from orders import services as order_services
from orders.models import HoldReason, Order
from payments import services as payments
from payments.models import Method
from portal import links
from shipping.models import Shipment, ShipmentLine, ShipmentStatus
from tests import factories
from tests.factories import place, stock
from tests.shipping.flow import shipped_mug

pytestmark = pytest.mark.django_db
NOT_VALID = "This link does not open an order"


@pytest.fixture
def mug(warehouse):
    product = factories.ProductFactory(sku="MUG-1", name="Blue mug")
    stock(product, warehouse, 50)
    return product


@pytest.fixture
def two_orders(channel, mug):
    """Two customers' orders of the same mug."""
    return [
        place(channel=channel, customer=factories.CustomerFactory(), items=[(mug, 1)])
        for _ in range(2)
    ]


def open_link(client, order_or_token):
    token = order_or_token if isinstance(order_or_token, str) else links.token_for(order_or_token)
    return client.get(reverse("portal:order_status", args=[token]))


def assert_not_valid(response) -> None:
    assert response.status_code == 404
    assert NOT_VALID in response.content.decode()


def test_the_link_shows_the_order_without_login(client, two_orders):
    mine, _ = two_orders

    response = client.get(links.status_url(mine, absolute=False))

    body = response.content.decode()
    assert response.status_code == 200
    assert f"Order {mine.number}" in body
    assert "Received" in body and "We received your order." in body
    assert "1 × Blue mug" in body and f"{mine.total:,.2f} {mine.currency}" in body
    assert 'id="sidebar"' not in body and "Sign in" not in body  # no staff layout


def test_the_absolute_link_is_on_the_public_site(two_orders, settings):
    mine, _ = two_orders
    settings.OMS_SITE_URL = "https://shop.example/"

    url = links.status_url(mine)

    assert url == f"https://shop.example{links.status_url(mine, absolute=False)}"
    assert url.startswith("https://shop.example/status/")


def test_the_email_tag_gives_the_absolute_link(two_orders):
    mine, _ = two_orders
    rendered = Template("{% load portal %}{% order_status_url order %}").render(
        Context({"order": mine})
    )
    assert rendered == links.status_url(mine)


def test_a_tampered_link_is_404(client, two_orders):
    mine, _ = two_orders
    token = links.token_for(mine)
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert_not_valid(open_link(client, tampered))


def test_a_link_signed_for_another_order_opens_nothing(client, two_orders):
    """The signed value names the order twice (pk and fingerprint): pairing my fingerprint
    with their pk, even correctly signed, opens neither order."""
    mine, theirs = two_orders
    _, fingerprint = TimestampSigner(salt=links.SALT).unsign(links.token_for(mine)).split(".")
    forged = TimestampSigner(salt=links.SALT).sign(f"{theirs.pk}.{fingerprint}")

    assert_not_valid(open_link(client, forged))
    assert links.order_for_token(links.token_for(theirs)) == theirs


def test_an_old_link_does_not_open_an_order_that_got_its_pk(client, two_orders):
    """A restored or re-seeded database gives the pk to another order: the link names the
    order it was made for, not only its pk."""
    mine, _ = two_orders
    token = links.token_for(mine)
    Order.objects.filter(pk=mine.pk).update(created_at=mine.created_at + timedelta(seconds=1))
    assert_not_valid(open_link(client, token))


def test_an_expired_link_is_404(client, two_orders, settings, monkeypatch):
    mine, _ = two_orders
    settings.OMS_STATUS_LINK_DAYS = 30

    def signed_days_ago(days: int) -> str:
        then = int(time.time() - timedelta(days=days).total_seconds())
        monkeypatch.setattr(TimestampSigner, "timestamp", lambda self: b62_encode(then))
        token = links.token_for(mine)
        monkeypatch.undo()
        return token

    assert open_link(client, signed_days_ago(29)).status_code == 200
    assert_not_valid(open_link(client, signed_days_ago(31)))


@pytest.mark.parametrize(
    "token",
    ["x", "1", "1.abc", "1.abc:1abcd:bad", "x" * 300, "%00", "1:" * 40, "٣.abc:1:1"],
)
def test_garbage_is_404_never_500(client, token):
    assert_not_valid(open_link(client, token))


def test_a_draft_has_no_page(client, channel, customer, mug):
    order = place(channel=channel, customer=customer, items=[(mug, 1)])
    Order.objects.filter(pk=order.pk).update(status="draft")
    assert_not_valid(open_link(client, order))


def test_no_other_customers_data_and_nothing_a_forwarded_link_gives_away(client, two_orders):
    mine, theirs = two_orders
    body = open_link(client, mine).content.decode()
    assert theirs.number not in body and theirs.email not in body
    assert theirs.customer.name not in body and mine.customer.name not in body
    # my own e-mail and address stay out too: a link can be forwarded
    assert mine.email not in body and mine.shipping_address["line1"] not in body


def test_no_internal_notes_hold_reasons_or_staff_names(client, channel, customer, mug):
    staff = factories.UserFactory(username="jane.backoffice", first_name="Jane")
    order = place(channel=channel, customer=customer, items=[(mug, 2)], actor=staff)
    order_services.add_note(order=order, text="Customer is difficult, be firm", actor=staff)
    order = order_services.hold_order(
        order=order, reason=HoldReason.FRAUD_RISK, note="Card looks stolen", actor=staff
    )

    held = open_link(client, order).content.decode()
    order_services.release_hold(order=order, actor=staff)
    released = open_link(client, order).content.decode()

    assert "Being prepared" in held and "Received" in released
    secrets = ("difficult", "stolen", "fraud", "hold", "jane", "wh-a", "badge-warn")
    for body in (held.lower(), released.lower()):
        assert not [secret for secret in secrets if secret in body]


def test_a_shipped_order_shows_its_parcel_with_tracking(
    client, tables, simulated_payments, django_capture_on_commit_callbacks
):
    shipment = shipped_mug(django_capture_on_commit_callbacks)

    body = open_link(client, shipment.order).content.decode()

    assert "On its way" in body and "A parcel left us." in body
    assert shipment.tracking_number in body
    assert f'href="{shipment.tracking_url}"' in body and 'rel="noopener noreferrer"' in body
    if shipment.estimated_delivery:
        assert shipment.estimated_delivery.isoformat() in body
    assert shipment.location.code not in body  # where it left from is ours to know


@pytest.fixture
def invoiced(two_orders, settings, tmp_path, django_capture_on_commit_callbacks):
    from documents import services as documents

    settings.MEDIA_ROOT = tmp_path
    mine, _ = two_orders
    payments.record_manual_payment(order=mine, amount=mine.total, method=Method.BANK_TRANSFER)
    with django_capture_on_commit_callbacks(execute=True):
        invoice = documents.issue_invoice(order=mine)
    invoice.refresh_from_db()
    return invoice


def kept(order: Order, kind: str, number: str = "", **fields) -> Document:
    """A document with its file (in the test's media root), as documents issues them."""
    document = Document(order=order, kind=kind, number=number, created_at=timezone.now(), **fields)
    document.file.save(f"{kind}.pdf", ContentFile(b"%PDF-1.7 test"), save=False)
    document.save()
    return document


def test_the_invoice_downloads_from_the_page(client, invoiced):
    order = invoiced.order
    token = links.token_for(order)
    download = reverse("portal:document", args=[token, invoiced.pk])

    body = open_link(client, token).content.decode()
    pdf = client.get(download)

    assert invoiced.number in body and f'href="{download}"' in body
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content).startswith(b"%PDF")
    assert pdf["Cache-Control"] == "private, no-store"


def test_only_this_orders_customer_documents_download(client, invoiced, two_orders):
    mine, theirs = two_orders
    slip = kept(mine, "packing_slip")  # the warehouse's, not the customer's
    their_invoice = kept(theirs, "invoice", "INV-THEIRS")
    token = links.token_for(mine)

    assert slip.file.name and "packing" not in open_link(client, token).content.decode().lower()
    for document in (slip, their_invoice):
        assert_not_valid(client.get(reverse("portal:document", args=[token, document.pk])))
    # and a bad link opens no document at all
    assert_not_valid(client.get(reverse("portal:document", args=["x", invoiced.pk])))


def test_private_not_stored_not_referred_not_indexed(client, two_orders):
    mine, _ = two_orders
    for response in (open_link(client, mine), open_link(client, "x")):
        assert response["Cache-Control"] == "private, no-store"
        assert response["Referrer-Policy"] == "no-referrer"
        assert response["X-Robots-Tag"] == "noindex, nofollow"
        assert '<meta name="robots" content="noindex, nofollow">' in response.content.decode()


def queries_to_open(client, order) -> int:
    token = links.token_for(order)
    with CaptureQueriesContext(connection) as queries:
        assert open_link(client, token).status_code == 200
    return len(queries)


def parcels(order: Order, count: int) -> None:
    """``count`` parcels on their way, each of every line of the order."""
    carrier = factories.CarrierFactory()
    for n in range(count):
        shipment = Shipment.objects.create(
            order=order,
            location=order.lines.first().allocations.first().location,
            carrier=carrier,
            status=ShipmentStatus.IN_TRANSIT,
            tracking_number=f"{order.number}-{n}",
            weight_grams=400,
        )
        ShipmentLine.objects.bulk_create(
            ShipmentLine(shipment=shipment, line=line, quantity=1) for line in order.lines.all()
        )


def test_the_page_reads_the_database_a_fixed_number_of_times(
    client, channel, customer, warehouse, mug, settings, tmp_path, django_assert_max_num_queries
):
    """One line in one parcel against five lines in three parcels with an invoice, two credit
    notes, notes and a payment: the same seven queries (order, lines, events, parcels, their
    lines, the invoice, the credit notes)."""
    settings.MEDIA_ROOT = tmp_path
    small = place(channel=channel, customer=customer, items=[(mug, 1)])
    parcels(small, 1)
    products = [factories.ProductFactory() for _ in range(4)]
    for product in products:
        stock(product, warehouse, 5)
    big = place(channel=channel, customer=customer, items=[(mug, 2), *((p, 1) for p in products)])
    parcels(big, 3)
    for n in range(5):
        order_services.add_note(order=big, text=f"note {n}")
    payments.record_manual_payment(order=big, amount=big.total, method=Method.BANK_TRANSFER)
    invoice = kept(big, "invoice", "INV-BIG")
    for number in range(2):
        kept(big, "credit_note", f"CN-BIG-{number}", corrects=invoice)

    with django_assert_max_num_queries(7):
        body = open_link(client, big).content.decode()
    assert "In transit" not in body  # our words, not the carrier status names
    assert body.count("On its way") >= 3 and "CN-BIG-1" in body
    assert queries_to_open(client, small) == queries_to_open(client, big)


def test_a_cancelled_order_says_so_without_our_reason(client, channel, customer, mug):
    order = place(channel=channel, customer=customer, items=[(mug, 1)])
    order = order_services.cancel_order(order=order, reason="Suspected reseller, refuse")

    body = open_link(client, order).content.decode()

    assert "Cancelled" in body and "Your order was cancelled." in body
    assert "reseller" not in body and "unit(s) returned to stock" not in body


def test_a_click_and_collect_parcel_names_the_store_not_a_carrier(client, channel, customer, mug):
    store = factories.LocationFactory(code="ST-SOHO", name="SoHo store")
    order = place(channel=channel, customer=customer, items=[(mug, 1)])
    Shipment.objects.create(
        order=order,
        location=store,
        is_pickup=True,
        status=ShipmentStatus.READY_FOR_PICKUP,
        weight_grams=400,
    )
    Shipment.objects.create(  # a parcel still waiting for its label is not shown yet
        order=order, location=store, status=ShipmentStatus.LABEL_PENDING, weight_grams=400
    )

    body = open_link(client, order).content.decode()

    assert "To collect at SoHo store · Ready to collect" in body
    assert body.count('class="status-parcel"') == 1 and "Track with" not in body
    assert "ST-SOHO" not in body
