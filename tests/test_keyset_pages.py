"""Histories page by keyset on an index that matches their order: the stock ledger, the order
timeline and a customer's orders. Every row once, in order, forward and back (ties and NULLs
included); each page an index range with a LIMIT (EXPLAIN); counts capped; queries bounded."""

import json
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.db import connection, transaction
from django.db.models import Index, Model, QuerySet
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.pagination import KeysetPage, format_cursor, keyset_ordering, keyset_page
from inventory import selectors as inventory_selectors
from inventory import services as inventory
from inventory.models import StockMovement
from orders import selectors
from orders.models import Order, OrderEvent, OrderStatus
from tests import factories

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
PRODUCT_PAGE_MAX_QUERIES = 13
CUSTOMER_PAGE_MAX_QUERIES = 8
CUSTOMER_PANEL_MAX_QUERIES = 8
ORDER_PAGE_MAX_QUERIES = 20


# --- helpers --------------------------------------------------------------------------------


def walk(fetch) -> tuple[list[list[int]], list[KeysetPage]]:
    """Page forward from the first page to the last, then back to the first: the pks of
    every page visited, and the pages. ``fetch(after=…, before=…)`` returns a KeysetPage."""
    pages = [fetch(after="", before="")]
    while pages[-1].next_cursor:
        pages.append(fetch(after=pages[-1].next_cursor, before=""))
    backwards = [pages[-1]]
    while backwards[-1].previous_cursor:
        backwards.append(fetch(after="", before=backwards[-1].previous_cursor))
    visited = pages + backwards[1:]
    return [[row.pk for row in page.rows] for page in visited], pages


def index_named(model: type[Model], *fields: str) -> str:
    """The name of the model's index on exactly these fields (as written in Meta.indexes)."""
    (index,) = [
        i for i in model._meta.indexes if isinstance(i, Index) and tuple(i.fields) == fields
    ]
    return index.name


def plan_nodes(plan: dict) -> list[dict]:
    nodes = [plan]
    for child in plan.get("Plans", []):
        nodes += plan_nodes(child)
    return nodes


