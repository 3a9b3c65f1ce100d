"""The CSV export streams from PostgreSQL's COPY: the same orders, order and cells as the list
and as the ORM path it replaced, the first rows out before the last are read, fixed queries."""

import csv
import io
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from psycopg import pq

from orders import selectors
from orders.models import Order
from tests import factories
from tests.factories import place, stock

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's"),
]

# Names customers type: CSV quoting, formula prefixes, line breaks, no name at all.
AWKWARD_NAMES = [
    "Smith, John",
    'The "Best" Shop',
    "two\nlines",
    "carriage\rreturn",
    "=HYPERLINK(1)",
    "+1 555",
    "-dash",
    "@at",
    "\ttab",
    "\rstarts with CR",
    "Ünïcødé 漢字",
    "",
]


@pytest.fixture
def orders(channel, warehouse):
    """One order per awkward name, an hour apart, different totals and two channels; the
    last one not placed yet (placed_at NULL, as a draft's)."""
    other_channel = factories.SalesChannelFactory(code="pos")
    product = factories.ProductFactory()
    stock(product, warehouse, 1_000)
    newest = datetime(2026, 3, 29, 12, 30, 45, 999_999, tzinfo=UTC)  # across a DST change
    placed = []
    for index, name in enumerate(AWKWARD_NAMES):
        customer = factories.CustomerFactory(name=name, email=f"=buyer{index}@example.com")
        order = place(
            channel=other_channel if index % 3 == 0 else channel,
            customer=customer,
            items=[(product, index % 4 + 1), (product, 2)],
            shipping_total=index,
        )
        placed_at = None if index == len(AWKWARD_NAMES) - 1 else newest - timedelta(hours=index)
        Order.objects.filter(pk=order.pk).update(placed_at=placed_at)
        placed.append(order)
    return placed


def export(client, query: str = "") -> bytes:
    response = client.get(reverse("orders:export") + query)
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def numbers_listed(client, query: str) -> list[str]:
    separator = "&" if query else "?"
    html = client.get(reverse("orders:list") + query + separator + "per_page=100").content
    return re.findall(r">(SO-\d+)</a>", html.decode())


def orm_csv(queryset, sort: str) -> bytes:
    """The export as the ORM path writes it (csv.writer, Python's isoformat): the reference."""
    return b"".join(selectors._formatted_csv(selectors.order_export_rows(queryset, sort=sort)))


QUERIES = [
    "",
    "?o=total",
    "?o=-total",
    "?o=number",
    "?o=-number",
    "?o=placed_at",
    "?channel=web&o=total",
    "?status=placed&total_min=30&o=-placed_at",
    "?q=example.com&placed_after=2026-03-28",
    "?has_backorders=false&late=false&on_hold=false&o=-total",
]


@pytest.mark.parametrize("query", QUERIES)
def test_the_export_of_a_filtered_sorted_list_lists_the_same_orders_in_the_same_order(
    login_as, orders, query
):
    client = login_as("Finance")

    rows = list(csv.reader(io.StringIO(export(client, query).decode())))

    assert [row[0] for row in rows[1:]] == numbers_listed(client, query)
    assert len(rows) > 1 or query.startswith("?q=")


@pytest.mark.parametrize("sort", ["-placed_at", "placed_at", "total", "-total", "number"])
@pytest.mark.parametrize("zone", ["UTC", "America/St_Johns", "Asia/Kolkata"])
def test_copy_writes_every_cell_byte_for_byte_as_the_orm_path(orders, sort, zone):
    queryset = Order.objects.all()

    with timezone.override(ZoneInfo(zone)):
        copied = b"".join(selectors.order_export_csv(queryset, sort=sort))
        reference = orm_csv(queryset, sort)

    assert copied == reference
    assert copied.count(b"\r\n") == len(orders)  # CRLF row ends; the "two\nlines" LF stays


def test_cells_are_quoted_defused_and_dated_as_before(login_as, orders):
    rows = list(csv.reader(io.StringIO(export(login_as("Finance"), "?o=number").decode())))
    by_name = {row[6]: row for row in rows[1:]}

    assert by_name["'=HYPERLINK(1)"][7] == "'=buyer4@example.com"
    assert {"Smith, John", 'The "Best" Shop', "two\nlines", "'\ttab", "'-dash", ""} <= set(by_name)
    assert by_name["Smith, John"][1] == "2026-03-29T12:30:45+00:00"
    assert by_name[""][1] == ""  # not placed
    assert by_name[""][8] == str(sum(line.quantity for line in orders[-1].lines.all()))


def test_the_first_rows_leave_while_the_copy_is_still_running(login_as, orders, monkeypatch):
    monkeypatch.setattr(selectors, "EXPORT_ROWS_PER_CHUNK", 2)
    client = login_as("Finance")

    with CaptureQueriesContext(connection) as queries:
        chunks = iter(client.get(reverse("orders:export")).streaming_content)
        header, first = next(chunks), next(chunks)
        still_copying = connection.connection.info.transaction_status == pq.TransactionStatus.ACTIVE
        rest = list(chunks)

    assert header.startswith(b"number,placed_at,")
    assert first.count(b"\r\n") == 2
    assert still_copying
    assert len(rest) == (len(orders) - 1) // 2
    (copy,) = [query["sql"] for query in queries.captured_queries if "COPY" in query["sql"]]
    assert "LEFT JOIN LATERAL" in copy
    # No scalar subquery per row: the only SELECTs are the COPY's, the filtered orders' and
    # the lines' (lateral).
    assert copy.count("SELECT") == 3


def test_the_export_runs_the_same_queries_for_few_orders_and_many(
    login_as, orders, channel, customer, warehouse, django_assert_max_num_queries
):
    client = login_as("Finance")
    query = "?status=placed&channel=web&location=WH-A&o=-total"
    with django_assert_max_num_queries(12) as few:
        export(client, query)
    product = factories.ProductFactory()
    stock(product, warehouse, 100)
    for _ in range(5):
        place(channel=channel, customer=customer, items=[(product, 1)])

    with django_assert_max_num_queries(12) as many:
        body = export(client, query)

    assert body.count(b"\r\n") > len(AWKWARD_NAMES)
    assert len(few.captured_queries) == len(many.captured_queries)


def test_postgresql_jit_is_off_for_the_app():
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone() == ("off",)


def test_a_download_stopped_halfway_leaves_the_connection_usable(orders, monkeypatch):
    monkeypatch.setattr(selectors, "EXPORT_ROWS_PER_CHUNK", 1)
    chunks = selectors.order_export_csv(Order.objects.all(), sort="-placed_at")

    next(chunks)
    chunks.close()  # what the server does when the client goes away

    assert Order.objects.count() == len(orders)
    assert Order.objects.get(pk=orders[0].pk).placed_at == datetime(
        2026, 3, 29, 12, 30, 45, 999_999, tzinfo=UTC
    )
