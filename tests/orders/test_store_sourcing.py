"""Sourcing: a store's own orders take the store's stock first; other channels keep priority."""

import pytest

from inventory.models import Location
from orders.models import Allocation, SalesChannel
from tests import factories
from tests.factories import place, stock

pytestmark = pytest.mark.django_db


@pytest.fixture
def shelves(warehouse, customer):
    """A mug on the shelf at the store and in the (higher priority) warehouse."""
    store = factories.LocationFactory(code="STORE-1", kind=Location.Kind.STORE, priority=50)
    mug = factories.ProductFactory(sku="MUG")
    stock(mug, warehouse, 10)
    stock(mug, store, 2)
    return {"store": store, "warehouse": warehouse, "mug": mug, "customer": customer}


def allocated(order) -> list[tuple[str, int]]:
    rows = Allocation.objects.filter(line__order=order).order_by("location__code")
    return list(rows.values_list("location__code", "quantity"))


def test_a_store_order_takes_the_store_shelf_first(shelves):
    till = factories.SalesChannelFactory(code="pos", kind=SalesChannel.Kind.STORE)

    order = place(channel=till, customer=shelves["customer"], items=[(shelves["mug"], 3)])

    # two from the store's shelf, the one it lacks from the warehouse
    assert allocated(order) == [("STORE-1", 2), ("WH-A", 1)]


def test_other_channels_keep_the_location_priority(shelves, channel):
    order = place(channel=channel, customer=shelves["customer"], items=[(shelves["mug"], 3)])

    assert allocated(order) == [("WH-A", 3)]
