"""Every dashboard URL, for every role and for anonymous visitors: the page, 403, or login."""

import pytest
from django.urls import reverse

from core.roles import CUSTOMER_SERVICE, FINANCE, MANAGER, ROLES, WAREHOUSE
from payments.models import Method
from payments.services import record_manual_payment
from tests import factories
from tests.factories import place, stock

pytestmark = pytest.mark.django_db

# (url name, kwargs key, method, permissions needed). Kwargs come from the data fixture.
PAGES = [
    ("core:home", None, "get", ()),
    ("core:search", None, "get", ()),
    ("orders:list", None, "get", ("orders.view_order",)),
    ("orders:export", None, "get", ("orders.view_order",)),
    ("orders:create", None, "get", ("orders.add_order",)),
    ("orders:detail", "number", "get", ("orders.view_order",)),
    ("orders:edit", "number", "get", ("orders.change_order",)),
    ("orders:confirm", "number", "post", ("orders.confirm_order",)),
    ("orders:hold", "number", "post", ("orders.hold_order",)),
    ("orders:release", "number", "post", ("orders.hold_order",)),
    ("orders:cancel", "number", "post", ("orders.cancel_order",)),
    ("orders:note", "number", "post", ("orders.add_orderevent",)),
    ("inventory:product_list", None, "get", ("inventory.view_product",)),
    ("inventory:product_detail", "sku", "get", ("inventory.view_product",)),
    ("inventory:adjust", "sku", "post", ("inventory.adjust_stock",)),
    ("customers:list", None, "get", ("customers.view_customer",)),
    ("customers:detail", "pk", "get", ("customers.view_customer",)),
    ("payments:list", None, "get", ("payments.view_payment",)),
    ("payments:order_panel", "number", "get", ("orders.view_order", "payments.view_payment")),
    ("payments:send_link", "number", "post", ("payments.send_payment_link",)),
    ("payments:record", "number", "post", ("payments.record_payment",)),
    ("payments:capture", "payment_id", "post", ("payments.capture_payment",)),
    ("payments:refund", "payment_id", "post", ("payments.refund_payment",)),
    ("payments:void", "payment_id", "post", ("payments.void_payment",)),
]
MOVE_MONEY = {"payments:capture", "payments:refund", "payments:void"}
TAKE_PAYMENT = {"payments:send_link", "payments:record"}

# What each role may do, stated plainly: the test fails if the roles migration drifts.
EXPECTED_DENIED = {
    MANAGER: set(),
    CUSTOMER_SERVICE: {"inventory:adjust"} | MOVE_MONEY,
    WAREHOUSE: {"orders:create", "orders:edit", "orders:confirm", "orders:cancel"}
    | TAKE_PAYMENT
    | MOVE_MONEY,
    FINANCE: {
        "orders:create",
        "orders:edit",
        "orders:confirm",
        "orders:cancel",
        "inventory:adjust",
    },
}


@pytest.fixture
def data(channel, customer, warehouse):
    product = factories.ProductFactory(sku="ACCESS-1")
    stock(product, warehouse, 10)
    order = place(channel=channel, customer=customer, items=[(product, 1)])
    payment = record_manual_payment(order=order, amount=order.total, method=Method.BANK_TRANSFER)
    return {
        "number": order.number,
        "sku": product.sku,
        "pk": customer.pk,
        "payment_id": payment.pk,
    }


def url_for(name: str, key: str | None, data: dict) -> str:
    return reverse(name, kwargs={key: data[key]} if key else None)


def request(client, method: str, url: str):
    return client.get(url) if method == "get" else client.post(url, {})


@pytest.mark.parametrize(("name", "key", "method", "perms"), PAGES, ids=[p[0] for p in PAGES])
def test_anonymous_visitors_are_sent_to_login(client, data, name, key, method, perms):
    url = url_for(name, key, data)
    response = request(client, method, url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_its_pages_and_403_elsewhere(login_as, data, role):
    client = login_as(role)
    denied = set()
    for name, key, method, perms in PAGES:
        response = request(client, method, url_for(name, key, data))
        allowed = client.user.has_perms(perms)
        if allowed:
            assert response.status_code in (200, 302), (name, response.status_code)
        else:
            assert response.status_code == 403, (name, response.status_code)
            denied.add(name)
    assert denied == EXPECTED_DENIED[role]


def test_superuser_gets_every_page(login_as, data):
    client = login_as(None)
    for name, key, method, _ in PAGES:
        response = request(client, method, url_for(name, key, data))
        assert response.status_code in (200, 302), name
