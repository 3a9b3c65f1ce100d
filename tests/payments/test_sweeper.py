"""The sweeper: work recorded but whose task was lost is queued again, and done once.

A task is "lost" here the way it is in production when a commit's ``on_commit`` never runs:
the work is created inside ``django_capture_on_commit_callbacks(execute=False)``, so its task
is dropped. The sweeper runs as beat would, ``OMS_SWEEP_AFTER_MINUTES`` later (``now=``).
"""

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from orders.models import SalesChannel
from payments import services, tasks
from payments.exceptions import GatewayUnavailable
from payments.models import PaymentStatus, PaymentTransaction, Refund, StripeWebhookEvent
from tests.payments.helpers import deliver, make_order, use_stripe
from tests.stripe_fake import event_payload

pytestmark = pytest.mark.django_db

Outcome = PaymentTransaction.Outcome
CAPTURES = "/v1/payment_intents/*/capture"
REFUNDS = "/v1/refunds"


@pytest.fixture
def stripe_on(settings, fake_stripe):
    use_stripe(settings, fake_stripe)
    settings.OMS_SWEEP_AFTER_MINUTES = 5
    return fake_stripe


@pytest.fixture
def captured(stripe_on):
    order = make_order()
    payment = services.authorize_payment(order=order, payment_method="pm_card_visa")
    return services.capture_payment(payment=payment)


def later(minutes: int = 6):
    return timezone.now() + timedelta(minutes=minutes)


def test_a_refund_whose_task_never_ran_is_completed_once_by_the_sweeper(
    stripe_on, captured, django_capture_on_commit_callbacks
):
    # given a refund committed without its task (the task was lost)
    with django_capture_on_commit_callbacks(execute=False):
        refund = services.create_refund(payment=captured, amount=Decimal("30.00"), reason="Late")
    assert stripe_on.requests_to("POST", REFUNDS) == []

    # when the sweeper runs before it has waited long enough, nothing happens yet
    assert services.sweep_stuck_work() == {"calls": 0, "refunds": 0, "events": 0}

    # when it runs later, the refund is sent, once
    assert services.sweep_stuck_work(now=later())["calls"] == 1
    refund.refresh_from_db()
    captured.refresh_from_db()
    assert refund.status == Refund.Status.SUCCEEDED
    assert captured.refunded_amount == Decimal("30.00")
    assert len(stripe_on.requests_to("POST", REFUNDS)) == 1

    # and running it again changes nothing more
    assert services.sweep_stuck_work(now=later(20)) == {"calls": 0, "refunds": 0, "events": 0}
    assert len(stripe_on.requests_to("POST", REFUNDS)) == 1
    captured.refresh_from_db()
    assert captured.refunded_amount == Decimal("30.00")
    assert captured.order.events.filter(type="payment_refunded").count() == 1


