"""The dashboard home's figures and the global search."""

from datetime import date, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from backoffice import selectors
from customers.models import Customer
from orders import services
from orders.models import HoldReason
from tests import factories
from tests.factories import place, stock

pytestmark = pytest.mark.django_db

HOME_URL = reverse("backoffice:home")
SEARCH_URL = reverse("backoffice:search")
HTMX = {"HX-Request": "true"}
# session, user, permissions, groups; the order figures; the queues' counts (one statement);
# the sales panel (the summary's days, then today live); low stock; the sidebar's role
HOME_QUERIES = 18


@pytest.fixture
def product(warehouse):
    product = factories.ProductFactory(sku="MUG-RED", name="Red mug", unit_price=Decimal("10.00"))
    stock(product, warehouse, 100)
    return product


@pytest.fixture
def a_day_of_orders(channel, customer, product, warehouse):
    """Today: one order per state of the work queue, one cancelled; plus one from yesterday."""
    backorderable = factories.ProductFactory(sku="BACK-1", allow_backorder=True)
    stock(backorderable, warehouse, 1)

    def order(quantity=1, item=product, **kwargs):
        return place(channel=channel, customer=customer, items=[(item, quantity)], **kwargs)

    start_of_today, _ = selectors.day_bounds(timezone.localdate())
    placed = order(2)  # 20.00, waits to be confirmed
    confirmed = services.confirm_order(order=order(3))  # 30.00
    processing = services.start_processing(order=services.confirm_order(order=order(1)))
    held = services.hold_order(order=order(1), reason=HoldReason.FRAUD_RISK)
    backordered = order(3, item=backorderable)  # 2 of 3 units backordered, still "placed"
    services.cancel_order(order=order(50), reason="duplicate")
    yesterday = order(4, placed_at=start_of_today - timedelta(minutes=1))
    return {
        "placed": placed,
        "confirmed": confirmed,
        "processing": processing,
        "held": held,
        "backordered": backordered,
        "yesterday": yesterday,
    }


def low_stock_products(warehouse):
    """Two products at or below their reorder point, and three that do not count."""
    at_point = factories.ProductFactory(sku="LOW-1", reorder_point=5)
    stock(at_point, warehouse, 5)
    factories.ProductFactory(sku="LOW-2", reorder_point=1)  # no stock anywhere
    plenty = factories.ProductFactory(sku="OK-1", reorder_point=5)
    stock(plenty, warehouse, 6)
    factories.ProductFactory(sku="OK-2", reorder_point=0)  # no reorder point: never "low"
    factories.ProductFactory(sku="OK-3", reorder_point=5, is_active=False)


# --- home --------------------------------------------------------------------------------


def test_anonymous_users_are_sent_to_the_login_page(client):
    for url in (HOME_URL, f"{SEARCH_URL}?q=ada"):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


def test_order_figures_count_today_and_the_work_queues(a_day_of_orders):
    figures = selectors.order_figures(timezone.localdate())

    assert figures.placed_today == 6  # the cancelled one was placed today too
    assert figures.revenue_today == [("USD", Decimal("100.00"))]  # 20+30+10+10+30, not 500
    assert figures.to_confirm == 3  # placed, backordered and yesterday's
    assert figures.to_process == 1
    assert figures.to_ship == 1
    assert figures.on_hold == 1
    assert figures.on_hold_by_reason == [
        selectors.HoldCount(HoldReason.FRAUD_RISK, "High fraud risk", 1)
    ]
    assert figures.backordered_lines == 1


def test_revenue_today_is_split_by_currency(channel, customer, product):
    place(channel=channel, customer=customer, items=[(product, 1)])
    place(channel=channel, customer=customer, items=[(product, 2)], currency="EUR")

    figures = selectors.order_figures(timezone.localdate())

    assert figures.revenue_today == [("EUR", Decimal("20.00")), ("USD", Decimal("10.00"))]
    assert figures.placed_today == 2


def test_low_stock_counts_active_products_at_or_below_their_reorder_point(warehouse):
    low_stock_products(warehouse)

    assert selectors.low_stock_count() == 2


