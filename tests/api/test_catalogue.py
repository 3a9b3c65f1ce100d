"""Products, locations and stock levels through the API, and the stock changes an ERP syncs:
adjustments and counts through inventory's ledger, each a ledger row and one webhook."""

from datetime import timedelta

import pytest
from django.db.models import Sum
from django.utils import timezone

from api.services import issue_token
from inventory import services as inventory
from inventory.models import StockLevel, StockMovement
from tests import factories
from tests.factories import stock
from tests.orders.test_concurrency import run_concurrently
from webhooks.models import Delivery
from webhooks.services.subscriptions import create_subscription

from .conftest import bearer, make_integration

pytestmark = pytest.mark.django_db
PRODUCTS = "/api/v1/products/"
LOCATIONS = "/api/v1/locations/"
STOCK = "/api/v1/stock/"
ADJUST = "/api/v1/stock/adjust/"
SET = "/api/v1/stock/set/"
COUNTS = "/api/v1/stock/counts/"


@pytest.fixture
def mug(warehouse, second_warehouse):
    """20 on hand at WH-A (3 of them reserved) and 5 at WH-B."""
    product = factories.ProductFactory(sku="MUG", name="Blue mug", barcode="4006381333931")
    stock(product, warehouse, 20)
    stock(product, second_warehouse, 5)
    inventory.reserve(product=product, location=warehouse, quantity=3)
    return product


def level(product, location) -> StockLevel:
    return StockLevel.objects.get(product=product, location=location)


def adjustment(**overrides) -> dict:
    return {"sku": "MUG", "location": "WH-A", "delta": -2, "reason": "correction"} | overrides


def count(**overrides) -> dict:
    return {"sku": "MUG", "location": "WH-A", "on_hand": 12, "reason": "correction"} | overrides


# --- reads ----------------------------------------------------------------------------------


def test_products_list_with_stock_totals_and_the_dashboards_filters(
    api, mug, django_assert_max_num_queries
):
    factories.ProductFactory(sku="CUP", name="Tea cup")

    with django_assert_max_num_queries(4):
        body = api.get(PRODUCTS, {"q": "mu"}).json()

    (row,) = body["results"]
    assert (row["sku"], row["name"], row["currency"]) == ("MUG", "Blue mug", "USD")
    assert (row["on_hand"], row["reserved"], row["available"]) == (25, 3, 22)
    assert [r["sku"] for r in api.get(PRODUCTS, {"stock": "out"}).json()["results"]] == ["CUP"]
    at_b = api.get(PRODUCTS, {"location": "WH-B"}).json()["results"]
    assert [r["sku"] for r in at_b] == ["MUG"]


def test_products_page_by_cursor(api, warehouse):
    for index in range(5):
        factories.ProductFactory(sku=f"P-{index}")

    first = api.get(PRODUCTS, {"page_size": 3}).json()
    rest = api.get(first["next"]).json()

    skus = [row["sku"] for row in first["results"] + rest["results"]]
    assert sorted(skus) == [f"P-{index}" for index in range(5)]
    assert rest["next"] is None


def test_an_unknown_filter_value_is_422_naming_it(api, mug):
    response = api.get(PRODUCTS, {"location": "NOWHERE"})

    assert response.status_code == 422
    assert response.json()["field"] == "location"


