"""Roles that match the job: what each role sees and may change beyond the URL walk of
tests/test_access.py — the admin (models per role, prices), customer data on orders, the CSV
export button and the home page's money figures."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from core.roles import CUSTOMER_SERVICE, FINANCE, MANAGER, ROLES, WAREHOUSE
from tests import factories
from tests.factories import place, ship_to, stock

pytestmark = pytest.mark.django_db

# The admin apps each role finds on the admin index: the roles migrations decide, through
# the model permissions, and the admin follows them.
ADMIN_APPS = {
    MANAGER: {
        "customers",
        "digests",
        "documents",
        "inventory",
        "notifications",
        "orders",
        "payments",
        "shipping",
        "webhooks",
    },
    CUSTOMER_SERVICE: {
        "customers",
        "documents",
        "inventory",
        "notifications",
        "orders",
        "payments",
        "shipping",
    },
    FINANCE: {
        "customers",
        "documents",
        "inventory",
        "notifications",
        "orders",
        "payments",
        "shipping",
    },
    WAREHOUSE: {"inventory", "orders", "shipping"},
}


@pytest.fixture
def product(warehouse):
    product = factories.ProductFactory(sku="MUG-1", unit_price=Decimal("12.00"))
    stock(product, warehouse, 10)
    return product


@pytest.fixture
def order(channel, customer, product):
    return place(
        channel=channel,
        customer=customer,
        items=[(product, 1)],
        shipping_address=ship_to(phone="+1 555 0142"),
        billing_address=ship_to(name="Accounts Payable", line1="9 Billing Road"),
    )


def admin_change_form(client, url: str) -> dict:
    """The admin change form's data as the page renders it, inline management forms included,
    so a test can post it back with one field changed."""
    response = client.get(url)
    assert response.status_code == 200
    form = response.context["adminform"].form
    data = {
        name: "" if value is None else value
        for name, value in ((name, form[name].value()) for name in form.fields)
    }
    for inline in response.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        data |= {
            management.add_prefix(name): management[name].value() for name in management.fields
        }
    return {name: value for name, value in data.items() if value is not False}


@pytest.mark.parametrize("role", ROLES)
def test_the_admin_index_shows_each_role_only_its_apps(login_as, role):
    response = login_as(role).get(reverse("admin:index"))

    assert response.status_code == 200
    apps = {app["app_label"] for app in response.context["app_list"]}
    assert apps == ADMIN_APPS[role]


def test_warehouse_gets_403_on_the_payments_admin(login_as):
    client = login_as(WAREHOUSE)

    assert client.get(reverse("admin:payments_payment_changelist")).status_code == 403
    assert client.get(reverse("admin:app_list", args=["payments"])).status_code == 404
    assert client.get(reverse("admin:customers_customer_changelist")).status_code == 403


def test_warehouse_cannot_change_a_price_or_cost_in_the_product_admin(login_as, product):
    client = login_as(WAREHOUSE)
    url = reverse("admin:inventory_product_change", args=[product.pk])
    data = admin_change_form(client, url)
    assert "unit_price" not in data  # shown read-only, not a form field
    assert "cost" not in data

    response = client.post(url, data | {"unit_price": "0.01", "cost": "0.00", "reorder_point": "7"})

    assert response.status_code == 302, response.context["adminform"].form.errors
    product.refresh_from_db()
    assert product.unit_price == Decimal("12.00")
    assert product.cost == Decimal("4.00")
    assert product.reorder_point == 7  # the rest of the product is Warehouse's to change


def test_a_manager_changes_a_price_in_the_product_admin(login_as, product):
    client = login_as(MANAGER)
    url = reverse("admin:inventory_product_change", args=[product.pk])

    response = client.post(url, admin_change_form(client, url) | {"unit_price": "13.50"})

    assert response.status_code == 302
    product.refresh_from_db()
    assert product.unit_price == Decimal("13.50")


def test_adding_a_product_in_the_admin_takes_the_price_permission(client):
    user = factories.UserFactory()
    user.user_permissions.add(
        *Permission.objects.filter(codename__in=["add_product", "change_product"])
    )
    client.force_login(user)

    assert client.get(reverse("admin:inventory_product_add")).status_code == 403


def test_warehouse_sees_the_name_and_shipping_address_of_an_order_only(login_as, order):
    html = login_as(WAREHOUSE).get(reverse("orders:detail", args=[order.number])).content.decode()

    assert order.customer.name in html
    assert "1 Main Street" in html
    assert order.customer.email not in html
    assert order.customer.phone not in html
    assert "+1 555 0142" not in html  # the ship-to phone
    assert "9 Billing Road" not in html
    assert reverse("customers:detail", args=[order.customer.pk]) not in html


def test_customer_service_sees_the_customer_on_an_order(login_as, order):
    html = login_as(CUSTOMER_SERVICE).get(reverse("orders:detail", args=[order.number]))
    html = html.content.decode()

    assert order.customer.email in html
    assert "+1 555 0142" in html
    assert "9 Billing Road" in html


def test_the_order_admin_keeps_customer_data_from_warehouse(login_as, order):
    client = login_as(WAREHOUSE)

    change = client.get(reverse("admin:orders_order_change", args=[order.pk])).content.decode()
    listing = client.get(reverse("admin:orders_order_changelist")).content.decode()

    assert "1 Main Street" in change
    for private in (order.customer.email, "+1 555 0142", "9 Billing Road"):
        assert private not in change
    assert order.number in listing
    assert order.customer.email not in listing


def test_the_order_admin_shows_customer_data_to_customer_service(login_as, order):
    change = login_as(CUSTOMER_SERVICE).get(reverse("admin:orders_order_change", args=[order.pk]))

    html = change.content.decode()
    assert order.customer.email in html
    assert "9 Billing Road" in html


@pytest.mark.parametrize(
    ("role", "shown"),
    [(WAREHOUSE, False), (MANAGER, True), (FINANCE, True), (CUSTOMER_SERVICE, True)],
)
def test_the_export_button_is_shown_to_roles_that_may_export(login_as, order, role, shown):
    html = login_as(role).get(reverse("orders:list")).content.decode()

    assert (reverse("orders:export") in html) is shown
    assert (order.customer.email in html) is (role != WAREHOUSE)


@pytest.mark.parametrize(("role", "shown"), [(WAREHOUSE, False), (MANAGER, True), (FINANCE, True)])
def test_the_home_page_shows_revenue_only_to_roles_that_handle_money(login_as, order, role, shown):
    response = login_as(role).get(reverse("backoffice:home"))

    html = response.content.decode()
    assert "To ship" in html
    assert ("Revenue today" in html) is shown
    assert ("12.00" in html) is shown  # the recent order's total


def test_warehouse_cannot_find_an_order_by_the_customer_e_mail(login_as, order):
    search = reverse("backoffice:search")
    by_email = {"q": order.customer.email.partition("@")[0] + "@"}  # not part of the name

    assert order.number not in login_as(WAREHOUSE).get(search, by_email).content.decode()
    assert order.number in login_as(CUSTOMER_SERVICE).get(search, by_email).content.decode()
    assert order.number in login_as(WAREHOUSE).get(search, {"q": "Customer"}).content.decode()


def test_the_admin_lists_for_warehouse_only_the_models_of_its_work(login_as):
    response = login_as(WAREHOUSE).get(reverse("admin:index"))

    models = {
        (app["app_label"], model["object_name"])
        for app in response.context["app_list"]
        for model in app["models"]
    }
    assert models == {
        ("inventory", "Product"),
        ("inventory", "Location"),
        ("inventory", "StockLevel"),
        ("inventory", "StockMovement"),
        ("orders", "SalesChannel"),
        ("orders", "Order"),
        ("orders", "OrderLine"),
        ("orders", "Allocation"),
        ("orders", "OrderEvent"),
        ("shipping", "Shipment"),
        ("shipping", "PickList"),
        ("shipping", "Box"),
        ("shipping", "Manifest"),
        ("shipping", "AtRisk"),
    }
