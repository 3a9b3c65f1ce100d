"""Click & collect: an order collected at a store takes every unit from that store (even one
that ships nothing), backorders what it lacks, and is taken on the new-order page."""

import pytest
from django.urls import reverse

from core import idempotency
from orders import services
from orders.exceptions import OrderValidationError
from orders.models import Allocation, FulfilmentStatus, Order
from tests import factories
from tests.factories import place, stock

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def allocated(order) -> list[tuple[str, str, int]]:
    rows = Allocation.objects.filter(line__order=order).order_by("line__sku", "location__code")
    return list(rows.values_list("line__sku", "location__code", "quantity"))


@pytest.fixture
def store():
    return factories.LocationFactory(
        code="STORE-NYC", kind="store", priority=90, can_pickup=True, can_ship=False
    )


@pytest.fixture
def mug():
    return factories.ProductFactory(sku="MUG", allow_backorder=True)


def test_click_and_collect_takes_the_units_from_the_chosen_store(
    channel, customer, warehouse, store, mug
):
    stock(mug, warehouse, 10)  # preferred for shipping, but the customer collects at the store
    stock(mug, store, 3)
    order = place(channel=channel, customer=customer, items=[(mug, 2)], pickup_location=store)
    assert allocated(order) == [("MUG", "STORE-NYC", 2)]
    assert order.pickup_location == store


def test_what_the_store_lacks_is_backordered_not_shipped_from_elsewhere(
    channel, customer, warehouse, store, mug
):
    stock(mug, warehouse, 10)
    stock(mug, store, 1)
    order = place(channel=channel, customer=customer, items=[(mug, 3)], pickup_location=store)
    line = order.lines.get()
    assert allocated(order) == [("MUG", "STORE-NYC", 1)]
    assert (line.quantity_allocated, line.quantity_backordered) == (1, 2)
    assert order.fulfilment_status == FulfilmentStatus.BACKORDERED


def test_a_backorder_of_a_collect_order_is_filled_at_its_store(channel, customer, store, mug):
    order = place(channel=channel, customer=customer, items=[(mug, 2)], pickup_location=store)
    stock(mug, store, 5)
    services.allocate_backorders(product=mug)
    assert allocated(order) == [("MUG", "STORE-NYC", 2)]


def test_a_shipped_order_never_takes_a_store_that_does_not_ship(
    channel, customer, warehouse, store, mug
):
    """Filling a collect order's backorder reads the store's rows; another order in the same
    run still may not take from it."""
    other = place(channel=channel, customer=customer, items=[(mug, 1)])
    collect = place(channel=channel, customer=customer, items=[(mug, 1)], pickup_location=store)
    stock(mug, store, 5)
    services.allocate_backorders(product=mug)
    assert allocated(other) == []
    assert allocated(collect) == [("MUG", "STORE-NYC", 1)]


def test_a_location_that_takes_no_collections_is_refused(channel, customer, warehouse, mug):
    with pytest.raises(OrderValidationError) as error:
        place(channel=channel, customer=customer, items=[(mug, 1)], pickup_location=warehouse)
    assert error.value.field == "pickup_location"


def test_re_sourcing_a_collect_order_elsewhere_is_refused(channel, customer, warehouse, store, mug):
    stock(mug, store, 3)
    stock(mug, warehouse, 3)
    order = place(channel=channel, customer=customer, items=[(mug, 1)], pickup_location=store)
    with pytest.raises(OrderValidationError) as error:
        services.resource_order(order=order, location_id=warehouse.pk)
    assert error.value.field == "location_id"


def test_the_new_order_page_offers_the_stores_and_places_a_collect_order(
    login_as, customer, warehouse, store, mug
):
    phone = factories.SalesChannelFactory(code="phone", kind="phone")
    stock(mug, store, 3)
    client = login_as("Customer service")
    page = client.get(reverse("orders:create")).content.decode()
    assert "Collect at store" in page and "STORE-NYC" in page

    response = client.post(
        reverse("orders:create"),
        {
            idempotency.FIELD: idempotency.new_token(),
            "channel": phone.pk,
            "customer": customer.pk,
            "sku": ["MUG"],
            "quantity": ["1"],
            "pickup_location": store.pk,
            "shipping-name": "Ada Lovelace",
            "shipping-line1": "1 Main Street",
            "shipping-city": "New York",
            "shipping-postal_code": "10001",
            "shipping-country": "US",
        },
    )

    assert response.status_code == 302
    order = Order.objects.get()
    assert order.pickup_location == store
    assert allocated(order) == [("MUG", "STORE-NYC", 1)]
    detail = client.get(reverse("orders:detail", args=[order.number])).content.decode()
    assert "Collect at" in detail and "STORE-NYC" in detail
