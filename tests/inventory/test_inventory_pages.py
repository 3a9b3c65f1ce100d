"""The inventory pages: product list, product detail with its ledger, and stock adjustments."""

import json
import re

import pytest
from django.urls import reverse

from core import idempotency
from inventory import services
from inventory.models import Product, StockLevel, StockMovement
from orders.models import OrderLine
from tests import factories

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
LIST_URL = reverse("inventory:product_list")
MAX_LIST_QUERIES = 10
MAX_DETAIL_QUERIES = 13


def detail_url(sku: str) -> str:
    return reverse("inventory:product_detail", args=[sku])


def adjust_url(sku: str) -> str:
    return reverse("inventory:adjust", args=[sku])


def listed_skus(response) -> list[str]:
    """SKUs of the product rows, in the order shown."""
    return re.findall(r'href="/inventory/([^/"]+)/"', response.content.decode())


def ledger_references(response) -> list[str]:
    return re.findall(r"PO-\d+", response.content.decode())


def client_events(response) -> dict:
    return json.loads(response.headers.get("HX-Trigger", "{}"))


def adjust(client, sku: str, *, htmx: bool = True, **data):
    """Post the adjustment form with the one-time token the page renders."""
    headers = HTMX if htmx else {}
    return client.post(
        adjust_url(sku), {idempotency.FIELD: idempotency.new_token()} | data, **headers
    )


@pytest.fixture
def widget(warehouse):
    product = factories.ProductFactory(sku="WIDGET", name="Blue widget", barcode="4006381333931")
    factories.stock(product, warehouse, 10)
    return product


# --- access -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "url"),
    [("get", LIST_URL), ("get", detail_url("WIDGET")), ("post", adjust_url("WIDGET"))],
)
def test_anonymous_users_are_sent_to_the_login_page(client, widget, method, url):
    response = getattr(client, method)(url)

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_unknown_sku_is_not_found(login_as, warehouse):
    client = login_as("Warehouse")

    assert client.get(detail_url("NO-SUCH-SKU")).status_code == 404
    response = adjust(client, "NO-SUCH-SKU", location="WH-A", quantity=1, reason="correction")
    assert response.status_code == 404
    assert not StockMovement.objects.exists()


# --- product list -------------------------------------------------------------------------


def test_list_shows_totals_and_available_stock_per_active_location(
    login_as, warehouse, second_warehouse
):
    given = factories.ProductFactory(sku="MUG", name="Coffee mug")
    factories.stock(given, warehouse, 12)
    factories.stock(given, second_warehouse, 5)
    services.reserve(product=given, location=warehouse, quantity=3)
    factories.LocationFactory(code="OLD-STORE", is_active=False)

    response = login_as("Customer service").get(LIST_URL)

    assert response.status_code == 200
    row = response.context["page"].object_list[0]
    assert (row.on_hand_total, row.reserved_total, row.available_total) == (17, 3, 14)
    cells = {cell.location.code: (cell.on_hand, cell.available) for cell in row.location_stock}
    assert cells == {"WH-A": (12, 9), "WH-B": (5, 5)}
    content = response.content.decode()
    assert "WH-A: 12 on hand, 3 reserved" in content
    assert ">WH-B</th>" in content
    assert ">OLD-STORE</th>" not in content


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("wid", ["WIDGET", "WIDGET-XL"]),  # SKU prefix, case-insensitive
        ("4006381333931", ["WIDGET"]),  # exact barcode
        ("400638", []),  # barcodes only match whole
        ("garden", ["HOSE"]),  # name contains
    ],
)
def test_free_text_filter_matches_sku_prefix_barcode_or_name(login_as, widget, query, expected):
    factories.ProductFactory(sku="WIDGET-XL", name="Large widget")
    factories.ProductFactory(sku="HOSE", name="Green garden hose")
    factories.ProductFactory(sku="BOLT", name="Hex bolt", barcode="111")

    response = login_as("Warehouse").get(LIST_URL, {"q": query})

    assert listed_skus(response) == expected


