"""Orders you can finish (issue 8, point 7): drafts placed from the page, corrections after
placing, out-of-stock holds released when stock comes, reserved stock written off."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from core import idempotency
from inventory import services as inventory
from inventory.exceptions import StockError
from inventory.models import StockLevel, StockMovement
from orders import services
from orders.exceptions import OrderError, OrderValidationError
from orders.models import HoldReason, OrderEvent, OrderStatus
from tests import factories
from tests.factories import place, ship_to, stock

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
Type = OrderEvent.Type


def url(name: str, order) -> str:
    return reverse(f"orders:{name}", args=[order.number])


def level(product, location) -> StockLevel:
    return StockLevel.objects.get(product=product, location=location)


def events_of(order, type_: str) -> list[OrderEvent]:
    return list(order.events.filter(type=type_))


@pytest.fixture
def mug(warehouse):
    """Two at WH-A: the order below reserves both."""
    product = factories.ProductFactory(sku="MUG-1", unit_price=Decimal("10.00"))
    stock(product, warehouse, 2)
    return product


@pytest.fixture
def order(channel, customer, mug, ny_tax):
    return place(
        channel=channel, customer=customer, items=[(mug, 2)], shipping_total=Decimal("5.00")
    )


# --- placing a draft from the page ------------------------------------------------------------


def test_a_draft_is_placed_from_its_page(login_as, channel, customer, mug, warehouse):
    draft = place(channel=channel, customer=customer, items=[(mug, 2)], draft=True)
    client = login_as("Customer service")

    page = client.get(url("detail", draft))
    assert url("place", draft) in page.content.decode()
    response = client.post(url("place", draft), **HTMX)

    assert response.status_code == 200
    draft.refresh_from_db()
    assert draft.status == OrderStatus.PLACED
    assert draft.placed_at is not None
    assert level(mug, warehouse).reserved == 2
    assert events_of(draft, Type.PLACED)
    assert "Place order" not in response.content.decode()  # placed: the action is gone


def test_placing_a_draft_whose_product_was_withdrawn_says_what_to_fix(
    login_as, channel, customer, mug
):
    draft = place(channel=channel, customer=customer, items=[(mug, 1)], draft=True)
    mug.is_active = False
    mug.save(update_fields=["is_active"])

    response = login_as("Customer service").post(url("place", draft), **HTMX)

    assert "MUG-1 is no longer for sale: edit the draft first." in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == OrderStatus.DRAFT


def test_a_placed_order_offers_no_place_action(login_as, order):
    assert (
        url("place", order)
        not in login_as("Customer service").get(url("detail", order)).content.decode()
    )


# --- corrections after placing --------------------------------------------------------------


def test_correcting_the_address_records_an_event_and_retaxes_the_lines(order):
    # NY is taxed at 8%; Texas has no rate set up.
    services.correct_shipping_address(
        order=order, address=ship_to(city="Austin", region="TX"), actor=None
    )

    order.refresh_from_db()
    assert order.shipping_address["city"] == "Austin"
    assert order.tax_total == Decimal("0.00")
    assert order.total == Decimal("25.00")
    (event,) = events_of(order, Type.ADDRESS_CORRECTED)
    assert "Austin" in event.message
    assert "Total 26.60 → 25.00 USD" in event.message
    assert event.data["previous"]["city"] == "New York"


def test_an_address_correction_that_changes_tax_is_refused_once_units_shipped(order):
    services.confirm_order(order=order)
    services.start_processing(order=order)
    line = order.lines.get()
    services.ship_order(order=order, quantities={line.pk: 1})

    with pytest.raises(OrderValidationError) as refused:
        services.correct_shipping_address(order=order, address=ship_to(region="TX"))

    assert refused.value.field == "shipping_address.country"
    order.refresh_from_db()
    assert order.shipping_address["region"] == "NY"


def test_a_shipped_order_cannot_be_corrected(order):
    services.confirm_order(order=order)
    services.start_processing(order=order)
    services.ship_order(order=order)

    with pytest.raises(OrderError, match="is shipped: its shipping charge can no longer"):
        services.change_shipping_charge(order=order, shipping_total=Decimal("1.00"))


def test_the_address_form_shows_plain_field_errors(login_as, order):
    client = login_as("Customer service")
    data = ship_to(country="ZZ")

    response = client.post(url("correct_address", order), data, **HTMX)

    body = response.content.decode()
    assert "ZZ is not a country code" in body
    assert 'id="address-dialog" aria-labelledby="address-title" open' in body
    order.refresh_from_db()
    assert order.shipping_address["country"] == "US"


def test_correcting_the_address_of_an_order_held_for_it_offers_release(login_as, order):
    services.hold_order(order=order, reason=HoldReason.INCORRECT_ADDRESS)
    client = login_as("Customer service")
    data = ship_to(line1="2 Main Street")

    response = client.post(url("correct_address", order), data, **HTMX)

    body = response.content.decode()
    assert "is still on hold for an incorrect address: release the hold" in body
    assert url("release", order) in body  # the Release button is right there
    order.refresh_from_db()
    assert order.status == OrderStatus.ON_HOLD  # the person decides
    assert order.shipping_address["line1"] == "2 Main Street"


def test_correcting_the_address_without_such_a_hold_offers_nothing(login_as, order):
    data = ship_to(line1="2 Main Street")
    response = login_as("Customer service").post(url("correct_address", order), data, **HTMX)
    assert "still on hold" not in response.content.decode()


def test_the_promised_ship_date_is_changed_with_an_event(login_as, order):
    new_date = timezone.localdate() + timedelta(days=3)
    client = login_as("Customer service")

    client.post(url("promised_date", order), {"promised_ship_date": new_date.isoformat()}, **HTMX)

    order.refresh_from_db()
    assert order.promised_ship_date == new_date
    (event,) = events_of(order, Type.PROMISED_DATE_CHANGED)
    assert event.message == f"Promised ship date set to {new_date}."


def test_a_promised_ship_date_in_the_past_is_refused_on_its_field(login_as, order):
    past = timezone.localdate() - timedelta(days=1)
    response = login_as("Customer service").post(
        url("promised_date", order), {"promised_ship_date": past.isoformat()}, **HTMX
    )
    assert "cannot be in the past" in response.content.decode()
    order.refresh_from_db()
    assert order.promised_ship_date is None


def test_the_shipping_charge_is_changed_and_the_total_follows(login_as, order):
    client = login_as("Customer service")

    client.post(url("shipping_charge", order), {"shipping_total": "7.50"}, **HTMX)

    order.refresh_from_db()
    assert order.shipping_total == Decimal("7.50")
    assert order.total == order.subtotal + order.tax_total + Decimal("7.50")
    (event,) = events_of(order, Type.SHIPPING_CHANGED)
    assert "from 5.00 to 7.50 USD" in event.message


def test_an_unchanged_correction_records_nothing(order):
    services.change_shipping_charge(order=order, shipping_total=Decimal("5.00"))
    services.correct_shipping_address(order=order, address=order.shipping_address)
    assert not order.events.filter(
        type__in=[Type.SHIPPING_CHANGED, Type.ADDRESS_CORRECTED]
    ).exists()


def test_warehouse_may_not_correct_orders(login_as, order):
    response = login_as("Warehouse").post(url("shipping_charge", order), {"shipping_total": "0"})
    assert response.status_code == 403


# --- an out-of-stock hold is released when its backorders are filled ----------------------


def test_an_out_of_stock_hold_is_released_once_stock_is_received(
    channel, customer, warehouse, django_capture_on_commit_callbacks
):
    tee = factories.ProductFactory(sku="TEE-1", allow_backorder=True)
    order = place(channel=channel, customer=customer, items=[(tee, 2)])
    services.hold_order(order=order, reason=HoldReason.OUT_OF_STOCK)

    with django_capture_on_commit_callbacks(execute=True):
        inventory.receive_stock(product=tee, location=warehouse, quantity=2)

    order.refresh_from_db()
    assert order.status == OrderStatus.PLACED
    assert order.hold_reason == ""
    (released,) = events_of(order, Type.HOLD_RELEASED)
    assert released.data["previous_reason"] == HoldReason.OUT_OF_STOCK


def test_an_out_of_stock_hold_waits_while_some_units_are_still_backordered(
    channel, customer, warehouse
):
    tee = factories.ProductFactory(sku="TEE-1", allow_backorder=True)
    order = place(channel=channel, customer=customer, items=[(tee, 3)])
    services.hold_order(order=order, reason=HoldReason.OUT_OF_STOCK)
    stock(tee, warehouse, 2)

    services.allocate_backorders(product=tee)

    order.refresh_from_db()
    assert order.status == OrderStatus.ON_HOLD


def test_another_hold_is_not_released_by_stock(channel, customer, warehouse):
    tee = factories.ProductFactory(sku="TEE-1", allow_backorder=True)
    order = place(channel=channel, customer=customer, items=[(tee, 1)])
    services.hold_order(order=order, reason=HoldReason.FRAUD_RISK)
    stock(tee, warehouse, 1)

    services.allocate_backorders(product=tee)

    order.refresh_from_db()
    assert order.status == OrderStatus.ON_HOLD


# --- reserved stock written off ---------------------------------------------------------------


def test_a_written_off_unit_is_reserved_again_at_another_warehouse(
    order, mug, warehouse, second_warehouse
):
    stock(mug, second_warehouse, 4)

    movement = inventory.write_off_reserved(
        product=mug, location=warehouse, quantity=1, reason="damaged", user=None
    )

    assert movement.reason == StockMovement.Reason.WRITE_OFF
    assert movement.quantity == -1
    assert (level(mug, warehouse).on_hand, level(mug, warehouse).reserved) == (1, 1)
    assert level(mug, second_warehouse).reserved == 1
    line = order.lines.get()
    assert {a.location.code: a.quantity for a in line.allocations.all()} == {
        "WH-A": 1,
        "WH-B": 1,
    }
    assert (line.quantity_allocated, line.quantity_backordered) == (2, 0)
    (event,) = events_of(order, Type.STOCK_WRITTEN_OFF)
    assert event.message == (
        "Reserved stock written off (damaged): 1 × MUG-1 at WH-A. "
        "Reserved again: 1 × MUG-1 at WH-B."
    )


def test_a_written_off_unit_with_no_stock_elsewhere_is_backordered(order, mug, warehouse):
    inventory.write_off_reserved(
        product=mug, location=warehouse, quantity=2, reason="lost", user=None
    )

    line = order.lines.get()
    assert (line.quantity_allocated, line.quantity_backordered) == (0, 2)
    assert not line.allocations.exists()
    order.refresh_from_db()
    assert order.fulfilment_status == "backordered"
    (event,) = events_of(order, Type.STOCK_WRITTEN_OFF)
    assert event.message.endswith("Backordered: 2 × MUG-1.")


def test_free_units_at_the_same_location_take_the_written_off_ones_place(order, mug, warehouse):
    stock(mug, warehouse, 3)

    inventory.write_off_reserved(
        product=mug, location=warehouse, quantity=1, reason="damaged", user=None
    )

    assert (level(mug, warehouse).on_hand, level(mug, warehouse).reserved) == (4, 2)
    assert order.lines.get().allocations.get().quantity == 2


def test_the_newest_order_loses_the_written_off_units_first(channel, customer, mug, warehouse):
    stock(mug, warehouse, 3)
    older = place(channel=channel, customer=customer, items=[(mug, 2)])
    newer = place(channel=channel, customer=customer, items=[(mug, 3)])  # all 5 reserved

    inventory.write_off_reserved(
        product=mug, location=warehouse, quantity=1, reason="lost", user=None
    )

    assert older.lines.get().quantity_backordered == 0
    assert newer.lines.get().quantity_backordered == 1


def test_more_than_is_reserved_cannot_be_written_off(order, mug, warehouse):
    with pytest.raises(StockError) as refused:
        inventory.write_off_reserved(
            product=mug, location=warehouse, quantity=3, reason="lost", user=None
        )
    assert refused.value.field == "quantity"
    assert level(mug, warehouse).reserved == 2


def test_a_write_off_needs_a_known_reason(order, mug, warehouse):
    with pytest.raises(StockError) as refused:
        inventory.write_off_reserved(
            product=mug, location=warehouse, quantity=1, reason="stolen?", user=None
        )
    assert refused.value.field == "reason"


def test_reserved_stock_is_written_off_from_the_product_page(
    login_as, order, mug, warehouse, second_warehouse
):
    stock(mug, second_warehouse, 1)
    client = login_as("Warehouse")
    page = client.get(reverse("inventory:product_detail", args=[mug.sku]))
    assert "Write off reserved stock" in page.content.decode()

    data = {"location": "WH-A", "quantity": "1", "reason": "damaged"}
    data[idempotency.FIELD] = idempotency.new_token()
    response = client.post(reverse("inventory:write_off", args=[mug.sku]), data, **HTMX)

    assert "Wrote off 1 reserved × MUG-1 at WH-A (damaged)" in response.content.decode()
    assert level(mug, second_warehouse).reserved == 1
    assert events_of(order, Type.STOCK_WRITTEN_OFF)
