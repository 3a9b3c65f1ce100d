"""Packing through the services: only picked units go into a box, a scan names the line it
adds (or is refused), the box's limit holds, and a closed package is a shipment that ships
(the ledger records the sale) or is voided (its units wait for another parcel)."""

import pytest
from django.db.models import F

from inventory.models import StockLevel, StockMovement
from orders.models import Allocation
from shipping import services
from shipping.exceptions import ShipmentQuantityError
from shipping.models import Box, ShipmentStatus, TrackingEvent
from tests.shipping.flow import (
    assert_stock_adds_up,
    labelled,
    paid_order,
    product_in,
    warehouse_with_address,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def pick(line, location, units: int) -> None:
    """``units`` of the line come off the shelf at ``location`` (as the pick screen records)."""
    Allocation.objects.filter(line=line, location=location).update(picked_quantity=units)


def small_box(**extra) -> Box:
    values = {
        "code": "BOX-S",
        "name": "Small box",
        "length_mm": 230,
        "width_mm": 160,
        "height_mm": 100,
        "tare_grams": 120,
        "max_weight_grams": 5000,
    }
    return Box.objects.create(**(values | extra))


@pytest.fixture
def mugs_and_lamp(tables, simulated_payments, django_capture_on_commit_callbacks):
    """A confirmed order of 3 mugs and 1 lamp, all held at WH-EAST; nothing picked yet."""
    east = warehouse_with_address("WH-EAST")
    mug = product_in(east, "MUG-1", 10)
    lamp = product_in(east, "LAMP-1", 5)
    lamp.barcode = "0012345678905"
    lamp.save(update_fields=["barcode"])
    with django_capture_on_commit_callbacks(execute=True):
        order = paid_order([(mug, 3), (lamp, 1)])
    lines = {line.sku: line for line in order.lines.all()}
    return order, east, lines["MUG-1"], lines["LAMP-1"]


def test_only_picked_units_can_be_packed(mugs_and_lamp):
    order, east, mug, _ = mugs_and_lamp
    box = small_box()
    # nothing is picked: nothing to pack, and the error names the line
    assert services.packable_units(order, east) == {}
    with pytest.raises(ShipmentQuantityError, match="MUG-1: 1 to pack, but only 0 picked"):
        services.pack_parcel(order=order, location=east, quantities={mug.pk: 1}, box=box)

    # when 2 of the 3 mugs are picked, 2 can be packed and not 3
    pick(mug, east, 2)
    assert services.packable_units(order, east) == {mug.pk: 2}
    with pytest.raises(ShipmentQuantityError, match="MUG-1: 3 to pack, but only 2 picked"):
        services.pack_parcel(order=order, location=east, quantities={mug.pk: 3}, box=box)

    shipment = services.pack_parcel(order=order, location=east, quantities={mug.pk: 2}, box=box)

    # then the parcel holds the 2 mugs in the small box: products' weight plus the box's tare,
    # the box's dimensions, and the rest of the order stays allocated
    assert [(sl.line.sku, sl.quantity) for sl in shipment.lines.all()] == [("MUG-1", 2)]
    assert (shipment.box, shipment.weight_grams) == (box, 2 * 400 + 120)
    assert (shipment.length_mm, shipment.width_mm, shipment.height_mm) == (230, 160, 100)
    assert (shipment.status, shipment.is_pickup) == (ShipmentStatus.LABEL_PENDING, False)
    assert "in BOX-S" in shipment.tracking_events.get().description
    assert services.packable_units(order, east) == {}  # the picked mugs are in a parcel now
    assert Allocation.objects.get(line=mug, location=east).quantity == 3


def test_a_scan_names_its_line_or_is_refused(mugs_and_lamp):
    order, east, mug, lamp = mugs_and_lamp
    pick(mug, east, 2)
    pick(lamp, east, 1)
    # SKU or barcode, any case
    assert services.match_scan(order, east, "mug-1") == mug
    assert services.match_scan(order, east, " 0012345678905 ") == lamp
    # a product of another order
    product_in(east, "VASE-1", 3)
    with pytest.raises(ShipmentQuantityError, match="VASE-1 is not on order") as wrong:
        services.match_scan(order, east, "VASE-1")
    assert (wrong.value.code, wrong.value.field) == ("not_on_order", "code")
    # all picked units of a line are in the package already
    with pytest.raises(ShipmentQuantityError, match="all picked units of this line are packed"):
        services.match_scan(order, east, "MUG-1", {mug.pk: 2})
    # nothing picked of it
    pick(lamp, east, 0)
    with pytest.raises(ShipmentQuantityError, match="no picked unit") as unpicked:
        services.match_scan(order, east, "LAMP-1")
    assert unpicked.value.code == "not_picked"
    with pytest.raises(ShipmentQuantityError, match="Scan or type"):
        services.match_scan(order, east, "  ")


def test_the_box_limit_holds_and_the_scale_weight_wins(mugs_and_lamp):
    order, east, mug, _ = mugs_and_lamp
    pick(mug, east, 3)
    mailer = small_box(code="MAILER", name="Padded mailer", tare_grams=20, max_weight_grams=1000)
    with pytest.raises(ShipmentQuantityError, match="Padded mailer takes at most 1000 g") as heavy:
        services.pack_parcel(order=order, location=east, quantities={mug.pk: 3}, box=mailer)
    assert (heavy.value.code, heavy.value.field) == ("too_heavy", "box")
    # the weight on the scale replaces the estimate; given dimensions replace the box's
    shipment = services.pack_parcel(
        order=order,
        location=east,
        quantities={mug.pk: 2},
        box=mailer,
        weight_grams=950,
        height_mm=60,
    )
    assert (shipment.weight_grams, shipment.height_mm, shipment.length_mm) == (950, 60, 230)
    with pytest.raises(ShipmentQuantityError, match="more than 0 g"):
        services.pack_parcel(
            order=order, location=east, quantities={mug.pk: 1}, box=mailer, weight_grams=0
        )
    mailer.is_active = False
    mailer.save(update_fields=["is_active"])
    with pytest.raises(ShipmentQuantityError, match="no longer in use"):
        services.pack_parcel(order=order, location=east, quantities={mug.pk: 1}, box=mailer)


def test_a_packed_parcel_ships_and_the_stock_is_sold(
    mugs_and_lamp, django_capture_on_commit_callbacks
):
    order, east, mug, lamp = mugs_and_lamp
    pick(mug, east, 3)
    pick(lamp, east, 1)
    quantities = {mug.pk: 3, lamp.pk: 1}
    shipment = services.pack_parcel(
        order=order, location=east, quantities=quantities, box=small_box()
    )
    shipment = labelled(shipment, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        services.ship(shipment=shipment)

    sales = dict(
        StockMovement.objects.filter(reason="sale").values_list("product__sku", "quantity")
    )
    assert sales == {"MUG-1": -3, "LAMP-1": -1}
    assert not Allocation.objects.filter(line__order=order).exists()
    assert StockLevel.objects.get(product=mug.product, location=east).reserved == 0
    assert_stock_adds_up()


def test_a_voided_parcel_puts_its_units_back_for_another(
    mugs_and_lamp, django_capture_on_commit_callbacks
):
    order, east, mug, _ = mugs_and_lamp
    pick(mug, east, 2)
    box = small_box()
    shipment = services.pack_parcel(order=order, location=east, quantities={mug.pk: 2}, box=box)
    shipment = labelled(shipment, django_capture_on_commit_callbacks)
    assert services.packable_units(order, east) == {}

    services.void_label(shipment=shipment)

    assert services.packable_units(order, east) == {mug.pk: 2}
    assert StockLevel.objects.get(product=mug.product, location=east).reserved == 3
    again = services.pack_parcel(order=order, location=east, quantities={mug.pk: 2}, box=box)
    assert again.lines.get().quantity == 2
    assert_stock_adds_up()


def test_a_partly_picked_line_ships_what_was_picked_and_the_rest_stays_to_pick(
    mugs_and_lamp, django_capture_on_commit_callbacks
):
    order, east, mug, _ = mugs_and_lamp
    pick(mug, east, 2)
    shipment = services.pack_parcel(
        order=order, location=east, quantities={mug.pk: 2}, box=small_box()
    )
    shipment = labelled(shipment, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        services.ship(shipment=shipment)
    allocation = Allocation.objects.get(line=mug, location=east)
    assert (allocation.quantity, allocation.picked_quantity) == (1, 0)
    assert_stock_adds_up()


def test_packing_writes_one_timeline_step_per_parcel(mugs_and_lamp):
    order, east, mug, lamp = mugs_and_lamp
    Allocation.objects.filter(line__order=order).update(picked_quantity=F("quantity"))
    box = small_box()
    services.pack_parcel(order=order, location=east, quantities={mug.pk: 1}, box=box)
    services.pack_parcel(order=order, location=east, quantities={mug.pk: 2, lamp.pk: 1}, box=box)
    steps = TrackingEvent.objects.filter(shipment__order=order, source="oms")
    assert steps.count() == 2
    assert services.packable_units(order, east) == {}
