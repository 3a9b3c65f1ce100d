"""The customer list (filters, sorting) and the customer page.

What customers ordered (the list's order columns, the page's totals and orders) is filled in
by panels of the orders app: tests/orders/test_customer_and_product_panels.py.
"""

from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core import pagination
from customers import views
from customers.models import Address
from tests import factories

pytestmark = pytest.mark.django_db

LIST_URL = reverse("customers:list")
LIST_MAX_QUERIES = 8
DETAIL_MAX_QUERIES = 8


def customers_joined(*names: str) -> list:
    """Customers who joined one day apart, the first named the longest ago."""
    now = timezone.now()
    customers = [factories.CustomerFactory(name=name) for name in names]
    for age, customer in enumerate(reversed(customers)):
        customer.created_at = now - timedelta(days=age)
        customer.save(update_fields=["created_at"])
    return customers


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


def test_list_shows_each_customer_and_loads_the_order_columns_for_the_page(login_as):
    ada = factories.CustomerFactory(name="Ada Lovelace", email="ada@example.com", company="AE")
    bob = factories.CustomerFactory(name="Bob Idle")

    response = login_as("Customer service").get(LIST_URL)

    assert response.status_code == 200
    assert rows_of(response) == ["Ada Lovelace", "Bob Idle"]
    html = response.content.decode()
    assert f'href="{reverse("customers:detail", args=[ada.pk])}"' in html
    assert "ada@example.com" in html
    # the order columns are placeholders the orders app fills in, one request for the page
    assert f'id="customer-{ada.pk}-value"' in html
    assert f'id="customer-{bob.pk}-orders"' in html
    totals_url = reverse("orders:customer_list_totals")
    assert f'hx-get="{totals_url}?customer={ada.pk}&amp;customer={bob.pk}"' in html
    assert 'hx-trigger="load"' in html


def test_list_leaves_out_the_order_columns_for_users_who_may_not_see_orders(client):
    factories.CustomerFactory(name="Ada Lovelace")
    user = factories.UserFactory()
    user.user_permissions.add(Permission.objects.get(codename="view_customer"))
    client.force_login(user)

    html = client.get(LIST_URL).content.decode()

    assert "Ada Lovelace" in html
    assert "Lifetime value" not in html
    assert reverse("orders:customer_list_totals") not in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("q=ada@", ["Ada Lovelace"]),  # e-mail starts with
        ("q=LOVE", ["Ada Lovelace"]),  # name contains, any case
        ("q=0199", ["Grace Hopper"]),  # phone contains
        ("q=navy", ["Grace Hopper"]),  # company contains
        ("q=example.com", []),  # e-mail is matched from its start only
        ("country=GB", ["Alan Turing"]),  # the default address's country
        ("country=DE", []),  # a non-default address does not count
        ("country=XX", []),  # a stale bookmark lists nobody, not everybody
        ("q=a&country=US", ["Ada Lovelace", "Grace Hopper"]),
    ],
)
def test_list_filters(login_as, query, expected):
    # given three customers in two countries
    ada = factories.CustomerFactory(name="Ada Lovelace", email="ada@example.com")
    grace = factories.CustomerFactory(
        name="Grace Hopper", email="grace@example.com", phone="+1 555 0199", company="US Navy"
    )
    alan = factories.CustomerFactory(name="Alan Turing", email="alan@example.com")
    factories.AddressFactory(customer=ada, country="US")
    factories.AddressFactory(customer=grace, country="US")
    factories.AddressFactory(customer=alan, country="GB")
    factories.AddressFactory(customer=alan, country="DE", is_default=False)

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
        ("-since", ["Bea", "Ann", "Cid"]),  # newest customers first
        ("since", ["Cid", "Ann", "Bea"]),
    ],
)
def test_list_sorts_by_name_and_by_when_they_became_customers(login_as, sort, expected):
    customers_joined("Cid", "Ann", "Bea")  # Cid joined first, Bea last

    response = login_as("Manager").get(f"{LIST_URL}?sort={sort}")

    assert rows_of(response) == expected


