"""Domain events that go out as webhooks: order events (``orders.signals``, payments' capture
and refund included, as payments records them on the order's timeline) and stock changes
(a row of inventory's append-only ledger, written for every change of on-hand stock)."""

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from inventory.models import StockLevel, StockMovement
from orders.events import Type
from orders.models import Order, OrderEvent
from orders.signals import order_event_recorded

from .events import order_data, stock_data
from .services.publishing import publish

ORDER_EVENTS = {
    Type.PLACED: "order.placed",
    Type.CONFIRMED: "order.confirmed",
    Type.CANCELLED: "order.cancelled",
    Type.SHIPPED: "order.shipped",
    Type.DELIVERED: "order.delivered",
    Type.PAYMENT_CAPTURED: "payment.captured",
    Type.PAYMENT_REFUNDED: "payment.refunded",
}


def order_event(sender, order: Order, event: OrderEvent, **kwargs: Any) -> None:
    if event.pk is not None:
        event_id = f"order-event-{event.pk}"
        publish(ORDER_EVENTS[event.type], event_id, lambda: order_data(order, event))


for _type in ORDER_EVENTS:
    order_event_recorded.connect(order_event, sender=_type, dispatch_uid=f"webhooks.on_{_type}")


@receiver(post_save, sender=StockMovement, dispatch_uid="webhooks.stock_changed")
def stock_changed(sender, instance: StockMovement, created: bool, **kwargs: Any) -> None:
    if not created:
        return

    def data() -> dict[str, Any]:
        level = (
            StockLevel.objects.filter(
                product_id=instance.product_id, location_id=instance.location_id
            )
            .values("on_hand", "reserved")
            .first()
        ) or {}
        return stock_data(instance, level.get("on_hand"), level.get("reserved"))

    publish("stock.changed", f"stock-movement-{instance.pk}", data)