def test_low_stock_filter_compares_available_across_locations_with_the_reorder_point(
    login_as, warehouse, second_warehouse
):
    low = factories.ProductFactory(sku="LOW", reorder_point=5)
    factories.stock(low, warehouse, 3)
    mostly_reserved = factories.ProductFactory(sku="RESERVED", reorder_point=5)
    factories.stock(mostly_reserved, warehouse, 8)
    services.reserve(product=mostly_reserved, location=warehouse, quantity=6)
    split = factories.ProductFactory(sku="SPLIT", reorder_point=5)
    factories.stock(split, warehouse, 3)
    factories.stock(split, second_warehouse, 3)
    no_reorder_point = factories.ProductFactory(sku="NOPOINT", reorder_point=0)
    factories.stock(no_reorder_point, warehouse, 1)

    response = login_as("Warehouse").get(LIST_URL, {"stock": "low"})

    assert listed_skus(response) == ["LOW", "RESERVED"]
    assert response.content.decode().count('class="stock-low"') == 2


def test_out_of_stock_filter_finds_products_with_nothing_available(login_as, warehouse):
    factories.ProductFactory(sku="NEVER-STOCKED")
    all_reserved = factories.ProductFactory(sku="ALL-RESERVED")
    factories.stock(all_reserved, warehouse, 2)
    services.reserve(product=all_reserved, location=warehouse, quantity=2)
    in_stock = factories.ProductFactory(sku="IN-STOCK")
    factories.stock(in_stock, warehouse, 1)

    response = login_as("Warehouse").get(LIST_URL, {"stock": "out"})

    assert listed_skus(response) == ["ALL-RESERVED", "NEVER-STOCKED"]
    assert response.content.decode().count('class="stock-out"') == 2


def test_location_filter_keeps_totals_over_all_locations(login_as, warehouse, second_warehouse):
    east_only = factories.ProductFactory(sku="EAST")
    factories.stock(east_only, warehouse, 4)
    both = factories.ProductFactory(sku="BOTH")
    factories.stock(both, warehouse, 4)
    factories.stock(both, second_warehouse, 6)

    response = login_as("Warehouse").get(LIST_URL, {"location": "WH-B"})

    assert listed_skus(response) == ["BOTH"]
    assert response.context["page"].object_list[0].on_hand_total == 10


@pytest.mark.parametrize(("active", "expected"), [("true", ["ON-SALE"]), ("false", ["RETIRED"])])
def test_active_filter(login_as, active, expected):
    factories.ProductFactory(sku="ON-SALE")
    factories.ProductFactory(sku="RETIRED", is_active=False)

    response = login_as("Warehouse").get(LIST_URL, {"active": active})

    assert listed_skus(response) == expected


def test_sorting_by_available_descending_breaks_ties_by_sku(login_as, warehouse):
    for sku, quantity in [("A", 1), ("B", 9), ("C", 5), ("D", 9)]:
        factories.stock(factories.ProductFactory(sku=sku), warehouse, quantity)

    response = login_as("Warehouse").get(LIST_URL, {"sort": "-available"})

    assert listed_skus(response) == ["B", "D", "C", "A"]
    assert 'name="sort" value="-available" form="product-filters"' in response.content.decode()


def test_htmx_request_returns_only_the_table_and_keeps_the_filters_in_its_links(
    login_as, warehouse
):
    for number in range(55):
        factories.ProductFactory(sku=f"P{number:03d}", name="Thing")

    response = login_as("Warehouse").get(LIST_URL, {"q": "p", "page": 1}, **HTMX)

    content = response.content.decode()
    assert content.lstrip().startswith('<div id="product-table"')
    assert "<html" not in content
    assert 'id="product-filters"' not in content
    assert len(listed_skus(response)) == 50
    assert "?q=p&amp;page=2" in content


def test_list_queries_do_not_grow_with_products(
    login_as, django_assert_max_num_queries, warehouse, second_warehouse
):
    locations = [warehouse, second_warehouse, factories.LocationFactory(code="STORE-1")]
    client = login_as("Warehouse")

    def add_products(count: int) -> None:
        for _ in range(count):
            product = factories.ProductFactory(reorder_point=10)
            for location in locations:
                factories.stock(product, location, 2)

    def list_page_queries() -> tuple[int, int]:
        with django_assert_max_num_queries(MAX_LIST_QUERIES) as captured:
            response = client.get(LIST_URL, {"stock": "low", "sort": "-available"})
        assert response.status_code == 200
        return len(captured.captured_queries), len(listed_skus(response))

    add_products(5)
    with_five = list_page_queries()
    add_products(35)
    with_forty = list_page_queries()

    assert with_five == (with_five[0], 5)
    assert with_forty == (with_five[0], 40)


# --- product detail -----------------------------------------------------------------------


