"""The payments panel on the order page and the Finance list: what each role sees and may do,
errors in place, and bounded queries."""

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from core import idempotency, pagination
from orders.models import OrderEvent
from orders.models import PaymentStatus as OrderPaymentStatus
from payments import services
from payments.exceptions import PaymentDeclined
from payments.models import Method, Payment, PaymentStatus, Refund
from payments.views import staff
from tests import factories
from tests.payments.helpers import make_order

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
GOOD_CARD = "4242424242424242"
DECLINED_CARD = "4000000000000002"
PANEL_QUERY_BUDGET = 4  # payments, their transactions, their refunds, pending refunds


@pytest.fixture
def order():
    return make_order()  # placed, 2 × 50.00 = 100.00 USD


def order_url(order) -> str:
    return reverse("orders:detail", args=[order.number])


def panel_url(order) -> str:
    """The payments panel the order page loads by URL (payments registers it with orders)."""
    return reverse("payments:order_panel", args=[order.number])


def triggered(response) -> dict:
    return json.loads(response.headers.get("HX-Trigger", "{}"))


def receive(order, amount="100.00", reference="BANK-REF-1") -> Payment:
    return services.record_manual_payment(
        order=order,
        amount=Decimal(amount),
        method=Method.BANK_TRANSFER,
        reference=reference,
        actor=factories.UserFactory(),
    )


def refund_url(payment) -> str:
    return reverse("payments:refund", args=[payment.pk])


# --- the panel ---------------------------------------------------------------------------


def test_panel_shows_amounts_payments_and_their_transactions(login_as, order):
    # given a bank transfer received for 60.00 of the 100.00 total
    payment = receive(order, "60.00", reference="BANK-REF-60")
    client = login_as("Finance")

    # when the order page opens
    html = client.get(panel_url(order)).content.decode()

    # then the panel shows the amounts, the balance due, the payment and its transaction
    assert 'id="order-payments"' in html
    assert 'data-amount="captured">60.00 USD' in html
    assert 'data-amount="balance"><strong>40.00 USD' in html
    assert f'id="payment-{payment.pk}"' in html
    assert "Bank transfer" in html
    assert "BANK-REF-60" in html  # the receipt's reference on its transaction
    assert "Recorded by staff" in html
    assert "Partially paid" in html
    assert refund_url(payment) in html  # Finance may refund


def test_panel_fragment_is_served_alone_for_htmx(client, order):
    receive(order)
    # a user who may only look (no role since Warehouse lost the payments: tests/test_roles.py)
    user = factories.UserFactory()
    user.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_order", "view_payment"])
    )
    client.force_login(user)

    response = client.get(reverse("payments:order_panel", args=[order.number]), **HTMX)

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="order-payments"')
    assert 'id="order-header"' not in html
    # only looking: no action at all
    assert "Record payment" not in html
    assert "Refund…" not in html


def test_record_manual_payment_pays_the_order_and_writes_the_timeline(login_as, order):
    client = login_as("Customer service")

    # when a bank transfer for the whole total is recorded from the panel
    response = client.post(
        reverse("payments:record", args=[order.number]),
        {
            "record-method": Method.BANK_TRANSFER,
            "record-amount": "100.00",
            "record-reference": "TRF 2024-118",
            idempotency.FIELD: idempotency.new_token(),
        },
        **HTMX,
    )

    # then the panel comes back fresh and tells the page to refresh the header and timeline
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-amount="balance"><strong>0.00 USD' in html
    assert "TRF 2024-118" in html
    assert set(triggered(response)) == {"orderChanged", "paymentsChanged"}
    assert triggered(response)["orderChanged"] == {"source": "payments"}
    order.refresh_from_db()
    assert order.payment_status == OrderPaymentStatus.PAID
    payment = order.payments.get()
    assert (payment.method, payment.status) == (Method.BANK_TRANSFER, PaymentStatus.CAPTURED)
    event = order.events.get(type=OrderEvent.Type.PAYMENT_RECEIVED)
    assert event.actor == client.user
    # and the timeline the page re-fetches shows it, as the header shows the new badge
    events = client.get(order_url(order), {"panel": "events"}, **HTMX).content.decode()
    assert "Received 100.00 USD by bank transfer (reference TRF 2024-118)." in events
    header = client.get(order_url(order), {"panel": "header"}, **HTMX).content.decode()
    assert "Paid</span>" in header


