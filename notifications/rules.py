"""The one place that decides what to send: each event (an order event, a parcel's move, a
product running low, an issued invoice) becomes the messages it calls for, as ``Intent``s.

``services.notify`` turns intents into log rows (once each, by their dedupe key), renders and
queues them; nothing here writes or sends.
"""

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from core.roles import CUSTOMER_SERVICE, FINANCE, MANAGER, WAREHOUSE
from orders.models import Order, OrderEvent
from payments.models import Payment
from payments.services.cards import payment_refusal
from shipping.models import Shipment, ShipmentStatus
from shipping.models.shipments import SHIPPED_STATUSES

from .models import Kind

Type = OrderEvent.Type


class Category(StrEnum):
    TRANSACTIONAL = "transactional"  # about an order the customer placed: always sent
    MARKETING = "marketing"  # only with the customer's recorded consent
    STAFF = "staff"  # to the members of role groups


@dataclass(frozen=True)
class Rule:
    subject: str  # formatted with ``number`` (the order's) and the intent's context
    category: Category = Category.TRANSACTIONAL
    sms: bool = False  # also as a text message, when the order has a phone number
    roles: tuple[str, ...] = ()  # staff alerts: who gets them


RULES: dict[str, Rule] = {
    Kind.ORDER_RECEIVED: Rule("We have received your order {number}"),
    Kind.ORDER_CONFIRMED: Rule("Your order {number} is confirmed"),
    Kind.SHIPPED: Rule("Your order {number} is on its way"),
    Kind.OUT_FOR_DELIVERY: Rule("Your order {number} is out for delivery", sms=True),
    Kind.DELIVERED: Rule("Your order {number} has been delivered"),
    Kind.DELAYED: Rule("Your order {number} is delayed: we are sorry"),
    Kind.READY_FOR_PICKUP: Rule("Your order {number} is ready for pickup", sms=True),
    Kind.CANCELLED: Rule("Your order {number} has been cancelled"),
    Kind.REFUND_ISSUED: Rule("We have refunded {amount} {currency} for order {number}"),
    Kind.PAYMENT_LINK: Rule("Pay for your order {number}"),
    Kind.PAYMENT_FAILED: Rule("Your payment for order {number} did not go through"),
    Kind.INVOICE: Rule("Your invoice {document_number} for order {number}"),
    Kind.REVIEW_REQUEST: Rule("How was your order {number}?", category=Category.MARKETING),
    Kind.STAFF_PAYMENT_FAILED: Rule(
        "Payment failed on order {number}", category=Category.STAFF, roles=(FINANCE,)
    ),
    Kind.STAFF_DISPUTE: Rule(
        "Dispute opened on order {number}", category=Category.STAFF, roles=(FINANCE, MANAGER)
    ),
    Kind.STAFF_LOW_STOCK: Rule(
        "Low stock: {sku}", category=Category.STAFF, roles=(WAREHOUSE, MANAGER)
    ),
    Kind.STAFF_AT_RISK: Rule(
        "Order {number} is at risk", category=Category.STAFF, roles=(CUSTOMER_SERVICE,)
    ),
}

# The at-risk kinds (shipping.models.AtRisk.Kind) that tell the customer of a delay.
DELAY_CAUSES = ("late_to_ship", "late_delivery", "carrier_exception")


@dataclass(frozen=True)
class Intent:
    """A message to send: ``about`` is what makes it one of its kind for the order (a parcel,
    a payment, a refund, an event): the same intent decided twice is sent once."""

    kind: str
    order: Order | None
    about: str = ""
    shipment: Shipment | None = None
    context: dict[str, Any] = field(default_factory=dict)

    @property
    def rule(self) -> Rule:
        return RULES[self.kind]

    @property
    def key(self) -> str:
        order = self.order.pk if self.order else "-"
        return f"{self.kind}:{order}:{self.about}"


def for_event(event: OrderEvent) -> list[Intent]:
    """The messages an order event calls for (none for most)."""
    order, data = event.order, event.data
    match event.type:
        case Type.PLACED:
            return [Intent(Kind.ORDER_RECEIVED, order)]
        case Type.CONFIRMED:
            return [Intent(Kind.ORDER_CONFIRMED, order)]
        case Type.CANCELLED if order.placed_at:
            return [Intent(Kind.CANCELLED, order, context={"reason": order.cancel_reason})]
        case Type.SHIPPED:
            return _shipped(event)
        case Type.DELIVERED:
            return [Intent(Kind.DELIVERED, order), Intent(Kind.REVIEW_REQUEST, order)]
        case Type.PAYMENT_REFUNDED:
            amount = {"amount": data.get("amount", ""), "currency": order.currency}
            return [Intent(Kind.REFUND_ISSUED, order, f"refund-{data.get('refund')}", None, amount)]
        case Type.PAYMENT_LINK_SENT:
            return _payment_link(event)
        case Type.PAYMENT_FAILED:
            return _payment_failed(event)
        case Type.DISPUTE_OPENED:
            return [Intent(Kind.STAFF_DISPUTE, order, f"event-{event.pk}", None, _said(event))]
        case Type.NOTE if data.get("at_risk") in DELAY_CAUSES:
            return _at_risk(event)
    return []