def test_detail_shows_facts_stock_per_location_and_the_ledger_and_loads_the_backorders(
    login_as, channel, customer, warehouse, second_warehouse
):
    product = factories.ProductFactory(
        sku="LAMP", name="Desk lamp", allow_backorder=True, reorder_point=4
    )
    factories.stock(product, warehouse, 2)
    services.adjust_stock(
        product=product,
        location=second_warehouse,
        quantity=1,
        reason=StockMovement.Reason.RETURN,
        reference="SO-000777",
        note="Came back unopened",
    )
    factories.place(channel=channel, customer=customer, items=[(product, 6)])

    response = login_as("Finance").get(detail_url("LAMP"))

    assert response.status_code == 200
    stock = response.context["stock"]
    assert [(level.location.code, level.on_hand, level.reserved) for level in stock.levels] == [
        ("WH-A", 2, 2),
        ("WH-B", 1, 1),
    ]
    content = response.content.decode()
    assert "Desk lamp" in content
    assert "Allowed" in content
    # the ledger links an order number to the order (orders registers the link with core)
    assert '<a href="/orders/SO-000777/">SO-000777</a>' in content
    # what open orders wait for is the orders app's panel, loaded by URL
    backorders_url = reverse("orders:product_backorders", args=["LAMP"])
    assert f'hx-get="{backorders_url}"\n             hx-trigger="load"' in content
    assert "Came back unopened" in content
    assert "+1" in content
    assert "Out of stock" in content


def test_ledger_is_paginated_newest_first_and_htmx_swaps_only_the_ledger(login_as, warehouse):
    product = factories.ProductFactory(sku="BOLT")
    for number in range(1, 31):
        services.receive_stock(
            product=product, location=warehouse, quantity=1, reference=f"PO-{number}"
        )
    client = login_as("Warehouse")

    first = client.get(detail_url("BOLT"))
    older = {"after": first.context["ledger_page"].next_cursor}
    second = client.get(detail_url("BOLT"), older, HTTP_HX_TARGET="ledger", **HTMX)

    assert ledger_references(first) == [f"PO-{number}" for number in range(30, 5, -1)]
    assert ledger_references(second) == [f"PO-{number}" for number in range(5, 0, -1)]
    fragment = second.content.decode()
    assert fragment.lstrip().startswith('<section id="ledger"')
    assert "Stock by location" not in fragment


def test_ledger_filters_by_location(login_as, warehouse, second_warehouse):
    product = factories.ProductFactory(sku="BOLT")
    services.receive_stock(product=product, location=warehouse, quantity=1, reference="PO-1")
    services.receive_stock(product=product, location=second_warehouse, quantity=1, reference="PO-2")

    response = login_as("Warehouse").get(detail_url("BOLT"), {"location": "WH-B"})

    assert ledger_references(response) == ["PO-2"]


def test_htmx_stock_panel_refresh_returns_only_that_panel(login_as, widget):
    response = login_as("Warehouse").get(detail_url("WIDGET"), HTTP_HX_TARGET="stock-panel", **HTMX)

    fragment = response.content.decode()
    assert fragment.lstrip().startswith('<section id="stock-panel"')
    assert 'hx-trigger="stockChanged from:body"' in fragment
    assert "Stock ledger" not in fragment


def test_detail_queries_do_not_grow_with_ledger_rows_or_locations(
    login_as, django_assert_max_num_queries, warehouse
):
    product = factories.ProductFactory(sku="BOLT")
    client = login_as("Warehouse")

    def detail_queries() -> int:
        with django_assert_max_num_queries(MAX_DETAIL_QUERIES) as captured:
            assert client.get(detail_url("BOLT")).status_code == 200
        return len(captured.captured_queries)

    factories.stock(product, warehouse, 1)
    with_one = detail_queries()
    for number in range(30):
        location = factories.LocationFactory(code=f"LOC-{number % 5}")
        services.receive_stock(product=product, location=location, quantity=1)

    with_thirty = detail_queries()
    assert with_thirty == with_one


# --- stock adjustment ---------------------------------------------------------------------


def test_adjustment_form_is_shown_only_to_roles_that_may_adjust(login_as, widget):
    assert 'id="adjust-panel"' in login_as("Warehouse").get(detail_url("WIDGET")).content.decode()
    assert 'id="adjust-panel"' not in (
        login_as("Customer service").get(detail_url("WIDGET")).content.decode()
    )


