"""Payments' reactions to order events (``orders.signals``): a few lines each, calling this
app's services. They run inside the order's transaction, so gateway work is only queued."""

from typing import Any

from django.dispatch import receiver

from orders.events import Type
from orders.models import Order, OrderEvent
from orders.signals import confirmation_requested, order_event_recorded

from . import selectors, services


@receiver(confirmation_requested, dispatch_uid="payments.confirmation_needs_payment")
def confirmation_needs_payment(sender, order: Order, **kwargs: Any) -> str:
    """The veto: an order is confirmed only once payment allows it."""
    return selectors.confirmation_blocker(order)


@receiver(order_event_recorded, sender=Type.CONFIRMED, dispatch_uid="payments.on_confirmed")
def capture_on_confirmation(sender, order: Order, actor=None, **kwargs: Any) -> None:
    services.order_confirmed(order=order, actor=actor)


@receiver(order_event_recorded, sender=Type.SHIPPED, dispatch_uid="payments.on_shipped")
def capture_what_shipped(sender, order: Order, event: OrderEvent, actor=None, **kwargs) -> None:
    services.order_shipped(order=order, event=event, actor=actor)


@receiver(order_event_recorded, sender=Type.CANCELLED, dispatch_uid="payments.on_cancelled")
def release_money_of_cancelled_order(sender, order: Order, actor=None, **kwargs: Any) -> None:
    services.order_cancelled(order=order, actor=actor)


@receiver(order_event_recorded, sender=Type.LINES_CHANGED, dispatch_uid="payments.on_lines")
@receiver(order_event_recorded, sender=Type.SHIPPING_CHANGED, dispatch_uid="payments.on_shipping")
@receiver(order_event_recorded, sender=Type.ADDRESS_CORRECTED, dispatch_uid="payments.on_address")
def follow_changed_total(sender, order: Order, actor=None, **kwargs: Any) -> None:
    services.order_total_changed(order=order, actor=actor)


@receiver(
    order_event_recorded, sender=Type.PAYMENT_AUTHORIZED, dispatch_uid="payments.on_authorized"
)
def release_hold_once_paid(sender, order: Order, actor=None, **kwargs: Any) -> None:
    services.release_payment_hold(order=order, actor=actor)
