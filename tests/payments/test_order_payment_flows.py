"""Money following the order through the seams: orders publishes events, payments reacts.

Given an order paid by card at the (fake) Stripe, when it is confirmed, shipped in parts,
cancelled or edited, then payments captures, releases, flags refunds or holds the order —
without ``orders`` importing ``payments``.
"""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from inventory.models import StockLevel, StockMovement
from orders import services as order_services
from orders.exceptions import InvalidTransition
from orders.models import HoldReason, OrderEvent, OrderStatus
from orders.models import PaymentStatus as OrderPaymentStatus
from payments import selectors, services
from payments.exceptions import InvalidPaymentState, PaymentAmountError
from payments.models import Method, Payment, PaymentStatus
from tests.payments.helpers import events_of, make_order

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

T = OrderEvent.Type
CAPTURES = "/v1/payment_intents/*/capture"


def authorized_order(quantity: int = 2):
    """A 2 × 50.00 order on a channel that wants payment first, authorized in full."""
    order = make_order(quantity=quantity, allow_unpaid_confirmation=False)
    payment = services.authorize_payment(order=order, payment_method="pm_card_visa")
    return order, payment


def ship(order, django_capture_on_commit_callbacks, **kwargs):
    with django_capture_on_commit_callbacks(execute=True):
        return order_services.ship_order(order=order, **kwargs)


def test_each_shipment_captures_what_it_is_worth_and_the_last_captures_the_rest(
    stripe_on, django_capture_on_commit_callbacks
):
    # given an authorized, confirmed order in the warehouse
    order, payment = authorized_order()
    with django_capture_on_commit_callbacks(execute=True):
        order = order_services.confirm_order(order=order)
    order = order_services.start_processing(order=order)
    assert stripe_on.requests_to("POST", CAPTURES) == []  # the channel captures on shipment
    line = order.lines.get()

    # when half of it ships
    order = ship(order, django_capture_on_commit_callbacks, quantities={line.pk: 1})

    # then that half is captured and the rest of the authorization stays open
    payment.refresh_from_db()
    assert order.status == OrderStatus.PARTIALLY_SHIPPED
    assert payment.captured_amount == Decimal("50.00")
    assert payment.status == PaymentStatus.PARTIALLY_CAPTURED
    assert len(stripe_on.requests_to("POST", CAPTURES)) == 1

    # when the rest ships
    order = ship(order, django_capture_on_commit_callbacks)

    # then the rest is captured: the whole order is paid, once
    payment.refresh_from_db()
    order.refresh_from_db()
    assert order.status == OrderStatus.SHIPPED
    assert payment.captured_amount == Decimal("100.00")
    assert payment.status == PaymentStatus.CAPTURED
    assert order.payment_status == OrderPaymentStatus.PAID
    assert len(stripe_on.requests_to("POST", CAPTURES)) == 2
    assert [e.data["amount"] for e in events_of(order, T.PAYMENT_CAPTURED)] == ["50.00", "50.00"]


def test_a_shipment_event_handled_twice_captures_once(
    stripe_on, django_capture_on_commit_callbacks
):
    order, payment = authorized_order()
    order = order_services.confirm_order(order=order)
    order = order_services.start_processing(order=order)
    order = ship(order, django_capture_on_commit_callbacks)
    shipped = events_of(order, T.SHIPPED)[-1]

    # when the same shipment's reaction runs again (a redelivered task, a replayed event)
    with django_capture_on_commit_callbacks(execute=True):
        services.order_shipped(order=order, event=shipped)

    payment.refresh_from_db()
    assert payment.captured_amount == Decimal("100.00")
    assert len(stripe_on.requests_to("POST", CAPTURES)) == 1


def test_shipping_an_order_that_is_not_in_the_warehouse_moves_no_stock():
    # given a placed order (not confirmed, not processing)
    order = make_order()
    before = list(StockLevel.objects.values_list("on_hand", "reserved"))
    movements = StockMovement.objects.count()

    # when someone ships it, it is refused before any stock is touched (not merely rolled back)
    with CaptureQueriesContext(connection) as queries, pytest.raises(InvalidTransition):
        order_services.ship_order(order=order)
    assert not [q["sql"] for q in queries if "inventory_stock" in q["sql"]]

    assert list(StockLevel.objects.values_list("on_hand", "reserved")) == before
    assert StockMovement.objects.count() == movements
    order.refresh_from_db()
    assert order.status == OrderStatus.PLACED
    assert not events_of(order, T.SHIPPED)


