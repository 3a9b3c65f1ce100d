"""Documents' reactions to order events (``orders.signals``): invoices on capture or shipment
(``OMS_INVOICE_ON``), credit notes on refunds, the labels and packing slips of shipped parcels
kept. They run inside the event's transaction, so the work is only queued, to run once it
commits."""

from typing import Any

from django.dispatch import receiver

from core.payment_methods import Method
from orders.events import Type
from orders.models import Order, OrderEvent
from orders.signals import order_event_recorded

from . import services


@receiver(order_event_recorded, sender=Type.PAYMENT_CAPTURED, dispatch_uid="documents.captured")
@receiver(order_event_recorded, sender=Type.PAYMENT_RECEIVED, dispatch_uid="documents.received")
def invoice_once_paid(sender, order: Order, **kwargs: Any) -> None:
    services.invoice_due(order=order, trigger="capture")


@receiver(order_event_recorded, sender=Type.PAYMENT_EXPECTED, dispatch_uid="documents.terms")
def invoice_to_pay_by(sender, order: Order, event: OrderEvent, **kwargs: Any) -> None:
    """Invoice terms (net 30): the customer pays from the invoice, so it cannot wait for the
    money; issued when the terms are agreed, as a capture would."""
    if event.data.get("method") == Method.INVOICE_TERMS:
        services.invoice_due(order=order, trigger="capture")


@receiver(order_event_recorded, sender=Type.SHIPPED, dispatch_uid="documents.shipped")
def documents_of_shipment(sender, order: Order, **kwargs: Any) -> None:
    services.parcel_shipped(order=order)


@receiver(order_event_recorded, sender=Type.PAYMENT_REFUNDED, dispatch_uid="documents.refunded")
def credit_note_for_refund(sender, order: Order, event: OrderEvent, **kwargs: Any) -> None:
    services.credit_note_due(refund_id=event.data["refund"])
