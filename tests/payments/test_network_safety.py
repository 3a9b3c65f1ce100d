"""No lock is held across the network, and a call without an answer is "unknown", not failed.

The fake Stripe's ``slow`` fault does the work and then holds the answer back: past the SDK's
read timeout the client gives up although Stripe authorized or captured. The OMS must then
converge on what Stripe has (one authorization, one capture), and while Stripe is slow every
other action on the same order goes on.
"""

import threading
import time
from decimal import Decimal

import pytest
from django.core.mail.backends import locmem
from django.db import OperationalError, connections, transaction

from notifications import tasks as notifications
from orders import services as order_services
from orders.models import HoldReason, Order, OrderEvent, OrderStatus, SalesChannel
from payments import services, tasks
from payments.exceptions import GatewayUnavailable, InvalidPaymentState
from payments.models import Payment, PaymentStatus, PaymentTransaction
from tests.payments.helpers import deliver, events_of, make_order, use_stripe

pytestmark = pytest.mark.django_db

T = OrderEvent.Type
Outcome = PaymentTransaction.Outcome
CAPTURES = "/v1/payment_intents/*/capture"
SESSIONS = "/v1/checkout/sessions"


@pytest.fixture
def stripe_on(settings, fake_stripe):
    use_stripe(settings, fake_stripe)
    settings.STRIPE_READ_TIMEOUT = 0.5  # the fake's slow answers take longer
    return fake_stripe


def intents_for(fake, payment) -> list[dict]:
    return [
        intent
        for intent in fake.payment_intents.values()
        if intent["metadata"].get("oms_payment") == str(payment.pk)
    ]


# --- a timeout is unknown, and converges -----------------------------------------------------


def test_an_authorization_that_times_out_is_unknown_and_asking_again_authorizes_once(stripe_on):
    order = make_order()
    # given Stripe authorizes the card but its answer comes after the read timeout
    stripe_on.fail_next(1, "slow", method="POST", path="/v1/payment_intents", delay=1.5)

    with pytest.raises(GatewayUnavailable):
        services.authorize_payment(order=order, payment_method="pm_card_visa")

    # then nothing is taken for a decline: the payment waits, its call's outcome unknown
    payment = Payment.objects.get(order=order)
    assert payment.status == PaymentStatus.PENDING
    txn = payment.transactions.get()
    assert (txn.kind, txn.outcome, txn.idempotency_key) == (
        "authorize",
        Outcome.UNKNOWN,
        f"authorize-{payment.pk}",
    )
    assert events_of(order, T.PAYMENT_FAILED) == []
    assert len(intents_for(stripe_on, payment)) == 1  # Stripe did authorize

    # when the authorization is asked again
    again = services.authorize_payment(order=order, payment_method="pm_card_visa")

    # then it settles on what Stripe has: the same payment, authorized once
    assert again.pk == payment.pk
    assert again.status == PaymentStatus.AUTHORIZED
    (intent,) = intents_for(stripe_on, payment)
    assert again.gateway_reference == intent["id"]
    assert len(stripe_on.requests_to("GET", "/v1/payment_intents/search")) == 1
    assert len(events_of(order, T.PAYMENT_AUTHORIZED)) == 1
    txn.refresh_from_db()
    assert txn.outcome == Outcome.SUCCEEDED
    assert Payment.objects.filter(order=order).count() == 1
    order.refresh_from_db()
    assert order.payment_status == "authorized"


def test_an_authorization_that_never_arrived_is_sent_again_with_its_key(stripe_on):
    order = make_order()
    stripe_on.fail_next(1, "network", method="POST", path="/v1/payment_intents")

    with pytest.raises(GatewayUnavailable):
        services.authorize_payment(order=order, payment_method="pm_card_visa")
    payment = services.authorize_payment(order=order, payment_method="pm_card_visa")

    assert payment.status == PaymentStatus.AUTHORIZED
    assert len(intents_for(stripe_on, payment)) == 1
    creates = stripe_on.requests_to("POST", "/v1/payment_intents")
    assert [c.idempotency_key for c in creates] == [f"authorize-{payment.pk}"] * 2


def test_a_capture_that_times_out_is_asked_again_and_captures_once(stripe_on):
    order = make_order()
    payment = services.authorize_payment(order=order, payment_method="pm_card_visa")
    stripe_on.fail_next(1, "slow", path=CAPTURES, delay=1.5)

    # the task's first try times out; Celery's retry asks again with the same key
    assert tasks.capture_payment.apply(args=(payment.pk,), throw=False).result == "captured"

    calls = stripe_on.requests_to("POST", CAPTURES)
    assert [c.fault for c in calls] == ["slow", None]
    assert calls[1].replayed  # Stripe had captured: its stored answer, no second capture
    assert stripe_on.payment_intents[payment.gateway_reference]["amount_received"] == 10000
    assert len(events_of(order, T.PAYMENT_CAPTURED)) == 1
    assert events_of(order, T.PAYMENT_FAILED) == []


