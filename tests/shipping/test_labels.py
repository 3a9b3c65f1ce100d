"""Labels: bought by a task that holds no lock while it calls the carrier, idempotent, retried
while the carrier is out of reach, and drawn as a 4×6 PDF and as ZPL with a Code 128 barcode.
One test runs the task in a real Celery worker on PostgreSQL and Redis."""

import io
import threading
from decimal import Decimal

import pytest
from celery.exceptions import Retry
from django.db import connection
from pypdf import PdfReader

from shipping import rendering, services, tasks
from shipping.exceptions import InvalidShipmentState
from shipping.models import Carrier, CarrierLabel, Shipment, ShipmentStatus, ShippingService
from shipping.rates import Quote
from tests.shipping.flow import (
    label_tasks_to_a_worker,
    labelled,
    mug_parcel,
    paid_order,
    pdf_text,
    product_in,
    warehouse_with_address,
)
from tests.workers import wait_until

POINTS_PER_INCH = 72


@pytest.fixture
def pending(tables, simulated_payments, django_capture_on_commit_callbacks) -> Shipment:
    """A shipment of 2 mugs from WH-EAST to New York, waiting for its label."""
    return mug_parcel(django_capture_on_commit_callbacks, mugs=2)


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_label_pdf_is_4_by_6_inches_and_reads_back_the_addresses_and_tracking_number(
    pending, django_capture_on_commit_callbacks
):
    shipment = labelled(pending, django_capture_on_commit_callbacks)

    reader = PdfReader(io.BytesIO(bytes(shipment.label_pdf)))
    box = reader.pages[0].mediabox
    assert len(reader.pages) == 1
    assert (round(box.width), round(box.height)) == (4 * POINTS_PER_INCH, 6 * POINTS_PER_INCH)
    text = pdf_text(bytes(shipment.label_pdf))
    assert shipment.tracking_number in text
    for printed in ("Ada Lovelace", "New York", "Warehouse WH-EAST", "Parcel Post", "Economy"):
        assert printed in text
    assert "0.80 kg" in text
    # the barcode is Code 128 of the tracking number, drawn as SVG bars
    svg = rendering.barcode_svg(shipment.tracking_number)
    assert svg.count("<rect") > 20


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_zpl_label_holds_a_code_128_barcode_of_the_tracking_number(
    pending, django_capture_on_commit_callbacks
):
    shipment = labelled(pending, django_capture_on_commit_callbacks)
    zpl = shipment.label_zpl

    assert zpl.startswith("^XA") and zpl.rstrip().endswith("^XZ")
    assert f"^BCN,200,Y,N,N^FD{shipment.tracking_number}^FS" in zpl
    assert "^FDAda Lovelace^FS" in zpl
    assert "^FDParcel Post Economy^FS" in zpl


@pytest.mark.postgres
@pytest.mark.django_db
def test_zpl_field_data_cannot_inject_commands(pending, django_capture_on_commit_callbacks):
    order = pending.order
    order.shipping_address = order.shipping_address | {"name": "Eve ^XZ^XA~JA"}
    order.save(update_fields=["shipping_address"])
    shipment = labelled(pending, django_capture_on_commit_callbacks)
    assert shipment.label_zpl.count("^XA") == 1
    assert "~" not in shipment.label_zpl


@pytest.mark.postgres
@pytest.mark.django_db
def test_buying_twice_queues_the_task_twice_and_it_buys_one_label(
    pending, django_capture_on_commit_callbacks
):
    quote = services.rate_shop(pending).best
    with django_capture_on_commit_callbacks() as queued:
        services.buy_label(shipment=pending, quote=quote)
        services.buy_label(shipment=pending, quote=quote)  # a double click
    assert len(queued) == 2
    assert Shipment.objects.get(pk=pending.pk).status == ShipmentStatus.LABEL_PENDING

    results = [callback() for callback in queued]  # the tasks, once committed
    third = tasks.create_label.delay(pending.pk)  # and one redelivered by the broker

    assert [r.get() for r in [*results, third]] == ["label_created"] * 3
    assert CarrierLabel.objects.count() == 1
    shipment = Shipment.objects.get(pk=pending.pk)
    assert shipment.tracking_number == CarrierLabel.objects.get().tracking_number
    with pytest.raises(InvalidShipmentState, match="it has its label"):
        services.buy_label(shipment=shipment, quote=quote)


