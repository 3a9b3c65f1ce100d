"""Click & collect: an order to collect at a store is packed there into a pickup parcel (no
carrier, no label), put out for pickup, and collected by a named person at the counter: the
stock is sold there, the card captured and the order delivered."""

import pytest
from django.urls import reverse

from inventory.models import StockLevel, StockMovement
from orders.models import Allocation, Order, OrderStatus
from payments.models import PaymentStatus
from shipping import services
from shipping.exceptions import InvalidShipmentState
from shipping.models import Box, ShipmentStatus
from tests import factories
from tests.shipping.flow import assert_stock_adds_up, paid_order, product_in

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


@pytest.fixture
def pickup_order(tables, simulated_payments, django_capture_on_commit_callbacks):
    """A paid order of 2 mugs to collect at STORE-NYC, held and picked there."""
    store = factories.LocationFactory(
        code="STORE-NYC",
        name="NYC store",
        kind="store",
        can_pickup=True,
        line1="1 Broadway",
        city="New York",
        region="NY",
        postal_code="10004",
        country="US",
    )
    mug = product_in(store, "MUG-1", 5)
    with django_capture_on_commit_callbacks(execute=True):
        order = paid_order([(mug, 2)])
    Order.objects.filter(pk=order.pk).update(pickup_location=store)
    order.refresh_from_db()
    Allocation.objects.filter(line__order=order).update(picked_quantity=2)
    box = Box.objects.create(
        code="BOX-S", name="Small box", length_mm=230, width_mm=160, height_mm=100, tare_grams=100
    )
    return order, store, order.lines.get(), box


def test_a_pickup_parcel_is_put_out_and_collected_and_the_order_is_delivered(
    pickup_order, django_capture_on_commit_callbacks
):
    order, store, line, box = pickup_order
    # when it is packed at its store, it is a pickup parcel
    shipment = services.pack_parcel(order=order, location=store, quantities={line.pk: 2}, box=box)
    assert shipment.is_pickup
    assert shipment.carrier is None

    # it cannot be collected before it is on the shelf, nor handed to a carrier
    with pytest.raises(InvalidShipmentState, match="ready for pickup"):
        services.collect(shipment=shipment, collected_by="Ada Buyer")
    with pytest.raises(InvalidShipmentState, match="collected at the counter"):
        services.ship(shipment=shipment)

    shipment = services.mark_ready_for_pickup(shipment=shipment)
    assert shipment.status == ShipmentStatus.READY_FOR_PICKUP
    assert services.mark_ready_for_pickup(shipment=shipment).status == "ready_for_pickup"
    # nothing has left the store yet
    level = StockLevel.objects.get(product=line.product, location=store)
    assert (level.on_hand, level.reserved) == (5, 2)

    # a name is required
    with pytest.raises(InvalidShipmentState, match="who collected") as unnamed:
        services.collect(shipment=shipment, collected_by="   ")
    assert unnamed.value.field == "collected_by"

    with django_capture_on_commit_callbacks(execute=True):
        shipment = services.collect(shipment=shipment, collected_by="  Ada   Buyer ")

    # then the stock is sold at the store, the card captured and the order delivered
    assert (shipment.status, shipment.collected_by) == (ShipmentStatus.COLLECTED, "Ada Buyer")
    assert shipment.collected_at is not None
    level.refresh_from_db()
    assert (level.on_hand, level.reserved) == (3, 0)
    sale = StockMovement.objects.get(reason="sale")
    assert (sale.quantity, sale.location, sale.reference) == (-2, store, order.number)
    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED
    assert order.payments.get().status == PaymentStatus.CAPTURED
    assert_stock_adds_up()
    steps = list(shipment.tracking_events.values_list("source", "status"))
    assert steps == [
        ("oms", "label_pending"),
        ("oms", "ready_for_pickup"),
        ("oms", "collected"),
    ]
    # collecting twice changes nothing
    assert services.collect(shipment=shipment, collected_by="Someone else").collected_by == (
        "Ada Buyer"
    )


def test_an_unpacked_pickup_parcel_gives_its_units_back(pickup_order):
    order, store, line, box = pickup_order
    shipment = services.pack_parcel(order=order, location=store, quantities={line.pk: 2}, box=box)
    services.mark_ready_for_pickup(shipment=shipment)
    assert services.void_label(shipment=shipment).status == ShipmentStatus.CANCELLED
    assert services.packable_units(order, store) == {line.pk: 2}


def test_the_counter_screen_collects_with_a_name(pickup_order, login_as):
    order, store, line, box = pickup_order
    shipment = services.pack_parcel(order=order, location=store, quantities={line.pk: 2}, box=box)
    client = login_as("Warehouse")
    page = client.get(reverse("shipping:ship", args=[shipment.pk]))
    assert b"Ready for pickup" in page.content
    assert b"Buy label" not in page.content

    client.post(reverse("shipping:ready_for_pickup", args=[shipment.pk]))
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.READY_FOR_PICKUP

    unnamed = client.post(
        reverse("shipping:collect", args=[shipment.pk]),
        {"collected_by": ""},
        HTTP_HX_REQUEST="true",
    )
    assert unnamed.status_code == 200
    assert b"Enter who collected the parcel" in unnamed.content

    done = client.post(reverse("shipping:collect", args=[shipment.pk]), {"collected_by": "Ada"})
    assert done.status_code == 302
    shipment.refresh_from_db()
    assert (shipment.status, shipment.collected_by) == (ShipmentStatus.COLLECTED, "Ada")
    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED
