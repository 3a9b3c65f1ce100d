"""With a read replica configured, reports read from it and nothing writes to it. The replica
alias here mirrors the test database (TEST {"MIRROR": "default"}), added for the test only."""

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext

from core.db_routers import ReportingRouter
from core.reporting import REPLICA, get_report, reading_reports, reporting_alias
from orders.models import Order
from reports.runner import run
from tests.reports.sales_fixture import build_shop, params


@pytest.fixture
def replica():
    """The "replica" alias, a second connection to the test database, as
    DATABASE_REPLICA_URL would configure it (oms/settings.py)."""
    settings_dict = connections["default"].settings_dict
    connections.settings[REPLICA] = {
        **settings_dict,
        "TEST": {**settings_dict["TEST"], "MIRROR": "default"},
    }
    # Connected here: a test may only open the connections it declared, and the alias did
    # not exist when it declared them.
    connections[REPLICA].connect()
    yield REPLICA
    connections[REPLICA].close()
    del connections[REPLICA]
    del connections.settings[REPLICA]


def test_without_a_replica_reports_read_the_default_database():
    assert reporting_alias() == "default"
    with reading_reports() as alias:
        assert alias == "default"


# Committed data (transactional_db, before the alias is added): the replica's connection sees
# only what is committed.
def test_report_queries_go_to_the_replica(transactional_db, replica):
    build_shop()
    assert reporting_alias() == REPLICA
    with (
        CaptureQueriesContext(connections[REPLICA]) as on_replica,
        CaptureQueriesContext(connections["default"]) as on_default,
    ):
        result = run(get_report("sales"), params())
    assert {h.label: h.value for h in result.headlines}["Orders"] == 4
    assert len(on_replica) >= 8  # this period's and the previous one's
    assert not on_default.captured_queries


def test_the_router_reads_reports_from_the_replica_and_writes_to_default(db, replica):
    router = ReportingRouter()
    assert router.db_for_read(Order) is None  # outside reports: Django's default
    with reading_reports():
        assert router.db_for_read(Order) == REPLICA
        assert router.db_for_write(Order) == "default"
    assert router.allow_migrate(REPLICA, "orders") is False
    assert router.allow_migrate("default", "orders") is True