def test_a_requeued_refund_that_meanwhile_completed_is_a_no_op(
    stripe_on, captured, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        refund = services.create_refund(payment=captured, amount=Decimal("10.00"), reason="Late")
    services.process_refund(refund=refund)  # the lost task turned up after all

    assert tasks.refund_payment.delay(refund.pk).result == Refund.Status.SUCCEEDED
    assert services.sweep_stuck_work(now=later())["calls"] == 0
    assert len(stripe_on.requests_to("POST", REFUNDS)) == 1


def test_a_lost_capture_request_is_captured_once_by_the_sweeper(
    stripe_on, django_capture_on_commit_callbacks
):
    order = make_order()
    payment = services.authorize_payment(order=order, payment_method="pm_card_visa")
    with django_capture_on_commit_callbacks(execute=False):
        services.request_capture(
            payment=payment, amount=Decimal("40.00"), final=False, request_id="shipment-9"
        )

    for minutes in (6, 12, 30):
        services.sweep_stuck_work(now=later(minutes))

    payment.refresh_from_db()
    assert (payment.status, payment.captured_amount) == (
        PaymentStatus.PARTIALLY_CAPTURED,
        Decimal("40.00"),
    )
    (call,) = stripe_on.requests_to("POST", CAPTURES)
    assert call.idempotency_key == f"capture-{payment.pk}-shipment-9"
    assert call.params["final_capture"] == "false"


def test_a_call_that_a_worker_is_sending_now_is_left_to_it(stripe_on, captured):
    # given a refund call a worker claimed a moment ago (its answer still awaited)
    refund = Refund.objects.create(payment=captured, amount=Decimal("5.00"), reason="x")
    txn = PaymentTransaction.objects.create(
        payment=captured,
        refund=refund,
        kind="refund",
        amount=Decimal("5.00"),
        idempotency_key=f"refund-{refund.pk}",
        attempted_at=timezone.now(),
    )

    # then neither the sweeper nor a second task sends it again
    assert services.sweep_stuck_work(now=timezone.now() + timedelta(minutes=1))["calls"] == 0
    assert tasks.refund_payment.delay(refund.pk).result == "not refunded: in_progress"
    assert stripe_on.requests_to("POST", REFUNDS) == []

    # but once that worker is long gone, the call is sent again with its key
    PaymentTransaction.objects.filter(pk=txn.pk).update(
        created_at=timezone.now() - timedelta(minutes=10),
        attempted_at=timezone.now() - timedelta(minutes=10),
    )
    assert services.sweep_stuck_work()["calls"] == 1
    (call,) = stripe_on.requests_to("POST", REFUNDS)
    assert call.idempotency_key == f"refund-{refund.pk}"


def test_a_stored_stripe_event_never_processed_is_processed_once_by_the_sweeper(
    stripe_on, django_capture_on_commit_callbacks
):
    order = make_order()
    payment = services.authorize_payment(order=order, payment_method="pm_card_visa")
    stripe_on.client().v1.payment_intents.capture(payment.gateway_reference)
    intent = stripe_on.object(payment.gateway_reference)
    event = json.loads(event_payload("payment_intent.succeeded", intent))
    with django_capture_on_commit_callbacks(execute=False):
        stored, _ = services.store_stripe_event(event=event)

    assert services.sweep_stuck_work(now=later())["events"] == 1
    assert services.sweep_stuck_work(now=later(20))["events"] == 0

    stored.refresh_from_db()
    payment.refresh_from_db()
    assert stored.processed_at is not None
    assert payment.status == PaymentStatus.CAPTURED
    assert payment.order.events.filter(type="payment_captured").count() == 1


def test_a_stripe_event_that_could_not_reach_stripe_is_noted_and_swept_again(
    client, stripe_on, django_capture_on_commit_callbacks
):
    # given a paid payment link whose webhook is stored, but Stripe fails when it is read
    order = make_order(kind=SalesChannel.Kind.PHONE)
    with django_capture_on_commit_callbacks(execute=True):
        payment = services.send_payment_link(order=order)
    stripe_on.complete_checkout(payment.checkout_session_id)
    with django_capture_on_commit_callbacks(execute=False):
        deliver(client, "checkout.session.completed", stripe_on.object(payment.checkout_session_id))
    stored = StripeWebhookEvent.objects.get()
    stripe_on.fail_next(1, "server_error", method="GET", path="/v1/payment_intents/*")
    with pytest.raises(GatewayUnavailable):
        services.process_stripe_event(event_pk=stored.pk)
    stored.refresh_from_db()
    assert stored.processed_at is None
    assert stored.error.startswith("retrying: Stripe could not be reached")

    # when the sweeper comes by, it is processed
    assert services.sweep_stuck_work(now=later())["events"] == 1

    stored.refresh_from_db()
    payment.refresh_from_db()
    assert (stored.processed_at is not None, stored.error) == (True, "")
    assert payment.status == PaymentStatus.AUTHORIZED


@pytest.mark.parametrize(
    ("fault", "status", "outcome", "intents"),
    [
        # Stripe authorized, the answer was lost: the payment is authorized
        ("network_after", PaymentStatus.AUTHORIZED, Outcome.SUCCEEDED, 1),
        # the request never reached Stripe: the payment fails, nothing is authorized
        ("network", PaymentStatus.FAILED, Outcome.FAILED, 0),
    ],
)
def test_an_authorization_left_without_an_answer_settles_on_what_stripe_has(
    stripe_on, fault, status, outcome, intents
):
    order = make_order()
    stripe_on.fail_next(1, fault, method="POST", path="/v1/payment_intents")
    with pytest.raises(GatewayUnavailable):
        services.authorize_payment(order=order, payment_method="pm_card_visa")

    services.sweep_stuck_work(now=later())

    payment = order.payments.get()
    assert payment.status == status
    assert payment.transactions.get().outcome == outcome
    assert len(stripe_on.payment_intents) == intents
    assert len(stripe_on.requests_to("POST", "/v1/payment_intents")) == 1  # looked up, not resent


def test_beat_runs_the_sweeper_every_minute():
    entry = django_settings.CELERY_BEAT_SCHEDULE["sweep-stuck-payment-work"]
    assert entry["task"] == "payments.tasks.sweep_stuck_work"
    assert entry["schedule"] <= timedelta(minutes=1)
    assert tasks.sweep_stuck_work.name == "payments.tasks.sweep_stuck_work"
    assert StripeWebhookEvent.objects.count() == 0  # nothing to sweep: it returns quietly
    assert tasks.sweep_stuck_work.delay().result == {"calls": 0, "refunds": 0, "events": 0}
