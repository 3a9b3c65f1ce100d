"""End-of-day manifests: the handed-over parcels of one carrier at one location, each on one
manifest only, listed on a PDF with their tracking numbers, totals and a line for the driver."""

import pytest
from django.urls import reverse

from core.roles import CUSTOMER_SERVICE, WAREHOUSE
from shipping import services
from shipping.exceptions import FulfilmentQueueError
from shipping.models import Manifest, Shipment
from shipping.services.manifests import ready_to_manifest
from tests.shipping.flow import labelled, paid_order, pdf_text, product_in, warehouse_with_address

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


@pytest.fixture
def east(db):
    return warehouse_with_address("WH-EAST")


@pytest.fixture
def handed_over(tables, simulated_payments, east, django_capture_on_commit_callbacks):
    """Two Parcel Post parcels handed over at WH-EAST, and one labelled but still here."""
    mug = product_in(east, "MUG-1", 10)
    parcels = []
    for _ in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            order = paid_order([(mug, 1)])
        parcels.append(
            labelled(
                services.create_shipment(order=order, location=east),
                django_capture_on_commit_callbacks,
            )
        )
    for parcel in parcels[:2]:
        with django_capture_on_commit_callbacks(execute=True):
            services.ship(shipment=parcel)
    return parcels


def test_closing_takes_the_handed_over_parcels_once_and_lists_them_on_the_pdf(
    tables, handed_over, east
):
    shipped, waiting = handed_over[:2], handed_over[2]

    manifest = services.close_manifest(carrier=tables.post, location=east)

    assert set(manifest.shipments.values_list("pk", flat=True)) == {s.pk for s in shipped}
    assert Shipment.objects.get(pk=waiting.pk).manifest is None
    text = pdf_text(bytes(manifest.pdf))
    for shipment in shipped:
        shipment.refresh_from_db()
        assert shipment.tracking_number in text
        assert shipment.order.number in text
        assert f"On manifest {manifest.pk}" in shipment.tracking_events.last().description
    assert "Parcel Post" in text and "WH-EAST" in text
    assert "2 parcels" in text and "0.80 kg" in text
    assert "Driver's name and signature" in text
    with pytest.raises(FulfilmentQueueError) as nothing:
        services.close_manifest(carrier=tables.post, location=east)
    assert nothing.value.code == "nothing_to_manifest"


def test_the_screen_shows_what_is_ready_per_carrier_and_closes_it(
    tables, handed_over, east, login_as
):
    client = login_as(WAREHOUSE)
    page = client.get(reverse("shipping:manifest_list"), {"location": "WH-EAST"})
    assert [(r.carrier, r.parcels) for r in page.context["ready"]] == [(tables.post, 2)]
    assert "Close manifest" in page.text

    response = client.post(
        reverse("shipping:manifest_close"), {"carrier": tables.post.pk, "location": east.pk}
    )

    assert response.status_code == 302
    manifest = Manifest.objects.get()
    assert ready_to_manifest(east) == []
    download = client.get(reverse("shipping:manifest_pdf", args=[manifest.pk]))
    assert download["Content-Type"] == "application/pdf"
    assert download.content.startswith(b"%PDF")


def test_customer_service_sees_manifests_but_may_not_close_one(tables, handed_over, east, login_as):
    client = login_as(CUSTOMER_SERVICE)

    assert client.get(reverse("shipping:manifest_list")).status_code == 200
    response = client.post(
        reverse("shipping:manifest_close"), {"carrier": tables.post.pk, "location": east.pk}
    )
    assert response.status_code == 403
    assert not Manifest.objects.exists()
