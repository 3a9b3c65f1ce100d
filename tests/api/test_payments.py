"""The payments endpoints (read only), and channel orders arriving with a payment their
checkout authorized with Stripe: checked with the real SDK against the fake Stripe first,
then recorded on the order."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from api.services import issue_token
from api.tasks import attach_channel_payment
from customers.models import Customer
from orders.models import Order, OrderEvent
from payments import services
from payments.exceptions import PaymentDeclined
from payments.models import Payment, PaymentStatus, PaymentTransaction
from tests import factories
from tests.factories import place, stock
from tests.payments.helpers import use_stripe
from tests.stripe_fake import FakeStripe

from .conftest import bearer, make_integration
from .helpers import order_payload

pytestmark = pytest.mark.django_db
PAYMENTS = "/api/v1/payments/"
ORDERS = "/api/v1/orders/"


@pytest.fixture
def mug(warehouse):
    product = factories.ProductFactory(sku="MUG", unit_price=Decimal("12.50"))
    stock(product, warehouse, 50)
    return product


@pytest.fixture
def simulated(settings):
    settings.STRIPE_SECRET_KEY = ""
    settings.OMS_PAYMENT_GATEWAY = "simulated"


def paid_order(channel, product, *, card="4242424242424242", capture=False):
    """An order on ``channel`` with a simulated card payment, captured if asked."""
    order = place(channel=channel, customer=factories.CustomerFactory(), items=[(product, 2)])
    payment = services.authorize_payment(order=order, payment_method=card)
    if capture:
        payment = services.capture_payment(payment=payment)
    return order, payment


def test_the_list_filters_like_the_finance_list_and_pages_by_cursor(
    api, channel, mug, simulated, django_assert_max_num_queries
):
    orders = [paid_order(channel, mug, capture=index == 1)[0] for index in range(3)]
    with pytest.raises(PaymentDeclined):
        paid_order(channel, mug, card="4000000000000002")
    failed = Payment.objects.get(status=PaymentStatus.FAILED)

    def found(**params) -> list[int]:
        return [row["id"] for row in api.get(PAYMENTS, params).json()["results"]]

    assert found(status="captured") == [orders[1].payments.get().pk]
    assert found(failed="true") == [failed.pk]
    assert found(order=orders[2].number) == [orders[2].payments.get().pk]
    assert found(q=orders[2].number) == [orders[2].payments.get().pk]
    assert found(gateway="stripe") == []
    later = (timezone.now() + timedelta(minutes=1)).isoformat()
    assert found(created_since=later) == []
    with django_assert_max_num_queries(6):
        page = api.get(PAYMENTS, {"page_size": 2, "gateway": "simulated"}).json()
    assert [row["id"] for row in page["results"]] == [failed.pk, orders[2].payments.get().pk]
    assert page["results"][0]["order"] == failed.order.number
    rest = api.get(page["next"]).json()
    assert len(rest["results"]) == 2 and rest["next"] is None


def test_an_invalid_filter_is_422_naming_it(api):
    response = api.get(PAYMENTS, {"status": "lost"})

    assert response.status_code == 422
    assert response.json()["field"] == "status"


def test_the_detail_has_its_gateway_calls_and_refunds_in_bounded_queries(
    api, channel, mug, simulated, django_assert_max_num_queries
):
    _, payment = paid_order(channel, mug, capture=True)
    services.create_refund(payment=payment, amount=Decimal("5.00"), reason="Chipped mug")

    with django_assert_max_num_queries(7):
        body = api.get(f"{PAYMENTS}{payment.pk}/").json()

    assert body["status"] == PaymentStatus.CAPTURED
    assert [(t["kind"], t["outcome"]) for t in body["transactions"]] == [
        ("authorize", "succeeded"),
        ("capture", "succeeded"),
        ("refund", "pending"),
    ]
    [refund] = body["refunds"]
    assert (refund["amount"], refund["reason"], refund["status"]) == (
        "5.00",
        "Chipped mug",
        "pending",
    )
    assert "raw_response" not in body["transactions"][0]
    assert "idempotency_key" not in body["transactions"][0]


def test_an_integration_sees_only_its_channels_payments(api, channel, mug, simulated):
    _, mine = paid_order(channel, mug)
    _, theirs = paid_order(factories.SalesChannelFactory(code="market"), mug)

    assert [row["id"] for row in api.get(PAYMENTS).json()["results"]] == [mine.pk]
    assert api.get(f"{PAYMENTS}{theirs.pk}/").status_code == 404
    erp_integration = make_integration(channel, name="erp", all_channels=True)
    erp = bearer(issue_token(integration=erp_integration).plain)
    assert erp.get(f"{PAYMENTS}{theirs.pk}/").status_code == 200


def test_payments_need_the_payments_read_scope_and_are_read_only(
    api, api_client_for, channel, mug, simulated
):
    _, payment = paid_order(channel, mug)
    orders_only = api_client_for(scopes=["orders:read", "orders:write"], name="shop2")

    assert orders_only.get(PAYMENTS).status_code == 403
    assert orders_only.get(f"{PAYMENTS}{payment.pk}/").status_code == 403
    assert api.post(PAYMENTS, {}, format="json").status_code in (403, 405)
    assert api.delete(f"{PAYMENTS}{payment.pk}/").status_code in (403, 405)
    assert Payment.objects.filter(pk=payment.pk).exists()


def test_staff_sessions_read_payments_with_the_finance_permission(client, channel, mug, simulated):
    _, payment = paid_order(channel, mug)
    client.force_login(factories.UserFactory(role="Finance"))
    assert client.get(f"{PAYMENTS}{payment.pk}/").status_code == 200

    client.force_login(factories.UserFactory(role="Warehouse"))  # sees no payments
    assert client.get(PAYMENTS).status_code == 403


# --- orders arriving with an authorized payment -------------------------------------------


@pytest.fixture
def stripe_on(settings):
    with FakeStripe() as fake:
        use_stripe(settings, fake)
        yield fake


def authorized_intent(fake, *, cents=2500, currency="usd", confirm=True):
    """A PaymentIntent as a web shop's checkout leaves it: authorized, to capture later."""
    return fake.client().v1.payment_intents.create(
        params={
            "amount": cents,
            "currency": currency,
            "capture_method": "manual",
            "payment_method": "pm_card_visa",
            "payment_method_types": ["card"],
            "confirm": confirm,
        }
    )


