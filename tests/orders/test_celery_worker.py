"""The periodic clean-up task, run by a real Celery worker process against Redis."""

import os
import subprocess
import sys
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from celery import Celery
from django.db import connection
from django.utils import timezone

from inventory.models import StockLevel
from orders.models import Order, OrderStatus
from tests import factories
from tests.factories import place, stock

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]
PROJECT_ROOT = Path(__file__).resolve().parents[2]


def worker_database_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def worker_queue():
    """A worker process on its own queue, sharing the test database."""
    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = os.environ | {
        "DATABASE_URL": worker_database_url(),
        "REDIS_URL": os.environ["OMS_TEST_REDIS_URL"],
        "CELERY_TASK_ALWAYS_EAGER": "0",
    }
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "oms",
            "worker",
            "--pool=solo",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-Q",
            queue,
            "-l",
            "warning",
        ],
        cwd=PROJECT_ROOT,
        env=env,
    )
    try:
        yield queue
    finally:
        worker.terminate()
        worker.wait(timeout=20)


def test_cancel_stale_orders_runs_in_a_real_worker(worker_queue, channel, customer, warehouse):
    product = factories.ProductFactory()
    stock(product, warehouse, 5)
    stale = place(
        channel=channel,
        customer=customer,
        items=[(product, 2)],
        placed_at=timezone.now() - timedelta(days=5),
    )
    fresh = place(channel=channel, customer=customer, items=[(product, 1)])
    client = Celery(
        broker=os.environ["OMS_TEST_REDIS_URL"], backend=os.environ["OMS_TEST_REDIS_URL"]
    )

    result = client.send_task("orders.tasks.cancel_stale_orders", queue=worker_queue)
    cancelled = result.get(timeout=60)
    again = client.send_task("orders.tasks.cancel_stale_orders", queue=worker_queue)

    assert cancelled == [stale.number]
    assert again.get(timeout=60) == []  # idempotent: a second run finds nothing to do
    stale.refresh_from_db()
    fresh.refresh_from_db()
    assert (stale.status, fresh.status) == (OrderStatus.CANCELLED, OrderStatus.PLACED)
    assert StockLevel.objects.get(product=product).reserved == 1
    assert Order.objects.get(pk=stale.pk).events.filter(type="cancelled").exists()
