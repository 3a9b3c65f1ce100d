"""The implicit flow between domains, made visible: who reacts to whose events.

A lower domain publishes (orders' events, inventory's receipts); a higher one reacts in its own
``receivers.py``. This test states the wiring plainly, so adding or losing a reaction is a
visible change here, not a silent one.
"""

import weakref

import pytest
from django.dispatch import receiver

from inventory.signals import stock_received
from orders.models import OrderEvent
from orders.signals import confirmation_requested, order_event_recorded
from tests import factories
from tests.factories import stock

T = OrderEvent.Type


def receivers_of(signal) -> set[tuple[str, str]]:
    """(module.function, sender) for every receiver connected to ``signal``."""
    senders = {id(member): member.value for member in T}
    found = set()
    for (_, sender_id), ref, _sender_ref, _is_async in signal.receivers:
        function = ref() if isinstance(ref, weakref.ReferenceType) else ref
        sender = senders.get(sender_id, "any")
        found.add((f"{function.__module__}.{function.__name__}", sender))
    return found


def test_order_events_are_handled_by_these_receivers():
    assert receivers_of(order_event_recorded) == {
        ("payments.receivers.capture_on_confirmation", T.CONFIRMED),
        ("payments.receivers.capture_what_shipped", T.SHIPPED),
        ("payments.receivers.release_money_of_cancelled_order", T.CANCELLED),
        ("payments.receivers.follow_changed_total", T.LINES_CHANGED),
        ("payments.receivers.follow_changed_total", T.SHIPPING_CHANGED),
        ("payments.receivers.follow_changed_total", T.ADDRESS_CORRECTED),
        ("payments.receivers.release_hold_once_paid", T.PAYMENT_AUTHORIZED),
        # documents: the invoice on capture or shipment (OMS_INVOICE_ON), credit notes, labels
        ("documents.receivers.invoice_once_paid", T.PAYMENT_CAPTURED),
        ("documents.receivers.invoice_once_paid", T.PAYMENT_RECEIVED),
        ("documents.receivers.invoice_to_pay_by", T.PAYMENT_EXPECTED),
        ("documents.receivers.documents_of_shipment", T.SHIPPED),
        ("documents.receivers.credit_note_for_refund", T.PAYMENT_REFUNDED),
        # notifications: what the customer and staff hear of (notifications.rules decides)
        *(
            ("notifications.receivers.order_event", type_)
            for type_ in (T.PLACED, T.CONFIRMED, T.CANCELLED, T.SHIPPED, T.DELIVERED)
        ),
        *(
            ("notifications.receivers.order_event", type_)
            for type_ in (T.PAYMENT_REFUNDED, T.PAYMENT_LINK_SENT, T.PAYMENT_FAILED)
        ),
        ("notifications.receivers.order_event", T.DISPUTE_OPENED),
        ("notifications.receivers.order_event", T.NOTE),  # the at-risk sweep's
        # webhooks: the events subscriptions may choose (webhooks.receivers.ORDER_EVENTS)
        *(
            ("webhooks.receivers.order_event", type_)
            for type_ in (T.PLACED, T.CONFIRMED, T.CANCELLED, T.SHIPPED, T.DELIVERED)
        ),
        ("webhooks.receivers.order_event", T.PAYMENT_CAPTURED),
        ("webhooks.receivers.order_event", T.PAYMENT_REFUNDED),
    }


def test_confirmation_asks_payments_for_a_veto():
    assert receivers_of(confirmation_requested) == {
        ("payments.receivers.confirmation_needs_payment", "any"),
    }


def test_stock_receipts_are_handled_by_orders():
    assert receivers_of(stock_received) == {
        ("orders.receivers.fill_backorders_on_receipt", "any"),
    }


@pytest.mark.django_db(transaction=True)
def test_a_failing_receiver_never_fails_a_committed_stock_receipt(caplog):
    # given a receiver that breaks
    def broken(sender, **kwargs):
        raise RuntimeError("receiver bug")

    receiver(stock_received, dispatch_uid="test.broken")(broken)
    try:
        product = factories.ProductFactory(sku="SEAM-1")
        location = factories.LocationFactory(code="SEAM-WH")

        # when stock is received, then the receipt stands and the failure is logged
        stock(product, location, 5)
    finally:
        stock_received.disconnect(dispatch_uid="test.broken")

    assert product.stock_levels.get(location=location).on_hand == 5
    assert "receiver bug" in caplog.text