def with_payment(reference, external_id="EXT-1", **payment):
    return order_payload(
        external_id, payment={"provider": "stripe", "reference": reference} | payment
    )


def nothing_written() -> bool:
    return not (Order.objects.exists() or Customer.objects.exists() or Payment.objects.exists())


def test_an_order_with_an_authorized_payment_intent_records_it(
    api, mug, stripe_on, django_capture_on_commit_callbacks
):
    intent = authorized_intent(stripe_on)

    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(ORDERS, with_payment(intent.id, amount="25.00"), format="json")

    assert response.status_code == 201, response.json()
    order = Order.objects.get()
    payment = order.payments.get()
    assert (payment.gateway, payment.gateway_reference) == ("stripe", intent.id)
    assert payment.status == PaymentStatus.AUTHORIZED
    assert payment.authorized_amount == Decimal("25.00")
    assert payment.card_label == "Visa •••• 4242"
    assert payment.transactions.get().kind == PaymentTransaction.Kind.AUTHORIZE
    order.refresh_from_db()
    assert order.payment_status == "authorized"
    assert order.events.filter(type=OrderEvent.Type.PAYMENT_AUTHORIZED).count() == 1
    # the intent was read (checked, then recorded), never changed
    assert stripe_on.requests_to("POST", f"/v1/payment_intents/{intent.id}*") == []
    assert len(stripe_on.requests_to("GET", f"/v1/payment_intents/{intent.id}")) == 2
    assert api.get(f"{ORDERS}{order.number}/").json()["payments"][0]["id"] == payment.pk


def test_the_same_order_sent_again_keeps_one_payment(
    api, mug, stripe_on, django_capture_on_commit_callbacks
):
    intent = authorized_intent(stripe_on)
    with django_capture_on_commit_callbacks(execute=True):
        api.post(ORDERS, with_payment(intent.id), format="json")

    with django_capture_on_commit_callbacks(execute=True):
        again = api.post(ORDERS, with_payment(intent.id), format="json")

    assert again.status_code == 200
    assert Payment.objects.count() == 1