def test_a_product_shows_its_stock_per_location(api, mug, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        response = api.get(f"{PRODUCTS}MUG/")

    body = response.json()
    assert (body["on_hand"], body["reserved"], body["available"]) == (25, 3, 22)
    assert body["stock"] == [
        {"location": "WH-A", "location_name": "Location WH-A", "on_hand": 20, "reserved": 3,
         "available": 17},
        {"location": "WH-B", "location_name": "Location WH-B", "on_hand": 5, "reserved": 0,
         "available": 5},
    ]  # fmt: skip
    assert api.get(f"{PRODUCTS}NOPE/").status_code == 404


def test_locations_list_and_detail(api, warehouse, second_warehouse):
    codes = {row["code"] for row in api.get(LOCATIONS).json()["results"]}
    detail = api.get(f"{LOCATIONS}WH-B/").json()

    assert codes == {"WH-A", "WH-B"}
    assert (detail["code"], detail["priority"], detail["kind"]) == ("WH-B", 20, "warehouse")
    assert api.get(f"{LOCATIONS}WH-Z/").status_code == 404


def test_stock_levels_filter_by_sku_location_and_change_time(
    api, mug, warehouse, django_assert_max_num_queries
):
    cup = factories.ProductFactory(sku="CUP")
    stock(cup, warehouse, 1)
    an_hour_ago = timezone.now() - timedelta(hours=1)
    StockMovement.objects.filter(product=cup).update(created_at=an_hour_ago)
    StockLevel.objects.filter(product=cup).update(updated_at=an_hour_ago)

    with django_assert_max_num_queries(4):
        rows = api.get(STOCK, {"sku": "MUG"}).json()["results"]
    at_a = api.get(STOCK, {"location": "WH-A"}).json()["results"]
    since = (timezone.now() - timedelta(minutes=5)).isoformat()
    recent = api.get(STOCK, {"updated_since": since}).json()["results"]

    assert {(r["location"], r["on_hand"], r["reserved"], r["available"]) for r in rows} == {
        ("WH-A", 20, 3, 17),
        ("WH-B", 5, 0, 5),
    }
    assert {r["sku"] for r in at_a} == {"MUG", "CUP"}
    assert {r["sku"] for r in recent} == {"MUG"}
    assert api.get(STOCK, {"updated_since": "yesterday"}).json()["field"] == "updated_since"


@pytest.mark.parametrize("move", ["reserve", "release"])
def test_a_reservation_alone_counts_as_a_change_since(api, mug, warehouse, move):
    """What an ERP syncs is what is available: reserving or releasing units changes it, with
    no ledger row."""
    an_hour_ago = timezone.now() - timedelta(hours=1)
    StockLevel.objects.update(updated_at=an_hour_ago)
    since = (timezone.now() - timedelta(minutes=5)).isoformat()
    assert api.get(STOCK, {"updated_since": since}).json()["results"] == []

    getattr(inventory, move)(product=mug, location=warehouse, quantity=1)

    (row,) = api.get(STOCK, {"updated_since": since}).json()["results"]
    assert (row["location"], row["reserved"]) == ("WH-A", 4 if move == "reserve" else 2)


@pytest.mark.parametrize(
    ("since", "rows"),
    [("2026-01-01T00:00:00+22:23", 2), ("1184-10-28T11:23:50+17:39", 2)],
)
def test_any_iso_offset_is_a_bound_of_updated_since(api, mug, since, rows):
    response = api.get(STOCK, {"updated_since": since})

    assert response.status_code == 200
    assert len(response.json()["results"]) == rows


@pytest.mark.parametrize("since", ["0001-01-01T00:00:00+05:00", "9999-12-31T23:00-05:00"])
def test_a_time_beyond_the_calendar_in_utc_is_422(api, mug, since):
    response = api.get(STOCK, {"updated_since": since})

    assert response.status_code == 422
    assert response.json()["field"] == "updated_since"


# --- writes ---------------------------------------------------------------------------------


def test_an_adjustment_is_a_ledger_row_by_the_integrations_owner(api, mug, warehouse, integration):
    response = api.post(ADJUST, adjustment(reference="ERP-77", note="Cycle count"), format="json")

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["level"] == {
        "sku": "MUG", "location": "WH-A", "on_hand": 18, "reserved": 3, "available": 15,
        "safety_stock": 0, "bin": "",
    }  # fmt: skip
    movement = StockMovement.objects.get(pk=body["movement"]["id"])
    assert (movement.quantity, movement.reason, movement.reference, movement.note) == (
        -2,
        "correction",
        "ERP-77",
        "Cycle count",
    )
    assert movement.user == integration.owner
    assert level(mug, warehouse).on_hand == 18


def test_an_adjustment_retried_with_its_key_is_applied_once(api, mug, warehouse):
    headers = {"HTTP_IDEMPOTENCY_KEY": "adjust-1"}

    first = api.post(ADJUST, adjustment(), format="json", **headers)
    again = api.post(ADJUST, adjustment(), format="json", **headers)
    other = api.post(ADJUST, adjustment(delta=-1), format="json", **headers)

    assert again.status_code == first.status_code == 200
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_key_reused"
    assert level(mug, warehouse).on_hand == 18
    assert StockMovement.objects.filter(quantity=-2).count() == 1


def test_an_adjustment_below_what_is_available_is_refused_on_delta(api, mug, warehouse):
    response = api.post(ADJUST, adjustment(delta=-18), format="json")

    assert response.status_code == 409
    problem = response.json()
    assert (problem["code"], problem["field"]) == ("insufficient_stock", "delta")
    assert "17 available" in problem["detail"]
    assert level(mug, warehouse).on_hand == 20


@pytest.mark.parametrize(
    ("payload", "field", "code"),
    [
        (adjustment(sku="NOPE"), "sku", "unknown_sku"),
        (adjustment(location="WH-Z"), "location", "unknown_location"),
        (adjustment(reason="sale"), "reason", "invalid_choice"),
        (adjustment(reason="adjustment"), "note", "required"),
        (adjustment(delta=0), "delta", "invalid_quantity"),
        (adjustment(delta=10**7), "delta", "quantity_out_of_range"),
    ],
)
def test_a_bad_adjustment_is_422_naming_its_field(api, mug, payload, field, code):
    response = api.post(ADJUST, payload, format="json")

    assert response.status_code == 422
    assert (response.json()["field"], response.json()["code"]) == (field, code)
    assert StockMovement.objects.count() == 2  # the two receipts


def test_a_count_sets_on_hand_and_the_ledger_records_the_difference(api, mug, warehouse):
    response = api.post(SET, count(on_hand=12, reference="COUNT-9"), format="json")

    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["level"]["on_hand"], body["level"]["available"]) == (12, 9)
    assert (body["movement"]["quantity"], body["movement"]["reference"]) == (-8, "COUNT-9")
    again = api.post(SET, count(on_hand=12), format="json").json()
    assert again["movement"] is None  # the count matched: nothing to record
    assert StockMovement.objects.filter(product=mug, location=warehouse).count() == 2


