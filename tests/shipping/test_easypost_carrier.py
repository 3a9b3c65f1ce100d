"""The EasyPost adapter: the real ``easypost`` SDK against the fake EasyPost over HTTP."""

from datetime import date
from decimal import Decimal

import pytest

from shipping.carriers import EasyPostCarrier, ShipmentRequest, adapter_for
from shipping.carriers.easypost_carrier import ounces
from shipping.exceptions import CarrierRejected, CarrierUnavailable, InvalidSignature
from shipping.models import Carrier, TrackingStatus
from shipping.rates import Quote
from tests.easypost_fake import sign_webhook
from tests.shipping.conftest import EASYPOST_WEBHOOK_SECRET, address, usps_carrier

pytestmark = pytest.mark.django_db

MONDAY = date(2026, 11, 30)


@pytest.fixture
def usps(db) -> Carrier:
    return usps_carrier(
        name="USPS (EasyPost)",
        tracking_url_template="https://tools.usps.com/go/TrackConfirmAction?tLabels={tracking_number}",
    )


@pytest.fixture
def adapter(usps) -> EasyPostCarrier:
    return adapter_for(usps)


@pytest.fixture
def request_(warehouse) -> ShipmentRequest:
    warehouse.line1, warehouse.city, warehouse.region = "200 Logistics Way", "Edison", "NJ"
    warehouse.postal_code = "08817"
    return ShipmentRequest(
        destination=address(),
        weight_grams=600,
        origin=warehouse,
        ship_date=MONDAY,
        promised_date=date(2026, 12, 3),
        reference="SO-000042",
    )


def test_quote_creates_a_shipment_and_keeps_this_carriers_configured_services(
    easypost_on, adapter, request_
):
    quotes = adapter.quote(request_)
    # 600 g = 21.2 oz (rounded up); the fake's USPS rates, UPS left out
    assert [(q.service.code, q.amount, q.transit_days) for q in quotes] == [
        ("GroundAdvantage", Decimal("7.29"), 5),
        ("Priority", Decimal("11.72"), 3),
        ("Express", Decimal("31.92"), 2),
    ]
    assert [q.meets_promise for q in quotes] == [False, True, True]
    assert quotes[1].estimated_delivery == date(2026, 12, 3)
    assert all(q.rate_reference.startswith("rate_") for q in quotes)
    assert len({q.shipment_reference for q in quotes}) == 1
    [sent] = easypost_on.requests_to("POST", "/v2/shipments")
    shipment = sent.body["shipment"]
    assert shipment["parcel"] == {"weight": 21.2}
    assert shipment["to_address"]["street1"] == "145 Spring Street"
    assert shipment["to_address"]["zip"] == "10012"
    assert shipment["from_address"]["zip"] == "08817"
    assert shipment["options"]["label_format"] == "PDF"
    assert shipment["reference"] == "SO-000042"
    assert sent.headers["Authorization"] == "Bearer EZTK_test_fake"


def test_an_inactive_service_is_not_offered(easypost_on, adapter, usps, request_):
    usps.services.filter(code="Express").update(is_active=False)
    assert [q.service.code for q in adapter.quote(request_)] == ["GroundAdvantage", "Priority"]


def test_buy_label_buys_the_quoted_rate_and_returns_the_tracking_number(
    easypost_on, adapter, request_
):
    quote = adapter.quote(request_)[1]
    label = adapter.buy_label(request_, quote)
    shipment = easypost_on.shipments[quote.shipment_reference]
    assert shipment["selected_rate"]["id"] == quote.rate_reference
    assert label.tracking_number == shipment["tracking_code"] != ""
    assert label.carrier_reference == quote.shipment_reference
    assert label.cost == Decimal("11.72") and label.currency == "USD"
    assert label.label_url.endswith(".pdf")
    assert label.tracking_url.startswith("https://track.easypost.com/trk_")
    [buy] = easypost_on.requests_to("POST", f"/v2/shipments/{quote.shipment_reference}/buy")
    assert buy.body == {"rate": {"id": quote.rate_reference}}


