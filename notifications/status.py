"""The customer's order-status page: a signed link in every e-mail (no login), and what the page
may show of the order, in plain words, without any staff data.

The link carries the order's number and a token signed with the secret key for that order
alone (``django.core.signing``, with the time it was made): a changed character, another
order's token, or a token older than ``OMS_STATUS_LINK_DAYS`` opens nothing.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse

from orders.models import Order, OrderEvent, OrderStatus
from shipping.models import Shipment

SALT = "notifications.order-status"
Type = OrderEvent.Type

# What the customer reads for each status (holds and internal steps are not theirs to see).
STATUS_WORDS = {
    OrderStatus.PLACED: "Received",
    OrderStatus.CONFIRMED: "Being prepared",
    OrderStatus.PROCESSING: "Being prepared",
    OrderStatus.ON_HOLD: "Being prepared",
    OrderStatus.PARTIALLY_SHIPPED: "Partly on its way",
    OrderStatus.SHIPPED: "On its way",
    OrderStatus.DELIVERED: "Delivered",
    OrderStatus.COMPLETED: "Delivered",
    OrderStatus.CANCELLED: "Cancelled",
}
# The timeline: only these events, each in our words for the customer (never the staff's).
TIMELINE_WORDS = {
    Type.PLACED: "We received your order.",
    Type.CONFIRMED: "Your order was confirmed.",
    Type.PAYMENT_CAPTURED: "We took your payment.",
    Type.PAYMENT_RECEIVED: "We received your payment.",
    Type.SHIPPED: "A parcel left us.",
    Type.DELIVERED: "Your order was delivered.",
    Type.CANCELLED: "Your order was cancelled.",
    Type.PAYMENT_REFUNDED: "We refunded {amount} {currency}.",
}


@dataclass(frozen=True)
class Step:
    at: datetime
    text: str


def link_token(order: Order) -> str:
    return signing.dumps(order.pk, salt=f"{SALT}:{order.number}", compress=True)


def status_url(order: Order) -> str:
    """The absolute link the e-mails carry."""
    path = reverse("notifications:order_status", args=[order.number, link_token(order)])
    return f"{settings.OMS_SITE_URL.rstrip('/')}{path}"


def order_for_link(number: str, token: str) -> Order | None:
    """The order the link opens, or None (tampered, expired, another order's)."""
    try:
        pk = signing.loads(
            token,
            salt=f"{SALT}:{number}",
            max_age=timedelta(days=settings.OMS_STATUS_LINK_DAYS),
        )
    except signing.BadSignature:  # SignatureExpired included
        return None
    order = Order.objects.filter(pk=pk, number=number).exclude(status=OrderStatus.DRAFT).first()
    return order


def timeline(order: Order) -> list[Step]:
    events = order.events.filter(type__in=list(TIMELINE_WORDS)).only(
        "order", "type", "data", "created_at"
    )
    return [
        Step(
            event.created_at,
            TIMELINE_WORDS[event.type].format(
                amount=event.data.get("amount", ""), currency=order.currency
            ),
        )
        for event in events.order_by("created_at", "pk")
    ]


def parcels(order: Order) -> list[Shipment]:
    """The order's parcels that exist for the customer (bought, shipped or waiting at a store)."""
    return list(
        order.shipments.exclude(status__in=["label_pending", "cancelled"])
        .select_related("carrier", "location")
        .prefetch_related("lines__line")
        .order_by("pk")
    )
