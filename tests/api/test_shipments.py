"""The shipments and tracking endpoints: the list with the dashboard's filters, a shipment and
its timeline, scopes and channels, and carriers posting tracking (once, whatever the retries)."""

from datetime import date, timedelta

import pytest
import yaml
from django.utils import timezone

from api.serializers.shipments import LabelStatus, label_status
from api.services import issue_token
from api.views.shipments import ShipmentApiFilter
from orders.models import OrderStatus
from shipping.carriers import TrackingUpdate
from shipping.models import Shipment, ShipmentStatus, TrackingEvent
from shipping.services import apply_tracking, create_shipment, ship
from tests import factories
from tests.webhooks.conftest import endpoint  # noqa: F401 (a fixture)
from webhooks.models import Delivery
from webhooks.services.subscriptions import create_subscription

from .conftest import bearer, make_integration

pytestmark = pytest.mark.django_db
SHIPMENTS = "/api/v1/shipments/"
TRACKING = "/api/v1/tracking/"
S = ShipmentStatus


def client_of(channel, *, name: str = "carrier-hub", **kwargs):
    return bearer(issue_token(integration=make_integration(channel, name=name, **kwargs)).plain)


@pytest.fixture
def parcels(channel, customer, warehouse, second_warehouse):
    """Three of the channel's parcels, oldest first: UPS in transit from WH-A (shipped
    yesterday), UPS delivered from WH-B (shipped three days ago), DHL waiting for its label."""
    ups, dhl = factories.CarrierFactory(code="UPS"), factories.CarrierFactory(code="DHL")
    product = factories.ProductFactory(sku="BOX")
    factories.stock(product, warehouse, 10)
    now = timezone.now()

    def parcel(location, **fields) -> Shipment:
        order = factories.confirmed(channel=channel, customer=customer, items=[(product, 1)])
        return Shipment.objects.create(order=order, location=location, weight_grams=500, **fields)

    return (
        parcel(
            warehouse,
            carrier=ups,
            status=S.IN_TRANSIT,
            tracking_number="1Z001",
            shipped_at=now - timedelta(days=1),
        ),
        parcel(
            second_warehouse,
            carrier=ups,
            status=S.DELIVERED,
            tracking_number="1Z002",
            shipped_at=now - timedelta(days=3),
        ),
        parcel(warehouse, carrier=dhl),
    )


def ids(response) -> list[int]:
    assert response.status_code == 200, response.json()
    return [row["id"] for row in response.json()["results"]]


# --- the list -----------------------------------------------------------------------------


def test_the_list_filters_like_the_dashboard(api, parcels):
    in_transit, delivered, waiting = parcels
    yesterday = timezone.now() - timedelta(days=2)

    assert ids(api.get(SHIPMENTS)) == [waiting.pk, delivered.pk, in_transit.pk]
    assert ids(api.get(SHIPMENTS, {"carrier": "UPS"})) == [delivered.pk, in_transit.pk]
    assert ids(api.get(SHIPMENTS, {"status": ["in_transit", "delivered"]})) == [
        delivered.pk,
        in_transit.pk,
    ]
    assert ids(api.get(SHIPMENTS, {"location": "WH-B"})) == [delivered.pk]
    assert ids(api.get(SHIPMENTS, {"order": in_transit.order.number})) == [in_transit.pk]
    assert ids(api.get(SHIPMENTS, {"shipped_since": yesterday.isoformat()})) == [in_transit.pk]


def test_the_list_pages_by_cursor_in_a_bounded_number_of_queries(
    api, parcels, django_assert_max_num_queries
):
    # token, its last use, the page (with order, location, carrier, service joined)
    with django_assert_max_num_queries(6):
        first = api.get(SHIPMENTS, {"page_size": 2}).json()

    row = first["results"][0]
    assert row["order"] == parcels[2].order.number
    assert (row["carrier"], row["location"], row["status"]) == ("DHL", "WH-A", "label_pending")
    rest = api.get(first["next"]).json()
    assert [row["id"] for row in rest["results"]] == [parcels[0].pk]
    assert rest["next"] is None


@pytest.mark.parametrize(
    "query",
    [{"status": "lost"}, {"carrier": "NOPE"}, {"shipped_since": "yesterday"}],
    ids=["status", "carrier", "shipped_since"],
)
def test_an_invalid_filter_is_422_naming_it(api, parcels, query):
    response = api.get(SHIPMENTS, query)

    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["field"] == next(iter(query))


