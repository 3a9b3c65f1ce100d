"""Label batches: the selected parcels get their preselected quote's label from one task, a
parcel that cannot be labelled does not stop the others, the progress is counted from the
shipments (so it survives a reload), running the task twice buys nothing twice, and the labels
come out as one PDF."""

import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from core.roles import CUSTOMER_SERVICE, WAREHOUSE
from shipping import services, tasks
from shipping.exceptions import FulfilmentQueueError
from shipping.models import CarrierLabel, LabelBatch, Shipment, ShipmentStatus
from shipping.services.batches import progress
from tests.factories import ship_to
from tests.shipping.flow import paid_order, product_in, warehouse_with_address

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


@pytest.fixture
def parcels(tables, simulated_payments, django_capture_on_commit_callbacks) -> list[Shipment]:
    """Three parcels waiting for a label: two to New York, one to Japan (no carrier goes)."""
    east = warehouse_with_address("WH-EAST")
    mug = product_in(east, "MUG-1", 10)
    addresses = [
        ship_to(),
        ship_to(country="JP", region="", city="Tokyo", postal_code="1000001"),
        ship_to(postal_code="10013"),
    ]
    shipments = []
    for address in addresses:
        with django_capture_on_commit_callbacks(execute=True):
            order = paid_order([(mug, 1)], shipping_address=address)
        shipments.append(services.create_shipment(order=order, location=east))
    return shipments


def ids(shipments) -> list[int]:
    return [shipment.pk for shipment in shipments]


def test_a_failure_does_not_stop_the_batch_and_the_counts_add_up(
    parcels, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        batch = services.create_label_batch(shipment_ids=ids(parcels))

    batch.refresh_from_db()
    result = progress(batch)
    assert (result.total, result.done, result.failed, result.pending) == (3, 2, 1, 0)
    assert batch.finished_at is not None
    japan = Shipment.objects.get(pk=parcels[1].pk)
    assert japan.status == ShipmentStatus.LABEL_PENDING
    assert japan.label_error.startswith("No quote")
    labelled = Shipment.objects.filter(pk__in=ids([parcels[0], parcels[2]]))
    assert {shipment.status for shipment in labelled} == {ShipmentStatus.LABEL_CREATED}
    # each with the preselected (cheapest in time) quote: Parcel Post's economy to New York
    assert {shipment.service.code for shipment in labelled} == {"ECO"}


def test_running_the_task_twice_buys_nothing_twice(parcels, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        batch = services.create_label_batch(shipment_ids=ids(parcels))
    labels = CarrierLabel.objects.count()

    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.create_label_batch(batch.pk) == "2 labelled, 1 failed of 3"

    assert CarrierLabel.objects.count() == labels == 2


def test_parcels_labelled_or_in_an_unfinished_batch_are_left_out(
    parcels, django_capture_on_commit_callbacks
):
    first = services.create_label_batch(shipment_ids=ids(parcels[:2]))  # task not run yet

    second = services.create_label_batch(shipment_ids=ids(parcels))

    assert (first.total, second.total) == (2, 1)
    with pytest.raises(FulfilmentQueueError):
        services.create_label_batch(shipment_ids=ids(parcels))
    with pytest.raises(FulfilmentQueueError):
        services.create_label_batch(shipment_ids=[])


def test_the_batch_page_polls_until_done_then_offers_one_pdf_of_all_labels(
    parcels, login_as, django_capture_on_commit_callbacks
):
    client = login_as(WAREHOUSE)
    with django_capture_on_commit_callbacks(execute=True):  # the batch's task runs at commit
        response = client.post(reverse("shipping:batch_create"), {"ids": ids(parcels)})
    batch = LabelBatch.objects.get()
    url = reverse("shipping:batch_detail", args=[batch.pk])
    assert response.status_code == 302 and response["Location"] == url

    page = client.get(url)
    assert "2</strong> labelled" in page.text and "1</strong> failed" in page.text
    assert "every 1s" not in page.text

    labelled = Shipment.objects.filter(label_batch=batch).exclude(tracking_number="").first()
    detail = client.get(reverse("shipping:shipment_detail", args=[labelled.pk]))
    assert reverse("shipping:label_pdf", args=[labelled.pk]) in detail.text

    pdf = client.get(reverse("shipping:batch_labels", args=[batch.pk]))
    reader = PdfReader(io.BytesIO(pdf.content))
    text = "".join(page.extract_text() for page in reader.pages)
    assert len(reader.pages) == 2
    for shipment in Shipment.objects.filter(label_batch=batch).exclude(tracking_number=""):
        assert shipment.tracking_number in text


def test_an_unfinished_batch_polls_its_progress(parcels, login_as):
    batch = services.create_label_batch(shipment_ids=ids(parcels))  # its task is not run
    client = login_as(WAREHOUSE)

    fragment = client.get(reverse("shipping:batch_detail", args=[batch.pk]), HTTP_HX_REQUEST="true")

    assert 'hx-trigger="every 1s"' in fragment.text
    assert "3</strong> waiting" in fragment.text
    assert "<html" not in fragment.text


def test_customer_service_may_not_buy_labels(parcels, login_as):
    client = login_as(CUSTOMER_SERVICE)

    response = client.post(reverse("shipping:batch_create"), {"ids": ids(parcels)})

    assert response.status_code == 403
    assert not LabelBatch.objects.exists()
