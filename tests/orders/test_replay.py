"""What-if sourcing replay: changes nothing in the database, reads the period in a fixed
number of queries, and a changed rule changes the numbers."""

from datetime import timedelta

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from orders import replay
from orders.replay import RuleChanges, StockRule, replay_sourcing
from tests import factories
from tests.factories import place, stock

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

TODAY = timezone.localdate()
PERIOD = {"date_from": TODAY - timedelta(days=1), "date_to": TODAY}


def database_state() -> dict[str, object]:
    """Row counts of every orders and inventory table and a checksum of the allocations and
    stock rows."""
    counts = {
        model._meta.db_table: model.objects.count()
        for app in ("orders", "inventory")
        for model in apps.get_app_config(app).get_models()
    }
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT md5(string_agg(concat_ws(',', id, line_id, location_id, quantity, "
            "picked_quantity), ';' ORDER BY id)) FROM orders_allocation"
        )
        allocations = cursor.fetchone()[0]
        cursor.execute(
            "SELECT md5(string_agg(concat_ws(',', id, on_hand, reserved, safety_stock), ';' "
            "ORDER BY id)) FROM inventory_stocklevel"
        )
        levels = cursor.fetchone()[0]
    return counts | {"allocations": allocations, "levels": levels}


@pytest.fixture
def orders(channel, customer):
    """Three orders, each of a mug and a tee: the east warehouse has both (one parcel), the
    west only mugs, the store only tees."""
    east = factories.LocationFactory(code="WH-EAST", priority=10)
    west = factories.LocationFactory(code="WH-WEST", priority=20)
    store = factories.LocationFactory(code="STORE-NYC", priority=30, kind="store")
    mug = factories.ProductFactory(sku="MUG")
    tee = factories.ProductFactory(sku="TEE")
    stock(mug, east, 10)
    stock(tee, east, 10)
    stock(mug, west, 10)
    stock(tee, store, 10)
    placed = [
        place(channel=channel, customer=customer, items=[(mug, 1), (tee, 1)]) for _ in range(3)
    ]
    return placed, {"east": east, "west": west, "store": store}


def test_replay_writes_nothing(orders):
    before = database_state()
    result = replay_sourcing(
        **PERIOD,
        changes=RuleChanges(
            safety_stock={"WH-EAST": StockRule(100, percent=True), "*": StockRule(1)},
            excluded_codes=frozenset({"STORE-NYC"}),
            never_split=replay.ALWAYS,
        ),
    )
    assert result.orders == 3
    assert database_state() == before


def test_replay_under_unchanged_rules_matches_the_recorded_decisions(orders):
    result = replay_sourcing(**PERIOD, changes=RuleChanges())
    assert result.recorded.orders == result.current.orders == result.changed.orders == 3
    assert result.recorded.shipments == result.current.shipments == 3
    assert result.recorded.split_rate == result.changed.split_rate == 0
    assert result.changed_plans == 0


def test_a_changed_rule_gives_different_numbers(orders):
    # the east warehouse keeps everything back: mugs come from the west, tees from the store
    result = replay_sourcing(
        **PERIOD, changes=RuleChanges(safety_stock={"WH-EAST": StockRule(100, percent=True)})
    )
    assert (result.current.shipments, result.changed.shipments) == (3, 6)
    assert (result.current.split_rate, result.changed.split_rate) == (0, 100)
    assert result.changed_plans == 3
    assert {d.changed for d in result.differences} == {"WH-WEST + STORE-NYC"}
    # never split on top: one location only, so half of each order is left unsourced
    never_split = replay_sourcing(
        **PERIOD,
        changes=RuleChanges(
            safety_stock={"WH-EAST": StockRule(100, percent=True)}, never_split=replay.ALWAYS
        ),
    )
    assert never_split.changed.shipments == 3
    assert never_split.changed.fill_rate == 50


def test_priorities_and_exclusions_move_orders(orders, channel, customer):
    result = replay_sourcing(**PERIOD, changes=RuleChanges(excluded_codes=frozenset({"WH-EAST"})))
    assert result.changed.shipments == 6


def test_the_replay_reads_in_a_fixed_number_of_queries(orders, channel, customer):
    with CaptureQueriesContext(connection) as small_queries:
        small = replay_sourcing(**PERIOD, changes=RuleChanges())
    mug, tee = orders[0][0].lines.order_by("sku")
    for _ in range(10):
        place(channel=channel, customer=customer, items=[(mug.product, 1), (tee.product, 1)])
    with CaptureQueriesContext(connection) as large_queries:
        large = replay_sourcing(**PERIOD, changes=RuleChanges())
    assert (small.orders, large.orders) == (3, 13)
    reads = [q["sql"] for q in large_queries.captured_queries if "SAVEPOINT" not in q["sql"]]
    assert len(small_queries) == len(large_queries) and len(reads) == 7, reads


def test_a_period_with_too_many_orders_is_refused(orders, monkeypatch):
    monkeypatch.setattr(replay, "MAX_ORDERS", 2)
    with pytest.raises(replay.ReplayTooLarge) as error:
        replay_sourcing(**PERIOD, changes=RuleChanges())
    assert "More than 2 orders" in error.value.message


def test_the_replay_page_compares_side_by_side_for_managers_only(orders, login_as):
    url = reverse("orders:sourcing_replay")
    client = login_as("Manager")
    assert "Placed from" in client.get(url).content.decode()
    response = client.get(
        url,
        {
            "date_from": PERIOD["date_from"].isoformat(),
            "date_to": PERIOD["date_to"].isoformat(),
            "safety_stock": "WH-EAST=100%",
            "never_split": replay.AS_RECORDED,
        },
    )
    body = response.content.decode()
    assert "3 orders replayed" in body
    assert 'id="replay-comparison"' in body and "Changed rules" in body
    assert "3 orders sourced differently" in body and "WH-WEST + STORE-NYC" in body

    bad = client.get(url, {**{k: v.isoformat() for k, v in PERIOD.items()}, "safety_stock": "x"})
    assert "write it as STORE-NYC=5" in bad.content.decode()
    for role in ("Customer service", "Warehouse", "Finance"):
        assert login_as(role).get(url).status_code == 403
