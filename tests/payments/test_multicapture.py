"""Capturing one authorization in parts (one capture per shipment), at the fake Stripe with the
real SDK and with the simulated gateway: a capture that is not final keeps the rest authorized."""

from decimal import Decimal

import pytest
import stripe

from orders.models import OrderEvent
from payments import selectors, services, tasks
from payments.exceptions import InvalidPaymentState, PaymentAmountError
from payments.models import PaymentStatus, PaymentTransaction
from tests.payments.helpers import events_of, make_order

pytestmark = pytest.mark.django_db

T = OrderEvent.Type
CAPTURES = "/v1/payment_intents/*/capture"


@pytest.fixture
def authorized(stripe_on):
    order = make_order()  # 100.00 USD
    return services.authorize_payment(order=order, payment_method="pm_card_visa")


def test_stripe_authorizations_ask_for_multicapture(stripe_on, authorized):
    (create,) = stripe_on.requests_to("POST", "/v1/payment_intents")
    assert create.params["payment_method_options"] == {
        "card": {"request_multicapture": "if_available"}
    }
    intent = stripe_on.payment_intents[authorized.gateway_reference]
    charge = stripe_on.charges[intent["latest_charge"]]
    assert charge["payment_method_details"]["card"]["multicapture"] == {"status": "available"}


def test_a_shipment_captures_its_share_and_the_last_one_the_rest(stripe_on, authorized):
    order = authorized.order

    # when 40.00 is captured for a first shipment, not final
    payment = services.capture_payment(
        payment=authorized, amount=Decimal("40.00"), final=False, request_id="shipment-1"
    )

    # then Stripe keeps the rest capturable, and so do we
    intent = stripe_on.payment_intents[payment.gateway_reference]
    charge = stripe_on.charges[intent["latest_charge"]]
    assert (intent["status"], intent["amount_received"], intent["amount_capturable"]) == (
        "requires_capture",
        4000,
        6000,
    )
    assert charge["amount_captured"] == 4000
    assert payment.status == PaymentStatus.PARTIALLY_CAPTURED
    assert (payment.authorized_amount, payment.captured_amount) == (
        Decimal("100.00"),
        Decimal("40.00"),
    )
    assert payment.capturable_amount == Decimal("60.00")
    summary = selectors.payment_summary(order)
    assert (summary.authorized, summary.captured) == (Decimal("60.00"), Decimal("40.00"))
    (first,) = events_of(order, T.PAYMENT_CAPTURED)
    assert "60.00 USD stays authorized" in first.message

    # when the rest ships: a final capture of what is left
    payment = services.capture_payment(
        payment=payment, amount=Decimal("60.00"), request_id="shipment-2"
    )

    # then the payment is captured in full, at Stripe too
    intent = stripe_on.payment_intents[payment.gateway_reference]
    assert intent["status"] == "succeeded"
    assert intent["amount_received"] == 10000
    assert stripe_on.charges[intent["latest_charge"]]["amount_captured"] == 10000
    assert (payment.status, payment.captured_amount) == (PaymentStatus.CAPTURED, Decimal("100"))
    calls = stripe_on.requests_to("POST", CAPTURES)
    assert [c.params.get("final_capture") for c in calls] == ["false", None]
    assert [c.idempotency_key for c in calls] == [
        f"capture-{payment.pk}-shipment-1",
        f"capture-{payment.pk}-shipment-2",
    ]
    order.refresh_from_db()
    assert order.payment_status == "paid"


def test_the_same_shipment_captured_twice_is_captured_once(stripe_on, authorized):
    for _ in range(2):
        result = tasks.capture_payment.delay(
            authorized.pk, "40.00", None, False, "shipment-7"
        ).result
        assert result == PaymentStatus.PARTIALLY_CAPTURED

    assert len(stripe_on.requests_to("POST", CAPTURES)) == 1
    assert stripe_on.payment_intents[authorized.gateway_reference]["amount_received"] == 4000
    assert len(events_of(authorized.order, T.PAYMENT_CAPTURED)) == 1


