"""The fake Stripe behaves like Stripe for the real SDK (no monkeypatching anywhere)."""

import http.client
import json
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import stripe

from tests.stripe_fake import (
    AUTHORIZATION_WINDOW,
    event_payload,
    parse_stripe_form,
    sign_webhook,
)

WEBHOOK_SECRET = "whsec_test_fake"


def raw_request(fake, method, path, body=None, headers=None):
    """A request without the SDK: (status, headers, decoded JSON)."""
    connection = http.client.HTTPConnection("127.0.0.1", fake.port, timeout=10)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.headers, json.loads(response.read())
    finally:
        connection.close()


def authorize(client, amount=1000, *, payment_method="pm_card_visa", key=None, **extra):
    params = {
        "amount": amount,
        "currency": "usd",
        "capture_method": "manual",
        "payment_method": payment_method,
        "payment_method_types": ["card"],
        "confirm": True,
        "metadata": {"order": "SO-1001"},
        **extra,
    }
    options = {"idempotency_key": key} if key else {}
    return client.v1.payment_intents.create(params=params, options=options)


def test_the_form_encoding_of_the_sdk_is_decoded_into_nested_values():
    text = (
        "amount=1000&metadata[order]=SO-1&metadata[0]=zero&expand[0]=latest_charge"
        "&expand[]=customer&line_items[0][price_data][currency]=usd"
        "&line_items[0][quantity]=2&line_items[1][quantity]=1&confirm=true"
    )

    assert parse_stripe_form(text) == {
        "amount": "1000",
        "metadata": {"order": "SO-1", "0": "zero"},
        "expand": ["latest_charge", "customer"],
        "line_items": [{"price_data": {"currency": "usd"}, "quantity": "2"}, {"quantity": "1"}],
        "confirm": "true",
    }


def test_authorize_capture_part_refund_twice_then_refunding_beyond_the_capture_fails(
    fake_stripe, stripe_client
):
    # given a manual-capture authorization for 10.00
    intent = authorize(stripe_client, 1000)
    assert intent.id.startswith("pi_")
    assert intent.object == "payment_intent"
    assert intent.status == "requires_capture"
    assert intent.amount_capturable == 1000
    assert intent.livemode is False
    assert intent.metadata["order"] == "SO-1001"
    assert intent.payment_method.startswith("pm_")

    # the capture deadline sits on the charge, 7 days out
    fetched = stripe_client.v1.payment_intents.retrieve(
        intent.id, params={"expand": ["latest_charge"]}
    )
    charge = fetched.latest_charge
    assert charge.id.startswith("ch_")
    assert charge.captured is False
    capture_before = charge.payment_method_details.card.capture_before
    assert abs(capture_before - (time.time() + AUTHORIZATION_WINDOW)) < 60

    # when 6.00 of it is captured
    captured = stripe_client.v1.payment_intents.capture(
        intent.id, params={"amount_to_capture": 600}
    )
    assert captured.status == "succeeded"
    assert captured.amount_received == 600
    assert captured.amount_capturable == 0

    # then two refunds fit in the captured amount
    first = stripe_client.v1.refunds.create(params={"payment_intent": intent.id, "amount": 200})
    second = stripe_client.v1.refunds.create(params={"payment_intent": intent.id, "amount": 300})
    assert first.id.startswith("re_") and first.status == "succeeded"
    assert (first.amount, second.amount) == (200, 300)
    assert stripe_client.v1.refunds.retrieve(second.id).payment_intent == intent.id

    # and a third beyond what is left (1.00) is refused
    with pytest.raises(stripe.InvalidRequestError) as refused:
        stripe_client.v1.refunds.create(params={"payment_intent": intent.id, "amount": 200})
    assert refused.value.code == "amount_too_large"
    assert refused.value.http_status == 400

    # the rest is refundable without an amount, and then nothing is
    last = stripe_client.v1.refunds.create(params={"payment_intent": intent.id})
    assert last.amount == 100
    with pytest.raises(stripe.InvalidRequestError) as again:
        stripe_client.v1.refunds.create(params={"payment_intent": intent.id})
    assert again.value.code == "charge_already_refunded"
    assert fake_stripe.charges[charge.id]["refunded"] is True


def test_capturing_more_than_authorized_is_refused(stripe_client):
    intent = authorize(stripe_client, 1000)

    with pytest.raises(stripe.InvalidRequestError) as refused:
        stripe_client.v1.payment_intents.capture(intent.id, params={"amount_to_capture": 1001})

    assert refused.value.code == "amount_too_large"
    assert refused.value.param == "amount_to_capture"