@pytest.fixture
def easypost_pending(easypost_usps, simulated_payments, django_capture_on_commit_callbacks):
    return mug_parcel(django_capture_on_commit_callbacks, mugs=2)


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_carrier_out_of_reach_leaves_the_label_to_the_retry(
    easypost_on, easypost_pending, django_capture_on_commit_callbacks
):
    quote = services.rate_shop(easypost_pending).best
    easypost_on.fail_next(1, "server_error", method="POST", path="/v2/shipments/*/buy")

    # when the label task meets a 500, it asks to be retried (eagerly: Retry is raised)
    with pytest.raises(Retry), django_capture_on_commit_callbacks(execute=True):
        services.buy_label(shipment=easypost_pending, quote=quote)
    shipment = Shipment.objects.get(pk=easypost_pending.pk)
    assert shipment.status == ShipmentStatus.LABEL_PENDING
    assert (shipment.label_attempted_at, shipment.label_error) == (None, "")

    # then the retry buys the label, once
    assert tasks.create_label.delay(shipment.pk).get() == "label_created"
    shipment.refresh_from_db()
    assert shipment.tracking_number.startswith("9400")
    assert len(easypost_on.requests_to("POST", "/v2/shipments/*/buy")) == 2
    assert shipment.cost == quote.amount
    assert shipment.label_url  # EasyPost's own file is kept as well as ours


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_refused_label_is_shown_on_the_shipment_and_another_quote_may_be_bought(
    easypost_on, easypost_usps, easypost_pending, django_capture_on_commit_callbacks
):
    gone = ShippingService.objects.create(
        carrier=easypost_usps, code="Discontinued", name="Discontinued", transit_days=3
    )
    shop = services.rate_shop(easypost_pending)
    stale = Quote(
        carrier=easypost_usps,
        service=gone,
        amount=Decimal("3.00"),
        currency="USD",
        transit_days=3,
        estimated_delivery=shop.best.estimated_delivery,
        meets_promise=True,
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.buy_label(shipment=easypost_pending, quote=stale)

    shipment = Shipment.objects.get(pk=easypost_pending.pk)
    assert shipment.status == ShipmentStatus.LABEL_PENDING
    assert "no longer offers" in shipment.label_error

    with django_capture_on_commit_callbacks(execute=True):
        services.buy_label(shipment=shipment, quote=shop.best)
    shipment.refresh_from_db()
    assert (shipment.status, shipment.label_error) == (ShipmentStatus.LABEL_CREATED, "")


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_the_label_task_runs_in_a_real_celery_worker(
    worker_processes, monkeypatch, tables, simulated_payments
):
    # given a worker on Redis, and the label task sent to it once the purchase commits
    sent = label_tasks_to_a_worker(worker_processes, monkeypatch)
    east = warehouse_with_address("WH-EAST")
    mug = product_in(east, "MUG-1", 10)
    order = paid_order([(mug, 2)])
    shipment = services.create_shipment(order=order, location=east)

    # when the label is bought
    services.buy_label(shipment=shipment, quote=services.rate_shop(shipment).best)

    # then the worker buys and draws it
    assert sent[0].get(timeout=60) == "label_created"
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.LABEL_CREATED
    assert shipment.tracking_number in pdf_text(bytes(shipment.label_pdf))
    assert "^BC" in shipment.label_zpl
    assert wait_until(lambda: CarrierLabel.objects.count() == 1, timeout=5)
    assert (
        Carrier.objects.get(code="PPOST").labels.get().tracking_number == shipment.tracking_number
    )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_label_that_arrives_for_a_cancelled_shipment_is_voided(
    easypost_on, easypost_usps, simulated_payments, settings
):
    # given a shipment whose label the carrier answers slowly
    east = warehouse_with_address("WH-EAST")
    order = paid_order([(product_in(east, "MUG-1", 5), 1)])
    shipment = services.create_shipment(order=order, location=east)
    quote = services.rate_shop(shipment).best
    easypost_on.fail_next(1, "slow", method="POST", path="/v2/shipments/*/buy", delay=1.5)

    def buy() -> None:
        try:
            services.buy_label(shipment=shipment, quote=quote)  # the task runs at the commit
        finally:
            connection.close()

    worker = threading.Thread(target=buy)
    worker.start()
    buying = lambda: easypost_on.requests_to("POST", "/v2/shipments/*/buy")  # noqa: E731
    assert wait_until(buying, timeout=10)

    # when the shipment is cancelled while the carrier answers (past the in-flight guard,
    # whose window is EASYPOST_TIMEOUT + 30 s, as when the first worker is long gone)
    settings.EASYPOST_TIMEOUT = -30
    services.void_label(shipment=shipment)
    settings.EASYPOST_TIMEOUT = 5
    worker.join(timeout=30)

    # then the label that came back is voided at the carrier, and the shipment stays cancelled
    shipment.refresh_from_db()
    assert (shipment.status, shipment.tracking_number) == (ShipmentStatus.CANCELLED, "")
    assert len(easypost_on.requests_to("POST", "/v2/shipments/*/refund")) == 1
