"""Payments without Stripe: the simulated gateway (the demo default), manual methods, the
order's derived payment status, confirmation rules, authorization deadlines, roles and admin."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from orders import services as order_services
from orders.exceptions import ConfirmationBlocked
from orders.models import OrderEvent, OrderStatus
from orders.models import PaymentStatus as OrderPaymentStatus
from payments import selectors, services
from payments.exceptions import (
    PaymentDeclined,
    PaymentError,
    RefundExceedsCaptured,
)
from payments.models import Payment, PaymentStatus, Refund, StripeWebhookEvent
from tests import factories
from tests.payments.helpers import events_of, make_order

pytestmark = pytest.mark.django_db

T = OrderEvent.Type
ZERO = Decimal("0.00")


@pytest.fixture(autouse=True)
def simulated(settings):
    settings.STRIPE_SECRET_KEY = ""
    settings.OMS_PAYMENT_GATEWAY = "simulated"


@pytest.fixture
def order():
    return make_order()  # 100.00 USD


# --- the simulated gateway -----------------------------------------------------------------


def test_the_simulated_gateway_authorizes_stripes_success_card(order):
    payment = services.authorize_payment(order=order, payment_method="4242 4242 4242 4242")

    assert payment.gateway == "simulated"
    assert payment.status == PaymentStatus.AUTHORIZED
    assert payment.card_label == "Visa •••• 4242"
    assert payment.gateway_reference.startswith("sim_pi_")
    expires_in = payment.authorization_expires_at - timezone.now()
    assert timedelta(days=6, hours=23) < expires_in <= timedelta(days=7)
    # the card number is nowhere: only brand and last four digits are kept
    txn = payment.transactions.get()
    assert "4242424242424242" not in str(txn.raw_response)


@pytest.mark.parametrize(
    ("number", "decline_code", "message"),
    [
        ("4000000000000002", "generic_decline", "Your card was declined."),
        ("4000 0000 0000 9995", "insufficient_funds", "Your card has insufficient funds."),
    ],
)
def test_the_simulated_gateway_declines_stripes_decline_cards(order, number, decline_code, message):
    with pytest.raises(PaymentDeclined) as declined:
        services.authorize_payment(order=order, payment_method=number)

    assert declined.value.decline_code == decline_code
    payment = Payment.objects.get(order=order)
    assert (payment.status, payment.failure_code) == (PaymentStatus.FAILED, decline_code)
    assert events_of(order, T.PAYMENT_FAILED)[0].message.endswith(message)


def test_an_invalid_card_number_is_declined(order):
    with pytest.raises(PaymentDeclined, match="card number is incorrect"):
        services.authorize_payment(order=order, payment_method="4242 4242 4242 4241")


def test_simulated_capture_and_refunds_follow_the_same_rules(
    order, django_capture_on_commit_callbacks
):
    payment = services.authorize_payment(order=order, payment_method="pm_card_visa")
    services.capture_payment(payment=payment)

    with django_capture_on_commit_callbacks(execute=True):
        services.create_refund(payment=payment, amount=Decimal("60.00"), reason="Returned")
    with pytest.raises(RefundExceedsCaptured):
        services.create_refund(payment=payment, amount=Decimal("40.01"), reason="More")
    with django_capture_on_commit_callbacks(execute=True):
        services.create_refund(payment=payment, amount=Decimal("40.00"), reason="Rest")

    payment.refresh_from_db()
    order.refresh_from_db()
    assert payment.status == PaymentStatus.REFUNDED
    assert order.payment_status == OrderPaymentStatus.REFUNDED


def test_a_pending_refund_counts_against_what_may_still_be_refunded(
    order, django_capture_on_commit_callbacks
):
    payment = services.authorize_payment(order=order, payment_method="pm_card_visa")
    services.capture_payment(payment=payment)

    with django_capture_on_commit_callbacks(execute=False):  # the task has not run yet
        services.create_refund(payment=payment, amount=Decimal("70.00"), reason="First")
        with pytest.raises(RefundExceedsCaptured, match=r"At most 30\.00 USD"):
            services.create_refund(payment=payment, amount=Decimal("31.00"), reason="Second")


def test_a_simulated_payment_link_is_paid_on_the_simulated_checkout_page(
    client, order, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        payment = services.send_payment_link(order=order)
    assert payment.checkout_url.endswith(
        f"/payments/simulated-checkout/{payment.checkout_session_id}/"
    )
    url = reverse("payments:simulated_checkout", args=[payment.checkout_session_id])

    assert client.get(url).status_code == 200
    declined = client.post(url, {"card_number": "4000000000000002"})
    payment.refresh_from_db()
    assert "Your card was declined." in declined.content.decode()
    assert payment.status == PaymentStatus.PENDING  # the customer may try another card

    client.post(url, {"card_number": "4242424242424242"})
    payment.refresh_from_db()
    order.refresh_from_db()
    assert payment.status == PaymentStatus.AUTHORIZED
    assert order.payment_status == OrderPaymentStatus.AUTHORIZED
    assert client.get("/payments/simulated-checkout/sim_cs_unknown/").status_code == 404


def test_an_unpaid_payment_link_can_be_voided(order, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        payment = services.send_payment_link(order=order)

    payment = services.void_payment(payment=payment)

    assert payment.status == PaymentStatus.VOIDED


# --- manual methods ------------------------------------------------------------------------


def test_a_bank_transfer_received_in_two_parts_pays_the_order(order):
    user = factories.UserFactory(role="Customer service")
    first = services.record_manual_payment(
        order=order, method="bank_transfer", amount=Decimal("40.00"), reference="TRX-1", actor=user
    )
    order.refresh_from_db()
    assert order.payment_status == OrderPaymentStatus.PARTIALLY_PAID
    assert selectors.payment_summary(order).balance_due == Decimal("60.00")

    services.record_manual_payment(
        order=order, method="bank_transfer", amount=Decimal("60.00"), reference="TRX-2"
    )

    order.refresh_from_db()
    assert order.payment_status == OrderPaymentStatus.PAID
    assert selectors.payment_summary(order).balance_due == ZERO
    assert first.status == PaymentStatus.CAPTURED
    received = events_of(order, T.PAYMENT_RECEIVED)
    assert received[0].message == "Received 40.00 USD by bank transfer (reference TRX-1)."
    assert received[0].actor == user
    txn = first.transactions.get()
    assert (txn.source, txn.gateway_reference) == ("manual", "TRX-1")


def test_invoice_terms_net_30_are_recorded_then_paid(order):
    payment = services.set_payment_terms(order=order, method="invoice_terms")

    assert payment.status == PaymentStatus.PENDING
    assert payment.due_date == timezone.localdate() + timedelta(days=30)
    assert "due" in events_of(order, T.PAYMENT_EXPECTED)[0].message

    services.record_manual_payment(
        order=order, payment=payment, amount=Decimal("100.00"), reference="INV-77"
    )

    payment.refresh_from_db()
    order.refresh_from_db()
    assert payment.status == PaymentStatus.CAPTURED
    assert Payment.objects.count() == 1
    assert order.payment_status == OrderPaymentStatus.PAID


def test_a_manual_refund_is_recorded_as_made_outside_at_once(order):
    payment = services.record_manual_payment(
        order=order, method="cash_on_delivery", amount=Decimal("100.00")
    )

    refund = services.create_refund(payment=payment, amount=Decimal("15.00"), reason="Short")

    assert (refund.status, refund.external) == (Refund.Status.SUCCEEDED, True)
    payment.refresh_from_db()
    assert payment.refunded_amount == Decimal("15.00")
    assert "outside the OMS" in events_of(order, T.PAYMENT_REFUNDED)[0].message


def test_a_manual_payment_needs_a_manual_method(order):
    with pytest.raises(PaymentError, match="not a manual payment method"):
        services.record_manual_payment(order=order, method="card", amount=Decimal("1.00"))


# --- confirmation rules ----------------------------------------------------------------------


def test_confirm_order_refuses_an_unpaid_order_on_a_channel_that_requires_payment():
    order = make_order(allow_unpaid_confirmation=False)

    with pytest.raises(ConfirmationBlocked) as refused:
        order_services.confirm_order(order=order)

    assert refused.value.code == "confirmation_blocked"
    order.refresh_from_db()
    assert order.status == OrderStatus.PLACED
    assert not order.events.filter(type=T.CONFIRMED).exists()


def test_an_authorization_short_of_the_total_does_not_allow_confirmation():
    order = make_order(allow_unpaid_confirmation=False)
    services.authorize_payment(order=order, payment_method="pm_card_visa", amount=Decimal("60"))

    assert "40.00 USD is neither authorized nor captured" in selectors.confirmation_blocker(order)

    services.record_manual_payment(order=order, method="cheque", amount=Decimal("40.00"))
    assert order_services.confirm_order(order=order).status == OrderStatus.CONFIRMED


@pytest.mark.parametrize(
    ("accepted", "confirmable"),
    [(["invoice_terms"], True), (["cash_on_delivery"], False), ([], False)],
)
def test_invoice_terms_allow_confirmation_only_where_the_channel_accepts_them(
    accepted, confirmable
):
    order = make_order(allow_unpaid_confirmation=False, deferred_payment_methods=accepted)
    services.set_payment_terms(order=order, method="invoice_terms")

    assert (selectors.confirmation_blocker(order) == "") is confirmable


def test_channels_require_payment_before_confirmation_unless_told_otherwise(order):
    from orders.models import SalesChannel

    assert SalesChannel._meta.get_field("allow_unpaid_confirmation").default is False
    assert order.channel.capture_policy == "on_shipment"
    assert order_services.confirm_order(order=order).status == OrderStatus.CONFIRMED


def test_the_channels_deferred_methods_are_validated():
    from django.core.exceptions import ValidationError

    channel = factories.SalesChannelFactory(code="val", deferred_payment_methods=["card"])
    with pytest.raises(ValidationError):
        channel.full_clean()


# --- the order's payment status, in one place ------------------------------------------------


@pytest.mark.parametrize(
    ("authorized", "captured", "refunded", "status"),
    [
        ("0", "0", "0", "unpaid"),
        ("100", "0", "0", "authorized"),
        ("100", "40", "0", "partially_paid"),
        ("0", "100", "0", "paid"),
        ("0", "100", "30", "partially_refunded"),
        ("0", "100", "100", "refunded"),
    ],
)
def test_the_order_payment_status_is_derived_from_the_amounts(
    authorized, captured, refunded, status
):
    derived = selectors.derive_order_payment_status(
        total=Decimal("100"),
        authorized=Decimal(authorized),
        captured=Decimal(captured),
        refunded=Decimal(refunded),
    )
    assert derived == status


def test_the_database_refuses_refunds_beyond_the_capture_and_captures_beyond_the_authorization(
    order,
):
    payment = services.record_manual_payment(order=order, method="cheque", amount=Decimal("10"))

    for field, value in (("refunded_amount", "10.01"), ("captured_amount", "10.01")):
        with pytest.raises(IntegrityError), transaction.atomic():
            Payment.objects.filter(pk=payment.pk).update(**{field: Decimal(value)})


# --- authorization deadlines -------------------------------------------------------------------


def test_authorizations_expiring_within_24_hours_are_flagged_once(order):
    payment = services.authorize_payment(order=order, payment_method="pm_card_visa")
    deadline = payment.authorization_expires_at

    assert services.flag_expiring_authorizations(now=deadline - timedelta(hours=25)) == []
    assert services.flag_expiring_authorizations(now=deadline - timedelta(hours=23)) == [payment.pk]
    assert services.flag_expiring_authorizations(now=deadline - timedelta(hours=2)) == []

    (warning,) = events_of(order, T.AUTHORIZATION_EXPIRING)
    assert warning.message.startswith("Finance: the authorization of 100.00 USD expires")
    soon = deadline - timedelta(hours=23)
    assert list(selectors.expiring_authorizations(now=soon)) == [payment]
    assert list(selectors.finance_payments(expiring=True, now=soon)) == [payment]
    assert selectors.finance_counts(now=soon)["expiring"] == 1
    assert list(selectors.finance_payments(awaiting_capture=True)) == [payment]


def test_a_simulated_authorization_past_its_deadline_expires(order):
    payment = services.authorize_payment(order=order, payment_method="pm_card_visa")

    services.flag_expiring_authorizations(now=payment.authorization_expires_at + timedelta(hours=1))

    payment.refresh_from_db()
    assert payment.status == PaymentStatus.EXPIRED
    assert len(events_of(order, T.PAYMENT_EXPIRED)) == 1


# --- roles, actions and the admin ----------------------------------------------------------


def perms_of(role: str) -> set[str]:
    group = Group.objects.get(name=role)
    return set(
        group.permissions.filter(content_type__app_label="payments").values_list(
            "codename", flat=True
        )
    )


def test_roles_get_their_payment_permissions():
    money = {"capture_payment", "refund_payment", "void_payment"}
    taking = {"record_payment", "send_payment_link"}
    view = {"view_payment", "view_paymenttransaction", "view_refund"}

    assert perms_of("Finance") == money | taking | view | {"view_stripewebhookevent"}
    assert perms_of("Manager") == money | taking | view | {"view_stripewebhookevent"}
    assert perms_of("Customer service") == taking | view
    assert perms_of("Warehouse") == set()  # taken away again by core.0004_job_roles


def test_payment_actions_follow_the_state_and_the_role(order):
    payment = services.record_manual_payment(order=order, method="cheque", amount=Decimal("100"))
    finance = factories.UserFactory(role="Finance")
    service = factories.UserFactory(role="Customer service")
    warehouse = factories.UserFactory(role="Warehouse")

    assert selectors.payment_actions(finance, payment)["refund"] is True
    assert selectors.payment_actions(service, payment)["refund"] is False
    assert selectors.order_payment_actions(service, order) == {"send_link": True, "record": True}
    assert not any(selectors.payment_actions(warehouse, payment).values())
    assert not any(selectors.order_payment_actions(warehouse, order).values())


def test_the_payments_admin_pages_render_read_only(admin_client, order):
    payment = services.authorize_payment(order=order, payment_method="pm_card_visa")
    services.capture_payment(payment=payment)
    refund = services.create_refund(payment=payment, amount=Decimal("1.00"), reason="Test")
    event = StripeWebhookEvent.objects.create(
        event_id="evt_admin", type="payment_intent.succeeded", payload={"id": "evt_admin"}
    )

    for obj in (payment, payment.transactions.first(), refund, event):
        opts = obj._meta
        changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        change = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
        assert admin_client.get(changelist).status_code == 200
        page = admin_client.get(change)
        assert page.status_code == 200
        assert not page.context["has_change_permission"]
        assert admin_client.get(f"{changelist}add/").status_code == 403


def test_cancelling_an_order_voids_its_open_authorization(
    order, django_capture_on_commit_callbacks
):
    payment = services.authorize_payment(order=order, payment_method="4242 4242 4242 4242")

    with django_capture_on_commit_callbacks(execute=True):
        order_services.cancel_order(order=order, reason="Customer changed their mind")

    payment.refresh_from_db()
    assert payment.status == PaymentStatus.VOIDED