def test_warehouse_adjustment_changes_on_hand_and_writes_a_ledger_row_with_the_user(
    login_as, widget, warehouse
):
    client = login_as("Warehouse")

    response = adjust(
        client, "WIDGET", location="WH-A", quantity=-3, reason="adjustment", note="Water damage"
    )

    assert response.status_code == 200
    assert client_events(response) == {"stockChanged": {}}
    content = response.content.decode()
    assert "Recorded -3 × WIDGET at WH-A (adjustment)." in content
    assert "Water damage" not in content  # a fresh form for the next adjustment
    assert StockLevel.objects.get(product=widget, location=warehouse).on_hand == 7
    movement = StockMovement.objects.latest("pk")
    assert (movement.quantity, movement.reason, movement.note, movement.user) == (
        -3,
        "adjustment",
        "Water damage",
        client.user,
    )


def test_removing_reserved_units_shows_the_error_in_place_and_changes_nothing(
    login_as, widget, warehouse
):
    services.reserve(product=widget, location=warehouse, quantity=8)
    client = login_as("Warehouse")

    response = adjust(client, "WIDGET", location="WH-A", quantity=-3, reason="correction")

    assert response.status_code == 200
    assert "HX-Trigger" not in response.headers
    content = response.content.decode()
    assert content.lstrip().startswith('<section id="adjust-panel"')
    assert 'class="inline-error"' in content
    assert "Not enough stock for WIDGET: 3 requested, 2 available" in content
    level = StockLevel.objects.get(product=widget, location=warehouse)
    assert (level.on_hand, level.reserved) == (10, 8)
    assert StockMovement.objects.count() == 1


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (
            {"quantity": 2, "reason": "adjustment", "note": " "},
            "Explain why the stock is adjusted.",
        ),
        ({"quantity": 0, "reason": "correction"}, "Enter a quantity other than zero."),
        ({"quantity": 2, "reason": "sale"}, "Select a valid choice."),
    ],
)
def test_invalid_adjustments_are_refused_with_the_reason(login_as, widget, data, error):
    response = adjust(login_as("Manager"), "WIDGET", location="WH-A", **data)

    assert response.status_code == 200
    assert error in response.content.decode()
    assert StockMovement.objects.count() == 1


def test_customer_service_cannot_post_an_adjustment(login_as, widget):
    response = adjust(
        login_as("Customer service"), "WIDGET", location="WH-A", quantity=5, reason="correction"
    )

    assert response.status_code == 403
    assert StockMovement.objects.count() == 1


def test_adjustment_page_accepts_only_posts(login_as, widget):
    assert login_as("Warehouse").get(adjust_url("WIDGET")).status_code == 405


def test_adjustment_without_htmx_redirects_back_with_a_message(login_as, widget):
    client = login_as("Warehouse")

    response = adjust(
        client, "WIDGET", htmx=False, location="WH-A", quantity=4, reason="correction"
    )

    assert response.status_code == 302
    assert response.url == detail_url("WIDGET")
    page = client.get(response.url).content.decode()
    assert "Recorded +4 × WIDGET at WH-A (correction)." in page


def test_positive_adjustment_fills_backorders_and_tells_the_panels(
    login_as, django_capture_on_commit_callbacks, channel, customer, warehouse
):
    product = factories.ProductFactory(sku="KETTLE", allow_backorder=True)
    order = factories.place(channel=channel, customer=customer, items=[(product, 4)])
    client = login_as("Warehouse")

    with django_capture_on_commit_callbacks(execute=True):
        response = adjust(client, "KETTLE", location="WH-A", quantity=10, reason="correction")

    # the orders app's backorders panel reloads on stockChanged and shows what was filled
    assert "Recorded +10 × KETTLE at WH-A (correction)." in response.content.decode()
    assert client_events(response) == {"stockChanged": {}}
    line = OrderLine.objects.get(order=order)
    assert (line.quantity_allocated, line.quantity_backordered) == (4, 0)
    level = StockLevel.objects.get(product=product, location=warehouse)
    assert (level.on_hand, level.reserved) == (10, 4)
    assert Product.objects.get(sku="KETTLE").movements.get().user == client.user


def test_ledger_references_that_are_not_order_numbers_are_plain_text(login_as, warehouse):
    product = factories.ProductFactory(sku="BOLT")
    services.receive_stock(product=product, location=warehouse, quantity=1, reference="SO-12")
    services.receive_stock(product=product, location=warehouse, quantity=1)

    content = login_as("Warehouse").get(detail_url("BOLT")).content.decode()

    assert "SO-12" in content
    assert 'href="/orders/SO-12/"' not in content
    assert '<td class="nowrap">—</td>' in content
