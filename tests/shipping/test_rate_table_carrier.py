"""The built-in carrier: labels with unique check-digit tracking numbers, voids before pickup,
tracking from its records, and its HMAC-signed tracking webhooks."""

import json
import time
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from shipping.carriers import EasyPostCarrier, RateTableCarrier, ShipmentRequest, adapter_for
from shipping.carriers.rate_table import (
    SIGNATURE_HEADER,
    is_valid_tracking_number,
    luhn_check_digit,
    sign_webhook,
    webhook_body,
)
from shipping.exceptions import CarrierRejected, InvalidSignature, InvalidWebhook
from shipping.models import Carrier, CarrierLabel, TrackingStatus
from tests.shipping.conftest import WEBHOOK_SECRET, address

pytestmark = pytest.mark.django_db

MONDAY = date(2026, 11, 30)


@pytest.fixture
def post(tables) -> RateTableCarrier:
    return adapter_for(tables.post)


@pytest.fixture
def request_(warehouse) -> ShipmentRequest:
    return ShipmentRequest(
        destination=address(),
        weight_grams=800,
        origin=warehouse,
        ship_date=MONDAY,
        reference="SO-000042",
    )


@pytest.fixture
def label(post, request_):
    return post.buy_label(request_, post.quote(request_)[0])


@pytest.fixture
def signed(settings):
    settings.SHIPPING_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.SHIPPING_WEBHOOK_TOLERANCE_SECONDS = 300


def test_adapter_for_follows_the_carriers_adapter_field(tables):
    assert isinstance(adapter_for(tables.post), RateTableCarrier)
    tables.swift.adapter = Carrier.Adapter.EASYPOST
    assert isinstance(adapter_for(tables.swift), EasyPostCarrier)
    tables.swift.adapter = "pigeon"
    with pytest.raises(ValueError, match="pigeon"):
        adapter_for(tables.swift)


def test_the_adapter_quotes_its_own_carrier_only(post, request_):
    quotes = post.quote(request_)
    assert [(q.service.code, q.amount) for q in quotes] == [
        ("ECO", Decimal("4.50")),
        ("STD", Decimal("6.50")),
    ]


def test_a_label_has_a_unique_tracking_number_with_the_carriers_prefix_and_a_check_digit(
    post, request_, label
):
    assert label.tracking_number.startswith("PPOS")
    assert len(label.tracking_number) == 4 + 11
    assert is_valid_tracking_number("PPOST", label.tracking_number)
    # a mistyped digit fails the check
    typo = label.tracking_number[:-2] + str((int(label.tracking_number[-2]) + 1) % 10)
    assert not is_valid_tracking_number("PPOST", typo + label.tracking_number[-1])
    assert label.cost == Decimal("4.50") and label.currency == "USD"
    assert label.tracking_url == (f"https://parcelpost.example/track?n={label.tracking_number}")
    record = CarrierLabel.objects.get(tracking_number=label.tracking_number)
    assert (record.reference, record.weight_grams, str(record.pk)) == (
        "SO-000042",
        800,
        label.carrier_reference,
    )
    more = {post.buy_label(request_, post.quote(request_)[0]).tracking_number for _ in range(20)}
    assert len(more) == 20 and label.tracking_number not in more


def test_the_luhn_check_digit():
    assert luhn_check_digit("7992739871") == "3"  # the textbook example
    assert luhn_check_digit("0000000000") == "0"


def test_a_quote_of_another_carrier_is_refused(post, tables, request_):
    swift_quote = adapter_for(tables.swift).quote(request_)[0]
    with pytest.raises(CarrierRejected, match="Swift Express"):
        post.buy_label(request_, swift_quote)


def test_track_returns_what_was_recorded_oldest_first(post, label):
    post.record_scan(
        label.tracking_number, TrackingStatus.IN_TRANSIT, message="Departed", location="Edison, NJ"
    )
    updates = post.track(label.tracking_number)
    assert [u.status for u in updates] == ["label_created", "in_transit"]
    assert updates[1].location == "Edison, NJ"
    assert all(u.tracking_number == label.tracking_number for u in updates)
    with pytest.raises(CarrierRejected, match="no label"):
        post.track("PPOS000")


def test_recording_the_same_scan_twice_keeps_one(post, label):
    for _ in range(2):
        post.record_scan(label.tracking_number, TrackingStatus.IN_TRANSIT, event_id="scan-1")
    assert len(post.track(label.tracking_number)) == 2


def test_void_succeeds_before_pickup_and_twice(post, label):
    assert post.void_label(label) is True
    assert post.void_label(label) is True  # idempotent
    assert CarrierLabel.objects.get(tracking_number=label.tracking_number).voided_at
    assert post.track(label.tracking_number)[-1].status == TrackingStatus.CANCELLED