def test_sort_headers_link_to_the_other_direction_and_keep_the_filters(login_as):
    factories.CustomerFactory(name="Ann")

    html = login_as("Manager").get(f"{LIST_URL}?q=an&sort=-since").content.decode()

    assert 'href="?q=an&amp;sort=since"' in html  # clicked again: oldest first
    assert 'href="?q=an&amp;sort=name"' in html


def test_list_refuses_the_sorts_and_filters_it_no_longer_has(login_as):
    factories.CustomerFactory(name="Ann")

    response = login_as("Manager").get(f"{LIST_URL}?sort=-value")

    assert rows_of(response) == []  # a stale bookmark lists nobody, not everybody


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
    login_as, django_assert_max_num_queries
):
    client = login_as("Customer service")

    def load_list_with(customers: int) -> int:
        for _ in range(customers - Address.objects.count()):
            factories.AddressFactory(customer=factories.CustomerFactory(), country="US")
        with django_assert_max_num_queries(LIST_MAX_QUERIES) as captured:
            response = client.get(f"{LIST_URL}?sort=-since&country=US")
        assert response.status_code == 200
        return len(captured)

    assert load_list_with(5) == load_list_with(40)


# --- detail ------------------------------------------------------------------------------


def detail_url(customer, query: str = "") -> str:
    return reverse("customers:detail", args=[customer.pk]) + query


def test_detail_shows_facts_and_addresses_and_loads_the_order_panels(login_as):
    # given a customer with two addresses
    customer = factories.CustomerFactory(
        name="Ada Lovelace", email="ada@example.com", company="AE", notes="Prefers e-mail"
    )
    factories.AddressFactory(customer=customer, line1="1 Shipping Lane", kind=Address.Kind.SHIPPING)
    factories.AddressFactory(
        customer=customer, line1="2 Billing Road", kind=Address.Kind.BILLING, is_default=False
    )

    # when the customer page is opened
    response = login_as("Finance").get(detail_url(customer))

    # then the facts and the addresses are shown, and the orders app's panels are loaded
    assert response.status_code == 200
    html = response.content.decode()
    for text in ("ada@example.com", "AE", "Prefers e-mail", "1 Shipping Lane", "2 Billing Road"):
        assert text in html
    assert html.count("Default</span>") == 1
    totals_url = reverse("orders:customer_totals", args=[customer.pk])
    orders_url = reverse("orders:customer_orders", args=[customer.pk])
    assert f'hx-get="{totals_url}" hx-trigger="load"' in html
    assert f'hx-get="{orders_url}" hx-trigger="load"' in html


def test_detail_opened_on_a_page_of_orders_loads_that_page(login_as):
    customer = factories.CustomerFactory()
    cursor = "2026-01-01T00:00:00+00:00|7"

    html = login_as("Customer service").get(detail_url(customer), {"after": cursor, "page": "2"})

    orders_url = reverse("orders:customer_orders", args=[customer.pk])
    assert f'hx-get="{orders_url}?{urlencode({"after": cursor})}"' in html.content.decode()


def test_detail_of_an_unknown_customer_is_404(login_as):
    assert login_as("Customer service").get("/customers/999999/").status_code == 404


def test_detail_queries_do_not_grow_with_the_number_of_addresses(
    login_as, django_assert_max_num_queries
):
    customer = factories.CustomerFactory()
    client = login_as("Customer service")

    def load_detail_with(addresses: int) -> int:
        for _ in range(addresses - customer.addresses.count()):
            factories.AddressFactory(customer=customer, is_default=False)
        with django_assert_max_num_queries(DETAIL_MAX_QUERIES) as captured:
            response = client.get(detail_url(customer))
        assert response.status_code == 200
        return len(captured)

    assert load_detail_with(1) == load_detail_with(6)


def test_list_count_is_capped_and_never_counts_every_customer(login_as, monkeypatch):
    factories.CustomerFactory.create_batch(5)
    monkeypatch.setattr(pagination, "COUNT_CAP", 3)
    monkeypatch.setattr(views, "CUSTOMERS_PER_PAGE", 2)
    client = login_as("Customer service")

    with CaptureQueriesContext(connection) as queries:
        response = client.get(LIST_URL)

    assert "3+ customers" in response.content.decode()
    counts = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
    assert len(counts) == 1 and "LIMIT 4" in counts[0]