def test_a_payment_link_that_times_out_is_asked_again_for_the_same_payment(
    stripe_on, django_capture_on_commit_callbacks, mailoutbox
):
    order = make_order(kind=SalesChannel.Kind.PHONE)
    stripe_on.fail_next(1, "slow", method="POST", path=SESSIONS, delay=1.5)

    with pytest.raises(GatewayUnavailable):
        services.send_payment_link(order=order)
    with django_capture_on_commit_callbacks(execute=True):
        payment = services.send_payment_link(order=order)

    assert Payment.objects.filter(order=order).count() == 1
    assert len(stripe_on.checkout_sessions) == 1
    assert payment.checkout_session_id in stripe_on.checkout_sessions
    assert [c.replayed for c in stripe_on.requests_to("POST", SESSIONS)] == [False, True]
    assert len(events_of(order, T.PAYMENT_LINK_SENT)) == 1
    assert len(mailoutbox) == 1


# --- nothing locked while Stripe is slow -------------------------------------------------------


def wait_for(condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.02)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_while_a_capture_waits_for_stripe_the_order_can_be_put_on_hold(settings, fake_stripe):
    use_stripe(settings, fake_stripe)
    order = make_order()
    payment = services.authorize_payment(order=order, payment_method="pm_card_visa")
    fake_stripe.fail_next(1, "slow", path=CAPTURES, delay=3)
    outcome = {}

    def capture():
        try:
            started = time.monotonic()
            outcome["status"] = services.capture_payment(payment=payment).status
            outcome["seconds"] = time.monotonic() - started
        finally:
            connections.close_all()

    worker = threading.Thread(target=capture)
    worker.start()
    wait_for(lambda: fake_stripe.requests_to("POST", CAPTURES))

    # when staff act on the same order while Stripe is still answering
    started = time.monotonic()
    held = order_services.hold_order(
        order=Order.objects.get(pk=order.pk), reason=HoldReason.CUSTOMER_REQUEST
    )
    order_services.add_note(order=held, text="Customer called about delivery.")
    took = time.monotonic() - started
    worker.join(timeout=30)

    # then they did not wait for it, and the capture still went through
    assert took < 1.0
    assert held.status == OrderStatus.ON_HOLD
    assert outcome["status"] == PaymentStatus.CAPTURED
    assert outcome["seconds"] >= 3


class LockProbeBackend(locmem.EmailBackend):
    """Sends to ``mail.outbox``, first checking from another connection that neither the
    order nor the payment rows are locked (``NOWAIT`` fails at once if they are)."""

    probes: list[bool] = []

    def send_messages(self, email_messages):
        result = {}

        def probe():
            try:
                with transaction.atomic():
                    list(Order.objects.select_for_update(nowait=True))
                    list(Payment.objects.select_for_update(nowait=True))
                result["free"] = True
            except OperationalError:  # "could not obtain lock on row"
                result["free"] = False
            finally:
                connections.close_all()

        thread = threading.Thread(target=probe)
        thread.start()
        thread.join(timeout=10)
        self.probes.append(result.get("free", False))
        return super().send_messages(email_messages)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_payment_link_email_is_sent_with_no_row_locked_and_once(settings, mailoutbox):
    settings.STRIPE_SECRET_KEY = ""
    settings.OMS_PAYMENT_GATEWAY = "simulated"
    settings.EMAIL_BACKEND = "tests.payments.test_network_safety.LockProbeBackend"
    order = make_order(kind=SalesChannel.Kind.PHONE)
    LockProbeBackend.probes.clear()
    mailoutbox.clear()  # the order's own confirmation e-mail

    payment = services.send_payment_link(order=order)  # commits: the e-mail task runs after

    assert LockProbeBackend.probes == [True]
    assert len(mailoutbox) == 1
    (link,) = order.events.filter(type=T.PAYMENT_LINK_SENT)
    assert notifications.notify_event.delay(link.pk).result == 0  # handled again: not resent
    assert len(mailoutbox) == 1
    (sent,) = order.events.filter(type=T.EMAIL_SENT, data__kind="payment_link")
    assert order.notifications.get(pk=sent.data["notification"]).context["url"] == (
        payment.checkout_url
    )


# --- one payable link per order, none on a closed order ---------------------------------------