def _said(event: OrderEvent) -> dict[str, Any]:
    return {"message": event.message}


def _shipped(event: OrderEvent) -> list[Intent]:
    """One e-mail per parcel that has left (each ``shipped`` event looks at them all, so a
    parcel is never missed, and its key makes it once); a shipment made without a parcel
    (``orders.services.ship_order`` on its own) gets one of its own; a parcel collected at
    the store gets none."""
    order = event.order
    parcels = order.shipments.filter(status__in=SHIPPED_STATUSES).select_related("carrier")
    parcels = list(parcels.order_by("pk"))
    if carried := [parcel for parcel in parcels if not parcel.is_pickup]:
        return [Intent(Kind.SHIPPED, order, f"shipment-{p.pk}", p) for p in carried]
    if parcels:  # collected at the counter: the customer was there
        return []
    shipped = {"shipped": event.data.get("shipped", [])}
    return [Intent(Kind.SHIPPED, order, f"event-{event.pk}", None, shipped)]


def _payment_link(event: OrderEvent) -> list[Intent]:
    """The link, unless the customer may no longer pay it (voided, replaced, order closed)."""
    payment = Payment.objects.select_related("order").filter(pk=event.data.get("payment")).first()
    if payment is None or payment_refusal(payment):
        return []
    link = {"url": payment.checkout_url, "amount": str(payment.amount)}
    return [Intent(Kind.PAYMENT_LINK, event.order, f"payment-{payment.pk}", None, link)]


def _payment_failed(event: OrderEvent) -> list[Intent]:
    """Finance hears of every failure; the customer only of a card that was refused (a failed
    capture or refund is ours to sort out, not theirs)."""
    order = event.order
    intents = [Intent(Kind.STAFF_PAYMENT_FAILED, order, f"event-{event.pk}", None, _said(event))]
    if event.data.get("operation") == "authorization":
        payment = f"payment-{event.data.get('payment')}"
        intents.append(Intent(Kind.PAYMENT_FAILED, order, payment))
    return intents


def _at_risk(event: OrderEvent) -> list[Intent]:
    """An apology with the new estimate, once per parcel (or once for the order when it is
    late to leave), and the alert to Customer service, once per item opened."""
    order, data = event.order, event.data
    shipment = (
        order.shipments.filter(pk=data.get("shipment")).first() if data.get("shipment") else None
    )
    delay = {"deadline": data.get("deadline", ""), "cause": data["at_risk"]}
    about = f"shipment-{shipment.pk}" if shipment else "order"
    return [
        Intent(Kind.DELAYED, order, about, shipment, delay),
        Intent(Kind.STAFF_AT_RISK, order, f"event-{event.pk}", shipment, _said(event)),
    ]


def for_shipment(shipment: Shipment) -> list[Intent]:
    """A parcel's own moves the customer hears of: out for delivery, held up at the carrier
    (the same apology as the at-risk sweep's, so one of the two goes out), ready for pickup."""
    kind = {
        ShipmentStatus.OUT_FOR_DELIVERY: Kind.OUT_FOR_DELIVERY,
        ShipmentStatus.EXCEPTION: Kind.DELAYED,
        ShipmentStatus.READY_FOR_PICKUP: Kind.READY_FOR_PICKUP,
    }.get(shipment.status)
    if kind is None:
        return []
    context = {"cause": "carrier_exception"} if kind == Kind.DELAYED else {}
    return [Intent(kind, shipment.order, f"shipment-{shipment.pk}", shipment, context)]


def for_low_stock(
    *, sku: str, name: str, available: int, reorder_point: int, on: date
) -> list[Intent]:
    """One alert a day per product at or below its reorder point."""
    context = {"sku": sku, "name": name, "available": available, "reorder_point": reorder_point}
    return [Intent(Kind.STAFF_LOW_STOCK, None, f"{sku}:{on.isoformat()}", None, context)]


def for_invoice(*, order: Order, document_id: int, document_number: str) -> list[Intent]:
    """The issued invoice, e-mailed once with its PDF attached."""
    context = {"document": document_id, "document_number": document_number}
    return [Intent(Kind.INVOICE, order, f"document-{document_id}", None, context)]