def test_reserved_units_are_not_available_for_the_low_stock_count(
    channel, customer, product, warehouse
):
    product.reorder_point = 95
    product.save()
    assert selectors.low_stock_count() == 0

    place(channel=channel, customer=customer, items=[(product, 5)])

    assert selectors.low_stock_count() == 1


def test_a_day_runs_from_local_midnight_to_local_midnight():
    with timezone.override(ZoneInfo("America/New_York")):
        start, end = selectors.day_bounds(date(2025, 3, 9))  # clocks go forward that night

    assert start.isoformat() == "2025-03-09T00:00:00-05:00"
    assert end.isoformat() == "2025-03-10T00:00:00-04:00"  # a 23-hour day


def test_home_shows_the_figures_as_links_to_the_filtered_lists(
    login_as, a_day_of_orders, warehouse, django_assert_max_num_queries
):
    low_stock_products(warehouse)
    client = login_as("Manager")

    with django_assert_max_num_queries(HOME_QUERIES):
        response = client.get(HOME_URL)

    assert response.status_code == 200
    html = response.content.decode()
    orders_list = reverse("orders:list")
    today = timezone.localdate().isoformat()
    for query, label, value in [
        (f"placed_after={today}", "Orders placed today", 6),
        ("status=placed", "To confirm", 3),
        ("status=confirmed", "To process", 1),
        ("status=processing&amp;status=partially_shipped", "To ship", 1),
        ("on_hold=true", "On hold", 1),
        ("has_backorders=true", "Backordered lines", 1),
    ]:
        link = f'<a class="stat" href="{orders_list}?{query}">'
        assert link in html
        assert f'<div class="value">{value}</div><div class="label">{label}</div>' in html
    assert "100.00 USD" in html
    low_link = (
        f'<a class="stat" href="{reverse("inventory:product_list")}?stock=low&amp;active=true">'
    )
    assert low_link in html
    assert '<div class="value">2</div><div class="label">Low-stock products</div>' in html
    assert f'href="{orders_list}?on_hold=true&amp;hold_reason=fraud_risk">High fraud risk' in html


def test_home_lists_the_ten_most_recent_orders(login_as, channel, customer, product):
    now = timezone.now()
    orders = [
        place(channel=channel, customer=customer, items=[(product, 1)], placed_at=now - age)
        for age in (timedelta(hours=hours) for hours in range(12))
    ]

    response = login_as("Customer service").get(HOME_URL)

    assert response.context["recent_orders"] == orders[:10]
    html = response.content.decode()
    assert order_link(orders[0]) in html
    assert order_link(orders[10]) not in html


def test_home_query_count_does_not_grow_with_orders(
    login_as, channel, customer, product, django_assert_max_num_queries
):
    client = login_as("Manager")

    def load_home_with(orders: int) -> int:
        for _ in range(orders - customer.orders.count()):
            place(channel=channel, customer=customer, items=[(product, 1)])
        with django_assert_max_num_queries(HOME_QUERIES) as captured:
            assert client.get(HOME_URL).status_code == 200
        return len(captured)

    assert load_home_with(2) == load_home_with(15)


def test_home_works_for_the_warehouse_role(login_as, a_day_of_orders, warehouse):
    low_stock_products(warehouse)

    response = login_as("Warehouse").get(HOME_URL)

    assert response.status_code == 200
    assert "To ship" in response.content.decode()
    assert "Low-stock products" in response.content.decode()


def test_home_shows_only_figures_the_user_may_see(client, a_day_of_orders):
    # given a user who may see products but not orders
    user = factories.UserFactory()
    user.user_permissions.add(Permission.objects.get(codename="view_product"))
    client.force_login(user)

    response = client.get(HOME_URL)

    html = response.content.decode()
    assert response.status_code == 200
    assert "Low-stock products" in html
    assert "To confirm" not in html
    assert "Recent orders" not in html
    assert a_day_of_orders["placed"].number not in html


def test_home_for_a_user_without_any_permission_says_so(client):
    client.force_login(factories.UserFactory())

    response = client.get(HOME_URL)

    assert response.status_code == 200
    assert "no figures on the dashboard" in response.content.decode()


# --- search ------------------------------------------------------------------------------


def search(client, text: str, **kwargs):
    return client.get(SEARCH_URL, {"q": text}, **kwargs)


