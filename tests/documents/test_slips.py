"""The packing slip of each parcel that leaves is kept as a document, once per parcel."""

import pytest
from django.urls import reverse

from core.idempotency import new_token
from documents import services, tasks
from documents.models import Document, Kind
from shipping import services as shipping
from tests.documents.helpers import pdf_text
from tests.shipping.conftest import simulated_payments, tables  # noqa: F401 (fixtures)
from tests.shipping.flow import labelled, paid_order, product_in, warehouse_with_address

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("tables", "simulated_payments")]


@pytest.fixture
def shipped(django_capture_on_commit_callbacks):
    """A parcel of a mug and a lamp, labelled and handed to the carrier (its tasks run)."""
    callbacks = django_capture_on_commit_callbacks
    east = warehouse_with_address("WH-EAST")
    with callbacks(execute=True):
        order = paid_order([(product_in(east, "MUG-1", 10), 2), (product_in(east, "LAMP-1", 5), 1)])
    shipment = labelled(shipping.create_shipment(order=order, location=east), callbacks)
    with callbacks(execute=True):
        return shipping.ship(shipment=shipment)


def test_a_shipped_parcel_keeps_its_packing_slip(shipped):
    (slip,) = Document.objects.filter(kind=Kind.PACKING_SLIP)

    assert (slip.order, slip.shipment, slip.number) == (shipped.order, shipped, "")
    assert slip.content_type == "application/pdf" and len(slip.sha256) == 64
    text = pdf_text(slip)
    for printed in (shipped.order.number, "MUG-1", "LAMP-1"):
        assert printed in text


def test_the_shipped_event_delivered_twice_keeps_one_slip(
    shipped, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.parcel_shipped(order=shipped.order)
    assert tasks.keep_packing_slips(shipped.order_id) == 0

    assert Document.objects.filter(kind=Kind.PACKING_SLIP).count() == 1


def test_the_documents_panel_lists_the_slip_and_finance_draws_it_again(shipped, login_as):
    slip = Document.objects.get(kind=Kind.PACKING_SLIP)
    panel = login_as("Customer service").get(
        reverse("documents:order_panel", args=[shipped.order.number])
    )
    assert "Packing slip" in panel.content.decode()
    assert reverse("documents:download", args=[slip.pk]) in panel.content.decode()

    login_as("Finance").post(
        reverse("documents:reissue_copy", args=[slip.pk]), {"idempotency_token": new_token()}
    )

    first, copy = Document.objects.filter(kind=Kind.PACKING_SLIP).order_by("pk")
    assert first == slip and copy.shipment == shipped and copy.key == ""
    assert shipped.order.number in pdf_text(copy) and "LAMP-1" in pdf_text(copy)
