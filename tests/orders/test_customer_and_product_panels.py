"""The panels orders adds to the customer and product pages, which load them by URL.

customers and inventory do not import orders: their pages only hold placeholders that load
these fragments with htmx (tests/customers, tests/inventory check the placeholders).
"""

import re
from datetime import timedelta
from decimal import Decimal
from urllib.parse import urlencode

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from inventory import services as inventory
from orders import services
from orders.models import Order, OrderLine
from tests import factories
from tests.factories import place, stock

pytestmark = pytest.mark.django_db

LIST_TOTALS_URL = reverse("orders:customer_list_totals")
HTMX = {"HX-Request": "true"}
LIST_TOTALS_MAX_QUERIES = 6
ORDERS_PANEL_MAX_QUERIES = 8


@pytest.fixture
def product(warehouse):
    product = factories.ProductFactory(unit_price=Decimal("10.00"))
    stock(product, warehouse, 1000)
    return product


@pytest.fixture
def order_for(channel, product):
    """Place an order of ``quantity`` × 10.00 for a customer."""

    def order_for(customer, quantity: int = 1, **kwargs) -> Order:
        return place(channel=channel, customer=customer, items=[(product, quantity)], **kwargs)

    return order_for


def list_totals(client, *customers, **headers):
    return client.get(LIST_TOTALS_URL, {"customer": [c.pk for c in customers]}, headers=headers)


def oob_cells(response) -> dict[str, str]:
    """The out-of-band cells of the response: element id → its content."""
    html = response.content.decode()
    return dict(re.findall(r'<span id="([^"]+)" hx-swap-oob="true">(.*?)</span>', html))


def customer_orders_url(customer, query: str = "") -> str:
    return reverse("orders:customer_orders", args=[customer.pk]) + query


# --- the customer list's order columns ----------------------------------------------------


def test_list_totals_count_orders_and_lifetime_value_but_not_cancelled_ones(login_as, order_for):
    # given a customer with two orders and one cancelled order, and one without orders
    ada = factories.CustomerFactory(name="Ada Lovelace")
    order_for(ada, 2)
    order_for(ada, 3)
    services.cancel_order(order=order_for(ada, 50), reason="changed mind")
    bob = factories.CustomerFactory(name="Bob Idle")

    # when the list's page asks for its order columns
    response = list_totals(login_as("Customer service"), ada, bob, **HTMX)

    # then each row's cells come back by id; the cancelled order counts for nothing
    assert response.status_code == 200
    assert oob_cells(response) == {
        f"customer-{ada.pk}-orders": "2",
        f"customer-{ada.pk}-value": "50.00 USD",
        f"customer-{bob.pk}-orders": "0",
        f"customer-{bob.pk}-value": "—",
    }


def test_list_totals_keep_currencies_apart(login_as, order_for):
    ada = factories.CustomerFactory()
    order_for(ada, 2)
    order_for(ada, 1, currency="EUR")

    cells = oob_cells(list_totals(login_as("Manager"), ada))

    assert cells[f"customer-{ada.pk}-orders"] == "2"
    assert cells[f"customer-{ada.pk}-value"] == "10.00 EUR<br>20.00 USD"


def test_list_totals_ignore_ids_that_are_not_ids(login_as, order_for):
    ada = factories.CustomerFactory()
    order_for(ada)

    response = login_as("Manager").get(
        LIST_TOTALS_URL, {"customer": ["x", "-1", "１２", "9" * 40, str(ada.pk)]}
    )

    assert response.status_code == 200
    assert set(oob_cells(response)) == {f"customer-{ada.pk}-orders", f"customer-{ada.pk}-value"}


def test_list_totals_cost_the_same_queries_for_5_customers_as_for_50(
    login_as, order_for, django_assert_max_num_queries
):
    client = login_as("Customer service")
    customers = [factories.CustomerFactory() for _ in range(50)]
    for customer in customers:
        order_for(customer)

    def queries_for(count: int) -> int:
        with django_assert_max_num_queries(LIST_TOTALS_MAX_QUERIES) as captured:
            response = list_totals(client, *customers[:count], **HTMX)
        assert len(oob_cells(response)) == 2 * count
        return len(captured)

    assert queries_for(5) == queries_for(50)


# --- the customer page -------------------------------------------------------------------


def test_customer_totals_per_currency_leave_out_cancelled_orders(login_as, order_for):
    customer = factories.CustomerFactory()
    order_for(customer, 1)
    order_for(customer, 4)
    services.cancel_order(order=order_for(customer, 10), reason="duplicate")

    response = login_as("Finance").get(reverse("orders:customer_totals", args=[customer.pk]))

    assert response.status_code == 200
    (totals,) = response.context["totals"]
    assert (totals.currency, totals.order_count) == ("USD", 2)
    assert totals.lifetime_value == Decimal("50.00")
    assert totals.average_order_value == Decimal("25.00")
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="customer-totals"')
    assert "50.00 USD" in html
    assert "25.00 USD" in html


def test_customer_totals_of_a_customer_without_orders_say_so(login_as):
    customer = factories.CustomerFactory()

    response = login_as("Finance").get(reverse("orders:customer_totals", args=[customer.pk]))

    assert "none placed yet" in response.content.decode()