def test_invalid_receipt_keeps_the_dialog_open_with_its_errors(login_as, order):
    client = login_as("Finance")

    response = client.post(
        reverse("payments:record", args=[order.number]),
        {"record-method": "card", "record-amount": "-5"},
        **HTMX,
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="record-payment-dialog" aria-labelledby="record-payment-title" open' in html
    assert "Select a valid choice" in html
    assert "HX-Trigger" not in response.headers
    assert not order.payments.exists()


def test_finance_refunds_part_of_a_payment(login_as, order):
    payment = receive(order)
    client = login_as("Finance")

    response = client.post(
        refund_url(payment),
        {
            f"refund-{payment.pk}-amount": "30.00",
            f"refund-{payment.pk}-reason": "Damaged mug",
            idempotency.FIELD: idempotency.new_token(),
        },
        **HTMX,
    )

    assert response.status_code == 200
    assert "orderChanged" in triggered(response)
    payment.refresh_from_db()
    assert payment.refunded_amount == Decimal("30.00")
    assert payment.status == PaymentStatus.PARTIALLY_REFUNDED
    order.refresh_from_db()
    assert order.payment_status == OrderPaymentStatus.PARTIALLY_REFUNDED
    refund = payment.refunds.get()
    assert (refund.status, refund.requested_by) == (Refund.Status.SUCCEEDED, client.user)
    html = response.content.decode()
    assert 'data-amount="refunded">30.00 USD' in html
    assert "Damaged mug" in html
    assert order.events.filter(type=OrderEvent.Type.PAYMENT_REFUNDED, actor=client.user).exists()


def test_a_refund_beyond_the_captured_amount_shows_the_error_in_place(login_as, order):
    payment = receive(order)
    client = login_as("Manager")

    response = client.post(
        refund_url(payment),
        {
            f"refund-{payment.pk}-amount": "150.00",
            f"refund-{payment.pk}-reason": "Goodwill",
            idempotency.FIELD: idempotency.new_token(),
        },
        **HTMX,
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "At most 100.00 USD can be refunded" in html
    assert (
        f'id="refund-dialog-{payment.pk}" aria-labelledby="refund-title-{payment.pk}" open' in html
    )
    assert "HX-Trigger" not in response.headers
    payment.refresh_from_db()
    assert payment.refunded_amount == 0
    assert not Refund.objects.exists()


def test_customer_service_gets_no_refund_button_and_403_on_post(login_as, order):
    payment = receive(order)
    client = login_as("Customer service")

    html = client.get(panel_url(order)).content.decode()
    assert 'id="order-payments"' in html
    assert "Record payment" in html  # CS takes payments…
    assert refund_url(payment) not in html  # …but does not refund them
    assert "refund-dialog" not in html

    response = client.post(
        refund_url(payment),
        {f"refund-{payment.pk}-amount": "10.00", f"refund-{payment.pk}-reason": "Try"},
        **HTMX,
    )

    assert response.status_code == 403
    payment.refresh_from_db()
    assert payment.refunded_amount == 0


def test_capture_and_void_card_authorizations_from_the_panel(
    login_as, order, django_capture_on_commit_callbacks
):
    first = services.authorize_payment(
        order=order, payment_method=GOOD_CARD, amount=Decimal("60.00")
    )
    second = services.authorize_payment(
        order=order, payment_method=GOOD_CARD, amount=Decimal("40.00")
    )
    client = login_as("Finance")
    html = client.get(panel_url(order)).content.decode()
    assert reverse("payments:capture", args=[first.pk]) in html
    assert reverse("payments:void", args=[second.pk]) in html

    # when 50.00 of the first is captured (the task runs once the request commits)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("payments:capture", args=[first.pk]),
            {f"capture-{first.pk}-amount": "50.00"},
            **HTMX,
        )
    assert response.status_code == 200
    first.refresh_from_db()
    assert (first.status, first.captured_amount) == (PaymentStatus.CAPTURED, Decimal("50.00"))

    # and the second is voided
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("payments:void", args=[second.pk]), **HTMX)
    second.refresh_from_db()
    assert second.status == PaymentStatus.VOIDED

    # then capturing the voided one again is refused in place
    response = client.post(reverse("payments:capture", args=[second.pk]), {}, **HTMX)
    assert response.status_code == 200
    assert "Only an authorized payment can be captured" in response.content.decode()


def test_a_capture_left_to_a_worker_polls_until_it_is_answered(login_as, order):
    payment = services.authorize_payment(order=order, payment_method=GOOD_CARD)
    client = login_as("Finance")

    # the task is queued on commit, which this test's transaction never reaches
    response = client.post(reverse("payments:capture", args=[payment.pk]), {}, **HTMX)

    html = response.content.decode()
    assert "every 2s" in html
    assert "Waiting for the gateway" in html
    assert f"?waiting={payment.pk}:1" in html


def test_send_payment_link_with_the_simulated_gateway(login_as, order):
    client = login_as("Customer service")

    response = client.post(reverse("payments:send_link", args=[order.number]), **HTMX)

    assert response.status_code == 200
    payment = order.payments.get()
    assert payment.status == PaymentStatus.PENDING
    assert payment.checkout_url
    assert payment.amount == Decimal("100.00")
    assert payment.checkout_url in response.content.decode()
    assert order.events.filter(type=OrderEvent.Type.PAYMENT_LINK_SENT).exists()


def test_send_payment_link_for_a_paid_order_is_refused_in_place(login_as, order):
    receive(order)
    client = login_as("Manager")

    response = client.post(reverse("payments:send_link", args=[order.number]), **HTMX)

    assert response.status_code == 200
    assert "already paid or authorized in full" in response.content.decode()
    assert order.payments.count() == 1


# --- queries -------------------------------------------------------------------------------


