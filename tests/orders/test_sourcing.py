"""The sourcing engine: which locations an order ships from, and the decision on its timeline.

Fewest shipments, then the cheaper (a registered estimator), then on time, then priority;
safety stock, channel exclusions and never split respected; a store's own order takes the store
shelf first; whatever the stock, a plan never takes more than is there and every unit is
reserved, backordered or the order refused.
"""

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from inventory.exceptions import InsufficientStock
from inventory.models import Location, StockLevel
from inventory.selectors import available_to_sell
from orders import services, sourcing
from orders.models import Allocation, OrderEvent, SalesChannel
from tests import factories
from tests.factories import place, stock

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

PROMISED = date(2030, 6, 10)


def allocated(order) -> list[tuple[str, str, int]]:
    rows = Allocation.objects.filter(line__order=order).order_by("line__sku", "location__code")
    return list(rows.values_list("line__sku", "location__code", "quantity"))


def shipped_from(order) -> set[str]:
    return {code for _, code, _ in allocated(order)}


def locations(*codes: str, **fields) -> list[Location]:
    """Warehouses in priority order: the first given is preferred."""
    return [
        factories.LocationFactory(code=code, priority=10 + number, **fields)
        for number, code in enumerate(codes)
    ]


@pytest.fixture
def products():
    return [factories.ProductFactory(sku=sku, weight_grams=400) for sku in ("MUG", "TEE", "CAP")]


@pytest.fixture
def estimator():
    """Register a test estimator for the test: ``prices[code]`` per parcel plus 1.00 a kg,
    arriving ``days[code]`` days before (or, negative, after) the promised date."""
    prices: dict[str, Decimal] = {}
    days: dict[str, int] = {}

    def estimate(origin, destination, weight_grams):
        assert destination["postal_code"] == "10001" and weight_grams > 0
        if origin.code not in prices:
            return None
        cost = prices[origin.code] + Decimal(weight_grams) / 1000
        if origin.code not in days:
            return cost
        arrives = PROMISED - timedelta(days=days[origin.code])
        return sourcing.ParcelEstimate(cost=cost, delivery=arrives)

    registered = sourcing.registered_cost_estimator()
    sourcing.register_cost_estimator(estimate)
    yield prices, days
    sourcing.register_cost_estimator(registered)


@pytest.fixture
def no_estimator():
    """No estimator for the test (shipping registers its rate tables at startup)."""
    registered = sourcing.registered_cost_estimator()
    sourcing.register_cost_estimator(None)
    yield
    sourcing.register_cost_estimator(registered)


# --- the five criteria ----------------------------------------------------------------------


def test_one_location_covering_everything_ships_it_all(channel, customer, products):
    mug, tee, cap = products
    first, second = locations("WH-A", "WH-B")
    stock(mug, first, 5)  # the preferred location has only part of the order
    for product in products:
        stock(product, second, 5)

    order = place(channel=channel, customer=customer, items=[(mug, 2), (tee, 1), (cap, 1)])

    assert allocated(order) == [("CAP", "WH-B", 1), ("MUG", "WH-B", 2), ("TEE", "WH-B", 1)]


def test_when_only_a_split_covers_the_order_it_takes_the_fewest_shipments(
    channel, customer, products
):
    mug, tee, cap = products
    wh_a, wh_b, wh_c, wh_d = locations("WH-A", "WH-B", "WH-C", "WH-D")
    # WH-A, WH-B and WH-C each hold one SKU (three parcels); WH-D holds two, so WH-D + one
    # other is the cover with two parcels
    stock(mug, wh_a, 5)
    stock(tee, wh_b, 5)
    stock(cap, wh_c, 5)
    stock(mug, wh_d, 5)
    stock(tee, wh_d, 5)

    order = place(channel=channel, customer=customer, items=[(mug, 1), (tee, 1), (cap, 1)])

    assert allocated(order) == [("CAP", "WH-C", 1), ("MUG", "WH-D", 1), ("TEE", "WH-D", 1)]


