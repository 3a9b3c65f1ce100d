"""Stripe webhooks: signed, stored once by event id, processed once, converging when out of order.

Events are built from the fake Stripe's own objects (``fake_stripe.object``) and signed as
Stripe signs them; the endpoint verifies them with the real SDK.
"""

import time
from decimal import Decimal

import pytest

from orders.models import HoldReason, OrderEvent, OrderStatus, SalesChannel
from payments import selectors, services
from payments.exceptions import GatewayUnavailable
from payments.models import Payment, PaymentStatus, PaymentTransaction, Refund, StripeWebhookEvent
from tests.payments.helpers import (
    WEBHOOK_SECRET,
    WEBHOOK_URL,
    deliver,
    events_of,
    make_order,
    stale,
)
from tests.stripe_fake import event_payload, sign_webhook

pytestmark = pytest.mark.django_db

T = OrderEvent.Type


@pytest.fixture
def order(stripe_on):
    return make_order()  # 100.00 USD


@pytest.fixture
def authorized(order):
    return services.authorize_payment(order=order, payment_method="pm_card_visa")


@pytest.fixture
def post(client, django_capture_on_commit_callbacks):
    """Deliver a signed event and run what it queued (the processing task, eagerly)."""

    def send(type_, obj, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return deliver(client, type_, obj, **kwargs)

    return send


def captured_outside(fake, payment, *, refund_cents: int = 0) -> tuple[dict, dict]:
    """Capture (and refund) at Stripe directly, as from its dashboard; returns the PaymentIntent
    and its charge as Stripe holds them now."""
    client = fake.client()
    client.v1.payment_intents.capture(payment.gateway_reference)
    if refund_cents:
        client.v1.refunds.create(
            params={"payment_intent": payment.gateway_reference, "amount": refund_cents}
        )
    intent = fake.object(payment.gateway_reference)
    return intent, fake.object(intent["latest_charge"])


# --- signature -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "tamper",
    ["wrong secret", "stale timestamp", "no signature", "altered body"],
)
def test_a_webhook_that_does_not_verify_is_rejected_and_changes_nothing(
    client, stripe_on, authorized, tamper
):
    intent, _ = captured_outside(stripe_on, authorized)
    if tamper == "wrong secret":
        response = deliver(client, "payment_intent.succeeded", intent, secret="whsec_other")
    elif tamper == "stale timestamp":  # older than the SDK's 300 s tolerance
        response = deliver(client, "payment_intent.succeeded", intent, timestamp=stale(301))
    elif tamper == "no signature":
        response = client.post(WEBHOOK_URL, data="{}", content_type="application/json")
    else:
        signed = deliver(client, "payment_intent.succeeded", intent, event_id="evt_1")
        assert signed.status_code == 200
        StripeWebhookEvent.objects.all().delete()
        payload = event_payload("payment_intent.succeeded", intent, event_id="evt_2")
        header = sign_webhook(payload, WEBHOOK_SECRET)
        response = client.post(
            WEBHOOK_URL,
            data=payload.replace('"amount": 10000', '"amount": 1'),
            content_type="application/json",
            HTTP_STRIPE_SIGNATURE=header,
        )

    assert response.status_code == 400
    assert StripeWebhookEvent.objects.count() == 0
    authorized.refresh_from_db()
    assert authorized.status == PaymentStatus.AUTHORIZED
    assert events_of(authorized.order, T.PAYMENT_CAPTURED) == []


def test_a_timestamp_within_the_tolerance_is_accepted(post, stripe_on, authorized):
    intent, _ = captured_outside(stripe_on, authorized)

    response = post("payment_intent.succeeded", intent, timestamp=int(time.time()) - 250)

    assert response.status_code == 200


def test_webhooks_are_refused_while_no_secret_is_configured(
    client, settings, stripe_on, authorized
):
    settings.STRIPE_WEBHOOK_SECRET = ""
    intent, _ = captured_outside(stripe_on, authorized)

    response = deliver(client, "payment_intent.succeeded", intent)

    assert response.status_code == 400
    assert StripeWebhookEvent.objects.count() == 0


def test_the_endpoint_takes_posts_only(client):
    assert client.get(WEBHOOK_URL).status_code == 405


# --- once by event id ----------------------------------------------------------------------


def test_the_same_event_delivered_twice_is_processed_once(post, stripe_on, order, authorized):
    intent, _ = captured_outside(stripe_on, authorized)

    first = post("payment_intent.succeeded", intent, event_id="evt_twice")
    second = post("payment_intent.succeeded", intent, event_id="evt_twice")

    assert (first.status_code, second.status_code) == (200, 200)
    assert (first.json()["duplicate"], second.json()["duplicate"]) == (False, True)
    stored = StripeWebhookEvent.objects.get()
    assert (stored.event_id, stored.type, stored.error) == (
        "evt_twice",
        "payment_intent.succeeded",
        "",
    )
    assert stored.processed_at is not None
    assert services.process_stripe_event(event_pk=stored.pk) is False  # once, even if asked
    authorized.refresh_from_db()
    assert authorized.status == PaymentStatus.CAPTURED
    assert len(events_of(order, T.PAYMENT_CAPTURED)) == 1
    assert PaymentTransaction.objects.filter(source="webhook").count() == 1


