"""Shipments through the services on PostgreSQL: made from an order's allocations, rate-shopped,
labelled by the task, shipped (the order ships, the stock is sold, payments captures), voided,
and tracked by the carrier's webhooks to the door."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from inventory.models import StockLevel, StockMovement
from orders.models import Allocation, FulfilmentStatus, OrderEvent, OrderStatus
from payments.models import PaymentStatus
from shipping import services
from shipping.carriers.rate_table import is_valid_tracking_number
from shipping.exceptions import InvalidShipmentState, ShipmentQuantityError
from shipping.models import CarrierLabel, Shipment, ShipmentStatus, TrackingEvent
from tests.factories import stock
from tests.shipping.flow import (
    assert_stock_adds_up,
    labelled,
    paid_order,
    post_tracking,
    product_in,
    scan,
    warehouse_with_address,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

T = OrderEvent.Type


def order_events(order) -> list[str]:
    return list(order.events.order_by("created_at", "pk").values_list("type", flat=True))


def test_an_order_ships_from_its_allocations_and_tracking_delivers_it(
    tables, simulated_payments, client, django_capture_on_commit_callbacks
):
    # given a card-paid, confirmed order of 2 mugs held at WH-EAST
    east = warehouse_with_address("WH-EAST")
    mug = product_in(east, "MUG-1", 10)
    with django_capture_on_commit_callbacks(execute=True):
        order = paid_order([(mug, 2)])

    # when a shipment is made from what the order holds there
    shipment = services.create_shipment(order=order, location=east)

    # then it takes both mugs, weighs what they weigh and waits for its label
    assert [(sl.line.sku, sl.quantity) for sl in shipment.lines.all()] == [("MUG-1", 2)]
    assert (shipment.status, shipment.weight_grams) == (ShipmentStatus.LABEL_PENDING, 800)

    # when it is rate-shopped, the cheapest service that makes it is preselected
    shop = services.rate_shop(shipment)
    assert shop.best.service == tables.economy
    assert shop.best.amount == Decimal("4.50")  # NYC, 0.8 kg: the 1 kg bracket's 4.50
    assert [q.amount for q in shop.quotes] == sorted(q.amount for q in shop.quotes)
    assert {q.carrier.code for q in shop.quotes} == {"PPOST", "SWIFT"}

    # when its label is bought (the task runs once the transaction commits)
    shipment = labelled(shipment, django_capture_on_commit_callbacks)

    # then the carrier's label is on it
    assert shipment.status == ShipmentStatus.LABEL_CREATED
    assert is_valid_tracking_number("PPOST", shipment.tracking_number)
    assert (shipment.carrier, shipment.cost, shipment.currency) == (
        tables.post,
        Decimal("4.50"),
        "USD",
    )
    assert bytes(shipment.label_pdf).startswith(b"%PDF")
    assert "^BC" in shipment.label_zpl
    level = StockLevel.objects.get(product=mug, location=east)
    assert (level.on_hand, level.reserved) == (10, 2)  # nothing has left yet

    # when it is handed to the carrier
    with django_capture_on_commit_callbacks(execute=True):
        shipment = services.ship(shipment=shipment)

    # then the order has shipped, the stock is sold, and the card is captured for it
    order.refresh_from_db()
    assert (order.status, order.fulfilment_status) == (
        OrderStatus.SHIPPED,
        FulfilmentStatus.SHIPPED,
    )
    assert shipment.status == ShipmentStatus.IN_TRANSIT
    level.refresh_from_db()
    assert (level.on_hand, level.reserved) == (8, 0)
    sale = StockMovement.objects.get(product=mug, reason="sale")
    assert (sale.quantity, sale.reference) == (-2, order.number)
    assert_stock_adds_up()
    payment = order.payments.get()
    assert payment.status == PaymentStatus.CAPTURED
    assert payment.captured_amount == order.total

    # when the carrier's webhooks say it is on its way, then delivered
    start = timezone.now()
    moving = post_tracking(client, tables.post, [scan(shipment, "in_transit", start)])
    delivered = post_tracking(
        client, tables.post, [scan(shipment, "delivered", start + timedelta(hours=20))]
    )

    # then the shipment and the order are delivered, every step on their timelines
    assert (moving.status_code, delivered.status_code) == (200, 200)
    assert delivered.json() == {"received": 1, "recorded": 1}
    shipment.refresh_from_db()
    order.refresh_from_db()
    assert shipment.status == ShipmentStatus.DELIVERED
    assert shipment.delivered_at == start + timedelta(hours=20)
    assert order.status == OrderStatus.DELIVERED
    moves = [e for e in order_events(order) if e in (T.SHIPPED, T.PAYMENT_CAPTURED, T.DELIVERED)]
    assert moves == [T.SHIPPED, T.PAYMENT_CAPTURED, T.DELIVERED]
    steps = list(shipment.tracking_events.values_list("source", "status"))
    assert steps == [
        ("oms", "label_pending"),
        ("oms", "label_created"),
        ("oms", "in_transit"),
        ("carrier", "in_transit"),
        ("carrier", "delivered"),
    ]


def test_two_shipments_from_two_locations_ship_and_deliver_the_order_in_parts(
    tables, simulated_payments, client, django_capture_on_commit_callbacks
):
    # given an order whose mug is held at WH-EAST and whose lamp at WH-WEST
    east = warehouse_with_address("WH-EAST", priority=10)
    west = warehouse_with_address("WH-WEST", priority=20)
    mug = product_in(east, "MUG-1", 5, price="20.00")
    lamp = product_in(west, "LAMP-1", 5, price="30.00")
    with django_capture_on_commit_callbacks(execute=True):
        order = paid_order([(mug, 1), (lamp, 1)])
    payment = order.payments.get()

    # when WH-EAST ships its parcel
    first = labelled(
        services.create_shipment(order=order, location=east), django_capture_on_commit_callbacks
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.ship(shipment=first)

    # then the order is partly shipped and only the mug is captured
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.status == OrderStatus.PARTIALLY_SHIPPED
    assert payment.captured_amount == Decimal("20.00")
    assert payment.status == PaymentStatus.PARTIALLY_CAPTURED
    assert StockLevel.objects.get(product=lamp, location=west).reserved == 1
    assert_stock_adds_up()

    # when WH-WEST ships the rest
    second = labelled(
        services.create_shipment(order=order, location=west), django_capture_on_commit_callbacks
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.ship(shipment=second)
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.status == OrderStatus.SHIPPED
    assert payment.captured_amount == order.total
    assert_stock_adds_up()

    # when the first parcel arrives, the order waits for the second
    now = timezone.now()
    post_tracking(client, tables.post, [scan(first, "delivered", now)])
    order.refresh_from_db()
    assert order.status == OrderStatus.SHIPPED
    post_tracking(client, tables.post, [scan(second, "delivered", now)])
    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED


@pytest.fixture
def held_order(tables, simulated_payments, django_capture_on_commit_callbacks):
    """A confirmed order of 3 mugs, all held at WH-EAST."""
    east = warehouse_with_address("WH-EAST")
    mug = product_in(east, "MUG-1", 10)
    with django_capture_on_commit_callbacks(execute=True):
        order = paid_order([(mug, 3)])
    return order, east, order.lines.get()


def test_a_shipment_takes_no_more_than_is_allocated_there_and_names_the_line(held_order):
    order, east, line = held_order
    with pytest.raises(ShipmentQuantityError, match="MUG-1: 4 asked, but only 3 allocated"):
        services.create_shipment(order=order, location=east, quantities={line.pk: 4})

    services.create_shipment(order=order, location=east, quantities={line.pk: 2})
    # the units in an open shipment are not offered to another one
    with pytest.raises(ShipmentQuantityError, match="MUG-1: 2 asked, but only 1 allocated"):
        services.create_shipment(order=order, location=east, quantities={line.pk: 2})
    rest = services.create_shipment(order=order, location=east)
    assert rest.lines.get().quantity == 1
    with pytest.raises(ShipmentQuantityError, match="nothing allocated at WH-EAST"):
        services.create_shipment(order=order, location=east)


def test_a_shipment_needs_a_confirmed_order_and_units_at_that_location(tables, simulated_payments):
    east, west = warehouse_with_address("WH-EAST"), warehouse_with_address("WH-WEST")
    mug = product_in(east, "MUG-1", 10)
    order = paid_order([(mug, 1)])
    with pytest.raises(ShipmentQuantityError, match="nothing allocated at WH-WEST"):
        services.create_shipment(order=order, location=west)
    order.status = OrderStatus.PLACED
    order.save(update_fields=["status"])
    with pytest.raises(InvalidShipmentState, match="only confirmed orders ship"):
        services.create_shipment(order=order, location=east)


def test_voiding_a_label_before_pickup_keeps_the_units_allocated_for_another_shipment(
    held_order, django_capture_on_commit_callbacks
):
    order, east, line = held_order
    shipment = labelled(
        services.create_shipment(order=order, location=east), django_capture_on_commit_callbacks
    )

    shipment = services.void_label(shipment=shipment)

    assert shipment.status == ShipmentStatus.CANCELLED
    label = CarrierLabel.objects.get(tracking_number=shipment.tracking_number)
    assert label.voided_at is not None  # the carrier's side voided it
    assert StockLevel.objects.get(location=east).reserved == 3
    line.refresh_from_db()
    assert line.quantity_allocated == 3
    assert services.void_label(shipment=shipment).status == ShipmentStatus.CANCELLED  # twice: fine
    again = services.create_shipment(order=order, location=east)
    assert again.lines.get().quantity == 3
    assert list(shipment.tracking_events.values_list("status", flat=True))[-1] == "cancelled"


def test_a_shipped_parcel_cannot_be_voided_or_shipped_twice(
    held_order, django_capture_on_commit_callbacks
):
    order, east, _ = held_order
    shipment = labelled(
        services.create_shipment(order=order, location=east), django_capture_on_commit_callbacks
    )
    services.ship(shipment=shipment)

    with pytest.raises(InvalidShipmentState, match="no longer be voided"):
        services.void_label(shipment=shipment)
    with pytest.raises(InvalidShipmentState, match="Only a labelled shipment"):
        services.ship(shipment=shipment)
    assert StockMovement.objects.filter(reason="sale").count() == 1


def test_a_shipment_without_a_label_cannot_ship_and_is_cancelled_without_the_carrier(held_order):
    order, east, _ = held_order
    shipment = services.create_shipment(order=order, location=east)
    with pytest.raises(InvalidShipmentState, match="Only a labelled shipment"):
        services.ship(shipment=shipment)
    assert services.void_label(shipment=shipment).status == ShipmentStatus.CANCELLED
    assert not CarrierLabel.objects.exists()
    assert TrackingEvent.objects.filter(shipment=shipment, status="cancelled").exists()
    assert Shipment.objects.get(pk=shipment.pk).status == ShipmentStatus.CANCELLED


def test_a_line_split_across_locations_ships_each_part_from_its_own_location(
    tables, simulated_payments, django_capture_on_commit_callbacks
):
    # given 4 mugs, held 2 at WH-EAST and 2 at WH-WEST
    east = warehouse_with_address("WH-EAST", priority=10)
    west = warehouse_with_address("WH-WEST", priority=20)
    mug = product_in(east, "MUG-1", 2)
    stock(mug, west, 2)
    with django_capture_on_commit_callbacks(execute=True):
        order = paid_order([(mug, 4)])
    assert sorted(Allocation.objects.values_list("location__code", "quantity")) == [
        ("WH-EAST", 2),
        ("WH-WEST", 2),
    ]

    # when WH-WEST ships its part
    shipment = labelled(
        services.create_shipment(order=order, location=west), django_capture_on_commit_callbacks
    )
    services.ship(shipment=shipment)

    # then the units leave WH-WEST, and WH-EAST still holds its own
    west_level = StockLevel.objects.get(product=mug, location=west)
    east_level = StockLevel.objects.get(product=mug, location=east)
    assert (west_level.on_hand, west_level.reserved) == (0, 0)
    assert (east_level.on_hand, east_level.reserved) == (2, 2)
    assert_stock_adds_up()


def test_the_admin_shows_a_shipment_with_its_lines_and_tracking_read_only(
    held_order, admin_client, django_capture_on_commit_callbacks
):
    order, east, _ = held_order
    shipment = labelled(
        services.create_shipment(order=order, location=east), django_capture_on_commit_callbacks
    )
    url = reverse("admin:shipping_shipment_change", args=[shipment.pk])

    page = admin_client.get(url).content.decode()

    assert shipment.tracking_number in page
    assert "MUG-1" in page  # the lines inline
    assert "Label bought" in page  # the tracking events inline
    assert admin_client.post(url, {"status": "delivered"}).status_code == 403
    delete = reverse("admin:shipping_shipment_delete", args=[shipment.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert Shipment.objects.get(pk=shipment.pk).status == ShipmentStatus.LABEL_CREATED
