"""Card payments through Stripe: the real SDK over HTTP against the fake Stripe in tests/.

Nothing here patches the SDK; what Stripe was asked is read from ``fake_stripe.requests``.
"""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from celery.exceptions import Retry
from django.db import connections

from notifications import tasks as notifications
from orders import services as order_services
from orders.exceptions import ConfirmationBlocked
from orders.models import OrderEvent, OrderStatus, SalesChannel
from payments import selectors, services, tasks
from payments.exceptions import (
    GatewayRejected,
    GatewayUnavailable,
    InvalidPaymentState,
    PaymentAmountError,
    PaymentDeclined,
    RefundExceedsCaptured,
)
from payments.models import Payment, PaymentStatus, PaymentTransaction, Refund
from tests.payments.helpers import events_of, make_order, use_stripe

pytestmark = pytest.mark.django_db

T = OrderEvent.Type
CAPTURES = "/v1/payment_intents/*/capture"


@pytest.fixture
def order(stripe_on):
    return make_order()  # 2 × 50.00 = 100.00 USD


@pytest.fixture
def authorized(order):
    return services.authorize_payment(order=order, payment_method="pm_card_visa")


def test_authorize_capture_two_partial_refunds_then_a_third_beyond_the_capture_is_refused(
    stripe_on, order, django_capture_on_commit_callbacks
):
    fake = stripe_on
    # when a card is authorized for the order
    payment = services.authorize_payment(order=order, payment_method="pm_card_visa")

    # then the payment is authorized until Stripe's capture_before
    intent = fake.payment_intents[payment.gateway_reference]
    charge = fake.charges[intent["latest_charge"]]
    capture_before = charge["payment_method_details"]["card"]["capture_before"]
    assert payment.status == PaymentStatus.AUTHORIZED
    assert payment.authorized_amount == Decimal("100.00")
    assert payment.authorization_expires_at == datetime.fromtimestamp(capture_before, tz=UTC)
    assert payment.card_label == "Visa •••• 4242"
    assert intent["capture_method"] == "manual"
    assert intent["amount"] == 10000
    assert intent["metadata"] == {"oms_payment": str(payment.pk), "order": order.number}
    order.refresh_from_db()
    assert order.payment_status == "authorized"

    # when it is captured, then refunded twice in part
    payment = services.capture_payment(payment=payment)
    order.refresh_from_db()
    assert (payment.status, payment.captured_amount, order.payment_status) == (
        PaymentStatus.CAPTURED,
        Decimal("100.00"),
        "paid",
    )
    with django_capture_on_commit_callbacks(execute=True):
        first = services.create_refund(payment=payment, amount=Decimal("30.00"), reason="Dented")
    with django_capture_on_commit_callbacks(execute=True):
        second = services.create_refund(payment=payment, amount=Decimal("45.00"), reason="Late")

    # then both are refunded at Stripe and here
    payment.refresh_from_db()
    order.refresh_from_db()
    first.refresh_from_db()
    second.refresh_from_db()
    assert [first.status, second.status] == [Refund.Status.SUCCEEDED] * 2
    assert first.gateway_reference.startswith("re_")
    assert payment.refunded_amount == Decimal("75.00")
    assert payment.status == PaymentStatus.PARTIALLY_REFUNDED
    assert order.payment_status == "partially_refunded"
    assert charge["amount_refunded"] == 7500

    # and a third refund beyond what is left is refused before Stripe is asked
    with pytest.raises(RefundExceedsCaptured, match=r"At most 25\.00 USD"):
        services.create_refund(payment=payment, amount=Decimal("25.01"), reason="Goodwill")
    assert Refund.objects.count() == 2

    # every mutating call carried a key made from our ids, and Stripe saw each once
    assert [r.idempotency_key for r in fake.requests_to("POST", "/v1/payment_intents")] == [
        f"authorize-{payment.pk}"
    ]
    assert [r.idempotency_key for r in fake.requests_to("POST", CAPTURES)] == [
        f"capture-{payment.pk}-100.00"
    ]
    refunds = fake.requests_to("POST", "/v1/refunds")
    assert [r.idempotency_key for r in refunds] == [f"refund-{first.pk}", f"refund-{second.pk}"]
    assert [r.params["amount"] for r in refunds] == ["3000", "4500"]
    assert refunds[0].params["metadata"]["oms_refund"] == str(first.pk)

    # and the timeline tells the story
    assert [e.type for e in order.events.order_by("pk") if e.type.startswith("payment")] == [
        T.PAYMENT_AUTHORIZED,
        T.PAYMENT_CAPTURED,
        T.PAYMENT_REFUNDED,
        T.PAYMENT_REFUNDED,
    ]
    assert "Refunded 30.00 USD: Dented." in events_of(order, T.PAYMENT_REFUNDED)[0].message
    summary = selectors.payment_summary(order)
    assert (summary.captured, summary.refunded, summary.refundable) == (
        Decimal("100.00"),
        Decimal("75.00"),
        Decimal("25.00"),
    )