def test_a_line_too_big_for_any_one_location_is_split_over_the_fewest(channel, customer):
    mug = factories.ProductFactory(sku="MUG")
    wh_a, wh_b, wh_c = locations("WH-A", "WH-B", "WH-C")
    stock(mug, wh_a, 2)
    stock(mug, wh_b, 3)
    stock(mug, wh_c, 6)

    order = place(channel=channel, customer=customer, items=[(mug, 8)])

    # WH-C's 6 and 2 more: two parcels, from the preferred of the two that can give them
    assert allocated(order) == [("MUG", "WH-A", 2), ("MUG", "WH-C", 6)]


def test_with_equal_shipments_the_cheaper_plan_wins(channel, customer, products, estimator):
    prices, _ = estimator
    mug = products[0]
    near, far = locations("WH-FAR", "WH-NEAR")  # the dearer one has the higher priority
    prices.update({"WH-FAR": Decimal("9.00"), "WH-NEAR": Decimal("4.00")})
    stock(mug, near, 5)
    stock(mug, far, 5)

    order = place(channel=channel, customer=customer, items=[(mug, 2)])

    assert shipped_from(order) == {"WH-NEAR"}


def test_with_equal_cost_the_higher_priority_wins(channel, customer, products, estimator):
    prices, _ = estimator
    mug = products[0]
    first, second = locations("WH-A", "WH-B")
    prices.update({"WH-A": Decimal("5.00"), "WH-B": Decimal("5.00")})
    stock(mug, second, 5)
    stock(mug, first, 5)

    order = place(channel=channel, customer=customer, items=[(mug, 2)])

    assert shipped_from(order) == {"WH-A"}


def test_with_equal_cost_the_plan_that_meets_the_promised_date_wins(
    channel, customer, products, estimator
):
    prices, days = estimator
    mug = products[0]
    late, on_time = locations("WH-LATE", "WH-SOON")
    prices.update({"WH-LATE": Decimal("5.00"), "WH-SOON": Decimal("5.00")})
    days.update({"WH-LATE": -2, "WH-SOON": 1})
    stock(mug, late, 5)
    stock(mug, on_time, 5)

    order = place(channel=channel, customer=customer, items=[(mug, 2)], promised_ship_date=PROMISED)

    assert shipped_from(order) == {"WH-SOON"}
    event = order.events.get(type=OrderEvent.Type.STOCK_RESERVED)
    assert event.data["sourcing"]["runners_up"][0]["meets_promise"] is False


def test_fewer_shipments_win_over_a_cheaper_split(channel, customer, products, estimator):
    prices, _ = estimator
    mug, tee, _ = products
    whole, half_a, half_b = locations("WH-WHOLE", "WH-MUG", "WH-TEE")
    prices.update({"WH-WHOLE": Decimal("20.00"), "WH-MUG": Decimal("1.00"), "WH-TEE": Decimal(1)})
    stock(mug, whole, 5)
    stock(tee, whole, 5)
    stock(mug, half_a, 5)
    stock(tee, half_b, 5)

    order = place(channel=channel, customer=customer, items=[(mug, 1), (tee, 1)])

    assert shipped_from(order) == {"WH-WHOLE"}


def test_a_plan_the_estimator_cannot_price_loses_to_one_it_can(
    channel, customer, products, estimator
):
    prices, _ = estimator
    mug = products[0]
    unpriced, priced = locations("WH-NOWHERE", "WH-PRICED")
    prices["WH-PRICED"] = Decimal("30.00")  # WH-NOWHERE is unknown to the estimator: None
    stock(mug, unpriced, 5)
    stock(mug, priced, 5)

    order = place(channel=channel, customer=customer, items=[(mug, 1)])

    assert shipped_from(order) == {"WH-PRICED"}


