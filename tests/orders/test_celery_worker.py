"""The periodic clean-up task, run by a real Celery worker process against Redis."""

import os
from datetime import timedelta

import pytest
from django.utils import timezone

from inventory.models import StockLevel
from orders.models import Order, OrderStatus
from tests import factories
from tests.factories import place, stock
from tests.workers import broker_client

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def test_cancel_stale_orders_runs_in_a_real_worker(worker_processes, channel, customer, warehouse):
    redis_url = os.environ["OMS_TEST_REDIS_URL"]
    worker_processes.start(broker_url=redis_url, result_backend=redis_url)
    product = factories.ProductFactory()
    stock(product, warehouse, 5)
    stale = place(
        channel=channel,
        customer=customer,
        items=[(product, 2)],
        placed_at=timezone.now() - timedelta(days=5),
    )
    fresh = place(channel=channel, customer=customer, items=[(product, 1)])
    client = broker_client(redis_url, redis_url)

    result = client.send_task("orders.tasks.cancel_stale_orders", queue=worker_processes.queue)
    cancelled = result.get(timeout=60)
    again = client.send_task("orders.tasks.cancel_stale_orders", queue=worker_processes.queue)

    assert cancelled == [stale.number]
    assert again.get(timeout=60) == []  # idempotent: a second run finds nothing to do
    stale.refresh_from_db()
    fresh.refresh_from_db()
    assert (stale.status, fresh.status) == (OrderStatus.CANCELLED, OrderStatus.PLACED)
    assert StockLevel.objects.get(product=product).reserved == 1
    assert Order.objects.get(pk=stale.pk).events.filter(type="cancelled").exists()