def test_cancelling_a_captured_order_puts_it_in_the_refund_due_queue(
    stripe_on, django_capture_on_commit_callbacks
):
    # given an order paid in full by bank transfer
    order = make_order()
    services.record_manual_payment(order=order, amount=Decimal("100.00"), method="bank_transfer")

    # when it is cancelled
    with django_capture_on_commit_callbacks(execute=True):
        order = order_services.cancel_order(order=order, reason="Customer changed their mind")

    # then the money is still there, flagged as due back, and Finance's queue lists it
    order.refresh_from_db()
    summary = selectors.payment_summary(order)
    assert summary.refund_due == Decimal("100.00")
    assert order.payment_status == OrderPaymentStatus.REFUND_DUE
    assert [e.data["amount"] for e in events_of(order, T.REFUND_DUE)] == ["100.00"]
    queue = selectors.refund_due_orders()
    assert [(o.number, o.refund_due) for o in queue] == [(order.number, Decimal("100.00"))]

    # when Finance refunds it, it leaves the queue
    payment = order.payments.get()
    with django_capture_on_commit_callbacks(execute=True):
        services.create_refund(payment=payment, amount=Decimal("100.00"), reason="Cancelled")
    order.refresh_from_db()
    assert order.payment_status == OrderPaymentStatus.REFUNDED
    assert list(selectors.refund_due_orders()) == []


def test_cancelling_an_authorized_order_voids_the_authorization(
    stripe_on, django_capture_on_commit_callbacks
):
    order, payment = authorized_order()

    with django_capture_on_commit_callbacks(execute=True):
        order_services.cancel_order(order=order, reason="Out of stock at the supplier")

    payment.refresh_from_db()
    assert payment.status == PaymentStatus.VOIDED
    assert not events_of(order, T.REFUND_DUE)


def test_editing_a_confirmed_order_above_its_authorization_holds_it_awaiting_the_difference(
    stripe_on, django_capture_on_commit_callbacks
):
    # given a confirmed order authorized for its 100.00
    order, _ = authorized_order()
    order = order_services.confirm_order(order=order)
    line = order.lines.get()

    # when a third unit is added
    with django_capture_on_commit_callbacks(execute=True):
        order = order_services.update_order_lines(order=order, quantities={line.pk: 3})

    # then the order waits for the 50.00 not covered, and says so
    order.refresh_from_db()
    assert order.status == OrderStatus.ON_HOLD
    assert order.hold_reason == HoldReason.AWAITING_PAYMENT
    assert "50.00 USD more is due" in order.hold_note
    assert selectors.payment_summary(order).uncovered == Decimal("50.00")

    # when the customer pays the difference by card, the hold is released
    services.authorize_payment(order=order, payment_method="pm_card_visa")
    order.refresh_from_db()
    assert order.status == OrderStatus.CONFIRMED
    assert order.hold_reason == ""


def test_editing_an_order_below_what_was_captured_shows_the_refund_due():
    order = make_order()  # 100.00
    services.record_manual_payment(order=order, amount=Decimal("100.00"), method="cheque")
    line = order.lines.get()

    order = order_services.update_order_lines(order=order, quantities={line.pk: 1})

    order.refresh_from_db()
    assert selectors.payment_summary(order).refund_due == Decimal("50.00")
    assert order.payment_status == OrderPaymentStatus.REFUND_DUE


def test_a_manual_receipt_is_refused_on_a_cancelled_order():
    order = make_order()
    order = order_services.cancel_order(order=order, reason="Duplicate")

    with pytest.raises(InvalidPaymentState, match="takes no new payments"):
        services.record_manual_payment(order=order, amount=Decimal("10.00"), method="cheque")
    assert not Payment.objects.filter(order=order).exists()


def test_a_receipt_above_the_balance_due_needs_the_overpayment_confirmed():
    order = make_order()  # 100.00

    with pytest.raises(PaymentAmountError) as refused:
        services.record_manual_payment(
            order=order, amount=Decimal("120.00"), method=Method.BANK_TRANSFER
        )
    assert refused.value.field == "amount"
    assert refused.value.extra == {"balance_due": "100.00", "over": "20.00"}
    assert not Payment.objects.filter(order=order).exists()

    services.record_manual_payment(
        order=order,
        amount=Decimal("120.00"),
        method=Method.BANK_TRANSFER,
        allow_overpayment=True,
    )
    order.refresh_from_db()
    assert [e.data["amount"] for e in events_of(order, T.OVERPAID)] == ["20.00"]
    assert selectors.payment_summary(order).refund_due == Decimal("20.00")
    assert order.payment_status == OrderPaymentStatus.REFUND_DUE
