"""The whole of fulfilment through the services, as the warehouse drives it: place → pay →
source → pick by scanning → pack → rate-shop → label task → ship (the card is captured for the
parcel) → tracking webhooks → delivered. Once with the built-in carrier and the label task in a
real Celery worker on PostgreSQL and Redis, once with EasyPost (the real SDK, the fake server)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from orders.models import Allocation, Order, OrderEvent, OrderStatus
from shipping import services
from shipping.models import Box, PickList, Shipment, ShipmentStatus
from tests.shipping.conftest import EASYPOST_WEBHOOK_SECRET
from tests.shipping.flow import (
    assert_stock_adds_up,
    label_tasks_to_a_worker,
    paid_order,
    pdf_text,
    post_tracking,
    product_in,
    scan,
    warehouse_with_address,
    webhook_url,
)

pytestmark = [pytest.mark.postgres]


def _box() -> Box:
    return Box.objects.create(
        code="M", name="Medium", length_mm=300, width_mm=250, height_mm=150, tare_grams=180
    )


def _placed_and_sourced():
    """Two lines that only WH-EAST holds together (WH-WEST has one of them): one parcel."""
    east = warehouse_with_address("WH-EAST", priority=20)
    west = warehouse_with_address("WH-WEST", priority=10)
    mug = product_in(east, "MUG-1", 10)
    mug.barcode = "4006381333931"
    mug.save(update_fields=["barcode"])
    tee = product_in(east, "TEE-1", 5)
    product_in(west, "MUG-2", 3)
    order = paid_order([(mug, 2), (tee, 1)])
    assert order.status == OrderStatus.CONFIRMED
    decision = (OrderEvent.objects.filter(order=order, data__has_key="sourcing").latest("pk").data)[
        "sourcing"
    ]
    assert decision  # the chosen plan and its runners-up are on the timeline
    assert set(
        Allocation.objects.filter(line__order=order).values_list("location__code", flat=True)
    ) == {"WH-EAST"}
    return order, east, mug, tee


def _picked_and_packed(order: Order, east, mug, tee) -> Shipment:
    pick_list = services.create_pick_list(location=east, orders=[order])
    for code in ("4006381333931", "tee-1", "MUG-1"):  # a barcode, a SKU in any case
        services.scan_pick(pick_list=pick_list, code=code)
    order.refresh_from_db()
    assert order.status == OrderStatus.PROCESSING  # picking started it
    assert PickList.objects.get(pk=pick_list.pk).status == PickList.Status.DONE
    lines = {line.sku: line.pk for line in order.lines.all()}
    return services.pack_parcel(
        order=order,
        location=east,
        quantities={lines["MUG-1"]: 2, lines["TEE-1"]: 1},
        box=_box(),
    )


def _ship_and_check_capture(shipment: Shipment, callbacks) -> Order:
    with callbacks(execute=True):
        services.ship(shipment=shipment)
    order = Order.objects.get(pk=shipment.order_id)
    assert order.status == OrderStatus.SHIPPED
    assert order.payments.get().captured_amount == order.total
    return order


def _assert_reservations_match_allocations() -> None:
    assert_stock_adds_up()  # ledger = on hand, reserved = what allocations hold


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_place_pick_pack_label_in_a_worker_ship_and_track_to_delivered(
    worker_processes,
    monkeypatch,
    tables,
    simulated_payments,
    client,
    django_capture_on_commit_callbacks,
):
    # given a worker on Redis that the label task goes to once the purchase commits
    sent = label_tasks_to_a_worker(worker_processes, monkeypatch)

    # when an order is placed, paid, sourced, picked by scanning and packed
    order, east, mug, tee = _placed_and_sourced()
    shipment = _picked_and_packed(order, east, mug, tee)
    _assert_reservations_match_allocations()

    # and its label is bought at the preselected quote, by the worker
    shop = services.rate_shop(shipment)
    services.buy_label(shipment=shipment, quote=shop.best)
    assert sent[0].get(timeout=60) == "label_created"
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.LABEL_CREATED
    assert shipment.tracking_number in pdf_text(bytes(shipment.label_pdf))
    assert "^BC" in shipment.label_zpl

    # then shipping captures the card for the parcel
    _ship_and_check_capture(shipment, django_capture_on_commit_callbacks)
    _assert_reservations_match_allocations()

    # and the carrier's webhooks, out of order, end it delivered
    carrier = shipment.carrier
    now = timezone.now()
    delivered = post_tracking(client, carrier, [scan(shipment, "delivered", now)])
    moving = post_tracking(
        client, carrier, [scan(shipment, "in_transit", now - timedelta(hours=20))]
    )
    assert (delivered.status_code, moving.status_code) == (200, 200)
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.DELIVERED
    assert Order.objects.get(pk=order.pk).status == OrderStatus.DELIVERED
    _assert_reservations_match_allocations()


@pytest.mark.django_db
def test_the_same_flow_through_easypost(
    easypost_on, easypost_usps, simulated_payments, client, django_capture_on_commit_callbacks
):
    # given an order placed, paid, sourced, picked by scanning and packed
    with django_capture_on_commit_callbacks(execute=True):
        order, east, mug, tee = _placed_and_sourced()
        shipment = _picked_and_packed(order, east, mug, tee)

    # when its label is bought through EasyPost at the cheapest live rate
    shop = services.rate_shop(shipment)
    assert shop.best.carrier == easypost_usps
    with django_capture_on_commit_callbacks(execute=True):
        services.buy_label(shipment=shipment, quote=shop.best)
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.LABEL_CREATED
    assert shipment.tracking_number in pdf_text(bytes(shipment.label_pdf))
    assert "^BC" in shipment.label_zpl

    # then shipping captures the card, and EasyPost's signed webhooks deliver it
    _ship_and_check_capture(shipment, django_capture_on_commit_callbacks)
    for status in ("in_transit", "delivered"):
        easypost_on.advance_tracker(shipment.tracking_number, status)
        body, headers = easypost_on.webhook(shipment.tracking_number, EASYPOST_WEBHOOK_SECRET)
        answer = client.post(
            webhook_url(easypost_usps),
            data=body,
            content_type="application/json",
            HTTP_X_HMAC_SIGNATURE=headers["X-Hmac-Signature"],
        )
        assert answer.status_code == 200
    assert Order.objects.get(pk=order.pk).status == OrderStatus.DELIVERED
    _assert_reservations_match_allocations()
