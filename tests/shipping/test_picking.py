"""Picking through the services: the pick queue of a location, pick lists batched from it in
bin and SKU order, scans by barcode or SKU (one unit each, never more than is held), refusals
of wrong and finished items, short picks re-sourced elsewhere, and closing a list."""

from datetime import date

import pytest

from inventory.models import StockLevel
from orders import services as order_services
from orders.models import Allocation, HoldReason, Order, OrderEvent, OrderStatus
from shipping import selectors, services
from shipping.exceptions import (
    AlreadyPicked,
    NothingToPick,
    OrderNotPickable,
    PickListClosed,
    ShortPickInvalid,
    WrongItem,
)
from shipping.models import PickList
from tests import factories
from tests.factories import place, stock
from tests.shipping.flow import on_shelf

pytestmark = pytest.mark.django_db


@pytest.fixture
def mug(warehouse):
    return on_shelf(warehouse, "MUG-1", "Mug", 50, "B-02", barcode="4006381333931")


@pytest.fixture
def tee(warehouse):
    return on_shelf(warehouse, "TEE-1", "T-shirt", 50, "A-01", barcode="0012345678905")


def queue_orders(location) -> list[str]:
    return [order.number for order in selectors.pick_queue(location).page]


def allocation(order, product) -> Allocation:
    return Allocation.objects.get(line__order=order, line__product=product)


# --- the queue -----------------------------------------------------------------------------


def test_the_queue_holds_confirmed_orders_oldest_ship_by_first_then_by_order(
    warehouse, second_warehouse, mug, order_of, channel, customer
):
    late = order_of((mug, 1), ship_by=date(2026, 12, 9))
    soon = order_of((mug, 2), ship_by=date(2026, 12, 2))
    undated = order_of((mug, 1))
    Order.objects.filter(pk=undated.pk).update(ship_by=None)  # sorts last
    same_day = order_of((mug, 1), ship_by=date(2026, 12, 2))
    # not ready: placed but not confirmed, and confirmed but on hold
    place(channel=channel, customer=customer, items=[(mug, 1)])
    held = order_of((mug, 1))
    order_services.hold_order(order=held, reason=HoldReason.CUSTOMER_REQUEST)
    # held elsewhere: another location's queue
    other = factories.ProductFactory(sku="OTHER-1")
    stock(other, second_warehouse, 5)
    elsewhere = order_of((other, 1))

    queue = selectors.pick_queue(warehouse)

    assert [o.number for o in queue.page] == [
        soon.number,
        same_day.number,
        late.number,
        undated.number,
    ]
    assert [(row.line.order.number, row.line.sku, row.units, row.bin) for row in queue.rows] == [
        (soon.number, "MUG-1", 2, "B-02"),
        (same_day.number, "MUG-1", 1, "B-02"),
        (late.number, "MUG-1", 1, "B-02"),
        (undated.number, "MUG-1", 1, "B-02"),
    ]
    assert (queue.line_count, queue.count_label, queue.units) == (4, "4 order lines", 5)
    assert queue_orders(second_warehouse) == [elsewhere.number]


def test_the_queue_pages_by_keyset(warehouse, mug, order_of):
    orders = [order_of((mug, 1), ship_by=date(2026, 12, day)) for day in (5, 3, 4, 3, 1)]
    first = selectors.pick_queue(warehouse, limit=2)
    second = selectors.pick_queue(warehouse, after=first.page.next_cursor, limit=2)
    third = selectors.pick_queue(warehouse, after=second.page.next_cursor, limit=2)

    expected = [orders[i].number for i in (4, 1, 3, 2, 0)]
    pages = [[o.number for o in page.page] for page in (first, second, third)]
    assert pages == [expected[:2], expected[2:4], expected[4:]]
    assert not third.page.next_cursor


def test_units_on_an_open_pick_list_leave_the_queue_and_come_back_when_it_closes(
    warehouse, mug, tee, order_of
):
    first = order_of((mug, 2), (tee, 1))
    second = order_of((tee, 1))

    pick_list = services.create_pick_list(location=warehouse, orders=[first])
    assert queue_orders(warehouse) == [second.number]

    services.scan_pick(pick_list=pick_list, code="MUG-1")
    services.complete_pick_list(pick_list=pick_list)

    # the unpicked units of the first order are back: one mug and the tee
    queue = selectors.pick_queue(warehouse)
    assert [(row.line.order.number, row.line.sku, row.units) for row in queue.rows] == [
        (first.number, "TEE-1", 1),
        (first.number, "MUG-1", 1),
        (second.number, "TEE-1", 1),
    ]