def test_automatic_capture_succeeds_at_once(stripe_client):
    intent = stripe_client.v1.payment_intents.create(
        params={
            "amount": 2500,
            "currency": "eur",
            "payment_method": "pm_card_mastercard",
            "payment_method_types": ["card"],
            "confirm": True,
        }
    )

    assert intent.status == "succeeded"
    assert intent.amount_received == 2500


def test_a_repeated_idempotency_key_replays_the_first_answer(fake_stripe, stripe_client):
    first = authorize(stripe_client, 1000, key="order-7-authorize")
    second = authorize(stripe_client, 1000, key="order-7-authorize")

    assert second.id == first.id
    calls = fake_stripe.requests_to("POST", "/v1/payment_intents")
    assert len(calls) == 2
    assert [c.idempotency_key for c in calls] == ["order-7-authorize"] * 2
    assert [c.replayed for c in calls] == [False, True]
    assert calls[0].params["metadata"] == {"order": "SO-1001"}
    assert calls[0].params["amount"] == "1000"
    assert len(fake_stripe.payment_intents) == 1
    assert len(fake_stripe.charges) == 1


def test_a_replay_carries_stripes_header(fake_stripe):
    headers = {"Authorization": "Bearer sk_test_fake", "Idempotency-Key": "k1"}

    first = raw_request(fake_stripe, "POST", "/v1/refunds", "payment_intent=pi_missing", headers)
    again = raw_request(fake_stripe, "POST", "/v1/refunds", "payment_intent=pi_missing", headers)

    assert first[0] == again[0] == 400
    assert first[1].get("Idempotent-Replayed") is None
    assert again[1]["Idempotent-Replayed"] == "true"
    assert again[2] == first[2]


def test_reusing_a_key_for_other_parameters_is_an_idempotency_error(stripe_client):
    authorize(stripe_client, 1000, key="order-8")

    with pytest.raises(stripe.IdempotencyError):
        authorize(stripe_client, 999, key="order-8")


def test_the_sdk_sends_a_fresh_idempotency_key_on_every_post(fake_stripe, stripe_client):
    authorize(stripe_client)
    authorize(stripe_client)

    keys = [r.idempotency_key for r in fake_stripe.requests]
    assert all(keys) and keys[0] != keys[1]
    assert len(fake_stripe.payment_intents) == 2


@pytest.mark.parametrize(
    ("payment_method", "decline_code"),
    [
        ("pm_card_chargeDeclined", "generic_decline"),
        ("pm_card_chargeDeclinedInsufficientFunds", "insufficient_funds"),
    ],
)
def test_a_declined_card_raises_a_card_error(
    fake_stripe, stripe_client, payment_method, decline_code
):
    with pytest.raises(stripe.CardError) as declined:
        authorize(stripe_client, payment_method=payment_method)

    error = declined.value
    assert error.http_status == 402
    assert error.code == "card_declined"
    assert error.json_body["error"]["decline_code"] == decline_code
    assert error.json_body["error"]["type"] == "card_error"
    intent = error.json_body["error"]["payment_intent"]
    assert intent["status"] == "requires_payment_method"
    assert intent["last_payment_error"]["decline_code"] == decline_code
    assert fake_stripe.payment_intents[intent["id"]]["status"] == "requires_payment_method"


def test_an_unknown_payment_method_is_refused(stripe_client):
    with pytest.raises(stripe.InvalidRequestError) as refused:
        authorize(stripe_client, payment_method="pm_nonexistent")

    assert refused.value.code == "resource_missing"


def test_confirming_without_card_types_or_return_url_is_refused_as_stripe_does(stripe_client):
    params = {"amount": 1000, "currency": "usd", "payment_method": "pm_card_visa", "confirm": True}
    with pytest.raises(stripe.InvalidRequestError) as refused:
        stripe_client.v1.payment_intents.create(params=params)
    assert refused.value.param == "return_url"

    no_redirects = {"enabled": True, "allow_redirects": "never"}
    intent = stripe_client.v1.payment_intents.create(
        params={**params, "automatic_payment_methods": no_redirects}
    )
    assert intent.status == "succeeded"


