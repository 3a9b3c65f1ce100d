"""Messages rendered from ``templates/emails/``: ``<kind>.txt`` and ``<kind>.html`` for
e-mail, ``sms/<kind>.txt`` for a text message, each with the shop (``settings.OMS_SHOP``), the
order with its lines and totals, and the parcel it is about."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from orders.models import Order, OrderLine, SalesChannel
from portal.links import status_url
from shipping.models import Carrier, Shipment

from .models import Notification
from .rules import RULES, Category

SUBJECT_LENGTH = Notification._meta.get_field("subject").max_length


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str = ""


class _Blank(dict):
    """A subject's placeholders the context does not fill stay empty rather than fail."""

    def __missing__(self, key: str) -> str:
        return ""


def shop() -> dict[str, Any]:
    """The shop as the e-mails show it; the logo falls back to the site's own."""
    site = settings.OMS_SITE_URL.rstrip("/")
    return {"logo_url": f"{site}/static/img/favicon.svg"} | settings.OMS_SHOP


def render(
    kind: str,
    *,
    channel: str,
    order: Order | None,
    lines: Sequence[OrderLine] = (),
    shipment: Shipment | None = None,
    parcel: Sequence[tuple[str, int]] = (),
    context: dict[str, Any] | None = None,
) -> Rendered:
    """``lines``: the order's; ``parcel``: (name, units) of what the message is about."""
    context = context or {}
    values = {"number": order.number if order else "", **{k: str(v) for k, v in context.items()}}
    subject = RULES[kind].subject.format_map(_Blank(values))[:SUBJECT_LENGTH]
    data = {
        "shop": shop(),
        "site_url": settings.OMS_SITE_URL.rstrip("/"),
        "subject": subject,
        "order": order,
        "lines": lines,
        "shipment": shipment,
        "parcel": parcel,
        "estimate": _estimate(shipment, context),
        "status_url": _status_url(kind, order),
        **context,
    }
    if channel == Notification.Channel.SMS:
        return Rendered(subject, render_to_string(f"emails/sms/{kind}.txt", data).strip())
    text = render_to_string(f"emails/{kind}.txt", data).strip() + "\n"
    return Rendered(subject, text, render_to_string(f"emails/{kind}.html", data))


def _status_url(kind: str, order: Order | None) -> str:
    """The customer's link to the order-status page (staff alerts have none)."""
    if order is None or RULES[kind].category == Category.STAFF:
        return ""
    if order.pk is None:  # the sample order of the previews
        return f"{settings.OMS_SITE_URL.rstrip('/')}/status/sample/"
    return status_url(order)


def _estimate(shipment: Shipment | None, context: dict[str, Any]) -> date | None:
    """When it should arrive now: the carrier's estimate, or the at-risk item's new date."""
    if shipment is not None and shipment.estimated_delivery:
        return shipment.estimated_delivery
    deadline = context.get("deadline")
    return date.fromisoformat(deadline) if deadline else None


def sample_order() -> tuple[Order, list[OrderLine], Shipment]:
    """An order that is never saved, to preview the templates on an empty database too."""
    channel = SalesChannel(code="web", name="Web shop")
    order = Order(
        number="SO-000123",
        channel=channel,
        email="ada@example.com",
        currency=settings.OMS_DEFAULT_CURRENCY,
        shipping_address={
            "name": "Ada Lovelace",
            "line1": "1 Main Street",
            "city": "New York",
            "region": "NY",
            "postal_code": "10001",
            "country": "US",
        },
        subtotal=Decimal("50.00"),
        discount_total=Decimal("0.00"),
        shipping_total=Decimal("4.90"),
        tax_total=Decimal("4.44"),
        total=Decimal("59.34"),
        placed_at=timezone.now(),
        cancel_reason="Out of stock",
    )
    lines = [
        OrderLine(
            sku=sku,
            name=name,
            quantity=quantity,
            unit_price=Decimal(price),
            line_total=Decimal(price) * quantity,
            discount=Decimal("0.00"),
            tax_amount=Decimal("2.22"),
        )
        for sku, name, quantity, price in (
            ("MUG-1", "Mug", 2, "12.50"),
            ("TEE-M", "T-shirt", 1, "25.00"),
        )
    ]
    shipment = Shipment(
        order=order,
        carrier=Carrier(code="PPOST", name="Parcel Post"),
        tracking_number="PPOST000123",
        tracking_url="https://parcelpost.example/track?n=PPOST000123",
        estimated_delivery=timezone.localdate() + timedelta(days=3),
        weight_grams=800,
    )
    return order, lines, shipment


SAMPLE_CONTEXT: dict[str, Any] = {
    "reason": "Out of stock",
    "amount": "25.00",
    "currency": settings.OMS_DEFAULT_CURRENCY,
    "url": "https://pay.example/checkout/sample",
    "document_number": "INV-2026-000042",
    "cause": "late_delivery",
    "message": "Card declined (insufficient funds).",
    "sku": "MUG-1",
    "name": "Mug",
    "available": 3,
    "reorder_point": 10,
}
