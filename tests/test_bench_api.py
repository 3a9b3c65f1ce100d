"""bench/api.py's yardstick and load: the one-insert view (bench URLconf only) sits behind the
API's own authentication and scopes and inserts one row, and the order bodies the bench sends
are orders the API places, each for a new customer."""

import random

import pytest
from django.urls import NoReverseMatch, reverse

from api.models import IdempotencyRecord
from api.services import issue_token
from bench import api as bench
from bench.api_urls import OWNER
from customers.models import Customer
from orders.models import Order
from tests import factories
from tests.api.conftest import bearer, make_integration

pytestmark = pytest.mark.django_db


def test_the_one_insert_view_is_not_in_the_products_urls():
    with pytest.raises(NoReverseMatch):
        reverse("bench_one_insert")


@pytest.mark.urls("bench.api_urls")
def test_the_one_insert_view_inserts_one_row_behind_the_apis_authentication(channel):
    plain = issue_token(integration=make_integration(channel)).plain
    readonly = issue_token(integration=make_integration(channel, scopes=["orders:read"], name="ro"))
    path = reverse("bench_one_insert")

    assert bearer("oms_000000000000_nope").post(path, {}, format="json").status_code == 401
    assert bearer(readonly.plain).post(path, {}, format="json").status_code == 403
    response = bearer(plain).post(path, {}, format="json")

    assert response.status_code == 201
    assert IdempotencyRecord.objects.get(owner=OWNER).pk == response.json()["id"]


def test_the_bench_orders_are_placed_each_for_a_new_customer(channel, warehouse):
    client = bearer(issue_token(integration=make_integration(channel)).plain)
    products = []
    for number in range(bench.LINES_PER_ORDER):
        product = factories.ProductFactory(sku=f"BENCH-API-{number}")
        factories.stock(product, warehouse, 10)
        products.append((product.sku, str(product.unit_price)))
    rng = random.Random(1)

    for number in (1, 2):
        body = bench.order_body(products, "test", number, rng)
        assert client.post(bench.ORDERS_PATH, body, format="json").status_code == 201

    orders = Order.objects.filter(external_id__startswith="BENCH-API-test-")
    assert orders.count() == 2
    assert {order.lines.count() for order in orders} == {bench.LINES_PER_ORDER}
    assert Customer.objects.filter(email__endswith="@bench.example").count() == 2