# --- making a pick list ---------------------------------------------------------------------


def test_a_pick_list_batches_the_next_orders_in_bin_and_sku_order(warehouse, mug, tee, order_of):
    first = order_of((mug, 2), (tee, 1), ship_by=date(2026, 12, 2))
    second = order_of((tee, 3), ship_by=date(2026, 12, 3))
    third = order_of((mug, 1), ship_by=date(2026, 12, 4))
    user = factories.UserFactory(role="Warehouse")

    pick_list = services.create_pick_list(location=warehouse, max_orders=2, actor=user)

    lines = selectors.pick_list_lines(pick_list)
    assert [
        (line.bin, line.product.sku, line.line.order.number, line.quantity) for line in lines
    ] == [
        ("A-01", "TEE-1", first.number, 1),
        ("A-01", "TEE-1", second.number, 3),
        ("B-02", "MUG-1", first.number, 2),
    ]
    assert (pick_list.status, pick_list.created_by, pick_list.location) == (
        PickList.Status.OPEN,
        user,
        warehouse,
    )
    assert queue_orders(warehouse) == [third.number]
    # the bin is copied: moving the stock later does not change the walk of this list
    StockLevel.objects.filter(product=tee, location=warehouse).update(bin="Z-99")
    assert selectors.pick_list_lines(pick_list)[0].bin == "A-01"


def test_nothing_to_pick_is_refused(warehouse, mug):
    with pytest.raises(NothingToPick):
        services.create_pick_list(location=warehouse, max_orders=5)
    assert not PickList.objects.exists()


# --- scanning ---------------------------------------------------------------------------------


def test_scanning_by_barcode_or_sku_picks_one_unit_and_the_first_pick_starts_processing(
    warehouse, mug, tee, order_of
):
    order = order_of((mug, 2), (tee, 1))
    pick_list = services.create_pick_list(location=warehouse, orders=[order])

    line = services.scan_pick(pick_list=pick_list, code=" 4006381333931 ")

    assert (line.product, line.picked) == (mug, 1)
    assert allocation(order, mug).picked_quantity == 1
    order.refresh_from_db()
    assert order.status == OrderStatus.PROCESSING
    assert order.events.filter(type=OrderEvent.Type.PROCESSING).count() == 1

    # a SKU in any case picks too; a second pick does not start processing again
    assert services.scan_pick(pick_list=pick_list, code="mug-1").picked == 2
    assert allocation(order, mug).picked_quantity == 2
    assert order.events.filter(type=OrderEvent.Type.PROCESSING).count() == 1
    pick_list.refresh_from_db()
    assert pick_list.status == PickList.Status.OPEN

    # the last unit closes the list
    services.scan_pick(pick_list=pick_list, code="0012345678905")
    pick_list.refresh_from_db()
    assert (pick_list.status, pick_list.completed_at is not None) == (PickList.Status.DONE, True)
    with pytest.raises(PickListClosed):
        services.scan_pick(pick_list=pick_list, code="MUG-1")


def test_a_wrong_item_or_an_already_picked_one_is_refused_and_picks_nothing(
    warehouse, mug, tee, order_of
):
    order = order_of((mug, 1), (tee, 1))
    pick_list = services.create_pick_list(location=warehouse, orders=[order])
    factories.ProductFactory(sku="CAP-1", barcode="999")

    for code in ("CAP-1", "999", "no such thing", "   "):
        with pytest.raises(WrongItem) as refused:
            services.scan_pick(pick_list=pick_list, code=code)
        assert refused.value.code == "wrong_item"

    services.scan_pick(pick_list=pick_list, code="MUG-1")
    with pytest.raises(AlreadyPicked) as refused:
        services.scan_pick(pick_list=pick_list, code="MUG-1")
    assert refused.value.code == "already_picked"
    assert "MUG-1" in refused.value.message

    assert allocation(order, mug).picked_quantity == 1
    assert allocation(order, tee).picked_quantity == 0