def test_a_table_quote_is_quoted_live_before_buying(easypost_on, adapter, usps, request_):
    table_quote = Quote(
        carrier=usps,
        service=usps.services.get(code="Priority"),
        amount=Decimal("9.00"),
        currency="USD",
        transit_days=3,
        estimated_delivery=date(2026, 12, 3),
        meets_promise=True,
    )
    label = adapter.buy_label(request_, table_quote)
    assert label.cost == Decimal("11.72")  # what EasyPost charges, not the table's estimate
    assert len(easypost_on.requests_to("POST", "/v2/shipments")) == 1


def test_buying_twice_is_refused(easypost_on, adapter, request_):
    quote = adapter.quote(request_)[0]
    adapter.buy_label(request_, quote)
    with pytest.raises(CarrierRejected, match="Postage already exists") as caught:
        adapter.buy_label(request_, quote)
    assert caught.value.code == "SHIPMENT.POSTAGE.EXISTS"


def test_void_asks_for_a_refund_which_is_refused_once_the_parcel_moved(
    easypost_on, adapter, request_
):
    first = adapter.buy_label(request_, adapter.quote(request_)[0])
    assert adapter.void_label(first) is True
    assert easypost_on.shipments[first.carrier_reference]["refund_status"] == "submitted"

    second = adapter.buy_label(request_, adapter.quote(request_)[0])
    easypost_on.advance_tracker(second.tracking_number, "in_transit")
    assert adapter.void_label(second) is False


def test_track_reads_the_tracker_in_our_statuses(easypost_on, adapter):
    updates = adapter.track("EZ4000000004")
    assert [u.status for u in updates] == [
        TrackingStatus.LABEL_CREATED,
        TrackingStatus.IN_TRANSIT,
        TrackingStatus.OUT_FOR_DELIVERY,
        TrackingStatus.DELIVERED,
    ]
    assert updates[-1].carrier_status == "delivered"
    assert updates[-1].location == "CHICAGO, IL, US"
    assert len({u.event_id for u in updates}) == 4
    # asking again finds the same tracker (EasyPost dedupes by code): same event ids
    assert [u.event_id for u in adapter.track("EZ4000000004")] == [u.event_id for u in updates]
    assert len(easypost_on.trackers) == 1


@pytest.mark.parametrize(
    ("code", "last"),
    [
        ("EZ5000000005", TrackingStatus.RETURNED_TO_SENDER),
        ("EZ6000000006", TrackingStatus.EXCEPTION),
    ],
)
def test_track_maps_returns_and_failures(easypost_on, adapter, code, last):
    assert adapter.track(code)[-1].status == last


def test_an_unknown_tracker_status_gives_no_update(easypost_on, adapter):
    assert adapter.track("EZ7000000007") == []


def test_the_trackers_of_bought_labels_can_be_retrieved_through_the_sdk(
    easypost_on, adapter, request_
):
    label = adapter.buy_label(request_, adapter.quote(request_)[0])
    tracker_id = label.raw["tracker"]["id"]
    tracker = easypost_on.client().tracker.retrieve(tracker_id)
    assert tracker.tracking_code == label.tracking_number
    assert tracker.status == "pre_transit"


# --- webhooks ---------------------------------------------------------------------------------


def test_a_valid_webhook_gives_the_trackers_updates(easypost_on, adapter, request_):
    label = adapter.buy_label(request_, adapter.quote(request_)[0])
    easypost_on.advance_tracker(label.tracking_number, "in_transit", message="Departed")
    body, headers = easypost_on.webhook(label.tracking_number, EASYPOST_WEBHOOK_SECRET)
    updates = adapter.parse_webhook(headers, body)
    assert [u.status for u in updates] == ["label_created", "in_transit"]
    assert updates[-1].message == "Departed"
    assert updates[-1].tracking_number == label.tracking_number
    # the lower-case header name Django or a proxy may hand over works as well
    assert adapter.parse_webhook({"x-hmac-signature": headers["X-Hmac-Signature"]}, body)


