"""Many buyers at once, on PostgreSQL: no overselling, no duplicates, no deadlocks.

Each thread has its own database connection, as each web worker would.
"""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections

from inventory.exceptions import InsufficientStock
from inventory.models import StockLevel
from orders.models import Order, OrderStatus
from tests import factories
from tests.factories import place, stock

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run_concurrently(count: int, work) -> list:
    """Run ``work(i)`` in ``count`` threads released together; re-raise any unexpected error."""
    barrier = threading.Barrier(count)

    def run(index: int):
        try:
            barrier.wait(timeout=30)
            return work(index)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))


def deadlocks() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")
        return cursor.fetchone()[0]


def test_thirty_buyers_for_ten_units_place_exactly_ten_orders(channel, warehouse):
    product = factories.ProductFactory(sku="HOT")
    stock(product, warehouse, 10)
    customers = [factories.CustomerFactory() for _ in range(30)]

    def buy(index: int) -> str:
        try:
            place(channel=channel, customer=customers[index], items=[(product, 1)])
        except InsufficientStock as refused:
            assert "HOT: 1 requested, 0 available" in str(refused)
            return "refused"
        return "placed"

    results = run_concurrently(30, buy)

    assert results.count("placed") == 10
    assert results.count("refused") == 20
    level = StockLevel.objects.get(product=product, location=warehouse)
    assert (level.on_hand, level.reserved) == (10, 10)
    assert Order.objects.filter(status=OrderStatus.PLACED).count() == 10
    assert len(set(Order.objects.values_list("number", flat=True))) == 10


def test_the_same_channel_order_sent_concurrently_gives_one_order(channel, customer, warehouse):
    product = factories.ProductFactory()
    stock(product, warehouse, 50)

    def send(_: int) -> int:
        return place(
            channel=channel, customer=customer, items=[(product, 2)], external_id="MKT-42"
        ).pk

    order_ids = run_concurrently(10, send)

    assert len(set(order_ids)) == 1
    assert Order.objects.count() == 1
    assert StockLevel.objects.get(product=product).reserved == 2


def test_opposite_line_orders_do_not_deadlock(channel, warehouse, second_warehouse):
    a = factories.ProductFactory(sku="A")
    b = factories.ProductFactory(sku="B")
    for product in (a, b):
        stock(product, warehouse, 100)
        stock(product, second_warehouse, 100)
    customers = [factories.CustomerFactory() for _ in range(20)]
    before = deadlocks()

    def buy(index: int) -> None:
        items = [(a, 1), (b, 1)] if index % 2 else [(b, 1), (a, 1)]
        for _ in range(3):
            place(channel=channel, customer=customers[index], items=items)

    run_concurrently(20, buy)

    time.sleep(1.1)  # statistics are flushed to shared memory at most once a second
    assert deadlocks() == before
    assert Order.objects.count() == 60
    assert StockLevel.objects.get(product=a, location=warehouse).reserved == 60
    assert StockLevel.objects.get(product=b, location=warehouse).reserved == 60


def test_concurrent_cancel_and_backorder_fill_keep_stock_consistent(channel, warehouse):
    from orders import services

    product = factories.ProductFactory(sku="BO", allow_backorder=True)
    stock(product, warehouse, 5)
    orders = [
        place(channel=channel, customer=factories.CustomerFactory(), items=[(product, 2)])
        for _ in range(6)
    ]  # 5 reserved, 7 backordered

    def work(index: int) -> None:
        if index < 3:
            services.cancel_order(order=orders[index], reason="race")
        else:
            services.allocate_backorders(product=product)

    run_concurrently(6, work)
    services.allocate_backorders(product=product)

    level = StockLevel.objects.get(product=product, location=warehouse)
    allocated = sum(
        line.quantity_allocated
        for order in Order.objects.exclude(status=OrderStatus.CANCELLED)
        for line in order.lines.all()
    )
    assert level.reserved == allocated == 5