def test_a_retry_with_the_same_key_replays_without_asking_stripe_again(
    api, mug, stripe_on, django_capture_on_commit_callbacks
):
    intent = authorized_intent(stripe_on)
    headers = {"Idempotency-Key": "shop-EXT-1"}
    with django_capture_on_commit_callbacks(execute=True):
        first = api.post(ORDERS, with_payment(intent.id), format="json", headers=headers)
    asked = len(stripe_on.requests_to("GET"))

    again = api.post(ORDERS, with_payment(intent.id), format="json", headers=headers)

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert len(stripe_on.requests_to("GET")) == asked
    assert Payment.objects.count() == 1


def test_a_payment_intent_paying_another_order_is_refused_with_nothing_written(
    api, channel, mug, stripe_on
):
    intent = authorized_intent(stripe_on)
    other = place(channel=channel, customer=factories.CustomerFactory(), items=[(mug, 2)])
    services.attach_payment_intent(order=other, payment_intent_id=intent.id)
    orders_before, customers_before = Order.objects.count(), Customer.objects.count()

    response = api.post(ORDERS, with_payment(intent.id, "EXT-2"), format="json")

    assert response.status_code == 422
    assert (response.json()["code"], response.json()["field"]) == (
        "reference_in_use",
        "payment.reference",
    )
    assert other.number not in response.json()["detail"]  # another channel's, perhaps
    assert (Order.objects.count(), Customer.objects.count()) == (orders_before, customers_before)
    assert Payment.objects.count() == 1


@pytest.mark.parametrize(
    ("make", "extra", "code", "field"),
    [
        (lambda fake: "pi_unknown", {}, "resource_missing", "payment.reference"),
        (lambda fake: authorized_intent(fake, confirm=False).id, {}, "not_authorized", None),
        (lambda fake: authorized_intent(fake, currency="eur").id, {}, "currency_mismatch", None),
        (lambda fake: authorized_intent(fake).id, {"amount": "24.99"}, "amount_mismatch", None),
        (lambda fake: "not-an-intent", {}, "invalid", "payment.reference"),
    ],
    ids=["unknown", "not-authorized", "currency", "amount", "malformed"],
)
def test_a_bad_payment_is_refused_naming_its_field_with_nothing_written(
    api, mug, stripe_on, django_capture_on_commit_callbacks, make, extra, code, field
):
    reference = make(stripe_on)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = api.post(ORDERS, with_payment(reference, **extra), format="json")

    assert response.status_code == 422, response.json()
    problem = response.json()
    assert problem["code"] == code
    expected_field = field or ("payment.amount" if "amount" in extra else "payment.reference")
    assert problem["field"] == expected_field
    assert nothing_written()
    assert callbacks == []


def test_without_stripe_configured_a_payment_is_refused_on_its_provider(api, mug, settings):
    settings.STRIPE_SECRET_KEY = ""

    response = api.post(ORDERS, with_payment("pi_123"), format="json")

    assert response.status_code == 422
    assert (response.json()["code"], response.json()["field"]) == (
        "not_configured",
        "payment.provider",
    )
    assert nothing_written()


def test_stripe_unreachable_is_503_with_nothing_written(api, mug, stripe_on):
    intent = authorized_intent(stripe_on)
    stripe_on.fail_next(mode="network", method="GET")

    response = api.post(ORDERS, with_payment(intent.id), format="json")

    assert response.status_code == 503
    assert response.json()["code"] == "gateway_unavailable"
    assert response["Content-Type"] == "application/problem+json"
    assert nothing_written()


def test_the_recording_task_refuses_an_intent_that_changed_at_stripe_meanwhile(
    channel, mug, stripe_on
):
    order = place(channel=channel, customer=factories.CustomerFactory(), items=[(mug, 2)])
    intent = authorized_intent(stripe_on)
    stripe_on.client().v1.payment_intents.cancel(intent.id)  # after the order was checked

    assert attach_channel_payment(order.pk, intent.id) == "refused: not_authorized"
    assert attach_channel_payment(0, intent.id) == "missing"
    assert not Payment.objects.exists()