def test_the_schema_states_every_filter(client):
    schema = yaml.safe_load(client.get("/api/v1/schema/").content)

    parameters = {p["name"] for p in schema["paths"][SHIPMENTS]["get"]["parameters"]}

    assert parameters == {*ShipmentApiFilter.base_filters, "cursor", "page_size"}


# --- one shipment -------------------------------------------------------------------------


@pytest.fixture
def labelled(channel, customer, warehouse):
    """A two-line parcel of the channel's with a UPS label, waiting for the carrier."""
    mug, cup = factories.ProductFactory(sku="MUG"), factories.ProductFactory(sku="CUP")
    factories.stock(mug, warehouse, 5)
    factories.stock(cup, warehouse, 5)
    order = factories.confirmed(channel=channel, customer=customer, items=[(mug, 2), (cup, 1)])
    shipment = create_shipment(order=order, location=warehouse)
    Shipment.objects.filter(pk=shipment.pk).update(
        carrier=factories.CarrierFactory(code="UPS"),
        status=S.LABEL_CREATED,
        tracking_number="1Z999",
        tracking_url="https://ups.example/track/1Z999",
        estimated_delivery=date(2026, 12, 4),
    )
    return Shipment.objects.get(pk=shipment.pk)


@pytest.fixture
def shipped(labelled, django_capture_on_commit_callbacks) -> Shipment:
    """The parcel handed to UPS: its order is shipped in full."""
    with django_capture_on_commit_callbacks(execute=True):
        return ship(shipment=labelled)


@pytest.fixture
def scanned(shipped) -> Shipment:
    """The parcel with two of the carrier's scans, the later one received first."""
    start = timezone.now()
    apply_tracking(
        shipment=shipped,
        updates=[
            TrackingUpdate(shipped.tracking_number, status, at, event_id=f"e-{status}")
            for status, at in (
                ("out_for_delivery", start + timedelta(hours=3)),
                ("in_transit", start + timedelta(hours=1)),
            )
        ],
    )
    return Shipment.objects.get(pk=shipped.pk)


def test_a_shipment_with_its_lines_label_and_timeline(api, scanned, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):  # token, last use, shipment, lines, events
        body = api.get(f"{SHIPMENTS}{scanned.pk}/").json()

    assert body["order"] == scanned.order.number
    assert (body["carrier"], body["tracking_number"]) == ("UPS", "1Z999")
    assert body["tracking_url"] == "https://ups.example/track/1Z999"
    assert (body["label_status"], body["estimated_delivery"]) == ("created", "2026-12-04")
    assert [(line["sku"], line["quantity"]) for line in body["lines"]] == [("MUG", 2), ("CUP", 1)]
    events = body["tracking_events"]
    assert [e["occurred_at"] for e in events] == sorted(e["occurred_at"] for e in events)
    carriers = [e["status"] for e in events if e["source"] == "carrier"]
    assert carriers == ["in_transit", "out_for_delivery"]  # by when they happened
    assert "in_transit" in [e["status"] for e in events if e["source"] == "oms"]  # handed over


def test_a_shipments_tracking(api, scanned, django_assert_max_num_queries):
    with django_assert_max_num_queries(5):  # token, last use, shipment, events
        body = api.get(f"{SHIPMENTS}{scanned.pk}/tracking/").json()

    assert (body["carrier"], body["tracking_number"], body["status"]) == (
        "UPS",
        "1Z999",
        "out_for_delivery",
    )
    assert [event["status"] for event in body["events"]][-2:] == [
        "in_transit",
        "out_for_delivery",
    ]


def test_an_unknown_shipment_is_404_problem_json(api):
    response = api.get(f"{SHIPMENTS}987654/")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"is_pickup": True}, LabelStatus.NOT_NEEDED),
        ({}, LabelStatus.NONE),
        ({"label_requested_at": timezone.now()}, LabelStatus.REQUESTED),
        ({"label_requested_at": timezone.now(), "label_error": "No"}, LabelStatus.FAILED),
        ({"status": S.LABEL_CREATED, "tracking_number": "1Z"}, LabelStatus.CREATED),
        ({"status": S.CANCELLED, "tracking_number": "1Z"}, LabelStatus.VOIDED),
        ({"status": S.CANCELLED}, LabelStatus.NONE),
    ],
)
def test_the_label_status(fields, expected):
    assert label_status(Shipment(**fields)) == expected