def test_the_search_prices_a_bounded_number_of_parcels_over_many_locations():
    calls = []

    def estimate(origin, destination, weight_grams):
        calls.append(origin.code)
        return Decimal("5.00")

    sites = [sourcing.Site(pk, f"L{pk:03d}", pk, Location.Kind.WAREHOUSE) for pk in range(500)]
    demands = [sourcing.Demand(product_id, 2, 100) for product_id in range(5)]
    # every location holds every SKU but the first; the first holds only SKU 0
    sellable = {(d.product_id, site.pk): 9 for d in demands for site in sites[1:]}
    sellable[0, 0] = 9
    registered = sourcing.registered_cost_estimator()
    sourcing.register_cost_estimator(estimate)
    try:
        decision = sourcing.choose_plan(demands, sites, sellable, sourcing.Rules())
    finally:
        sourcing.register_cost_estimator(registered)

    assert decision.chosen.locations == (sites[1],)  # one parcel, the best priority that can
    assert len(calls) <= sourcing.MAX_PRICED
    assert [option.shipments for option in decision.runners_up] == [1, 1, 1]


# --- the decision on the timeline -----------------------------------------------------------


def test_the_reservation_event_holds_the_decision_and_its_runners_up(
    channel, customer, products, estimator
):
    prices, _ = estimator
    mug, tee, _ = products
    east, west, store = locations("WH-EAST", "WH-WEST", "STORE-NYC")
    prices.update({"WH-EAST": Decimal("4.10"), "WH-WEST": Decimal("4.00"), "STORE-NYC": 5})
    stock(mug, east, 5)
    stock(tee, east, 5)
    stock(mug, west, 5)
    stock(tee, store, 5)

    order = place(channel=channel, customer=customer, items=[(mug, 1), (tee, 1)])

    event = order.events.get(type=OrderEvent.Type.STOCK_RESERVED)
    chosen = {
        "locations": ["WH-EAST"],
        "shipments": 1,
        "units": 2,
        "estimated_cost": "4.90",  # 4.10 + 0.8 kg at 1.00
        "meets_promise": True,
    }
    assert event.data["sourcing"]["chosen"] == chosen
    runners_up = event.data["sourcing"]["runners_up"]
    assert runners_up[0] == {
        "locations": ["WH-WEST", "STORE-NYC"],
        "shipments": 2,
        "units": 2,
        "estimated_cost": "9.80",  # 4.00 + 0.4 and 5.00 + 0.4
        "meets_promise": True,
    }
    assert len(runners_up) <= 3
    assert event.message.startswith(
        "From WH-EAST: 1 parcel, est. 4.90; WH-WEST + STORE-NYC would be 2 parcels, 9.80"
    )
    assert "Reserved 1 × MUG at WH-EAST, 1 × TEE at WH-EAST." in event.message


def test_without_an_estimator_plans_are_told_apart_by_shipments(
    channel, customer, products, no_estimator
):
    mug = products[0]
    (warehouse,) = locations("WH-A")

    stock(mug, warehouse, 5)
    order = place(channel=channel, customer=customer, items=[(mug, 1)])

    event = order.events.get(type=OrderEvent.Type.STOCK_RESERVED)
    assert event.data["sourcing"]["chosen"]["estimated_cost"] is None
    assert event.message == "From WH-A: 1 parcel. Reserved 1 × MUG at WH-A."


# --- the rules ------------------------------------------------------------------------------


def test_safety_stock_is_never_taken_nor_offered(channel, customer, products):
    mug = products[0]
    store, warehouse = locations("STORE-1", "WH-A")
    stock(mug, store, 5)
    stock(mug, warehouse, 1)
    StockLevel.objects.filter(location=store).update(safety_stock=4)

    assert available_to_sell([mug.pk]) == {mug.pk: 2}  # 1 above the store's 4, 1 at WH-A
    order = place(channel=channel, customer=customer, items=[(mug, 2)])
    assert allocated(order) == [("MUG", "STORE-1", 1), ("MUG", "WH-A", 1)]

    with pytest.raises(InsufficientStock) as refused:
        place(channel=channel, customer=customer, items=[(mug, 1)])
    assert refused.value.shortages == [("MUG", 1, 0)]


def test_a_channel_never_ships_from_its_excluded_locations(channel, customer, products):
    mug = products[0]
    first, second = locations("WH-A", "WH-B")
    stock(mug, first, 5)
    stock(mug, second, 5)
    channel.excluded_locations.add(first)

    order = place(channel=channel, customer=customer, items=[(mug, 2)])

    assert shipped_from(order) == {"WH-B"}
    other = place(
        channel=factories.SalesChannelFactory(code="phone"), customer=customer, items=[(mug, 1)]
    )
    assert shipped_from(other) == {"WH-A"}