@pytest.fixture
def ada_order(channel, product):
    ada = factories.CustomerFactory(name="Ada Lovelace", email="ada@example.com")
    return place(channel=channel, customer=ada, items=[(product, 1)], external_id="SHOP-778")


def order_link(order) -> str:
    return f'href="{reverse("orders:detail", args=[order.number])}"'


@pytest.mark.parametrize(
    "text",
    [
        "digits",  # the number's digits without the zeros: "123" finds SO-000123
        "number",  # the whole number
        "SHOP-778",  # the channel's external id
        "ADA@EXA",  # the start of the customer's e-mail, any case
        "lovelace",  # part of the customer's name
    ],
)
def test_search_finds_an_order(login_as, ada_order, channel, customer, product, text):
    other = place(channel=channel, customer=customer, items=[(product, 1)])
    digits = ada_order.number.split("-")[1].lstrip("0").rjust(2, "0")  # two characters at least
    text = {"digits": digits, "number": ada_order.number}.get(text, text)

    response = search(login_as("Customer service"), text, headers=HTMX)

    html = response.content.decode()
    assert response.status_code == 200
    assert '<div class="group">Orders</div>' in html
    assert order_link(ada_order) in html
    assert order_link(other) not in html


def test_search_finds_a_customer_by_name_and_a_product_by_sku(login_as, ada_order, product):
    client = login_as("Manager")

    customers = search(client, "Ada Lov", headers=HTMX).content.decode()
    products = search(client, "mug-", headers=HTMX).content.decode()

    assert f'href="{reverse("customers:detail", args=[ada_order.customer_id])}"' in customers
    assert f'href="{reverse("inventory:product_detail", args=[product.sku])}"' in products
    assert '<div class="group">Products</div>' in products


def test_search_finds_a_product_by_exact_barcode_only(login_as, warehouse):
    factories.ProductFactory(sku="TEA-1", barcode="4006381333931")
    client = login_as("Warehouse")

    assert "TEA-1" in search(client, "4006381333931", headers=HTMX).content.decode()
    assert "TEA-1" not in search(client, "40063813", headers=HTMX).content.decode()


def test_search_shows_only_groups_the_user_may_see(client, ada_order):
    # given a user who may see orders only
    user = factories.UserFactory()
    user.user_permissions.add(Permission.objects.get(codename="view_order"))
    client.force_login(user)

    # when searching for a name that matches a customer and her order, and for a SKU
    by_name = search(client, "Ada", headers=HTMX).content.decode()
    by_sku = search(client, "MUG", headers=HTMX).content.decode()

    # then only the order is found
    assert order_link(ada_order) in by_name
    assert "Customers" not in by_name
    assert reverse("customers:detail", args=[ada_order.customer_id]) not in by_name
    assert "Products" not in by_sku
    assert "No matches" in by_sku


def test_search_needs_two_characters_and_answers_htmx_with_nothing(login_as, ada_order):
    client = login_as("Manager")

    response = search(client, " a ", headers=HTMX)

    assert response.status_code == 200
    assert response.content == b""  # the dropdown's :empty hides it


def test_search_without_htmx_is_a_full_page(login_as, ada_order):
    response = search(login_as("Manager"), "lovelace")

    html = response.content.decode()
    assert "<html" in html
    assert 'value="lovelace"' in html
    assert order_link(ada_order) in html


def test_search_runs_a_fixed_number_of_small_queries(
    login_as, channel, product, django_assert_max_num_queries
):
    def search_with(customers: int):
        for number in range(Customer.objects.count(), customers):
            customer = factories.CustomerFactory(name=f"Ada {number}", email=f"ada{number}@ex.com")
            place(channel=channel, customer=customer, items=[(product, 1)])
        # Orders: number or channel id, SKU, channel, customer ids, the orders; customers;
        # products: exact, then free text; plus the session and the user.
        with django_assert_max_num_queries(13) as queries:
            response = search(client, "ada", headers=HTMX)
        return response, len(queries)

    client = login_as("Manager")
    _, few = search_with(3)
    response, many = search_with(12)

    assert few == many
    html = response.content.decode()
    assert html.count('href="/orders/') == 8
    assert html.count('href="/customers/') == 5