# --- who sees what ------------------------------------------------------------------------


def test_an_integration_sees_only_its_channels_shipments(parcels, labelled):
    other = factories.SalesChannelFactory(code="market")
    market = client_of(other, name="market")
    numbers = {"carrier": "UPS", "updates": [scan("1Z999", "delivered")]}

    assert market.get(SHIPMENTS).json()["results"] == []
    assert market.get(f"{SHIPMENTS}{labelled.pk}/").status_code == 404
    assert market.get(f"{SHIPMENTS}{labelled.pk}/tracking/").status_code == 404
    assert market.post(TRACKING, numbers, format="json").status_code == 422
    erp = client_of(other, name="erp", all_channels=True)
    assert len(erp.get(SHIPMENTS).json()["results"]) == 4
    assert erp.get(f"{SHIPMENTS}{labelled.pk}/").status_code == 200


def test_scopes(api_client_for, labelled):
    reader = api_client_for(scopes=["shipments:read"], name="reader")
    orders_only = api_client_for(scopes=["orders:read", "orders:write"], name="orders")
    body = {"carrier": "UPS", "updates": [scan("1Z999", "delivered")]}

    assert reader.get(f"{SHIPMENTS}{labelled.pk}/").status_code == 200
    refused = reader.post(TRACKING, body, format="json")
    assert refused.status_code == 403
    assert "shipments:write" in refused.json()["detail"]
    assert orders_only.get(SHIPMENTS).status_code == 403
    assert not TrackingEvent.objects.filter(source_event_id__startswith="api_").exists()


def test_staff_read_with_the_shipping_permission_and_never_write(client, labelled):
    client.force_login(factories.UserFactory(role="Warehouse"))
    assert client.get(SHIPMENTS).status_code == 200
    assert client.get(f"{SHIPMENTS}{labelled.pk}/tracking/").status_code == 200

    body = {"carrier": "UPS", "updates": [scan("1Z999", "delivered")]}
    response = client.post(TRACKING, body, content_type="application/json")
    assert response.status_code == 403
    assert response.json()["code"] == "read_only_session"

    client.force_login(factories.UserFactory(username="nobody"))  # no permissions
    assert client.get(SHIPMENTS).status_code == 403


# --- carriers post tracking ---------------------------------------------------------------


def scan(number: str, status: str, at=None, **extra) -> dict:
    at = at or timezone.now()
    return {
        "tracking_number": number,
        "status": status,
        "occurred_at": at.isoformat(),
        "description": f"Parcel {status.replace('_', ' ')}",
        "location": "Newark, NJ",
    } | extra


@pytest.fixture
def carrier_hub(channel):
    """An aggregator posting every carrier's scans (it sees every channel)."""
    return client_of(channel, all_channels=True, scopes=["shipments:write"])