def test_a_webhook_with_a_wrong_or_missing_signature_is_refused(easypost_on, adapter):
    adapter.track("EZ2000000002")
    body, _ = easypost_on.webhook("EZ2000000002", EASYPOST_WEBHOOK_SECRET)
    with pytest.raises(InvalidSignature, match="did not originate"):
        adapter.parse_webhook({"X-Hmac-Signature": sign_webhook(body, "another")}, body)
    with pytest.raises(InvalidSignature, match="does not contain"):
        adapter.parse_webhook({}, body)
    tampered = body.replace(b"in_transit", b"delivered")
    _, headers = easypost_on.webhook("EZ2000000002", EASYPOST_WEBHOOK_SECRET)
    with pytest.raises(InvalidSignature):
        adapter.parse_webhook(headers, tampered)


def test_a_webhook_is_refused_without_a_configured_secret(easypost_on, adapter, settings):
    adapter.track("EZ2000000002")
    body, headers = easypost_on.webhook("EZ2000000002", EASYPOST_WEBHOOK_SECRET)
    settings.EASYPOST_WEBHOOK_SECRET = ""
    with pytest.raises(InvalidSignature, match="EASYPOST_WEBHOOK_SECRET"):
        adapter.parse_webhook(headers, body)


def test_events_other_than_tracker_updates_give_nothing(easypost_on, adapter):
    adapter.track("EZ2000000002")
    body, headers = easypost_on.webhook(
        "EZ2000000002", EASYPOST_WEBHOOK_SECRET, description="batch.updated"
    )
    assert adapter.parse_webhook(headers, body) == []


# --- failures -------------------------------------------------------------------------------


def test_a_server_error_is_unavailable_and_worth_retrying(easypost_on, adapter, request_):
    easypost_on.fail_next(mode="server_error", path="/v2/shipments")
    with pytest.raises(CarrierUnavailable):
        adapter.quote(request_)
    assert adapter.quote(request_)  # the next try works


def test_a_dropped_connection_is_unavailable(easypost_on, adapter, request_):
    easypost_on.fail_next(mode="network", path="/v2/shipments")
    with pytest.raises(CarrierUnavailable):
        adapter.quote(request_)


def test_a_slow_answer_times_out_as_unavailable(easypost_on, adapter, request_, settings):
    settings.EASYPOST_TIMEOUT = 1
    easypost_on.fail_next(mode="slow", path="/v2/shipments", delay=2.5)
    with pytest.raises(CarrierUnavailable):
        adapter.quote(request_)


def test_a_bad_address_is_rejected_with_easyposts_message(easypost_on, adapter, request_):
    bad = ShipmentRequest(destination={"country": "US"}, weight_grams=600, origin=request_.origin)
    with pytest.raises(CarrierRejected, match="Missing required parameter") as caught:
        adapter.quote(bad)
    assert caught.value.code == "PARAMETER.REQUIRED"


def test_without_an_origin_nothing_is_sent(easypost_on, adapter):
    with pytest.raises(CarrierRejected, match="ships from"):
        adapter.quote(ShipmentRequest(destination=address(), weight_grams=600))
    assert easypost_on.requests == []


def test_without_an_api_key_easypost_is_not_configured(settings, adapter, request_):
    settings.EASYPOST_API_KEY = ""
    with pytest.raises(CarrierRejected, match="EASYPOST_API_KEY") as caught:
        adapter.quote(request_)
    assert caught.value.code == "not_configured"


def test_a_wrong_api_key_is_rejected(settings, fake_easypost, adapter, request_):
    fake_easypost.api_key = "EZTK_the_right_one"
    settings.EASYPOST_API_KEY = "EZTK_wrong"
    settings.EASYPOST_API_BASE = fake_easypost.url
    with pytest.raises(CarrierRejected, match="Unauthorized"):
        adapter.quote(request_)


def test_weights_go_to_easypost_in_ounces_rounded_up():
    assert ounces(28) == 1.0  # 0.988 oz
    assert ounces(29) == 1.1
    assert ounces(1000) == 35.3  # 35.27 oz
