"""Shared fixtures, and the rule for tests that need real services.

A test marked ``postgres``, ``redis``, ``amqp`` (RabbitMQ) or ``browser`` is skipped when that
service is missing, and fails instead under OMS_REQUIRE_SERVICES=1 (CI), so CI can never pass by
skipping.
"""

import os
from decimal import Decimal

import kombu
import pytest
import redis
from celery._state import _set_task_join_will_block
from django.db import connection
from kombu.exceptions import OperationalError

from shipping import rate_tables
from tests import factories
from tests.workers import WorkerProcesses

REQUIRE_SERVICES = os.environ.get("OMS_REQUIRE_SERVICES") == "1"
REDIS_URL = os.environ.get("OMS_TEST_REDIS_URL", "")
AMQP_URL = os.environ.get("OMS_TEST_AMQP_URL", "")
CHROMIUM_PATH = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def _redis_reachable() -> bool:
    if not REDIS_URL:
        return False
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping())
    except redis.RedisError:
        return False


def _amqp_reachable() -> bool:
    if not AMQP_URL:
        return False
    with kombu.Connection(AMQP_URL, connect_timeout=2) as amqp:
        refused = (OperationalError, *amqp.connection_errors, *amqp.channel_errors)
        try:
            amqp.ensure_connection(max_retries=1)
        except refused:
            return False
    return True


def _missing_services() -> dict[str, str]:
    return {
        "postgres": "" if connection.vendor == "postgresql" else "PostgreSQL",
        "redis": "" if _redis_reachable() else "Redis",
        "amqp": "" if _amqp_reachable() else "RabbitMQ",
        "browser": "" if os.path.exists(CHROMIUM_PATH) else f"Chromium at {CHROMIUM_PATH}",
    }


def pytest_configure(config):
    from django.conf import settings

    config._oms_missing = None
    # Test users need no slow hashing: the default hasher costs about a second per user.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # A task that fails in a test must fail the test.
    from oms.celery import app as celery_app

    celery_app.conf.task_eager_propagates = True


def pytest_runtest_setup(item):
    config = item.config
    if config._oms_missing is None:
        config._oms_missing = _missing_services()
    missing = [
        config._oms_missing[marker]
        for marker in ("postgres", "redis", "amqp", "browser")
        if item.get_closest_marker(marker) and config._oms_missing[marker]
    ]
    if missing:
        message = f"needs {', '.join(missing)}"
        if REQUIRE_SERVICES:
            pytest.fail(f"{message} (OMS_REQUIRE_SERVICES=1)", pytrace=False)
        pytest.skip(message)


@pytest.fixture(autouse=True)
def celery_joins_allowed_again():
    """Celery keeps "a task is running here, do not wait for results" in one process-wide flag,
    which eager tasks set and reset around each run: threads running eager tasks at once
    (the concurrency tests) can leave it set, and a later test's ``result.get()`` would then be
    refused. Each test starts with it cleared."""
    _set_task_join_will_block(False)


@pytest.fixture(autouse=True)
def rate_tables_of_this_test(request):
    """Each database test starts with the rate tables in memory (``shipping.rate_tables``) as
    its database holds them, as a process starts: a snapshot an earlier test read is of rows
    its rollback removed, and the registered estimator would price this test's plans with it."""
    if not (request.node.get_closest_marker("django_db") or "db" in request.fixturenames):
        return
    request.getfixturevalue("_django_db_helper")
    rate_tables.reload()


@pytest.fixture(autouse=True)
def customer_totals_at_each_write(request):
    """On PostgreSQL the customer totals trigger fires at commit (orders migration
    ``customer_order_totals``); a test inside a transaction never commits, so there it fires at
    each write instead, as a committed transaction's reads would see it."""
    if not (request.node.get_closest_marker("django_db") or "db" in request.fixturenames):
        return
    request.getfixturevalue("_django_db_helper")
    if connection.vendor == "postgresql" and connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS orders_order_customer_totals IMMEDIATE")


@pytest.fixture
def worker_processes():
    """Start real Celery workers on a fresh queue; any still running are stopped afterwards."""
    workers = WorkerProcesses()
    yield workers
    workers.stop()


@pytest.fixture
def warehouse():
    return factories.LocationFactory(code="WH-A", priority=10)


@pytest.fixture
def second_warehouse():
    return factories.LocationFactory(code="WH-B", priority=20)


@pytest.fixture
def channel():
    return factories.SalesChannelFactory(code="web")


@pytest.fixture
def customer():
    return factories.CustomerFactory()


@pytest.fixture
def address(customer):
    return factories.AddressFactory(customer=customer, country="US", region="NY")


@pytest.fixture
def ny_tax():
    return factories.TaxRateFactory(country="US", region="NY", rate=Decimal("0.0800"))


@pytest.fixture
def login_as(client):
    """Log the test client in with a role: ``login_as("Warehouse")``; None means a superuser."""

    def login(role: str | None = None):
        if role is None:
            user = factories.UserFactory(username="boss", is_superuser=True)
        else:
            user = factories.UserFactory(role=role)
        client.force_login(user)
        client.user = user
        return client

    return login
