"""The event types a subscription may choose, and the payloads sent for them."""

from typing import Any

EVENT_TYPES = {
    "order.placed": "Order placed",
    "order.confirmed": "Order confirmed",
    "order.cancelled": "Order cancelled",
    "order.shipped": "Order shipped",
    "order.delivered": "Order delivered",
    "stock.changed": "Stock changed",
    "payment.captured": "Payment captured",
    "payment.refunded": "Payment refunded",
}
EVENT_CHOICES = list(EVENT_TYPES.items())


def order_data(order: Any, event: Any) -> dict[str, Any]:
    """An order event's payload: the order's headline and the event's own details."""
    return {
        "order": {
            "number": order.number,
            "status": order.status,
            "total": str(order.total),
            "currency": order.currency,
        },
        "event": {
            "type": event.type,
            "message": event.message,
            "data": event.data,
            "created_at": event.created_at.isoformat() if event.created_at else None,
        },
    }


def stock_data(movement: Any, on_hand: int | None, reserved: int | None) -> dict[str, Any]:
    """A ledger row's payload: what changed where, why, and the level after it."""
    return {
        "sku": movement.product.sku,
        "location": movement.location.code,
        "quantity": movement.quantity,
        "reason": movement.reason,
        "reference": movement.reference,
        "on_hand": on_hand,
        "reserved": reserved,
    }