def test_customer_orders_newest_first_with_links(login_as, order_for):
    customer = factories.CustomerFactory()
    now = timezone.now()
    older = order_for(customer, placed_at=now - timedelta(days=3))
    newer = order_for(customer, placed_at=now - timedelta(days=1))
    cancelled = order_for(customer, placed_at=now - timedelta(days=2))
    services.cancel_order(order=cancelled, reason="duplicate")
    order_for(factories.CustomerFactory())  # someone else's

    response = login_as("Customer service").get(customer_orders_url(customer), headers=HTMX)

    assert [order.number for order in response.context["orders"]] == [
        newer.number,
        cancelled.number,
        older.number,
    ]
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="customer-orders"')
    assert "<html" not in html
    assert f'href="{reverse("orders:detail", args=[newer.number])}"' in html
    assert "Cancelled" in html


def test_customer_orders_are_paginated_by_25_keeping_the_customer_page_in_the_address_bar(
    login_as, order_for
):
    customer = factories.CustomerFactory()
    for _ in range(27):
        order_for(customer)
    client = login_as("Customer service")

    first = client.get(customer_orders_url(customer), headers=HTMX)
    older = urlencode({"after": first.context["orders"].next_cursor})
    second = client.get(customer_orders_url(customer, f"?{older}"), headers=HTMX)

    assert len(first.context["orders"]) == 25
    customer_page = reverse("customers:detail", args=[customer.pk])
    html = first.content.decode()
    assert f'hx-get="{customer_orders_url(customer)}?{older}"' in html
    assert f'hx-push-url="{customer_page}?{older}"' in html
    assert f'href="{customer_page}?{older}"' in html
    assert second.content.decode().count('<a href="/orders/') == 2


def test_customer_orders_queries_do_not_grow_with_the_number_of_orders(
    login_as, order_for, django_assert_max_num_queries
):
    customer = factories.CustomerFactory()
    client = login_as("Customer service")

    def load_panel_with(orders: int) -> int:
        for _ in range(orders - customer.orders.count()):
            order_for(customer)
        with django_assert_max_num_queries(ORDERS_PANEL_MAX_QUERIES) as captured:
            response = client.get(customer_orders_url(customer), headers=HTMX)
        assert response.status_code == 200
        return len(captured)

    assert load_panel_with(3) == load_panel_with(30)


def test_customer_panels_of_an_unknown_customer_are_404(login_as):
    client = login_as("Customer service")

    assert client.get(reverse("orders:customer_totals", args=[999999])).status_code == 404
    assert client.get(reverse("orders:customer_orders", args=[999999])).status_code == 404


def test_customer_panels_need_the_order_permission_too(client, customer):
    # given a user who may see customers but not orders
    user = factories.UserFactory()
    user.user_permissions.add(Permission.objects.get(codename="view_customer"))
    client.force_login(user)

    for url in (
        LIST_TOTALS_URL,
        reverse("orders:customer_totals", args=[customer.pk]),
        customer_orders_url(customer),
    ):
        assert client.get(url).status_code == 403, url


# --- the product page --------------------------------------------------------------------


def backorders_url(sku: str) -> str:
    return reverse("orders:product_backorders", args=[sku])


def test_product_backorders_show_what_open_orders_wait_for_oldest_first(
    login_as, channel, customer, warehouse
):
    # given a backorderable lamp with 2 in stock, ordered 6 then 1, and a cancelled order
    lamp = factories.ProductFactory(sku="LAMP", allow_backorder=True)
    stock(lamp, warehouse, 2)
    now = timezone.now()
    first = place(
        channel=channel, customer=customer, items=[(lamp, 6)], placed_at=now - timedelta(days=2)
    )
    second = place(channel=channel, customer=customer, items=[(lamp, 1)], placed_at=now)
    services.cancel_order(
        order=place(channel=channel, customer=customer, items=[(lamp, 5)]), reason="duplicate"
    )

    # when the product page loads its backorders panel
    response = login_as("Warehouse").get(backorders_url("LAMP"), headers=HTMX)

    # then it shows the 5 units open orders wait for, and who gets new stock first
    assert response.status_code == 200
    assert response.context["backordered"] == 5
    assert [line.order for line in response.context["waiting"]] == [first, second]
    assert [line.quantity_backordered for line in response.context["waiting"]] == [4, 1]
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="product-backorders"')
    assert 'hx-trigger="stockChanged from:body"' in html
    assert f'href="{reverse("orders:detail", args=[first.number])}"' in html


def test_product_backorders_panel_shows_the_backorders_filled_once_stock_arrives(
    login_as, django_capture_on_commit_callbacks, channel, customer, warehouse
):
    # given a kettle ordered 4 times with no stock at all
    kettle = factories.ProductFactory(sku="KETTLE", allow_backorder=True)
    order = place(channel=channel, customer=customer, items=[(kettle, 4)])
    client = login_as("Warehouse")
    assert client.get(backorders_url("KETTLE")).context["backordered"] == 4

    # when 10 arrive (the adjustment's stockChanged makes the panel reload)
    with django_capture_on_commit_callbacks(execute=True):
        inventory.adjust_stock(
            product=kettle, location=warehouse, quantity=10, reason="correction", user=client.user
        )

    # then the order got them and nothing waits any more
    line = OrderLine.objects.get(order=order)
    assert (line.quantity_allocated, line.quantity_backordered) == (4, 0)
    response = client.get(backorders_url("KETTLE"))
    assert response.context["backordered"] == 0
    assert response.context["waiting"] == []


def test_product_backorders_of_an_unknown_sku_are_404(login_as):
    assert login_as("Warehouse").get(backorders_url("NO-SUCH-SKU")).status_code == 404
