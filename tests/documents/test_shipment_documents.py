"""Labels of shipped parcels are kept as documents; the invoice on shipment, per the setting."""

import pytest
from django.urls import reverse

from core.idempotency import new_token
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


def test_finance_issues_a_kept_label_again_and_the_first_stays(
    login_as, django_capture_on_commit_callbacks
):
    shipment = shipped_mug(django_capture_on_commit_callbacks)
    label = Document.objects.get(kind=Kind.SHIPPING_LABEL)
    client = login_as("Finance")
    panel = client.get(reverse("documents:order_panel", args=[shipment.order.number]))
    url = reverse("documents:reissue_copy", args=[label.pk])
    assert url in panel.content.decode()

    response = client.post(url, {"idempotency_token": new_token()})

    assert "Shipping label issued again." in response.content.decode()
    first, copy = Document.objects.filter(kind=Kind.SHIPPING_LABEL).order_by("pk")
    assert first == label and copy.key == "" and copy.created_by == client.user
    assert pdf_bytes(copy) == pdf_bytes(label)


def test_an_invoice_is_not_copied_but_credited_and_issued_anew(
    login_as, django_capture_on_commit_callbacks
):
    shipment = shipped_mug(django_capture_on_commit_callbacks)
    invoice = Document.objects.get(kind=Kind.INVOICE)  # on capture, at shipment
    response = login_as("Finance").post(
        reverse("documents:reissue_copy", args=[invoice.pk]), {"idempotency_token": new_token()}
    )
    assert "Only a kept shipping document can be issued again." in response.content.decode()
    assert Document.objects.filter(order=shipment.order, kind=Kind.INVOICE).count() == 1