def test_cancel_releases_an_authorization_but_not_a_captured_payment(stripe_client):
    held = authorize(stripe_client)
    canceled = stripe_client.v1.payment_intents.cancel(
        held.id, params={"cancellation_reason": "requested_by_customer"}
    )
    assert canceled.status == "canceled"
    assert canceled.cancellation_reason == "requested_by_customer"

    paid = authorize(stripe_client)
    stripe_client.v1.payment_intents.capture(paid.id)
    with pytest.raises(stripe.InvalidRequestError) as refused:
        stripe_client.v1.payment_intents.cancel(paid.id)
    assert refused.value.code == "payment_intent_unexpected_state"


def test_an_authorization_lapses_after_seven_days(fake_stripe, stripe_client):
    intent = authorize(stripe_client)

    fake_stripe.advance_time(AUTHORIZATION_WINDOW + 1)

    lapsed = stripe_client.v1.payment_intents.retrieve(intent.id)
    assert lapsed.status == "canceled"
    assert lapsed.cancellation_reason == "automatic"
    with pytest.raises(stripe.InvalidRequestError) as refused:
        stripe_client.v1.payment_intents.capture(intent.id)
    assert refused.value.code == "payment_intent_unexpected_state"


def test_an_unknown_id_is_a_404(stripe_client):
    with pytest.raises(stripe.InvalidRequestError) as missing:
        stripe_client.v1.payment_intents.retrieve("pi_doesnotexist")

    assert missing.value.http_status == 404
    assert missing.value.code == "resource_missing"


def test_a_network_fault_raises_a_connection_error_then_the_next_call_works(
    fake_stripe, stripe_client
):
    fake_stripe.fail_next(1, mode="network")

    with pytest.raises(stripe.APIConnectionError):
        authorize(stripe_client, key="order-9")
    assert fake_stripe.payment_intents == {}

    intent = authorize(stripe_client, key="order-9")
    assert intent.status == "requires_capture"
    assert [r.fault for r in fake_stripe.requests] == ["network", None]
    assert fake_stripe.requests[0].status is None


def test_a_server_error_is_an_api_error_and_is_not_replayed(fake_stripe, stripe_client):
    fake_stripe.fail_next(mode="server_error", path="/v1/payment_intents/*/capture")
    intent = authorize(stripe_client)

    with pytest.raises(stripe.APIError) as failed:
        stripe_client.v1.payment_intents.capture(intent.id, options={"idempotency_key": "cap"})
    assert failed.value.http_status == 500

    captured = stripe_client.v1.payment_intents.capture(
        intent.id, options={"idempotency_key": "cap"}
    )
    assert captured.status == "succeeded"


def test_the_sdks_own_retry_replays_a_lost_answer_instead_of_charging_twice(fake_stripe):
    client = fake_stripe.client(max_network_retries=1)
    fake_stripe.fail_next(mode="network_after")

    intent = authorize(client)

    assert intent.status == "requires_capture"
    calls = fake_stripe.requests_to("POST", "/v1/payment_intents")
    assert len(calls) == 2
    assert calls[0].idempotency_key == calls[1].idempotency_key
    assert calls[1].replayed is True
    assert len(fake_stripe.payment_intents) == 1


def test_a_request_without_an_api_key_gets_stripes_401(fake_stripe):
    status, _, body = raw_request(fake_stripe, "GET", "/v1/payment_intents/pi_x")

    assert status == 401
    assert body["error"]["type"] == "invalid_request_error"


def test_checkout_session_then_completion_authorizes_a_payment_intent(fake_stripe, stripe_client):
    session = stripe_client.v1.checkout.sessions.create(
        params={
            "mode": "payment",
            "line_items": [
                {
                    "price_data": {
                        "currency": "usd",
                        "unit_amount": 1250,
                        "product_data": {"name": "Order SO-1001"},
                    },
                    "quantity": 2,
                }
            ],
            "payment_intent_data": {
                "capture_method": "manual",
                "metadata": {"order": "SO-1001"},
            },
            "metadata": {"order": "SO-1001"},
            "success_url": "https://oms.test/pay/done",
            "cancel_url": "https://oms.test/pay/cancel",
        }
    )
    assert session.id.startswith("cs_")
    assert session.url == f"https://checkout.stripe.test/c/pay/{session.id}"
    assert session.status == "open"
    assert session.payment_intent is None
    assert session.amount_total == 2500

    pi_id = fake_stripe.complete_checkout(session.id)

    done = stripe_client.v1.checkout.sessions.retrieve(
        session.id, params={"expand": ["payment_intent"]}
    )
    assert done.status == "complete"
    assert done.payment_intent.id == pi_id
    assert done.payment_intent.status == "requires_capture"
    assert done.payment_intent.amount_capturable == 2500
    assert done.payment_intent.metadata["order"] == "SO-1001"