def test_excluded_locations_cost_placing_no_query(
    channel, customer, no_estimator, django_assert_num_queries
):
    products = [factories.ProductFactory() for _ in range(3)]
    first, second = locations("WH-A", "WH-B")
    for product in products:
        stock(product, first, 10)
        stock(product, second, 10)
    channel.excluded_locations.add(first)

    # as tests/orders/test_place_order_cost.py counts them (no tax rate here: still one query);
    # no estimator: pricing adds the rate tables' reads, once per process
    with django_assert_num_queries(10):
        order = place(channel=channel, customer=customer, items=[(p, 2) for p in products])

    assert shipped_from(order) == {"WH-B"}


def test_backorders_are_filled_only_where_the_channel_may_ship_from(
    channel, customer, django_capture_on_commit_callbacks
):
    tee = factories.ProductFactory(sku="TEE", allow_backorder=True)
    first, second = locations("WH-A", "WH-B")
    channel.excluded_locations.add(first)
    order = place(channel=channel, customer=customer, items=[(tee, 2)])
    assert order.lines.get().quantity_backordered == 2

    with django_capture_on_commit_callbacks(execute=True):  # a receipt fills backorders
        stock(tee, first, 5)
    assert allocated(order) == []
    with django_capture_on_commit_callbacks(execute=True):
        stock(tee, second, 5)

    assert allocated(order) == [("TEE", "WH-B", 2)]


@pytest.mark.parametrize("rule", ["channel", "order"])
def test_never_split_ships_from_one_location_and_backorders_the_rest(channel, customer, rule):
    mug = factories.ProductFactory(sku="MUG", allow_backorder=True)
    tee = factories.ProductFactory(sku="TEE", allow_backorder=True)
    first, second = locations("WH-A", "WH-B")
    stock(mug, first, 5)
    stock(tee, second, 5)
    stock(mug, second, 1)  # WH-B can fill 3 of the 4 units, WH-A 2
    if rule == "channel":
        SalesChannel.objects.filter(pk=channel.pk).update(never_split=True)
        channel.refresh_from_db()

    order = place(
        channel=channel,
        customer=customer,
        items=[(mug, 2), (tee, 2)],
        never_split=rule == "order",
    )

    # WH-B has the tees and one of the two mugs: the most one place can fill
    assert allocated(order) == [("MUG", "WH-B", 1), ("TEE", "WH-B", 2)]
    backordered = dict(order.lines.values_list("sku", "quantity_backordered"))
    assert backordered == {"MUG": 1, "TEE": 0}


def test_never_split_refuses_what_one_location_cannot_give_and_cannot_be_backordered(
    channel, customer
):
    mug = factories.ProductFactory(sku="MUG")
    tee = factories.ProductFactory(sku="TEE")
    first, second = locations("WH-A", "WH-B")
    stock(mug, first, 5)
    stock(tee, second, 5)

    with pytest.raises(InsufficientStock) as refused:
        place(channel=channel, customer=customer, items=[(mug, 1), (tee, 1)], never_split=True)

    assert refused.value.shortages == [("TEE", 1, 5)]
    split = place(channel=channel, customer=customer, items=[(mug, 1), (tee, 1)])
    assert shipped_from(split) == {"WH-A", "WH-B"}


def test_a_store_order_takes_the_store_shelf_even_over_one_warehouse_parcel(customer):
    till = factories.SalesChannelFactory(code="pos", kind=SalesChannel.Kind.STORE)
    mug = factories.ProductFactory(sku="MUG")
    (warehouse,) = locations("WH-A")
    (store,) = locations("STORE-1", kind=Location.Kind.STORE)
    stock(mug, warehouse, 10)
    stock(mug, store, 10)

    order = place(channel=till, customer=customer, items=[(mug, 3)])

    assert allocated(order) == [("MUG", "STORE-1", 3)]


