"""Property: whatever sequence of receipts, orders, cancellations, adjustments and shipments
happens, on_hand equals the ledger's sum, nothing goes negative, and reserved units are exactly
the units allocated to open orders."""

from collections import defaultdict

import pytest
from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.exceptions import DomainError
from inventory import services as inventory
from inventory.models import StockLevel, StockMovement
from orders import services
from orders.models import Allocation, Order
from tests import factories
from tests.factories import place

pytestmark = pytest.mark.django_db

PRODUCTS, LOCATIONS = 3, 2

operation = st.one_of(
    st.tuples(
        st.just("receive"),
        st.integers(0, PRODUCTS - 1),
        st.integers(0, LOCATIONS - 1),
        st.integers(1, 8),
    ),
    st.tuples(
        st.just("order"),
        st.integers(0, PRODUCTS - 1),
        st.integers(0, PRODUCTS - 1),
        st.integers(1, 6),
    ),
    st.tuples(st.just("cancel"), st.integers(0, 50)),
    st.tuples(st.just("ship"), st.integers(0, 50)),
    st.tuples(
        st.just("adjust"),
        st.integers(0, PRODUCTS - 1),
        st.integers(0, LOCATIONS - 1),
        st.integers(-6, 6).filter(bool),
    ),
)


@pytest.fixture
def world(channel, customer):
    products = [
        factories.ProductFactory(sku=f"P{i}", allow_backorder=(i == 0)) for i in range(PRODUCTS)
    ]
    locations = [factories.LocationFactory(code=f"L{i}", priority=i) for i in range(LOCATIONS)]
    return channel, customer, products, locations


def apply(op, world) -> None:
    channel, customer, products, locations = world
    kind, *args = op
    orders = list(Order.objects.order_by("pk"))
    if kind == "receive":
        inventory.receive_stock(
            product=products[args[0]], location=locations[args[1]], quantity=args[2]
        )
        for product in products:
            services.allocate_backorders(product=product)
    elif kind == "order":
        items = [(products[args[0]], args[2]), (products[args[1]], 1)]
        place(channel=channel, customer=customer, items=items)
    elif kind == "cancel" and orders:
        services.cancel_order(order=orders[args[0] % len(orders)], reason="test")
    elif kind == "ship" and orders:
        order = orders[args[0] % len(orders)]
        for step in (services.confirm_order, services.start_processing, services.ship_order):
            if order.status in ("placed", "confirmed", "processing"):
                order = step(order=order)
    elif kind == "adjust":
        inventory.adjust_stock(
            product=products[args[0]],
            location=locations[args[1]],
            quantity=args[2],
            reason=StockMovement.Reason.CORRECTION,
        )


def assert_invariants() -> None:
    ledger = {
        (row["product"], row["location"]): row["total"]
        for row in StockMovement.objects.values("product", "location").annotate(
            total=Sum("quantity")
        )
    }
    allocated = defaultdict(int)
    for allocation in Allocation.objects.select_related("line"):
        allocated[allocation.line.product_id, allocation.location_id] += allocation.quantity
    for level in StockLevel.objects.all():
        key = (level.product_id, level.location_id)
        assert level.on_hand == ledger.get(key, 0)
        assert 0 <= level.reserved <= level.on_hand
        assert level.reserved == allocated[key]


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(operations=st.lists(operation, min_size=1, max_size=20))
def test_random_stock_histories_keep_the_ledger_and_reservations_consistent(world, operations):
    with transaction.atomic():
        for op in operations:
            try:
                with transaction.atomic():
                    apply(op, world)
            except DomainError:
                pass  # a refusal (short stock, illegal transition) must change nothing
            assert_invariants()
        transaction.set_rollback(True)  # the next example starts from the same empty world