def test_units_of_one_sku_for_two_orders_are_picked_in_walk_order(warehouse, mug, order_of):
    first = order_of((mug, 1), ship_by=date(2026, 12, 2))
    second = order_of((mug, 1), ship_by=date(2026, 12, 3))
    pick_list = services.create_pick_list(location=warehouse, max_orders=2)

    picked = [services.scan_pick(pick_list=pick_list, code="MUG-1").line.order_id for _ in "ab"]

    assert picked == [first.pk, second.pk]
    pick_list.refresh_from_db()
    assert pick_list.status == PickList.Status.DONE


def test_an_order_held_after_the_list_was_made_is_passed_over(warehouse, mug, tee, order_of):
    held = order_of((mug, 1), ship_by=date(2026, 12, 2))
    other = order_of((mug, 1), (tee, 1), ship_by=date(2026, 12, 3))
    pick_list = services.create_pick_list(location=warehouse, orders=[held, other])
    order_services.hold_order(order=held, reason=HoldReason.FRAUD_RISK)

    # the mug goes to the next order that takes one
    assert services.scan_pick(pick_list=pick_list, code="MUG-1").line.order == other
    # and with no other order left for it, the held one's refusal says why
    with pytest.raises(OrderNotPickable, match="on hold: put the MUG-1 back"):
        services.scan_pick(pick_list=pick_list, code="MUG-1")
    assert allocation(held, mug).picked_quantity == 0
    assert allocation(other, mug).picked_quantity == 1


# --- short picks -----------------------------------------------------------------------------


def test_a_short_pick_re_sources_the_missing_units_elsewhere(
    warehouse, second_warehouse, mug, order_of
):
    stock(mug, second_warehouse, 10)
    order = order_of((mug, 3))
    pick_list = services.create_pick_list(location=warehouse, orders=[order])
    services.scan_pick(pick_list=pick_list, code="MUG-1")
    line = pick_list.lines.get()

    line = services.short_pick(pick_list_line=line, quantity=2, reason="Not found in the bin")

    assert (line.picked, line.short, line.to_pick) == (1, 2, 0)
    held = dict(
        Allocation.objects.filter(line__order=order).values_list("location__code", "quantity")
    )
    assert held == {"WH-A": 1, "WH-B": 2}
    assert Allocation.objects.get(line__order=order, location=warehouse).picked_quantity == 1
    assert StockLevel.objects.get(product=mug, location=warehouse).reserved == 1
    assert StockLevel.objects.get(product=mug, location=second_warehouse).reserved == 2
    event = order.events.order_by("-pk").first()
    assert "short pick" in str(event.data) + event.message
    # nothing left to pick: the list is done, and WH-B's units are in its own queue
    pick_list.refresh_from_db()
    assert pick_list.status == PickList.Status.DONE
    assert queue_orders(second_warehouse) == [order.number]
    assert queue_orders(warehouse) == []


def test_a_short_pick_needs_a_quantity_within_what_is_left_and_a_reason(warehouse, mug, order_of):
    order = order_of((mug, 2))
    pick_list = services.create_pick_list(location=warehouse, orders=[order])
    services.scan_pick(pick_list=pick_list, code="MUG-1")
    line = pick_list.lines.get()

    for quantity, reason, field in (
        (2, "gone", "quantity"),
        (0, "gone", "quantity"),
        (1, " ", "reason"),
    ):
        with pytest.raises(ShortPickInvalid) as refused:
            services.short_pick(pick_list_line=line, quantity=quantity, reason=reason)
        assert refused.value.field == field
    line.refresh_from_db()
    assert line.short == 0
    assert allocation(order, mug).quantity == 2


# --- closing a list ---------------------------------------------------------------------------


def test_cancelling_keeps_picked_units_picked_and_puts_the_rest_back_in_the_queue(
    warehouse, mug, order_of
):
    order = order_of((mug, 3))
    pick_list = services.create_pick_list(location=warehouse, orders=[order])
    services.scan_pick(pick_list=pick_list, code="MUG-1")

    cancelled = services.cancel_pick_list(pick_list=pick_list)

    assert cancelled.status == PickList.Status.CANCELLED
    assert allocation(order, mug).picked_quantity == 1
    assert [row.units for row in selectors.pick_queue(warehouse).rows] == [2]
    # once more changes nothing; a cancelled list cannot be completed
    assert services.cancel_pick_list(pick_list=pick_list).status == PickList.Status.CANCELLED
    with pytest.raises(PickListClosed):
        services.complete_pick_list(pick_list=pick_list)
