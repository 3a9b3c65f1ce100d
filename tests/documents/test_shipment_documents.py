"""Labels of shipped parcels are kept as documents; the invoice on shipment, per the setting."""

import pytest

from documents import selectors, tasks
from documents.models import Document, Kind
from tests.documents.helpers import pdf_bytes
from tests.shipping.conftest import simulated_payments, tables  # noqa: F401 (fixtures)
from tests.shipping.flow import shipped_mug

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("tables", "simulated_payments")]


def test_a_shipped_parcel_keeps_its_label_and_issues_the_invoice_on_shipment(
    settings, django_capture_on_commit_callbacks
):
    settings.OMS_INVOICE_ON = "shipment"

    shipment = shipped_mug(django_capture_on_commit_callbacks)
    tasks.keep_shipped_labels(shipment.order_id)  # the event delivered twice

    (label,) = Document.objects.filter(kind=Kind.SHIPPING_LABEL)
    assert (label.shipment, label.order, label.number) == (shipment, shipment.order, "")
    assert pdf_bytes(label) == bytes(shipment.label_pdf)
    (invoice,) = Document.objects.filter(kind=Kind.INVOICE)
    assert invoice.order == shipment.order
    assert selectors.latest_document(shipment.order, Kind.SHIPPING_LABEL) == label
