"""The customer list (filters, sorting, lifetime value) and the customer page."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from customers.models import Address
from orders import services
from orders.models import Order
from tests import factories
from tests.factories import place, stock

pytestmark = pytest.mark.django_db

LIST_URL = reverse("customers:list")
LIST_MAX_QUERIES = 8
DETAIL_MAX_QUERIES = 10


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


def rows_of(response) -> list[str]:
    """The customer names in the table, in order."""
    return [customer.name for customer in response.context["page"]]


# --- access ------------------------------------------------------------------------------


def test_anonymous_users_are_sent_to_the_login_page(client, customer):
    for url in (LIST_URL, reverse("customers:detail", args=[customer.pk])):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


def test_a_user_without_the_customer_permission_is_refused(client, customer):
    client.force_login(factories.UserFactory())

    assert client.get(LIST_URL).status_code == 403
    assert client.get(reverse("customers:detail", args=[customer.pk])).status_code == 403


# --- list --------------------------------------------------------------------------------


def test_list_shows_each_customer_with_order_count_and_lifetime_value(login_as, order_for):
    # given a customer with two orders and one cancelled order, and one without orders
    ada = factories.CustomerFactory(name="Ada Lovelace", email="ada@example.com", company="AE")
    order_for(ada, 2)
    order_for(ada, 3)
    services.cancel_order(order=order_for(ada, 50), reason="changed mind")
    factories.CustomerFactory(name="Bob Idle")

    # when the list is opened
    response = login_as("Customer service").get(LIST_URL)

    # then the cancelled order counts neither as an order nor as revenue
    assert response.status_code == 200
    by_name = {customer.name: customer for customer in response.context["page"]}
    assert by_name["Ada Lovelace"].order_count == 2
    assert by_name["Ada Lovelace"].lifetime_value == Decimal("50.00")
    assert by_name["Bob Idle"].order_count == 0
    assert by_name["Bob Idle"].lifetime_value == Decimal("0.00")
    html = response.content.decode()
    assert f'href="{reverse("customers:detail", args=[ada.pk])}"' in html
    assert "ada@example.com" in html
    assert "50.00" in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("q=ada@", ["Ada Lovelace"]),  # e-mail starts with
        ("q=LOVE", ["Ada Lovelace"]),  # name contains, any case
        ("q=0199", ["Grace Hopper"]),  # phone contains
        ("q=navy", ["Grace Hopper"]),  # company contains
        ("q=example.com", []),  # e-mail is matched from its start only
        ("has_orders=true", ["Ada Lovelace"]),
        ("has_orders=false", ["Alan Turing", "Grace Hopper"]),
        ("country=GB", ["Alan Turing"]),  # the default address's country
        ("country=DE", []),  # a non-default address does not count
        ("country=XX", []),  # a stale bookmark lists nobody, not everybody
        ("q=a&country=US", ["Ada Lovelace", "Grace Hopper"]),
    ],
)
def test_list_filters(login_as, order_for, query, expected):
    # given three customers in two countries, one of them with an order
    ada = factories.CustomerFactory(name="Ada Lovelace", email="ada@example.com")
    grace = factories.CustomerFactory(
        name="Grace Hopper", email="grace@example.com", phone="+1 555 0199", company="US Navy"
    )
    alan = factories.CustomerFactory(name="Alan Turing", email="alan@example.com")
    factories.AddressFactory(customer=ada, country="US")
    factories.AddressFactory(customer=grace, country="US")
    factories.AddressFactory(customer=alan, country="GB")
    factories.AddressFactory(customer=alan, country="DE", is_default=False)
    order_for(ada)

    # when the list is filtered
    response = login_as("Customer service").get(f"{LIST_URL}?{query}")

    # then only the matching customers are listed
    assert response.status_code == 200
    assert rows_of(response) == expected


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("", ["Ann", "Bea", "Cid"]),
        ("-name", ["Cid", "Bea", "Ann"]),
        ("-value", ["Bea", "Cid", "Ann"]),
        ("value", ["Ann", "Cid", "Bea"]),
        ("-orders", ["Cid", "Bea", "Ann"]),
    ],
)
def test_list_sorts_by_name_lifetime_value_and_orders(login_as, order_for, sort, expected):
    # given Bea spent most in one order and Cid ordered most often
    _ann, bea, cid = (factories.CustomerFactory(name=name) for name in ("Ann", "Bea", "Cid"))
    order_for(bea, 9)
    order_for(cid, 1)
    order_for(cid, 1)

    response = login_as("Manager").get(f"{LIST_URL}?sort={sort}")

    assert rows_of(response) == expected


def test_sort_headers_link_to_the_other_direction_and_keep_the_filters(login_as):
    factories.CustomerFactory(name="Ann")

    html = login_as("Manager").get(f"{LIST_URL}?q=an&sort=-value").content.decode()

    assert 'href="?q=an&amp;sort=value"' in html  # clicked again: ascending
    assert 'href="?q=an&amp;sort=name"' in html
    assert 'href="?q=an&amp;sort=-orders"' in html  # counts start largest first


def test_list_is_paginated_and_keeps_the_filters_in_page_links(login_as):
    # given 51 customers whose names contain "Shopper"
    for number in range(51):
        factories.CustomerFactory(name=f"Shopper {number:02d}")
    factories.CustomerFactory(name="Someone else")
    client = login_as("Customer service")

    first = client.get(f"{LIST_URL}?q=shopper")
    second = client.get(f"{LIST_URL}?q=shopper&page=2")

    assert len(first.context["page"]) == 50
    assert "?q=shopper&amp;page=2" in first.content.decode()
    assert rows_of(second) == ["Shopper 50"]
    assert "51 customers" in second.content.decode()


def test_htmx_request_gets_only_the_table(login_as):
    factories.CustomerFactory(name="Ada Lovelace")

    response = login_as("Customer service").get(f"{LIST_URL}?q=ada", headers={"HX-Request": "true"})

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="customer-table"')
    assert "Ada Lovelace" in html
    assert "<html" not in html
    assert 'id="customer-filters"' not in html


def test_htmx_restoring_history_gets_the_whole_page(login_as):
    headers = {"HX-Request": "true", "HX-History-Restore-Request": "true"}

    response = login_as("Customer service").get(LIST_URL, headers=headers)

    assert "<html" in response.content.decode()
    assert "HX-Request" in response["Vary"]


def test_list_queries_do_not_grow_with_the_number_of_customers(
    login_as, order_for, django_assert_max_num_queries
):
    client = login_as("Customer service")

    def load_list_with(customers: int) -> int:
        for _ in range(customers - Order.objects.values("customer").distinct().count()):
            order_for(factories.CustomerFactory())
        with django_assert_max_num_queries(LIST_MAX_QUERIES) as captured:
            response = client.get(f"{LIST_URL}?sort=-value&country=US")
        assert response.status_code == 200
        return len(captured)

    assert load_list_with(5) == load_list_with(40)


# --- detail ------------------------------------------------------------------------------


def detail_url(customer, query: str = "") -> str:
    return reverse("customers:detail", args=[customer.pk]) + query


def test_detail_shows_facts_addresses_and_totals(login_as, order_for):
    # given a customer with two addresses, two orders and a cancelled one
    customer = factories.CustomerFactory(
        name="Ada Lovelace", email="ada@example.com", company="AE", notes="Prefers e-mail"
    )
    factories.AddressFactory(customer=customer, line1="1 Shipping Lane", kind=Address.Kind.SHIPPING)
    factories.AddressFactory(
        customer=customer, line1="2 Billing Road", kind=Address.Kind.BILLING, is_default=False
    )
    order_for(customer, 1)
    order_for(customer, 4)
    services.cancel_order(order=order_for(customer, 10), reason="duplicate")

    # when the customer page is opened
    response = login_as("Finance").get(detail_url(customer))

    # then the facts, the addresses and the totals (cancelled order left out) are shown
    assert response.status_code == 200
    html = response.content.decode()
    for text in ("ada@example.com", "AE", "Prefers e-mail", "1 Shipping Lane", "2 Billing Road"):
        assert text in html
    assert html.count("Default</span>") == 1
    (totals,) = response.context["totals"]
    assert (totals.currency, totals.order_count) == ("USD", 2)
    assert totals.lifetime_value == Decimal("50.00")
    assert totals.average_order_value == Decimal("25.00")
    assert "50.00 USD" in html
    assert "25.00 USD" in html


def test_detail_lists_every_order_newest_first_with_links(login_as, order_for):
    customer = factories.CustomerFactory()
    now = timezone.now()
    older = order_for(customer, placed_at=now - timedelta(days=3))
    newer = order_for(customer, placed_at=now - timedelta(days=1))
    cancelled = order_for(customer, placed_at=now - timedelta(days=2))
    services.cancel_order(order=cancelled, reason="duplicate")

    response = login_as("Customer service").get(detail_url(customer))

    assert [order.number for order in response.context["orders"]] == [
        newer.number,
        cancelled.number,
        older.number,
    ]
    html = response.content.decode()
    assert f'href="{reverse("orders:detail", args=[newer.number])}"' in html
    assert "Cancelled" in html


def test_detail_orders_are_paginated_by_25_and_htmx_gets_the_table_only(login_as, order_for):
    customer = factories.CustomerFactory()
    for _ in range(27):
        order_for(customer)
    client = login_as("Customer service")

    first = client.get(detail_url(customer))
    second = client.get(detail_url(customer, "?page=2"), headers={"HX-Request": "true"})

    assert len(first.context["orders"]) == 25
    assert 'hx-get="?page=2"' in first.content.decode()
    html = second.content.decode()
    assert html.lstrip().startswith('<div id="customer-orders"')
    assert "<html" not in html
    assert html.count('<a href="/orders/') == 2


def test_detail_of_an_unknown_customer_is_404(login_as):
    assert login_as("Customer service").get("/customers/999999/").status_code == 404


def test_detail_queries_do_not_grow_with_the_number_of_orders(
    login_as, order_for, django_assert_max_num_queries
):
    customer = factories.CustomerFactory()
    factories.AddressFactory(customer=customer)
    client = login_as("Customer service")

    def load_detail_with(orders: int) -> int:
        for _ in range(orders - customer.orders.count()):
            order_for(customer)
        with django_assert_max_num_queries(DETAIL_MAX_QUERIES) as captured:
            response = client.get(detail_url(customer))
        assert response.status_code == 200
        return len(captured)

    assert load_detail_with(3) == load_detail_with(30)
