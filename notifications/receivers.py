"""What notifications reacts to: order events (payments' and the at-risk sweep's included, as
they are written on the order's timeline), a parcel's moves, stock leaving a location, an issued
invoice, and the e-mail provider's delivery reports. Each queues a task once the change
commits; the task asks ``rules`` what to send."""

from typing import Any

from anymail.signals import tracking
from django.db.models.signals import post_save
from django.dispatch import receiver

from documents.models import Kind as DocumentKind
from documents.signals import document_issued
from inventory.models import StockMovement
from orders.events import Type
from orders.models import Order, OrderEvent
from orders.signals import order_event_recorded
from shipping.models import Shipment, ShipmentStatus

from . import rules, services, tasks

ORDER_EVENTS = (
    Type.PLACED,
    Type.CONFIRMED,
    Type.CANCELLED,
    Type.SHIPPED,
    Type.DELIVERED,
    Type.PAYMENT_REFUNDED,
    Type.PAYMENT_LINK_SENT,
    Type.PAYMENT_FAILED,
    Type.DISPUTE_OPENED,
    Type.NOTE,  # the at-risk sweep's notes
)
# A parcel's moves a customer hears of (``rules.for_shipment``).
SHIPMENT_MOVES = frozenset(
    {ShipmentStatus.OUT_FOR_DELIVERY, ShipmentStatus.EXCEPTION, ShipmentStatus.READY_FOR_PICKUP}
)


def order_event(sender, order: Order, event: OrderEvent, **kwargs: Any) -> None:
    if event.pk is None:
        return
    if event.type == Type.NOTE and event.data.get("at_risk") not in rules.DELAY_CAUSES:
        return
    tasks.notify_event.delay_on_commit(event.pk)


for _type in ORDER_EVENTS:
    order_event_recorded.connect(
        order_event, sender=_type, dispatch_uid=f"notifications.on_{_type}"
    )


@receiver(post_save, sender=Shipment, dispatch_uid="notifications.shipment_moved")
def shipment_moved(sender, instance: Shipment, update_fields=None, **kwargs: Any) -> None:
    if update_fields and "status" in update_fields and instance.status in SHIPMENT_MOVES:
        tasks.notify_shipment.delay_on_commit(instance.pk)


@receiver(post_save, sender=StockMovement, dispatch_uid="notifications.stock_taken")
def stock_taken(sender, instance: StockMovement, created: bool, **kwargs: Any) -> None:
    if created and instance.quantity < 0:
        tasks.notify_low_stock.delay_on_commit(instance.product_id)


@receiver(document_issued, dispatch_uid="notifications.document_issued")
def invoice_issued(sender, document, **kwargs: Any) -> None:
    if document.kind == DocumentKind.INVOICE:
        tasks.notify_invoice.delay_on_commit(document.order_id, document.pk, document.number)


@receiver(tracking, dispatch_uid="notifications.delivery_reported")
def delivery_reported(sender, event, esp_name: str, **kwargs: Any) -> None:
    """anymail's tracking webhook (any provider): delivered, bounced, complained…"""
    services.apply_delivery_report(
        message_id=event.message_id or "",
        event_type=event.event_type or "",
        recipient=event.recipient or "",
        description=event.description or event.reject_reason or "",
    )