def test_a_new_link_expires_the_old_one_and_only_the_newest_is_payable(
    client, stripe_on, django_capture_on_commit_callbacks
):
    order = make_order(kind=SalesChannel.Kind.PHONE)
    with django_capture_on_commit_callbacks(execute=True):
        first = services.send_payment_link(order=order)
    with django_capture_on_commit_callbacks(execute=True):
        second = services.send_payment_link(order=order)

    # the first link's Checkout Session is expired at Stripe, its payment voided
    first.refresh_from_db()
    assert first.status == PaymentStatus.VOIDED
    assert stripe_on.checkout_sessions[first.checkout_session_id]["status"] == "expired"
    expires = stripe_on.requests_to("POST", f"{SESSIONS}/*/expire")
    assert [r.path for r in expires] == [f"{SESSIONS}/{first.checkout_session_id}/expire"]
    with pytest.raises(ValueError, match="expired"):
        stripe_on.complete_checkout(first.checkout_session_id)

    # the newest one is paid, and only its amount is authorized
    intent_id = stripe_on.complete_checkout(second.checkout_session_id)
    session = stripe_on.object(second.checkout_session_id)
    with django_capture_on_commit_callbacks(execute=True):
        deliver(client, "checkout.session.completed", session)
    second.refresh_from_db()
    assert (second.status, second.gateway_reference) == (PaymentStatus.AUTHORIZED, intent_id)
    order.refresh_from_db()
    assert order.payment_status == "authorized"
    assert len(stripe_on.payment_intents) == 1


def test_a_cancelled_orders_link_can_no_longer_be_paid(
    stripe_on, django_capture_on_commit_callbacks
):
    order = make_order(kind=SalesChannel.Kind.PHONE)
    with django_capture_on_commit_callbacks(execute=True):
        payment = services.send_payment_link(order=order)

    with django_capture_on_commit_callbacks(execute=True):
        order_services.cancel_order(order=order, reason="Customer changed their mind")

    payment.refresh_from_db()
    assert payment.status == PaymentStatus.VOIDED
    with pytest.raises(ValueError, match="expired"):
        stripe_on.complete_checkout(payment.checkout_session_id)
    assert stripe_on.payment_intents == {}


def test_a_stale_link_stripe_let_the_customer_pay_is_voided_at_once(
    client, stripe_on, django_capture_on_commit_callbacks
):
    # given the order was cancelled but its link's expiry never reached Stripe (task lost)
    order = make_order(kind=SalesChannel.Kind.PHONE)
    with django_capture_on_commit_callbacks(execute=True):
        payment = services.send_payment_link(order=order)
    with django_capture_on_commit_callbacks(execute=False):
        order_services.cancel_order(order=order, reason="Out of stock")

    # when the customer pays the old link anyway and Stripe says so
    intent_id = stripe_on.complete_checkout(payment.checkout_session_id)
    with django_capture_on_commit_callbacks(execute=True):
        response = deliver(
            client, "checkout.session.completed", stripe_on.object(payment.checkout_session_id)
        )

    # then nothing counts as authorized: the authorization is released and the timeline says so
    assert response.status_code == 200
    assert stripe_on.payment_intents[intent_id]["status"] == "canceled"
    payment.refresh_from_db()
    assert (payment.status, payment.gateway_reference) == (PaymentStatus.VOIDED, intent_id)
    assert events_of(order, T.PAYMENT_AUTHORIZED) == []
    (refused,) = [
        e for e in events_of(order, T.PAYMENT_FAILED) if e.data["code"] == "payment_refused"
    ]
    assert "although order" in refused.message and "is cancelled" in refused.message
    order.refresh_from_db()
    assert order.payment_status == "unpaid"


def test_the_simulated_checkout_refuses_a_replaced_or_cancelled_link(
    settings, client, django_capture_on_commit_callbacks
):
    settings.STRIPE_SECRET_KEY = ""
    settings.OMS_PAYMENT_GATEWAY = "simulated"
    order = make_order(kind=SalesChannel.Kind.PHONE)
    with django_capture_on_commit_callbacks(execute=True):
        first = services.send_payment_link(order=order)
    with django_capture_on_commit_callbacks(execute=False):  # the old link's void is lost
        second = services.send_payment_link(order=order)

    with pytest.raises(InvalidPaymentState, match="can no longer be paid: it is being voided"):
        services.complete_simulated_checkout(payment=first, card_number="4242424242424242")

    with django_capture_on_commit_callbacks(execute=False):
        order_services.cancel_order(order=order, reason="Duplicate order")
    response = client.post(
        second.checkout_url.split("127.0.0.1:8000", 1)[-1], {"card_number": "4242424242424242"}
    )
    assert "can no longer be paid" in response.content.decode()
    assert not Payment.objects.filter(order=order, status=PaymentStatus.AUTHORIZED).exists()
    assert events_of(order, T.PAYMENT_AUTHORIZED) == []
    assert Decimal(0) == sum(p.authorized_amount for p in Payment.objects.filter(order=order))