def test_a_draft_placed_never_split_keeps_the_rule_when_submitted(channel, customer):
    mug = factories.ProductFactory(sku="MUG")
    tee = factories.ProductFactory(sku="TEE", allow_backorder=True)
    first, second = locations("WH-A", "WH-B")
    stock(mug, first, 5)
    stock(tee, second, 5)
    draft = place(
        channel=channel, customer=customer, items=[(mug, 1), (tee, 1)], never_split=True, draft=True
    )

    order = services.submit_draft(order=draft)

    assert allocated(order) == [("MUG", "WH-A", 1)]
    assert order.lines.get(sku="TEE").quantity_backordered == 1


# --- whatever the stock ---------------------------------------------------------------------

SKUS, SITES = 3, 4
stock_levels = st.lists(
    st.tuples(st.integers(0, 6), st.integers(0, 3)),  # on hand, safety stock
    min_size=SKUS * SITES,
    max_size=SKUS * SITES,
)
order_lines = st.lists(
    st.tuples(st.integers(0, SKUS - 1), st.integers(1, 9)), min_size=1, max_size=4
)


@pytest.fixture
def world(channel, customer):
    products = [
        factories.ProductFactory(sku=f"P{i}", allow_backorder=i == 0, weight_grams=100 * i)
        for i in range(SKUS)
    ]
    sites = locations(*(f"L{i}" for i in range(SITES)))
    sites[1].kind = Location.Kind.STORE
    sites[1].save()
    return channel, customer, products, sites


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(levels=stock_levels, lines=order_lines, never_split=st.booleans())
def test_a_plan_never_takes_more_than_there_is_and_accounts_for_every_unit(
    world, levels, lines, never_split
):
    channel, customer, products, sites = world
    with transaction.atomic():
        for number, (on_hand, safety) in enumerate(levels):
            product, site = products[number // SITES], sites[number % SITES]
            StockLevel.objects.create(
                product=product, location=site, on_hand=on_hand, safety_stock=safety
            )
        sellable = {
            (level.product_id, level.location_id): level.sellable
            for level in StockLevel.objects.all()
        }
        draft = place(
            channel=channel,
            customer=customer,
            items=[(products[sku], quantity) for sku, quantity in lines],
            never_split=never_split,
            draft=True,
        )
        requests = [(line, line.quantity) for line in draft.lines.select_related("product")]

        requested, in_stock = defaultdict(int), defaultdict(int)
        for line, wanted in requests:
            requested[line.sku] += wanted
        sku_of = {product.pk: product.sku for product in products}
        for (product_id, _), units in sellable.items():
            in_stock[sku_of[product_id]] += units
        try:
            plan = sourcing.plan_reservations(requests, order=draft, lock=False)
        except InsufficientStock as refused:
            # refused only for a SKU that may not be backordered, short where it may come from
            assert refused.shortages
            for sku, _, _ in refused.shortages:
                assert sku != "P0"
                assert never_split or requested[sku] > in_stock[sku]
        else:
            taken = defaultdict(int)
            for line, location, quantity in plan.allocations:
                assert quantity > 0
                taken[line.product_id, location.pk] += quantity
            assert all(units <= sellable[key] for key, units in taken.items())
            if not never_split:  # every unit that is somewhere is reserved
                for product in products:
                    reserved = sum(q for key, q in taken.items() if key[0] == product.pk)
                    assert reserved == min(requested[product.sku], in_stock[product.sku])
            for line, wanted in requests:
                reserved = sum(q for other, _, q in plan.allocations if other is line)
                assert reserved + plan.backorders.get(line.pk, 0) == wanted
            if never_split:
                assert len({location.pk for _, location, _ in plan.allocations}) <= 1
        transaction.set_rollback(True)


def test_the_registered_estimator_can_be_read_back_to_restore_it():
    registered = sourcing.registered_cost_estimator()

    def estimate(origin, destination, weight_grams):
        return Decimal("1.00")

    try:
        sourcing.register_cost_estimator(estimate)
        assert sourcing.registered_cost_estimator() is estimate
        sourcing.register_cost_estimator(None)
        assert sourcing.registered_cost_estimator() is None
    finally:
        sourcing.register_cost_estimator(registered)
