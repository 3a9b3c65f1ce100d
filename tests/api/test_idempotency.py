"""Idempotency-Key: a retried POST gets the first answer and does nothing more."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from api.idempotency import purge_records
from api.models import IdempotencyRecord
from api.services import issue_token
from api.tasks import purge_idempotency_records
from orders.models import Order
from tests import factories
from tests.factories import stock
from tests.orders.test_concurrency import run_concurrently

from .conftest import bearer, make_integration
from .helpers import order_payload

ORDERS = "/api/v1/orders/"


@pytest.fixture
def mug(warehouse):
    product = factories.ProductFactory(sku="MUG", unit_price=Decimal("12.50"))
    stock(product, warehouse, 20)
    return product


@pytest.mark.django_db
def test_the_same_key_and_body_replay_the_first_response(api, mug):
    headers = {"Idempotency-Key": "order-EXT-1"}
    first = api.post(ORDERS, order_payload(), format="json", headers=headers)

    second = api.post(ORDERS, order_payload(), format="json", headers=headers)

    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert Order.objects.count() == 1


@pytest.mark.django_db
def test_the_same_key_with_another_body_is_422(api, mug):
    headers = {"Idempotency-Key": "k1"}
    api.post(ORDERS, order_payload(), format="json", headers=headers)

    response = api.post(ORDERS, order_payload("EXT-2"), format="json", headers=headers)

    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_key_reused"
    assert Order.objects.count() == 1


@pytest.mark.django_db
def test_a_refused_request_is_not_kept_so_a_corrected_retry_runs(api, mug):
    headers = {"Idempotency-Key": "k2"}
    refused = api.post(ORDERS, order_payload(sku="NOPE"), format="json", headers=headers)
    assert refused.status_code == 422
    assert not IdempotencyRecord.objects.exists()

    assert api.post(ORDERS, order_payload(), format="json", headers=headers).status_code == 201


@pytest.mark.django_db
def test_keys_are_per_integration(api, channel, mug):
    other = bearer(issue_token(integration=make_integration(channel, name="other")).plain)
    headers = {"Idempotency-Key": "same"}

    api.post(ORDERS, order_payload(), format="json", headers=headers)
    response = other.post(ORDERS, order_payload("EXT-2"), format="json", headers=headers)

    assert response.status_code == 201


@pytest.mark.django_db
def test_records_older_than_a_day_are_purged(api, mug):
    api.post(ORDERS, order_payload(), format="json", headers={"Idempotency-Key": "old"})
    api.post(ORDERS, order_payload("EXT-2"), format="json", headers={"Idempotency-Key": "new"})
    IdempotencyRecord.objects.filter(key="old").update(
        created_at=timezone.now() - timedelta(hours=25)
    )

    assert purge_idempotency_records() == 1
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["new"]
    assert purge_records() == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_posts_with_one_key_place_one_order_and_answer_alike(channel, warehouse):
    product = factories.ProductFactory(sku="MUG", unit_price=Decimal("12.50"))
    stock(product, warehouse, 20)
    plain = issue_token(integration=make_integration(channel)).plain

    def post(_index: int):
        response = bearer(plain).post(
            ORDERS, order_payload(), format="json", headers={"Idempotency-Key": "race"}
        )
        return response.status_code, response.json(), response.get("Idempotent-Replayed")

    results = run_concurrently(2, post)

    assert Order.objects.count() == 1
    assert results[0][:2] == results[1][:2]
    assert results[0][0] == 201
    assert sorted(str(replayed) for *_, replayed in results) == ["None", "true"]


# --- every POST of the schema (those added later included) ----------------------------------


@pytest.mark.django_db
def test_the_schema_documents_the_key_on_every_post(client):
    paths = client.get("/api/v1/schema/?format=json").json()["paths"]

    posts = {path: item["post"] for path, item in paths.items() if "post" in item}
    assert posts
    for path, operation in posts.items():
        headers = {p["name"] for p in operation.get("parameters", []) if p["in"] == "header"}
        assert "Idempotency-Key" in headers, path
