"""The rate tables in memory as the sourcing engine's estimator: registered at startup, the
same price as a quote, no query once read, read again when a row changes (and only once the
change commits for everyone else), and placing an order keeps its query count."""

from decimal import Decimal

import pytest

from orders import sourcing
from orders.models import OrderEvent
from shipping import rate_tables, rates
from tests import factories
from tests.factories import place, stock
from tests.shipping.conftest import address

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

# Read as the tests are collected, before any test registers an estimator of its own.
REGISTERED_AT_STARTUP = sourcing.registered_cost_estimator()


@pytest.fixture
def estimator():
    """The shipping estimator registered for the test (another test may have replaced it)."""
    previous = sourcing.registered_cost_estimator()
    sourcing.register_cost_estimator(rates.estimate_cost)
    yield
    sourcing.register_cost_estimator(previous)


@pytest.fixture
def committed(tables, django_capture_on_commit_callbacks):
    """The tables as if committed: the change's commit callbacks run, the snapshot is read."""
    with django_capture_on_commit_callbacks(execute=True):
        rate_tables.tables_changed()
    rate_tables.current()
    return tables


def test_shipping_registers_its_rate_tables_as_the_estimator():
    assert REGISTERED_AT_STARTUP is rates.estimate_cost


@pytest.mark.parametrize(
    "destination, grams",
    [
        (address(postal_code="10012"), 400),
        (address(postal_code="60607"), 400),
        (address(postal_code="89502"), 2500),
        (address(country="CA", postal_code="M5V 2T6"), 400),
        (address(country="DE", postal_code="10115"), 400),
        (address(country="", postal_code=""), 400),
    ],
)
def test_the_estimate_is_the_cheapest_quote(committed, destination, grams):
    quotes = rates.quote(destination, grams)
    assert rates.estimate_cost(None, destination, grams) == (quotes[0].amount if quotes else None)


def test_an_estimate_from_memory_takes_no_query(committed, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert rates.estimate_cost(None, address(), 400) == Decimal("4.00")


def test_a_change_is_seen_at_once_here_and_kept_from_the_snapshot_until_it_commits(
    committed, django_capture_on_commit_callbacks
):
    snapshot = rate_tables.current()
    with django_capture_on_commit_callbacks() as callbacks:
        for rate in committed.nyc.rates.filter(service=committed.economy):
            rate.base, rate.per_kg = Decimal("1.50"), Decimal("0")
            rate.save()
        # this connection sees its own change; the committed snapshot stays as it was
        assert rates.estimate_cost(None, address(), 400) == Decimal("1.50")
        assert rate_tables._snapshot[0].tables is snapshot
    for callback in callbacks:  # the commit
        callback()
    assert rate_tables.current() is not snapshot
    assert rates.estimate_cost(None, address(), 400) == Decimal("1.50")


def test_another_process_reads_again_once_the_version_moves(committed, monkeypatch):
    snapshot = rate_tables.current()
    monkeypatch.setattr(rate_tables, "VERSION_CHECK_SECONDS", 0)
    assert rate_tables.current() is snapshot  # same version: kept
    rate_tables.cache.set(rate_tables.VERSION_KEY, "bumped elsewhere")
    assert rate_tables.current() is not snapshot


def test_placing_an_order_priced_by_the_tables_keeps_its_query_count(
    committed, estimator, channel, customer, warehouse, ny_tax, django_assert_num_queries
):
    products = [factories.ProductFactory() for _ in range(3)]
    for product in products:
        stock(product, warehouse, 10)

    with django_assert_num_queries(10):
        order = place(channel=channel, customer=customer, items=[(p, 2) for p in products])

    event = order.events.get(type=OrderEvent.Type.STOCK_RESERVED)
    assert event.data["sourcing"]["chosen"]["estimated_cost"] is not None