def test_an_event_already_applied_by_our_own_call_changes_nothing(
    post, stripe_on, order, authorized
):
    services.capture_payment(payment=authorized)
    intent = stripe_on.object(authorized.gateway_reference)

    post("payment_intent.succeeded", intent)

    assert len(events_of(order, T.PAYMENT_CAPTURED)) == 1
    assert StripeWebhookEvent.objects.get().error == ""
    assert not PaymentTransaction.objects.filter(source="webhook").exists()


def test_an_event_type_we_do_not_handle_is_stored_and_ignored(post, stripe_on):
    response = post("customer.created", {"id": "cus_1", "object": "customer"})

    assert response.status_code == 200
    stored = StripeWebhookEvent.objects.get()
    assert stored.processed_at is not None and stored.error == ""


def test_an_event_for_a_payment_we_do_not_know_is_noted(post, stripe_on):
    intent = stripe_on.client().v1.payment_intents.create(
        params={"amount": 500, "currency": "usd", "payment_method_types": ["card"]}
    )

    post("payment_intent.succeeded", stripe_on.object(intent.id))

    assert StripeWebhookEvent.objects.get().error == f"ignored: no OMS payment for {intent.id}"


# --- out of order --------------------------------------------------------------------------


@pytest.mark.parametrize("refund_first", [True, False], ids=["refund-first", "succeeded-first"])
def test_refunded_and_succeeded_in_either_order_end_in_the_same_state(
    post, stripe_on, order, authorized, refund_first
):
    # given Stripe captured the payment and refunded 25.00 of it in its dashboard
    intent, charge = captured_outside(stripe_on, authorized, refund_cents=2500)
    deliveries = [("charge.refunded", charge), ("payment_intent.succeeded", intent)]

    for type_, obj in deliveries if refund_first else reversed(deliveries):
        assert post(type_, obj).status_code == 200

    # then the payment is captured and partly refunded, never undone by the late event
    authorized.refresh_from_db()
    order.refresh_from_db()
    assert authorized.status == PaymentStatus.PARTIALLY_REFUNDED
    assert (authorized.captured_amount, authorized.refunded_amount) == (
        Decimal("100.00"),
        Decimal("25.00"),
    )
    assert order.payment_status == "partially_refunded"
    (refund,) = Refund.objects.all()
    assert (refund.amount, refund.external, refund.status) == (Decimal("25.00"), True, "succeeded")
    assert len(events_of(order, T.PAYMENT_CAPTURED)) == 1
    assert len(events_of(order, T.PAYMENT_REFUNDED)) == 1
    assert "outside the OMS" in events_of(order, T.PAYMENT_REFUNDED)[0].message


def test_a_refund_we_made_is_not_counted_again_when_stripe_reports_it(
    post, stripe_on, order, authorized, django_capture_on_commit_callbacks
):
    services.capture_payment(payment=authorized)
    with django_capture_on_commit_callbacks(execute=True):
        services.create_refund(payment=authorized, amount=Decimal("10.00"), reason="Scratch")
    charge = stripe_on.object(stripe_on.object(authorized.gateway_reference)["latest_charge"])

    post("charge.refunded", charge)

    authorized.refresh_from_db()
    assert authorized.refunded_amount == Decimal("10.00")
    assert Refund.objects.count() == 1
    assert len(events_of(order, T.PAYMENT_REFUNDED)) == 1


def test_a_refund_still_in_flight_is_not_counted_as_external(
    post, stripe_on, order, authorized, django_capture_on_commit_callbacks
):
    # given our refund reached Stripe but its answer was lost (the task will retry)
    services.capture_payment(payment=authorized)
    stripe_on.fail_next(1, "network_after", path="/v1/refunds")
    with django_capture_on_commit_callbacks(execute=False) as queued:
        refund = services.create_refund(payment=authorized, amount=Decimal("10.00"), reason="X")
    with pytest.raises(GatewayUnavailable, match="it will be retried"):
        services.process_refund(refund=refund)
    charge = stripe_on.object(stripe_on.object(authorized.gateway_reference)["latest_charge"])

    # when Stripe's charge.refunded arrives first, and then the retry runs
    post("charge.refunded", charge)
    services.process_refund(refund=refund)

    # then the one refund is counted once
    authorized.refresh_from_db()
    refund.refresh_from_db()
    assert len(queued) == 1
    assert refund.status == Refund.Status.SUCCEEDED
    assert authorized.refunded_amount == Decimal("10.00")
    assert Refund.objects.count() == 1
    assert len(stripe_on.requests_to("POST", "/v1/refunds")) == 2  # the retry was replayed


# --- the lifecycle events ------------------------------------------------------------------