def plans_of(run) -> list[list[dict]]:
    """The plan nodes of each query ``run()`` sends, as PostgreSQL would run them on a big
    table: scans that read a whole table and sorts priced out, so a Sort or a Seq Scan in a
    plan means no index serves the query."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            for setting in ("enable_seqscan", "enable_bitmapscan", "enable_sort"):
                cursor.execute(f"SET LOCAL {setting} = off")
        with CaptureQueriesContext(connection) as captured:
            run()
        plans = []
        for query in captured.captured_queries:
            with connection.cursor() as cursor:
                cursor.execute(f"EXPLAIN (FORMAT JSON) {query['sql']}")
                value = cursor.fetchone()[0]
            (plan,) = json.loads(value) if isinstance(value, str) else value
            plans.append(plan_nodes(plan["Plan"]))
    return plans


def assert_index_range_with_limit(nodes: list[dict], *, table: str, index: str) -> None:
    types = [node["Node Type"] for node in nodes]
    assert "Sort" not in types and "Incremental Sort" not in types, types
    assert types[0] == "Limit", types
    scans = [node for node in nodes if node.get("Relation Name") == table]
    assert [(s["Node Type"], s.get("Index Name")) for s in scans] == [("Index Scan", index)]


def make_ties(queryset: QuerySet, field: str, moments: list) -> None:
    """Give the rows of ``queryset`` (by pk) the ``moments`` in turn: many rows share one."""
    for number, pk in enumerate(queryset.order_by("pk").values_list("pk", flat=True)):
        queryset.model.objects.filter(pk=pk).update(**{field: moments[number % len(moments)]})


# --- the core pager -------------------------------------------------------------------------


def test_a_malformed_cursor_opens_the_first_page(warehouse):
    product = factories.ProductFactory()
    for _ in range(3):
        inventory.receive_stock(product=product, location=warehouse, quantity=1)
    movements = inventory_selectors.stock_ledger(product)
    first = keyset_page(movements, sort="-created_at", per_page=2)

    for cursor in ("garbage", "|", "not-a-date|1", "2026-01-01T00:00:00+00:00|①", "\x00|1"):
        page = keyset_page(movements, sort="-created_at", per_page=2, after=cursor)
        assert [m.pk for m in page] == [m.pk for m in first]
        assert not page.previous_cursor and page.next_cursor


def test_every_row_once_in_order_forward_and_back_with_ties(warehouse):
    product = factories.ProductFactory()
    for _ in range(23):
        inventory.receive_stock(product=product, location=warehouse, quantity=1)
    now = timezone.now()
    make_ties(
        StockMovement.objects.filter(product=product), "created_at", [now, now - timedelta(1)]
    )
    movements = inventory_selectors.stock_ledger(product)
    expected = list(movements.order_by("-created_at", "-pk").values_list("pk", flat=True))

    visited, forward = walk(
        lambda **cursors: keyset_page(movements, sort="-created_at", per_page=5, **cursors)
    )

    assert [pk for page in visited[: len(forward)] for pk in page] == expected
    assert [len(page) for page in visited] == [5, 5, 5, 5, 3, 5, 5, 5, 5]
    assert visited[len(forward) :] == list(reversed(visited[: len(forward) - 1]))


# --- the stock ledger -----------------------------------------------------------------------


def ledger_page(client, sku: str, **params) -> KeysetPage:
    url = reverse("inventory:product_detail", args=[sku])
    response = client.get(url, params, headers={**HTMX, "HX-Target": "ledger"})
    assert response.status_code == 200
    return response.context["ledger_page"]


def test_the_ledger_pages_through_every_movement_with_its_location_filter(
    login_as, warehouse, second_warehouse
):
    product = factories.ProductFactory(sku="BOLT")
    for number in range(60):
        location = second_warehouse if number % 3 else warehouse
        inventory.receive_stock(product=product, location=location, quantity=1)
    make_ties(StockMovement.objects.filter(product=product), "created_at", [timezone.now()])
    at_b = StockMovement.objects.filter(product=product, location=second_warehouse)
    expected = list(at_b.order_by("-created_at", "-pk").values_list("pk", flat=True))
    client = login_as("Warehouse")

    visited, forward = walk(
        lambda **cursors: ledger_page(client, "BOLT", location="WH-B", **cursors)
    )

    assert [pk for page in visited[: len(forward)] for pk in page] == expected
    assert visited[len(forward) :] == list(reversed(visited[: len(forward) - 1]))


def test_the_ledger_shows_a_capped_count_and_older_newer_links(login_as, warehouse):
    product = factories.ProductFactory(sku="BOLT")
    for _ in range(30):
        inventory.receive_stock(product=product, location=warehouse, quantity=1)
    client = login_as("Warehouse")
    url = reverse("inventory:product_detail", args=["BOLT"])

    with CaptureQueriesContext(connection) as captured:
        first = client.get(url)
    counts = [q["sql"] for q in captured.captured_queries if "COUNT(" in q["sql"].upper()]
    cursor = first.context["ledger_page"].next_cursor
    second = client.get(url, {"after": cursor}).content.decode()

    assert "30 movements" in first.content.decode()
    assert f"?{urlencode({'after': cursor})}" in first.content.decode()
    assert "← Newer" in second and "« Newest" in second
    assert counts and all("LIMIT 1001" in sql for sql in counts)


@pytest.mark.parametrize(
    ("at", "index_fields"),
    [
        ("", ("product", "-created_at", "-id")),
        ("at WH-A", ("product", "location", "-created_at", "-id")),  # one with few rows
    ],
)
def test_each_ledger_page_is_an_index_range_with_a_limit(
    warehouse, second_warehouse, at, index_fields
):
    product = factories.ProductFactory()
    for number in range(60):
        location = warehouse if number % 10 == 0 else second_warehouse
        inventory.receive_stock(product=product, location=location, quantity=1)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE inventory_stockmovement")
    movements = inventory_selectors.stock_ledger(product)
    if at:
        movements = movements.filter(location=warehouse)  # as LedgerFilter does
    index = index_named(StockMovement, *index_fields)
    first = keyset_page(movements, sort="-created_at", per_page=2)

    for cursors in ({}, {"after": first.next_cursor}, {"before": first.next_cursor}):
        for nodes in plans_of(
            lambda c=cursors: keyset_page(movements, sort="-created_at", per_page=2, **c)
        ):
            assert_index_range_with_limit(nodes, table="inventory_stockmovement", index=index)


# --- the order timeline ---------------------------------------------------------------------


@pytest.fixture
def order(channel, customer, warehouse):
    product = factories.ProductFactory()
    factories.stock(product, warehouse, 5)
    return factories.place(channel=channel, customer=customer, items=[(product, 1)])


def test_the_timeline_shows_the_newest_events_and_show_older_appends_the_rest(login_as, order):
    OrderEvent.objects.bulk_create(
        OrderEvent(order=order, type=OrderEvent.Type.NOTE, message=f"Note {n}") for n in range(120)
    )
    make_ties(order.events.all(), "created_at", [timezone.now(), timezone.now() - timedelta(1)])
    expected = list(order.events.order_by("-created_at", "-pk").values_list("message", flat=True))
    client = login_as("Customer service")
    url = reverse("orders:detail", args=[order.number])

    page = client.get(url)
    shown = [event.message for event in page.context["events"]]
    cursor = page.context["events"].next_cursor
    while cursor:
        response = client.get(url, {"panel": "older-events", "after": cursor}, headers=HTMX)
        html = response.content.decode()
        assert html.lstrip().startswith("<li") and "<ol" not in html
        shown += [event.message for event in response.context["events"]]
        cursor = response.context["events"].next_cursor

    assert len(page.context["events"]) == selectors.TIMELINE_EVENTS_SHOWN
    assert "Show older" in page.content.decode()
    assert shown == expected
    assert "Show older" not in html


def test_each_timeline_page_is_an_index_range_with_a_limit(order):
    index = index_named(OrderEvent, "order", "-created_at", "-id")
    newest = selectors.order_timeline(order).rows[0]

    for after in ("", format_cursor(newest, "created_at")):
        for nodes in plans_of(lambda a=after: selectors.order_timeline(order, after=a)):
            assert_index_range_with_limit(nodes, table="orders_orderevent", index=index)


def test_the_order_page_queries_do_not_grow_with_its_events(
    login_as, order, django_assert_max_num_queries
):
    client = login_as("Customer service")
    url = reverse("orders:detail", args=[order.number])

    def page_queries() -> int:
        with django_assert_max_num_queries(ORDER_PAGE_MAX_QUERIES) as captured:
            assert client.get(url).status_code == 200
        return len(captured.captured_queries)

    few = page_queries()
    OrderEvent.objects.bulk_create(
        OrderEvent(order=order, type=OrderEvent.Type.NOTE, message=f"Note {n}") for n in range(80)
    )
    assert page_queries() == few


# --- a customer's orders --------------------------------------------------------------------


@pytest.fixture
def orders_of(channel, warehouse):
    """``count`` orders of the customer: a few drafts (placed_at NULL), placed ones sharing
    two moments, so pages cross the NULLs and the ties."""
    product = factories.ProductFactory()
    factories.stock(product, warehouse, 1000)

    def orders_of(customer, count: int, drafts: int = 3) -> None:
        for _ in range(count):
            factories.place(channel=channel, customer=customer, items=[(product, 1)])
        placed = Order.objects.filter(customer=customer)
        make_ties(placed, "placed_at", [timezone.now(), timezone.now() - timedelta(1)])
        draft_ids = list(placed.order_by("pk").values_list("pk", flat=True)[:drafts])
        Order.objects.filter(pk__in=draft_ids).update(status=OrderStatus.DRAFT, placed_at=None)

    return orders_of


def customer_orders_page(client, customer, **params) -> KeysetPage:
    url = reverse("orders:customer_orders", args=[customer.pk])
    response = client.get(url, params, headers=HTMX)
    assert response.status_code == 200
    return response.context["orders"]


def test_the_customers_orders_page_through_every_order_drafts_first(login_as, customer, orders_of):
    orders_of(customer, 28, drafts=7)  # the first page ends among the drafts' neighbours
    by_keyset = Order.objects.filter(customer=customer).order_by(
        *keyset_ordering("placed_at", descending=True)
    )
    expected = list(by_keyset.values_list("pk", flat=True))
    client = login_as("Customer service")

    for per_page in (5, 7):  # a page boundary on the last draft, and one after it
        visited, forward = walk(
            lambda p=per_page, **cursors: selectors.customer_orders_page(
                customer.pk, per_page=p, **cursors
            )
        )
        assert [pk for page in visited[: len(forward)] for pk in page] == expected
        assert visited[len(forward) :] == list(reversed(visited[: len(forward) - 1]))
    visited, forward = walk(lambda **cursors: customer_orders_page(client, customer, **cursors))
    assert [pk for page in visited[: len(forward)] for pk in page] == expected
    assert Order.objects.get(pk=expected[0]).placed_at is None


def test_each_page_of_a_customers_orders_is_an_index_range_with_a_limit(customer, orders_of):
    orders_of(customer, 8, drafts=2)
    index = index_named(Order, "customer", "-placed_at", "-id")
    first = selectors.customer_orders_page(customer.pk, per_page=3)
    draft, placed = first.rows[0], first.rows[-1]
    draft_cursor, placed_cursor = (
        format_cursor(draft, "placed_at"),
        format_cursor(placed, "placed_at"),
    )

    for cursors in (
        {},
        {"after": placed_cursor},
        {"before": placed_cursor},
        {"after": draft_cursor},
        {"before": draft_cursor},
    ):
        run = lambda c=cursors: selectors.customer_orders_page(customer.pk, per_page=3, **c)  # noqa: E731
        for nodes in plans_of(run):
            assert_index_range_with_limit(nodes, table="orders_order", index=index)


def test_customer_totals_read_their_row_not_the_orders(customer, orders_of):
    orders_of(customer, 3, drafts=1)

    (nodes,) = plans_of(lambda: selectors.totals_by_customer([customer.pk]))

    scans = [node for node in nodes if "Relation Name" in node]
    assert [(s["Relation Name"], s["Node Type"], s["Index Name"]) for s in scans] == [
        ("orders_customerordertotals", "Index Scan", "customerordertotals_customer_currency")
    ]


def test_customer_totals_count_neither_drafts_nor_cancelled_orders(customer, orders_of):
    orders_of(customer, 4, drafts=1)
    cancelled = Order.objects.filter(customer=customer).exclude(status=OrderStatus.DRAFT).first()
    Order.objects.filter(pk=cancelled.pk).update(status=OrderStatus.CANCELLED)
    counted = (
        Order.objects.filter(customer=customer)
        .exclude(pk=cancelled.pk)
        .exclude(status=OrderStatus.DRAFT)
    )

    (totals,) = selectors.totals_by_customer([customer.pk])[customer.pk]

    assert totals.order_count == counted.count() == 2
    assert totals.lifetime_value == sum(order.total for order in counted)


def test_the_customer_page_and_its_panels_cost_the_same_with_more_orders(
    login_as, customer, orders_of, django_assert_max_num_queries
):
    client = login_as("Customer service")
    urls = [
        (reverse("customers:detail", args=[customer.pk]), {}, CUSTOMER_PAGE_MAX_QUERIES),
        (reverse("orders:customer_totals", args=[customer.pk]), HTMX, CUSTOMER_PANEL_MAX_QUERIES),
        (reverse("orders:customer_orders", args=[customer.pk]), HTMX, CUSTOMER_PANEL_MAX_QUERIES),
    ]

    def queries() -> list[int]:
        counts = []
        for url, headers, most in urls:
            with django_assert_max_num_queries(most) as captured:
                assert client.get(url, headers=headers).status_code == 200
            counts.append(len(captured.captured_queries))
        return counts

    orders_of(customer, 2, drafts=1)
    few = queries()
    orders_of(customer, 30, drafts=1)
    assert queries() == few


def test_the_product_page_costs_the_same_with_more_movements_and_on_a_later_page(
    login_as, warehouse, django_assert_max_num_queries
):
    product = factories.ProductFactory(sku="BOLT")
    client = login_as("Warehouse")
    url = reverse("inventory:product_detail", args=["BOLT"])

    def queries(**params) -> int:
        with django_assert_max_num_queries(PRODUCT_PAGE_MAX_QUERIES) as captured:
            response = client.get(url, params)
        assert response.status_code == 200
        return len(captured.captured_queries)

    inventory.receive_stock(product=product, location=warehouse, quantity=1)
    few = queries()
    for _ in range(60):
        inventory.receive_stock(product=product, location=warehouse, quantity=1)
    cursor = keyset_page(
        inventory_selectors.stock_ledger(product), sort="-created_at", per_page=25
    ).next_cursor
    assert queries() == few
    assert queries(after=cursor) == few