def test_a_partial_capture_releases_the_rest(stripe_on, order, authorized):
    payment = services.capture_payment(payment=authorized, amount=Decimal("60.00"))

    assert payment.status == PaymentStatus.CAPTURED
    assert (payment.authorized_amount, payment.captured_amount) == (
        Decimal("100.00"),
        Decimal("60.00"),
    )
    assert stripe_on.requests_to("POST", CAPTURES)[0].params["amount_to_capture"] == "6000"
    assert "remaining 40.00 USD was released" in events_of(order, T.PAYMENT_CAPTURED)[0].message
    order.refresh_from_db()
    assert order.payment_status == "partially_paid"
    assert selectors.payment_summary(order).balance_due == Decimal("40.00")


def test_capturing_more_than_authorized_is_refused_here(stripe_on, authorized):
    with pytest.raises(PaymentAmountError, match=r"Capture between 0\.01 and the 100\.00 USD"):
        services.capture_payment(payment=authorized, amount=Decimal("100.01"))

    assert stripe_on.requests_to("POST", CAPTURES) == []


def test_stripe_refuses_a_refund_beyond_what_it_captured_even_when_we_did_not_know(
    stripe_on, order, authorized, django_capture_on_commit_callbacks
):
    # given a captured payment, 80.00 of which was refunded in the Stripe dashboard
    payment = services.capture_payment(payment=authorized)
    stripe_on.client().v1.refunds.create(
        params={"payment_intent": payment.gateway_reference, "amount": 8000}
    )

    # when staff refund 50.00 (we still think 100.00 is refundable)
    with django_capture_on_commit_callbacks(execute=True):
        refund = services.create_refund(payment=payment, amount=Decimal("50.00"), reason="Broken")

    # then Stripe refuses, the refund failed and nothing more was given back
    refund.refresh_from_db()
    payment.refresh_from_db()
    assert refund.status == Refund.Status.FAILED
    assert "greater than unrefunded amount" in refund.failure_message
    assert payment.refunded_amount == 0
    failed = events_of(order, T.PAYMENT_FAILED)
    assert len(failed) == 1 and "refund failed" in failed[0].message
    txn = PaymentTransaction.objects.get(refund=refund)
    assert (txn.outcome, txn.error_code, txn.idempotency_key) == (
        "failed",
        "amount_too_large",
        f"refund-{refund.pk}",
    )


@pytest.mark.parametrize(
    ("card", "decline_code", "message"),
    [
        ("pm_card_chargeDeclined", "generic_decline", "Your card was declined."),
        (
            "pm_card_chargeDeclinedInsufficientFunds",
            "insufficient_funds",
            "Your card has insufficient funds.",
        ),
    ],
)
def test_a_declined_card_fails_at_once_without_retry_and_is_on_the_timeline(
    settings, fake_stripe, card, decline_code, message
):
    # the SDK may retry network errors by itself: a decline is still asked once
    use_stripe(settings, fake_stripe, retries=2)
    order = make_order()

    with pytest.raises(PaymentDeclined) as declined:
        services.authorize_payment(order=order, payment_method=card)

    assert declined.value.decline_code == decline_code
    assert len(fake_stripe.requests_to("POST", "/v1/payment_intents")) == 1
    payment = Payment.objects.get(order=order)
    assert payment.status == PaymentStatus.FAILED
    assert (payment.failure_code, payment.failure_message) == (decline_code, message)
    assert payment.gateway_reference in fake_stripe.payment_intents
    (failed,) = events_of(order, T.PAYMENT_FAILED)
    assert failed.message == f"Card: authorization failed — {message}"
    assert failed.data["code"] == decline_code
    txn = payment.transactions.get()
    assert (txn.kind, txn.outcome, txn.error_code) == ("authorize", "failed", decline_code)
    order.refresh_from_db()
    assert order.payment_status == "unpaid"


def test_card_numbers_are_refused_for_stripe(stripe_on, order):
    with pytest.raises(GatewayRejected, match="card numbers never pass through the OMS"):
        services.authorize_payment(order=order, payment_method="4242424242424242")

    assert stripe_on.requests == []


def test_a_capture_task_run_twice_captures_once(stripe_on, order, authorized):
    first = tasks.capture_payment.delay(authorized.pk).result
    second = tasks.capture_payment.delay(authorized.pk).result

    assert (first, second) == ("captured", "not captured: already_captured")
    assert len(stripe_on.requests_to("POST", CAPTURES)) == 1
    assert len(events_of(order, T.PAYMENT_CAPTURED)) == 1


