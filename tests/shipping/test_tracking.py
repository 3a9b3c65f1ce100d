"""Tracking webhooks, per carrier: the signature is checked (bad → 400), each scan is recorded
once (a duplicate delivery → 200, nothing new), scans out of order end in the right state,
delivered is terminal, and the order is delivered with its last parcel. For both adapters: the
built-in carrier's signed JSON, and EasyPost's HMAC through the real SDK against the fake."""

from datetime import timedelta

import pytest
from django.utils import timezone

from orders.models import OrderStatus
from shipping import services
from shipping.carriers import adapter_for
from shipping.carriers.rate_table import sign_webhook, webhook_body
from shipping.models import Shipment, ShipmentStatus, TrackingEvent
from tests.shipping.conftest import EASYPOST_WEBHOOK_SECRET
from tests.shipping.flow import (
    labelled,
    mug_parcel,
    post_tracking,
    scan,
    shipped_mug,
    status_of,
    webhook_url,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

S = ShipmentStatus


@pytest.fixture
def shipped(tables, simulated_payments, django_capture_on_commit_callbacks) -> Shipment:
    """A parcel of the built-in carrier handed over: its order is shipped in full."""
    return shipped_mug(django_capture_on_commit_callbacks)


def test_scans_out_of_order_end_in_the_state_of_the_latest(shipped, client):
    start = timezone.now()
    later, earlier = start + timedelta(hours=5), start + timedelta(hours=1)

    post_tracking(client, shipped.carrier, [scan(shipped, "out_for_delivery", later)])
    post_tracking(client, shipped.carrier, [scan(shipped, "in_transit", earlier)])
    post_tracking(client, shipped.carrier, [scan(shipped, "exception", start)])

    assert status_of(shipped) == S.OUT_FOR_DELIVERY
    assert shipped.tracking_events.filter(source="carrier").count() == 3


def test_delivered_is_terminal_whatever_comes_after(shipped, client):
    start = timezone.now()
    post_tracking(client, shipped.carrier, [scan(shipped, "delivered", start)])
    post_tracking(client, shipped.carrier, [scan(shipped, "exception", start + timedelta(hours=2))])

    shipment = Shipment.objects.get(pk=shipped.pk)
    assert (shipment.status, shipment.delivered_at) == (S.DELIVERED, start)
    assert shipment.order.status == OrderStatus.DELIVERED
    assert shipment.order.events.filter(type="delivered").count() == 1


def test_a_webhook_delivered_twice_is_processed_once(shipped, client):
    update = scan(shipped, "delivered", timezone.now(), event_id="evt-once")
    first = post_tracking(client, shipped.carrier, [update])
    second = post_tracking(client, shipped.carrier, [update])

    assert (first.status_code, second.status_code) == (200, 200)
    assert (first.json()["recorded"], second.json()["recorded"]) == (1, 0)
    assert TrackingEvent.objects.filter(source_event_id="evt-once").count() == 1
    assert shipped.order.events.filter(type="delivered").count() == 1


def test_a_webhook_costs_the_same_few_queries_however_many_scans_it_holds(
    shipped, client, django_assert_max_num_queries
):
    # carrier, shipments, locks (order, shipment), known ids, one INSERT, the state, savepoints
    updates = [
        scan(shipped, "in_transit", timezone.now() + timedelta(minutes=minute))
        for minute in range(20)
    ]
    with django_assert_max_num_queries(11):
        response = post_tracking(client, shipped.carrier, updates)
    assert response.json() == {"received": 20, "recorded": 20}


def test_a_bad_signature_is_refused_and_nothing_is_recorded(shipped, client, settings):
    update = scan(shipped, "delivered", timezone.now())
    forged = post_tracking(client, shipped.carrier, [update], secret="not-the-secret")
    body = webhook_body([update])
    stale = client.post(
        webhook_url(shipped.carrier),
        data=body,
        content_type="application/json",
        HTTP_X_OMS_SIGNATURE=sign_webhook(
            body, settings.SHIPPING_WEBHOOK_SECRET, timestamp=int(timezone.now().timestamp()) - 3600
        ),
    )
    unsigned = client.post(webhook_url(shipped.carrier), data=body, content_type="application/json")

    assert (forged.status_code, stale.status_code, unsigned.status_code) == (400, 400, 400)
    assert status_of(shipped) == S.IN_TRANSIT
    assert not shipped.tracking_events.filter(source="carrier").exists()


def test_an_unknown_carrier_is_404_and_a_get_is_405(shipped, client):
    update = scan(shipped, "delivered", timezone.now())
    assert post_tracking(client, "NOSUCH", [update]).status_code == 404
    assert client.get(webhook_url(shipped.carrier)).status_code == 405


def test_an_unreadable_body_is_400_and_unknown_numbers_are_skipped(shipped, client):
    body = b'{"id": "evt_x", "events": "nope"}'
    response = client.post(
        webhook_url(shipped.carrier),
        data=body,
        content_type="application/json",
        HTTP_X_OMS_SIGNATURE=sign_webhook(body, "whsec_test_shipping"),
    )
    assert response.status_code == 400

    stranger = Shipment(pk=0, tracking_number="PPOST00000000000")
    response = post_tracking(client, shipped.carrier, [scan(stranger, "delivered", timezone.now())])
    assert response.json() == {"received": 1, "recorded": 0}


def test_scans_before_the_handover_are_kept_and_applied_when_it_ships(
    tables, simulated_payments, client, django_capture_on_commit_callbacks
):
    shipment = labelled(
        mug_parcel(django_capture_on_commit_callbacks), django_capture_on_commit_callbacks
    )
    post_tracking(client, shipment.carrier, [scan(shipment, "in_transit", timezone.now())])
    assert status_of(shipment) == S.LABEL_CREATED  # our side has not handed it over yet

    services.ship(shipment=shipment)
    post_tracking(
        client,
        shipment.carrier,
        [scan(shipment, "out_for_delivery", timezone.now() + timedelta(hours=1))],
    )
    assert status_of(shipment) == S.OUT_FOR_DELIVERY


def test_the_easypost_flow_ships_and_tracks_to_the_door(
    easypost_on, easypost_usps, simulated_payments, client, django_capture_on_commit_callbacks
):
    # given an order labelled through EasyPost (the real SDK against the fake)
    shipment = mug_parcel(django_capture_on_commit_callbacks, mugs=2)
    order = shipment.order
    shop = services.rate_shop(shipment)
    assert shop.best.service.code == "GroundAdvantage"  # the cheapest live rate
    assert shop.best.rate_reference.startswith("rate_")
    shipment = labelled(shipment, django_capture_on_commit_callbacks)
    assert shipment.status == S.LABEL_CREATED
    assert shipment.tracking_url.startswith("https://track.easypost.com/")
    assert "^BC" in shipment.label_zpl

    # when it ships, then the card is captured for it
    with django_capture_on_commit_callbacks(execute=True):
        services.ship(shipment=shipment)
    order.refresh_from_db()
    assert order.status == OrderStatus.SHIPPED
    assert order.payments.get().captured_amount == order.total

    # when EasyPost's signed webhooks say in transit, then delivered
    url = webhook_url(easypost_usps)
    easypost_on.advance_tracker(shipment.tracking_number, "in_transit")
    body, headers = easypost_on.webhook(shipment.tracking_number, EASYPOST_WEBHOOK_SECRET)
    moving = client.post(
        url,
        data=body,
        content_type="application/json",
        HTTP_X_HMAC_SIGNATURE=headers["X-Hmac-Signature"],
    )
    assert moving.status_code == 200
    assert status_of(shipment) == S.IN_TRANSIT
    easypost_on.advance_tracker(shipment.tracking_number, "delivered")
    body, headers = easypost_on.webhook(shipment.tracking_number, EASYPOST_WEBHOOK_SECRET)
    signature = headers["X-Hmac-Signature"]
    delivered = client.post(
        url, data=body, content_type="application/json", HTTP_X_HMAC_SIGNATURE=signature
    )
    again = client.post(
        url, data=body, content_type="application/json", HTTP_X_HMAC_SIGNATURE=signature
    )
    forged = client.post(
        url,
        data=body.replace(b"Delivered", b"Lost"),
        content_type="application/json",
        HTTP_X_HMAC_SIGNATURE=signature,
    )

    # then the order is delivered, each scan recorded once, a forged body refused
    assert (delivered.status_code, again.status_code, forged.status_code) == (200, 200, 400)
    assert again.json()["recorded"] == 0
    order.refresh_from_db()
    assert order.status == OrderStatus.DELIVERED
    scans = list(shipment.tracking_events.filter(source="carrier").values_list("status", flat=True))
    assert scans == ["label_created", "in_transit", "delivered"]


def test_asking_the_carrier_applies_the_scans_a_missed_webhook_carried(shipped):
    # given the carrier scanned the parcel, but its webhook never came
    adapter = adapter_for(shipped.carrier)
    adapter.record_scan(shipped.tracking_number, "delivered", occurred_at=timezone.now())

    # when we ask the carrier
    recorded = services.refresh_tracking(shipment=shipped)

    # then its scans (label created, delivered) are ours, and asking again adds none
    assert recorded == 2
    assert services.refresh_tracking(shipment=shipped) == 0
    assert status_of(shipped) == S.DELIVERED