def test_a_capture_beyond_what_is_still_authorized_is_refused_here(stripe_on, authorized):
    services.capture_payment(payment=authorized, amount=Decimal("70.00"), final=False)

    with pytest.raises(PaymentAmountError, match=r"0\.01 and the 30\.00 USD still authorized"):
        services.capture_payment(payment=authorized, amount=Decimal("30.01"), final=False)
    assert len(stripe_on.requests_to("POST", CAPTURES)) == 1


def test_voiding_a_partially_captured_payment_releases_the_rest(stripe_on, authorized):
    services.capture_payment(payment=authorized, amount=Decimal("25.00"), final=False)

    payment = services.void_payment(payment=authorized)

    intent = stripe_on.payment_intents[payment.gateway_reference]
    assert (intent["status"], intent["amount_received"], intent["amount_capturable"]) == (
        "succeeded",
        2500,
        0,
    )
    assert (payment.status, payment.captured_amount) == (PaymentStatus.CAPTURED, Decimal("25"))
    (voided,) = events_of(payment.order, T.PAYMENT_VOIDED)
    assert "the remaining 75.00 USD of the authorization was released" in voided.message
    assert selectors.payment_summary(payment.order).authorized == 0
    with pytest.raises(InvalidPaymentState, match="refund captured money instead"):
        services.void_payment(payment=payment)


def test_a_capture_request_is_recorded_before_its_task_runs(
    stripe_on, authorized, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.request_capture(
            payment=authorized, amount=Decimal("10.00"), final=False, request_id="shipment-3"
        )

    txn = authorized.transactions.get(kind="capture")
    assert (txn.outcome, txn.idempotency_key, txn.amount, txn.request) == (
        "pending",
        f"capture-{authorized.pk}-shipment-3",
        Decimal("10.00"),
        {"final": False, "request_id": "shipment-3"},
    )
    assert txn.attempted_at is None  # queued, not sent
    assert stripe_on.requests_to("POST", CAPTURES) == []
    (callback,) = callbacks
    callback()
    txn.refresh_from_db()
    assert txn.outcome == PaymentTransaction.Outcome.SUCCEEDED
    authorized.refresh_from_db()
    assert authorized.captured_amount == Decimal("10.00")


def test_the_fake_refuses_a_partial_non_final_capture_without_multicapture(stripe_client):
    intent = stripe_client.v1.payment_intents.create(
        params={
            "amount": 1000,
            "currency": "usd",
            "capture_method": "manual",
            "payment_method": "pm_card_visa",
            "payment_method_types": ["card"],
            "confirm": True,
        }
    )
    with pytest.raises(stripe.InvalidRequestError, match="multicapture") as refused:
        stripe_client.v1.payment_intents.capture(
            intent.id, params={"amount_to_capture": 400, "final_capture": False}
        )
    assert refused.value.code == "multicapture_unavailable"


def test_the_simulated_gateway_captures_in_parts_too(settings):
    settings.STRIPE_SECRET_KEY = ""
    settings.OMS_PAYMENT_GATEWAY = "simulated"
    order = make_order()
    payment = services.authorize_payment(order=order, payment_method="4242424242424242")

    payment = services.capture_payment(payment=payment, amount=Decimal("30.00"), final=False)
    assert (payment.status, payment.captured_amount) == (
        PaymentStatus.PARTIALLY_CAPTURED,
        Decimal("30.00"),
    )
    payment = services.capture_payment(payment=payment, amount=Decimal("20.00"), final=False)
    payment = services.capture_payment(payment=payment)  # final: all that is left

    assert (payment.status, payment.captured_amount) == (PaymentStatus.CAPTURED, Decimal("100"))
    assert len(events_of(order, T.PAYMENT_CAPTURED)) == 3