def test_a_network_error_is_retried_with_the_same_key_and_succeeds(stripe_on, order, authorized):
    # given Stripe's connection drops on the first capture attempt
    stripe_on.fail_next(1, "network", path=CAPTURES)

    # when the task runs (eager, not propagating: Celery's retry runs it again at once)
    assert tasks.capture_payment.apply(args=(authorized.pk,), throw=False).result == "captured"

    # then the second attempt, with the same idempotency key, captured
    calls = stripe_on.requests_to("POST", CAPTURES)
    assert [c.fault for c in calls] == ["network", None]
    assert {c.idempotency_key for c in calls} == {f"capture-{authorized.pk}-100.00"}
    authorized.refresh_from_db()
    assert authorized.status == PaymentStatus.CAPTURED
    # one recorded call, asked twice: unknown after the first try, succeeded after the second
    (txn,) = authorized.transactions.filter(kind="capture")
    assert (txn.outcome, txn.idempotency_key) == ("succeeded", f"capture-{authorized.pk}-100.00")
    # a network blip is not a failure worth a timeline entry
    assert events_of(order, T.PAYMENT_FAILED) == []
    assert len(events_of(order, T.PAYMENT_CAPTURED)) == 1


@pytest.mark.parametrize("fault", ["network_after", "server_error", "rate_limit"])
def test_a_lost_answer_or_a_stripe_outage_is_retried_and_captures_once(
    stripe_on, order, authorized, fault
):
    # network_after: Stripe captured, but the answer was lost on the way back
    stripe_on.fail_next(1, fault, path=CAPTURES)

    assert tasks.capture_payment.apply(args=(authorized.pk,), throw=False).result == "captured"

    calls = stripe_on.requests_to("POST", CAPTURES)
    assert len(calls) == 2
    assert calls[1].replayed is (fault == "network_after")
    intent = stripe_on.payment_intents[authorized.gateway_reference]
    assert intent["amount_received"] == 10000
    authorized.refresh_from_db()
    assert authorized.captured_amount == Decimal("100.00")


def test_the_tasks_retry_gateway_outages_with_backoff_and_nothing_else():
    for task in (tasks.capture_payment, tasks.refund_payment, tasks.void_payment):
        assert task.autoretry_for == (GatewayUnavailable,)
        assert task.retry_backoff is True
        assert task.max_retries == 8
    assert not issubclass(PaymentDeclined, GatewayUnavailable)
    assert not issubclass(GatewayRejected, GatewayUnavailable)


def test_with_errors_propagating_a_failed_attempt_is_handed_to_celery_as_a_retry(
    stripe_on, authorized
):
    stripe_on.fail_next(1, "network", path=CAPTURES)

    with pytest.raises(Retry):
        tasks.capture_payment.delay(authorized.pk)

    authorized.refresh_from_db()
    assert authorized.status == PaymentStatus.AUTHORIZED  # the retry will capture it


def test_the_capture_task_gives_up_on_a_refusal_without_retrying(stripe_on, order, authorized):
    # given the authorization lapsed at Stripe before we heard of it
    stripe_on.expire_authorization(authorized.gateway_reference)

    result = tasks.capture_payment.delay(authorized.pk).result

    # then the refusal is final: asked once, and the payment converges on Stripe's state
    assert result == "not captured: payment_intent_unexpected_state"
    assert len(stripe_on.requests_to("POST", CAPTURES)) == 1
    authorized.refresh_from_db()
    assert authorized.status == PaymentStatus.EXPIRED
    assert len(events_of(order, T.PAYMENT_EXPIRED)) == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_racing_to_capture_make_one_capture(settings, fake_stripe):
    use_stripe(settings, fake_stripe)
    order = make_order()
    payment = services.authorize_payment(order=order, payment_method="pm_card_visa")
    barrier = threading.Barrier(2)

    def worker(_):
        try:
            barrier.wait(timeout=30)
            return tasks.capture_payment.apply(args=(payment.pk,)).result
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = sorted(pool.map(worker, range(2)))

    # the second worker finds the capture done, or still being sent by the first
    assert results[0] == "captured"
    assert results[1] in ("not captured: already_captured", "not captured: in_progress")
    calls = fake_stripe.requests_to("POST", CAPTURES)
    assert len(calls) == 1
    assert fake_stripe.payment_intents[payment.gateway_reference]["amount_received"] == 10000
    assert order.events.filter(type=T.PAYMENT_CAPTURED).count() == 1
    assert PaymentTransaction.objects.filter(kind="capture", outcome="succeeded").count() == 1