def test_a_count_below_what_is_reserved_is_refused_naming_on_hand(api, mug, warehouse):
    response = api.post(SET, count(on_hand=2), format="json")

    assert response.status_code == 422
    problem = response.json()
    assert (problem["code"], problem["field"]) == ("count_below_reserved", "on_hand")
    assert "3 units reserved" in problem["detail"]
    assert level(mug, warehouse).on_hand == 20


def test_a_count_at_a_new_location_creates_its_row(api, mug):
    third = factories.LocationFactory(code="WH-C")

    body = api.post(SET, count(location="WH-C", on_hand=4), format="json").json()

    assert body["level"]["on_hand"] == 4 == level(mug, third).on_hand
    assert body["movement"]["quantity"] == 4


def test_bulk_counts_are_all_or_nothing_naming_the_item(api, mug, warehouse, second_warehouse):
    bad = [count(on_hand=15), count(location="WH-B", on_hand=-1)]
    refused = [count(on_hand=15), count(location="WH-B", on_hand=1), count(on_hand=1)]

    invalid = api.post(COUNTS, {"counts": bad}, format="json")
    short = [count(location="WH-B", on_hand=1), count(on_hand=2)]  # WH-A has 3 reserved
    below_reserved = api.post(COUNTS, {"counts": short}, format="json")
    twice = api.post(COUNTS, {"counts": refused}, format="json")

    assert invalid.json()["field"] == "counts[1].on_hand"
    assert below_reserved.json()["field"] == "counts[1].on_hand"
    assert (twice.json()["field"], twice.json()["code"]) == ("counts[2].sku", "counted_twice")
    assert (level(mug, warehouse).on_hand, level(mug, second_warehouse).on_hand) == (20, 5)

    done = api.post(COUNTS, {"counts": refused[:2]}, format="json")

    assert done.status_code == 200, done.json()
    assert [change["level"]["on_hand"] for change in done.json()["results"]] == [15, 1]
    assert (level(mug, warehouse).on_hand, level(mug, second_warehouse).on_hand) == (15, 1)