def test_void_is_refused_once_the_carrier_has_the_parcel(post, label):
    post.record_scan(label.tracking_number, TrackingStatus.IN_TRANSIT)
    assert post.void_label(label) is False
    assert CarrierLabel.objects.get(tracking_number=label.tracking_number).voided_at is None


# --- webhooks ---------------------------------------------------------------------------------


def test_a_signed_webhook_gives_its_tracking_updates(post, label, signed):
    update = post.record_scan(
        label.tracking_number,
        TrackingStatus.OUT_FOR_DELIVERY,
        message="With courier",
        location="New York, NY",
    )
    body = webhook_body([update])
    updates = post.parse_webhook({SIGNATURE_HEADER: sign_webhook(body, WEBHOOK_SECRET)}, body)
    assert updates == [update]


def test_the_header_name_is_case_insensitive_and_several_signatures_are_accepted(
    post, label, signed
):
    body = webhook_body(post.track(label.tracking_number))
    good = sign_webhook(body, WEBHOOK_SECRET)
    rotated = f"{good},v1={'0' * 64}"
    assert len(post.parse_webhook({"x-oms-signature": rotated}, body)) == 1


@pytest.mark.parametrize(
    "signature",
    ["", "t=abc,v1=00", "v1=00", f"t={int(time.time())},v1={'0' * 64}"],
    ids=["missing", "bad timestamp", "no timestamp", "wrong digest"],
)
def test_a_bad_signature_is_refused(post, label, signed, signature):
    body = webhook_body(post.track(label.tracking_number))
    with pytest.raises(InvalidSignature):
        post.parse_webhook({SIGNATURE_HEADER: signature}, body)


def test_a_body_changed_after_signing_is_refused(post, label, signed):
    body = webhook_body(post.track(label.tracking_number))
    signature = sign_webhook(body, WEBHOOK_SECRET)
    tampered = body.replace(b"label_created", b"delivered")
    with pytest.raises(InvalidSignature, match="does not match"):
        post.parse_webhook({SIGNATURE_HEADER: signature}, tampered)


def test_an_old_signature_is_refused_as_a_replay(post, label, signed):
    body = webhook_body(post.track(label.tracking_number))
    signature = sign_webhook(body, WEBHOOK_SECRET, timestamp=int(time.time()) - 301)
    with pytest.raises(InvalidSignature, match="replayed"):
        post.parse_webhook({SIGNATURE_HEADER: signature}, body)


def test_without_a_secret_every_webhook_is_refused(post, label, settings):
    settings.SHIPPING_WEBHOOK_SECRET = ""
    body = webhook_body(post.track(label.tracking_number))
    with pytest.raises(InvalidSignature, match="SHIPPING_WEBHOOK_SECRET"):
        post.parse_webhook({SIGNATURE_HEADER: sign_webhook(body, "")}, body)


@pytest.mark.parametrize(
    "payload",
    [
        b"not json",
        b"[]",
        json.dumps(
            {
                "events": [
                    {
                        "id": "e1",
                        "tracking_number": "X",
                        "status": "lost",
                        "occurred_at": "2026-12-01T10:00:00+00:00",
                    }
                ]
            }
        ).encode(),
        json.dumps(
            {
                "events": [
                    {
                        "id": "e1",
                        "tracking_number": "X",
                        "status": "delivered",
                        "occurred_at": "2026-12-01T10:00:00",
                    }
                ]
            }
        ).encode(),
        json.dumps(
            {
                "events": [
                    {
                        "tracking_number": "X",
                        "status": "delivered",
                        "occurred_at": "2026-12-01T10:00:00+00:00",
                    }
                ]
            }
        ).encode(),
    ],
    ids=["not json", "not an object", "unknown status", "naive time", "no id"],
)
def test_a_signed_but_unreadable_body_is_an_invalid_webhook(post, signed, payload):
    with pytest.raises(InvalidWebhook):
        post.parse_webhook({SIGNATURE_HEADER: sign_webhook(payload, WEBHOOK_SECRET)}, payload)


def test_webhook_times_keep_their_offset(post, signed):
    payload = json.dumps(
        {
            "events": [
                {
                    "id": "e1",
                    "tracking_number": "PPOS1",
                    "status": "delivered",
                    "occurred_at": "2026-12-01T10:00:00-05:00",
                }
            ]
        }
    )
    body = payload.encode()
    [update] = post.parse_webhook({SIGNATURE_HEADER: sign_webhook(body, WEBHOOK_SECRET)}, body)
    assert update.occurred_at == datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