def test_void_releases_the_authorization_once(stripe_on, order, authorized):
    payment = services.void_payment(payment=authorized)

    assert payment.status == PaymentStatus.VOIDED
    assert stripe_on.payment_intents[payment.gateway_reference]["status"] == "canceled"
    with pytest.raises(InvalidPaymentState, match="already voided"):
        services.void_payment(payment=payment)
    assert tasks.void_payment.delay(payment.pk).result == "not voided: already_voided"
    cancels = stripe_on.requests_to("POST", "/v1/payment_intents/*/cancel")
    assert [c.idempotency_key for c in cancels] == [f"void-{payment.pk}"]
    assert len(events_of(order, T.PAYMENT_VOIDED)) == 1
    order.refresh_from_db()
    assert order.payment_status == "unpaid"


def test_a_captured_payment_cannot_be_voided(stripe_on, authorized):
    services.capture_payment(payment=authorized)

    with pytest.raises(InvalidPaymentState, match="refund captured money instead"):
        services.void_payment(payment=authorized)


def test_a_channel_order_arriving_authorized_is_attached_to_its_payment_intent(stripe_on, order):
    # given the web shop's checkout authorized a PaymentIntent with Stripe.js
    intent = stripe_on.client().v1.payment_intents.create(
        params={
            "amount": 10000,
            "currency": "usd",
            "capture_method": "manual",
            "payment_method": "pm_card_mastercard",
            "payment_method_types": ["card"],
            "confirm": True,
        }
    )

    payment = services.attach_payment_intent(order=order, payment_intent_id=intent.id)

    charge = stripe_on.charges[intent.latest_charge]
    deadline = charge["payment_method_details"]["card"]["capture_before"]
    assert payment.status == PaymentStatus.AUTHORIZED
    assert payment.gateway_reference == intent.id
    assert payment.authorization_expires_at == datetime.fromtimestamp(deadline, tz=UTC)
    assert payment.card_label == "Mastercard •••• 4444"
    # attaching again (the channel sends the order twice) gives back the same payment
    assert services.attach_payment_intent(order=order, payment_intent_id=intent.id) == payment
    assert Payment.objects.count() == 1
    assert len(events_of(order, T.PAYMENT_AUTHORIZED)) == 1


def test_a_phone_order_gets_a_payment_link_by_email(
    stripe_on, django_capture_on_commit_callbacks, mailoutbox
):
    order = make_order(kind=SalesChannel.Kind.PHONE)

    with django_capture_on_commit_callbacks(execute=True):
        payment = services.send_payment_link(order=order)

    assert payment.status == PaymentStatus.PENDING
    assert payment.checkout_url.startswith("https://checkout.stripe.test/")
    (call,) = stripe_on.requests_to("POST", "/v1/checkout/sessions")
    assert call.idempotency_key == f"payment-link-{payment.pk}"
    assert call.params["payment_intent_data"]["capture_method"] == "manual"
    assert call.params["payment_intent_data"]["metadata"]["oms_payment"] == str(payment.pk)
    assert call.params["line_items"][0]["price_data"]["unit_amount"] == "10000"
    assert call.params["client_reference_id"] == order.number
    (mail,) = mailoutbox
    assert mail.to == [order.email]
    assert payment.checkout_url in mail.body
    assert [e.type for e in order.events.filter(type__in=[T.PAYMENT_LINK_SENT, T.EMAIL_SENT])] == [
        T.EMAIL_SENT,
        T.PAYMENT_LINK_SENT,
    ]
    # the e-mail decided again sends nothing more
    link = order.events.get(type=T.PAYMENT_LINK_SENT)
    assert notifications.notify_event.delay(link.pk).result == 0


def test_confirming_requires_payment_on_a_channel_that_says_so(
    stripe_on, django_capture_on_commit_callbacks
):
    order = make_order(allow_unpaid_confirmation=False)

    with pytest.raises(
        ConfirmationBlocked, match=r"100\.00 USD is neither authorized nor captured"
    ):
        order_services.confirm_order(order=order)
    order.refresh_from_db()
    assert order.status == OrderStatus.PLACED

    services.authorize_payment(order=order, payment_method="pm_card_visa")
    with django_capture_on_commit_callbacks(execute=True):
        order = order_services.confirm_order(order=order)

    # on shipment is the default policy: nothing is captured yet
    assert order.status == OrderStatus.CONFIRMED
    assert stripe_on.requests_to("POST", CAPTURES) == []


def test_a_channel_that_captures_on_confirmation_captures_when_the_order_is_confirmed(
    stripe_on, django_capture_on_commit_callbacks
):
    order = make_order(
        allow_unpaid_confirmation=False,
        capture_policy=SalesChannel.CapturePolicy.ON_CONFIRMATION,
    )
    payment = services.authorize_payment(order=order, payment_method="pm_card_visa")

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        order_services.confirm_order(order=order)

    # the capture; the customer's confirmation e-mail (decided, then sent); publishing
    # order.confirmed and payment.captured to webhooks; the invoice (issued, drawn) and its
    # e-mail (decided, then sent)
    assert len(callbacks) == 9
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.CAPTURED
    assert len(stripe_on.requests_to("POST", CAPTURES)) == 1