def test_delivered_posted_twice_is_one_event_and_moves_the_order_once(
    carrier_hub,
    shipped,
    endpoint,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    owner = factories.UserFactory(username="hook-owner")
    create_subscription(url=endpoint.url, events=["order.delivered"], owner=owner)
    eta = (timezone.localdate() + timedelta(days=1)).isoformat()
    body = {
        "carrier": shipped.carrier.code,
        "updates": [
            scan(shipped.tracking_number, "in_transit", timezone.now() - timedelta(hours=4)),
            scan(shipped.tracking_number, "delivered", estimated_delivery=eta),
        ],
    }

    with django_capture_on_commit_callbacks(execute=True):
        first = carrier_hub.post(TRACKING, body, format="json")
    with django_capture_on_commit_callbacks(execute=True):
        again = carrier_hub.post(TRACKING, body, format="json")

    assert first.status_code == 200, first.json()
    assert (first.json(), again.json()) == (
        {"received": 2, "recorded": 2},
        {"received": 2, "recorded": 0},
    )
    shipment = Shipment.objects.select_related("order").get(pk=shipped.pk)
    assert shipment.status == S.DELIVERED and str(shipment.estimated_delivery) == eta
    assert shipment.tracking_events.filter(source="carrier").count() == 2
    assert shipment.order.status == OrderStatus.DELIVERED
    assert shipment.order.events.filter(type="delivered").count() == 1
    assert Delivery.objects.filter(event_type="order.delivered").count() == 1
    assert [b'"order.delivered"' in r["body"] for r in endpoint.requests] == [True]


def test_the_carriers_event_id_makes_a_scan_once(carrier_hub, shipped):
    update = scan(shipped.tracking_number, "out_for_delivery", event_id="evt-7")
    moved = scan(shipped.tracking_number, "out_for_delivery", event_id="evt-7")
    moved["description"] = "Same scan, told again"
    body = {"carrier": shipped.carrier.code, "updates": [update]}

    carrier_hub.post(TRACKING, body, format="json")
    carrier_hub.post(TRACKING, body | {"updates": [moved]}, format="json")

    assert TrackingEvent.objects.filter(source_event_id="evt-7").count() == 1
    assert Shipment.objects.get(pk=shipped.pk).status == S.OUT_FOR_DELIVERY


def test_an_idempotency_key_replays_the_first_answer(carrier_hub, shipped):
    body = {
        "carrier": shipped.carrier.code,
        "updates": [scan(shipped.tracking_number, "exception")],
    }
    headers = {"HTTP_IDEMPOTENCY_KEY": "track-1"}

    first = carrier_hub.post(TRACKING, body, format="json", **headers)
    again = carrier_hub.post(TRACKING, body, format="json", **headers)

    assert first.json() == again.json() == {"received": 1, "recorded": 1}
    assert again["Idempotent-Replayed"] == "true"


def test_an_unknown_carrier_is_422_on_carrier(carrier_hub, shipped):
    body = {"carrier": "NOSUCH", "updates": [scan(shipped.tracking_number, "delivered")]}

    response = carrier_hub.post(TRACKING, body, format="json")

    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert (response.json()["field"], response.json()["code"]) == ("carrier", "does_not_exist")


def test_an_unknown_tracking_number_is_422_naming_the_update_and_records_nothing(
    carrier_hub, shipped
):
    body = {
        "carrier": shipped.carrier.code,
        "updates": [scan(shipped.tracking_number, "delivered"), scan("NOT-OURS", "in_transit")],
    }

    response = carrier_hub.post(TRACKING, body, format="json")

    assert response.status_code == 422
    problem = response.json()
    assert (problem["field"], problem["code"]) == (
        "updates[1].tracking_number",
        "unknown_tracking_number",
    )
    assert "NOT-OURS" in problem["detail"]
    assert Shipment.objects.get(pk=shipped.pk).status == S.IN_TRANSIT
    assert not shipped.tracking_events.filter(source="carrier").exists()


def test_bad_updates_are_422_naming_the_item_and_field(carrier_hub, shipped):
    update = scan(shipped.tracking_number, "teleported")
    body = {
        "carrier": shipped.carrier.code,
        "updates": [scan(shipped.tracking_number, "delivered"), update],
    }

    response = carrier_hub.post(TRACKING, body, format="json")

    assert response.status_code == 422
    assert response.json()["field"] == "updates[1].status"
    assert (
        carrier_hub.post(TRACKING, {"carrier": "UPS", "updates": []}, format="json").json()["field"]
        == "updates"
    )


def test_a_post_costs_the_same_few_queries_however_many_scans_it_holds(
    carrier_hub, shipped, django_assert_max_num_queries
):
    start = timezone.now()
    updates = [
        scan(shipped.tracking_number, "in_transit", start + timedelta(minutes=minute))
        for minute in range(20)
    ]
    # token, last use, carrier, known numbers, then the webhook's own (locks, known ids,
    # one INSERT, the state, savepoints)
    with django_assert_max_num_queries(15):
        response = carrier_hub.post(
            TRACKING, {"carrier": shipped.carrier.code, "updates": updates}, format="json"
        )

    assert response.json() == {"received": 20, "recorded": 20}


def test_a_nul_in_a_code_is_422_not_a_server_error(api, parcels):
    assert api.get(SHIPMENTS, {"carrier": "U\x00PS"}).status_code == 422
    body = {"carrier": "U\x00PS", "updates": [scan("1Z001", "delivered")]}
    assert api.post(TRACKING, body, format="json").status_code == 422