def test_a_bulk_count_has_at_most_500_items(api, mug):
    response = api.post(COUNTS, {"counts": [count()] * 501}, format="json")

    assert response.status_code == 422
    assert response.json()["field"] == "counts"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_counts_and_adjustments_at_once_keep_on_hand_equal_to_the_ledger(channel, mug):
    plain = issue_token(integration=make_integration(channel)).plain
    both = [count(on_hand=30), count(location="WH-B", on_hand=10)]
    requests = [
        (COUNTS, {"counts": both}),
        (COUNTS, {"counts": both[::-1]}),
        (ADJUST, adjustment()),
    ]

    def send(index: int) -> int:
        url, payload = requests[index % len(requests)]
        return bearer(plain).post(url, payload, format="json").status_code

    assert run_concurrently(6, send) == [200] * 6  # no deadlock, nothing refused
    for row in StockLevel.objects.filter(product=mug):
        ledger = StockMovement.objects.filter(product=mug, location=row.location)
        assert row.on_hand == ledger.aggregate(total=Sum("quantity"))["total"]


def test_each_change_publishes_one_stock_changed_event(
    api, mug, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOKS_ALLOWED_HOSTS = ["127.0.0.1"]
    owner = factories.UserFactory(username="hook-owner")
    create_subscription(url="http://127.0.0.1:9/hooks", events=["stock.changed"], owner=owner)

    with django_capture_on_commit_callbacks(execute=True):
        movement = api.post(ADJUST, adjustment(delta=4), format="json").json()["movement"]

    (delivery,) = Delivery.objects.all()
    assert delivery.event_id == f"stock-movement-{movement['id']}"
    data = delivery.payload["data"]
    assert (data["sku"], data["location"], data["quantity"], data["on_hand"]) == (
        "MUG",
        "WH-A",
        4,
        24,
    )


# --- who may -------------------------------------------------------------------------------


def test_a_token_without_stock_write_may_read_but_not_change_stock(api_client_for, mug):
    client = api_client_for(scopes=["stock:read"])

    assert client.get(STOCK).status_code == 200
    for url, payload in ((ADJUST, adjustment()), (SET, count()), (COUNTS, {"counts": [count()]})):
        response = client.post(url, payload, format="json")
        assert response.status_code == 403
        assert response.json()["code"] == "missing_scope"
        assert "stock:write" in response.json()["detail"]
    assert StockMovement.objects.count() == 2


@pytest.mark.parametrize("url", [PRODUCTS, LOCATIONS, STOCK])
def test_a_token_without_stock_read_may_not_read(api_client_for, url):
    response = api_client_for(scopes=["orders:read"]).get(url)

    assert response.status_code == 403
    assert "stock:read" in response.json()["detail"]


def test_staff_with_the_inventory_view_permissions_read_and_never_write(client, mug):
    client.force_login(factories.UserFactory(role="Warehouse"))
    for url in (PRODUCTS, f"{PRODUCTS}MUG/", LOCATIONS, f"{LOCATIONS}WH-A/", STOCK):
        assert client.get(url).status_code == 200, url

    response = client.post(ADJUST, adjustment(), content_type="application/json")

    assert response.status_code == 403
    assert response.json()["code"] == "read_only_session"
    client.force_login(factories.UserFactory(username="nobody"))  # staff without permissions
    assert client.get(STOCK).status_code == 403
