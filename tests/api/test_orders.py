"""The orders endpoints: placing channel orders, listing, reading and moving them."""

from decimal import Decimal

import pytest

from api.services import issue_token
from customers.models import Customer
from orders.models import HoldReason, Order, OrderStatus
from tests import factories
from tests.factories import stock

from .conftest import bearer, make_integration
from .helpers import order_payload

pytestmark = pytest.mark.django_db
ORDERS = "/api/v1/orders/"


@pytest.fixture
def mug(warehouse):
    product = factories.ProductFactory(sku="MUG", unit_price=Decimal("12.50"))
    stock(product, warehouse, 20)
    return product


def place_through_api(api, **overrides):
    response = api.post(ORDERS, order_payload(**overrides), format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def test_placing_an_order_reserves_it_on_the_integrations_channel(api, channel, mug):
    body = place_through_api(api)

    order = Order.objects.get()
    assert body["number"] == order.number
    assert order.channel == channel
    assert order.external_id == "EXT-1"
    assert order.status == OrderStatus.PLACED
    assert body["lines"][0]["allocations"] == [
        {"location": "WH-A", "quantity": 2, "picked_quantity": 0}
    ]
    assert body["total"] == str(order.total)
    assert {event["type"] for event in body["events"]} >= {"placed", "stock_reserved"}


def test_the_customer_is_matched_by_email_in_any_case(api, mug):
    known = factories.CustomerFactory(email="ada@example.com")

    place_through_api(api)

    assert Customer.objects.get() == known
    assert Order.objects.get().customer == known


def test_a_new_email_is_a_new_customer_with_the_address(api, mug):
    place_through_api(api)

    customer = Customer.objects.get()
    assert customer.email == "Ada@Example.com"
    assert customer.addresses.get().city == "New York"


def test_the_same_external_id_again_is_the_same_order(api, mug):
    first = place_through_api(api)

    again = api.post(ORDERS, order_payload(), format="json")

    assert again.status_code == 200
    assert again.json()["number"] == first["number"]
    assert Order.objects.count() == 1


def test_an_unknown_sku_is_422_on_its_line(api, mug):
    response = api.post(ORDERS, order_payload(sku="NOPE"), format="json")

    assert response.status_code == 422
    problem = response.json()
    assert problem["code"] == "unknown_sku"
    assert problem["field"] == "lines[0].sku"
    assert not Order.objects.exists()


def test_bad_input_is_422_problem_json_naming_the_field(api, mug):
    payload = order_payload()
    payload["lines"][0]["quantity"] = 0
    del payload["shipping_address"]["city"]

    response = api.post(ORDERS, payload, format="json")

    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert set(problem) >= {"type", "title", "status", "detail", "code", "field", "errors"}
    assert problem["status"] == 422
    assert problem["type"].startswith("urn:oms:problem:")
    fields = {error["field"] for error in problem["errors"]}
    assert fields == {"lines[0].quantity", "shipping_address.city"}


def test_a_domain_refusal_keeps_its_code_and_field(api, mug):
    payload = order_payload(shipping_address=factories.ship_to(country="XX"))

    response = api.post(ORDERS, payload, format="json")

    assert response.status_code == 422
    assert response.json()["field"] == "shipping_address.country"
    assert response.json()["code"] == "invalid_order"
    assert not Customer.objects.exists()  # all of it or nothing


def test_the_list_filters_like_the_dashboard_and_pages_by_cursor(
    api, channel, mug, django_assert_max_num_queries
):
    for index in range(5):
        place_through_api(api, external_id=f"E{index}")
    Order.objects.filter(external_id="E0").update(status=OrderStatus.CANCELLED)

    with django_assert_max_num_queries(6):
        page = api.get(ORDERS, {"page_size": 2, "status": "placed"}).json()

    assert [row["external_id"] for row in page["results"]] == ["E4", "E3"]
    rest = api.get(page["next"]).json()
    assert [row["external_id"] for row in rest["results"]] == ["E2", "E1"]
    assert rest["next"] is None


def test_an_invalid_filter_is_422(api):
    response = api.get(ORDERS, {"status": "lost"})

    assert response.status_code == 422
    assert response.json()["field"] == "status"


def test_an_integration_sees_only_its_channels_orders(api, channel, mug):
    other_channel = factories.SalesChannelFactory(code="market")
    other = bearer_for(other_channel)
    number = place_through_api(api)["number"]

    assert other.get(ORDERS).json()["results"] == []
    assert other.get(f"{ORDERS}{number}/").status_code == 404
    assert other.post(f"{ORDERS}{number}/confirm/").status_code == 404
    erp = bearer_for(other_channel, name="erp", all_channels=True)
    assert erp.get(f"{ORDERS}{number}/").status_code == 200


def bearer_for(channel, **kwargs):
    integration = make_integration(channel, name=kwargs.pop("name", "market"), **kwargs)
    return bearer(issue_token(integration=integration).plain)


def test_the_detail_reads_in_a_bounded_number_of_queries(
    api, mug, warehouse, django_assert_max_num_queries
):
    cup = factories.ProductFactory(sku="CUP")
    stock(cup, warehouse, 5)
    payload = order_payload()
    payload["lines"] += [{"sku": "CUP", "quantity": 1}]
    number = place_through_api(api, lines=payload["lines"])["number"]

    with django_assert_max_num_queries(12):
        body = api.get(f"{ORDERS}{number}/").json()

    assert [line["sku"] for line in body["lines"]] == ["MUG", "CUP"]
    assert body["shipments"] == [] and body["payments"] == []


def test_hold_release_confirm_and_cancel(api, mug, integration):
    number = place_through_api(api)["number"]
    url = f"{ORDERS}{number}/"

    held = api.post(f"{url}hold/", {"reason": HoldReason.FRAUD_RISK}, format="json")
    assert held.status_code == 200, held.json()
    assert held.json()["status"] == OrderStatus.ON_HOLD
    assert api.post(f"{url}release/").json()["status"] == OrderStatus.PLACED
    assert api.post(f"{url}confirm/").json()["status"] == OrderStatus.CONFIRMED
    cancelled = api.post(f"{url}cancel/", {"reason": "Customer changed their mind"}, format="json")
    assert cancelled.json()["status"] == OrderStatus.CANCELLED
    assert Order.objects.get().events.filter(actor=integration.owner).exists()


def test_a_refused_move_is_409(api, mug):
    number = place_through_api(api)["number"]
    api.post(f"{ORDERS}{number}/cancel/", {"reason": "Duplicate"}, format="json")

    response = api.post(f"{ORDERS}{number}/confirm/")

    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"


def test_cancel_needs_a_reason(api, mug):
    number = place_through_api(api)["number"]

    response = api.post(f"{ORDERS}{number}/cancel/", {}, format="json")

    assert response.status_code == 422
    assert response.json()["field"] == "reason"