def test_checkout_session_completed_marks_a_phone_order_authorized(
    post, stripe_on, django_capture_on_commit_callbacks
):
    order = make_order(kind=SalesChannel.Kind.PHONE, allow_unpaid_confirmation=False)
    with django_capture_on_commit_callbacks(execute=True):
        payment = services.send_payment_link(order=order)

    # when the customer pays on Stripe's page and Stripe tells us
    intent_id = stripe_on.complete_checkout(payment.checkout_session_id)
    response = post("checkout.session.completed", stripe_on.object(payment.checkout_session_id))

    # then the payment is authorized until Stripe's deadline, and the order may be confirmed
    assert response.status_code == 200
    payment.refresh_from_db()
    order.refresh_from_db()
    assert payment.status == PaymentStatus.AUTHORIZED
    assert payment.gateway_reference == intent_id
    assert payment.authorized_amount == Decimal("100.00")
    assert payment.authorization_expires_at is not None
    assert order.payment_status == "authorized"
    assert selectors.confirmation_blocker(order) == ""
    assert len(events_of(order, T.PAYMENT_AUTHORIZED)) == 1

    # and Stripe's own amount_capturable_updated for the same PaymentIntent changes nothing
    post("payment_intent.amount_capturable_updated", stripe_on.object(intent_id))
    assert len(events_of(order, T.PAYMENT_AUTHORIZED)) == 1


def test_amount_capturable_updated_authorizes_a_payment_known_by_its_metadata(
    post, stripe_on, order
):
    payment = Payment.objects.create(
        order=order, gateway="stripe", method="card", amount=Decimal("100.00"), currency="USD"
    )
    intent = stripe_on.client().v1.payment_intents.create(
        params={
            "amount": 10000,
            "currency": "usd",
            "capture_method": "manual",
            "payment_method": "pm_card_visa",
            "payment_method_types": ["card"],
            "confirm": True,
            "metadata": {"oms_payment": str(payment.pk)},
        }
    )

    post("payment_intent.amount_capturable_updated", stripe_on.object(intent.id))

    payment.refresh_from_db()
    deadline = stripe_on.charges[intent.latest_charge]["payment_method_details"]["card"]
    assert payment.status == PaymentStatus.AUTHORIZED
    assert payment.gateway_reference == intent.id
    assert payment.authorization_expires_at.timestamp() == deadline["capture_before"]


def test_an_authorization_that_lapses_at_stripe_expires_here(post, stripe_on, order, authorized):
    stripe_on.expire_authorization(authorized.gateway_reference)

    post("payment_intent.canceled", stripe_on.object(authorized.gateway_reference))

    authorized.refresh_from_db()
    order.refresh_from_db()
    assert authorized.status == PaymentStatus.EXPIRED
    assert order.payment_status == "unpaid"
    assert "expired before it was captured" in events_of(order, T.PAYMENT_EXPIRED)[0].message


def test_a_failed_attempt_on_a_payment_link_leaves_the_link_open(
    post, stripe_on, django_capture_on_commit_callbacks
):
    order = make_order(kind=SalesChannel.Kind.PHONE)
    with django_capture_on_commit_callbacks(execute=True):
        payment = services.send_payment_link(order=order)
    intent = {
        "id": "pi_attempt1",
        "object": "payment_intent",
        "amount": 10000,
        "currency": "usd",
        "status": "requires_payment_method",
        "metadata": {"oms_payment": str(payment.pk), "order": order.number},
        "last_payment_error": {
            "type": "card_error",
            "code": "card_declined",
            "decline_code": "insufficient_funds",
            "message": "Your card has insufficient funds.",
        },
    }

    post("payment_intent.payment_failed", intent)

    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING
    (failed,) = events_of(order, T.PAYMENT_FAILED)
    assert failed.message == "Card: payment failed — Your card has insufficient funds."


def test_a_dispute_puts_the_order_on_hold_and_alerts_finance(post, stripe_on, order, authorized):
    services.capture_payment(payment=authorized)
    intent = stripe_on.object(authorized.gateway_reference)
    due_by = int(time.time()) + 7 * 86400
    dispute = {
        "id": "dp_test_1",
        "object": "dispute",
        "amount": 10000,
        "currency": "usd",
        "charge": intent["latest_charge"],
        "payment_intent": intent["id"],
        "reason": "fraudulent",
        "status": "needs_response",
        "evidence_details": {"due_by": due_by},
    }

    post("charge.dispute.created", dispute)
    post("charge.dispute.created", dispute)  # a second event for the same dispute

    order.refresh_from_db()
    authorized.refresh_from_db()
    assert order.status == OrderStatus.ON_HOLD
    assert order.hold_reason == HoldReason.PAYMENT_DISPUTE
    assert "dp_test_1" in order.hold_note
    (alert,) = events_of(order, T.DISPUTE_OPENED)
    assert alert.message.startswith("Finance: the customer's bank opened a dispute for 100.00 USD")
    assert "fraudulent" in alert.message
    assert (authorized.dispute_reference, authorized.dispute_amount) == (
        "dp_test_1",
        Decimal("100.00"),
    )
    assert list(selectors.finance_payments(disputed=True)) == [authorized]