def test_signed_webhook_verifies_and_a_stale_one_does_not(fake_stripe, stripe_client):
    intent = authorize(stripe_client)
    payload = event_payload(
        "payment_intent.amount_capturable_updated", fake_stripe.object(intent.id)
    )

    event = stripe.Webhook.construct_event(
        payload, sign_webhook(payload, WEBHOOK_SECRET), WEBHOOK_SECRET
    )
    assert event.type == "payment_intent.amount_capturable_updated"
    assert event.id.startswith("evt_")
    assert event.data.object.id == intent.id

    stale = sign_webhook(payload, WEBHOOK_SECRET, timestamp=int(time.time()) - 301)
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(payload, stale, WEBHOOK_SECRET)
    with pytest.raises(stripe.SignatureVerificationError):
        forged = sign_webhook(payload, "whsec_other")
        stripe.Webhook.construct_event(payload, forged, WEBHOOK_SECRET)


def test_concurrent_captures_of_one_authorization_succeed_once(fake_stripe):
    intent = authorize(fake_stripe.client())

    def capture(_):
        try:
            return fake_stripe.client().v1.payment_intents.capture(intent.id).status
        except stripe.InvalidRequestError as error:
            return error.code

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(capture, range(8)))

    assert sorted(outcomes) == ["payment_intent_unexpected_state"] * 7 + ["succeeded"]
    assert len(fake_stripe.requests_to("POST", "/v1/payment_intents/*/capture")) == 8


def test_a_slow_answer_past_the_read_timeout_is_a_connection_error_but_the_work_is_done(
    fake_stripe,
):
    client = stripe.StripeClient(
        "sk_test_fake",
        base_addresses={"api": fake_stripe.url},
        max_network_retries=0,
        http_client=stripe.RequestsClient(timeout=(2, 0.3)),
    )
    fake_stripe.fail_next(1, "slow", method="POST", path="/v1/payment_intents", delay=1)

    with pytest.raises(stripe.APIConnectionError, match="Read timed out"):
        authorize(client, key="slow-1")

    # the PaymentIntent exists, and the same key replays it rather than authorizing again
    assert len(fake_stripe.payment_intents) == 1
    intent = authorize(client, key="slow-1")
    assert intent.id in fake_stripe.payment_intents
    assert len(fake_stripe.payment_intents) == 1
    assert [r.replayed for r in fake_stripe.requests_to("POST", "/v1/payment_intents")] == [
        False,
        True,
    ]


def test_a_slow_answer_within_the_timeout_only_takes_longer(fake_stripe, stripe_client):
    fake_stripe.fail_next(1, "slow", path="/v1/payment_intents/*", delay=0.4)
    intent = authorize(stripe_client)

    started = time.monotonic()
    assert stripe_client.v1.payment_intents.retrieve(intent.id).id == intent.id
    assert time.monotonic() - started >= 0.4


def test_payment_intents_are_found_by_their_metadata(stripe_client):
    first = authorize(stripe_client, metadata={"oms_payment": "7"})
    authorize(stripe_client, metadata={"oms_payment": "8"})

    found = stripe_client.v1.payment_intents.search(
        params={"query": "metadata['oms_payment']:'7' AND status:'requires_capture'"}
    )

    assert [intent.id for intent in found.data] == [first.id]
    assert found.object == "search_result"


def test_multicapture_captures_in_parts_then_a_cancel_releases_the_rest(stripe_client, fake_stripe):
    intent = authorize(
        stripe_client,
        1000,
        payment_method_options={"card": {"request_multicapture": "if_available"}},
    )

    stripe_client.v1.payment_intents.capture(
        intent.id, params={"amount_to_capture": 300, "final_capture": False}
    )
    partial = stripe_client.v1.payment_intents.capture(
        intent.id, params={"amount_to_capture": 200, "final_capture": False}
    )
    assert (partial.status, partial.amount_received, partial.amount_capturable) == (
        "requires_capture",
        500,
        500,
    )
    assert fake_stripe.charges[intent.latest_charge]["amount_captured"] == 500

    released = stripe_client.v1.payment_intents.cancel(intent.id)
    assert (released.status, released.amount_received, released.amount_capturable) == (
        "succeeded",
        500,
        0,
    )