def _payments(order, count: int) -> None:
    """``count`` payments on the order, each with transactions, half of them with a refund."""
    for number in range(count):
        payment = receive(order, "5.00", reference=f"R{number}")
        if number % 2:
            services.create_refund(payment=payment, amount=Decimal("1.00"), reason="Partial")


@pytest.mark.parametrize("count", [1, 10])
def test_order_page_queries_do_not_grow_with_payments(
    login_as, order, django_assert_max_num_queries, count
):
    _payments(order, count)
    client = login_as("Finance")
    page_budget = 9 + PANEL_QUERY_BUDGET  # the order page's own, then the panel's

    with django_assert_max_num_queries(page_budget):
        response = client.get(panel_url(order))

    assert response.content.decode().count('class="payment"') == count


@pytest.mark.parametrize("count", [1, 10])
def test_finance_list_queries_do_not_grow_with_payments(
    login_as, django_assert_max_num_queries, count
):
    for number in range(count):
        receive(make_order() if number == 0 else _another_order(number), "5.00")
    client = login_as("Finance")

    # session, user, perms ×2, role groups, count, page, four quick-filter counts, refunds due,
    # failing webhook events
    with django_assert_max_num_queries(13):
        response = client.get(reverse("payments:list"))

    assert response.status_code == 200
    assert response.content.decode().count('<a href="/orders/SO-') == count


def _another_order(number: int):
    channel = factories.SalesChannelFactory(code="pay-web")
    product = factories.ProductFactory(sku=f"PAY-{number + 1}", unit_price=Decimal("50.00"))
    factories.stock(product, factories.LocationFactory(code="PAY-WH"), 100)
    return factories.place(
        channel=channel, customer=factories.CustomerFactory(), items=[(product, 1)]
    )


# --- the Finance list ----------------------------------------------------------------------


@pytest.fixture
def finance_payments():
    """One payment in each state the Finance filters look for."""
    captured = receive(make_order(), "100.00")
    authorized = services.authorize_payment(order=_another_order(1), payment_method=GOOD_CARD)
    expiring = services.authorize_payment(order=_another_order(2), payment_method=GOOD_CARD)
    Payment.objects.filter(pk=expiring.pk).update(
        authorization_expires_at=timezone.now() + timedelta(hours=3)
    )
    with pytest.raises(PaymentDeclined):
        services.authorize_payment(order=_another_order(3), payment_method=DECLINED_CARD)
    failed = Payment.objects.get(status=PaymentStatus.FAILED)
    disputed = receive(_another_order(4), "50.00")
    Payment.objects.filter(pk=disputed.pk).update(
        disputed_at=timezone.now(), dispute_reason="fraudulent", dispute_amount=Decimal("50.00")
    )
    return {
        "captured": captured,
        "authorized": authorized,
        "expiring": expiring,
        "failed": failed,
        "disputed": disputed,
    }


def _listed(client, **params) -> set[str]:
    response = client.get(reverse("payments:list"), params, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    return {
        number
        for number in Payment.objects.values_list("order__number", flat=True)
        if f">{number}</a>" in html
    }


def _numbers(*payments) -> set[str]:
    return {payment.order.number for payment in payments}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ("captured", "authorized", "expiring", "failed", "disputed")),
        ({"awaiting_capture": "true"}, ("authorized", "expiring")),
        ({"expiring": "true"}, ("expiring",)),
        ({"failed": "true"}, ("failed",)),
        ({"disputed": "true"}, ("disputed",)),
        ({"status": "captured"}, ("captured", "disputed")),
        ({"gateway": "manual"}, ("captured", "disputed")),
        ({"gateway": "simulated"}, ("authorized", "expiring", "failed")),
        ({"method": "bank_transfer", "disputed": "true"}, ("disputed",)),
    ],
)
def test_finance_list_filters(login_as, finance_payments, params, expected):
    client = login_as("Finance")

    listed = _listed(client, **params)

    assert listed == _numbers(*(finance_payments[name] for name in expected))


def test_finance_list_search_by_order_number_and_quick_filter_counts(login_as, finance_payments):
    client = login_as("Finance")
    target = finance_payments["failed"].order

    assert _listed(client, q=target.number) == {target.number}
    page = client.get(reverse("payments:list")).content.decode()
    assert "Awaiting capture (2)" in page
    assert "Expiring within 24 h (1)" in page
    assert "Failed (1)" in page
    assert "Disputes (1)" in page


def test_sidebar_shows_finance_to_roles_that_view_payments(login_as):
    html = login_as("Finance").get(reverse("backoffice:home")).content.decode()

    assert f'href="{reverse("payments:list")}"' in html
    assert ">Finance</a>" in html


def test_finance_list_count_is_capped_and_never_counts_every_payment(login_as, monkeypatch):
    for number in range(3):
        receive(make_order() if number == 0 else _another_order(number), "5.00")
    monkeypatch.setattr(pagination, "COUNT_CAP", 2)
    monkeypatch.setattr(staff, "PAGE_SIZE", 2)

    page = login_as("Finance").get(reverse("payments:list")).content.decode()

    assert "2+ payments" in page
    assert "Page 1 of" not in page  # the number of pages is not known past the cap
