"""What the order-status page reads, in a fixed number of queries whatever the order's size,
and what it may show: the customer's own words for statuses and events, never the staff's
(no notes, hold reasons, staff names, locations we ship from, e-mail or address)."""

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Prefetch

from documents.models import Document
from documents.models import Kind as DocumentKind
from documents.selectors import latest_document
from orders.models import Order, OrderEvent, OrderLine, OrderStatus
from shipping.models import Shipment, ShipmentLine, ShipmentStatus

Type = OrderEvent.Type

# The order's status as the customer reads it (a hold is ours to deal with, not theirs).
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
# The timeline shows only these events, each in these words: an event's own message is written
# for the staff (who did it, from where, why) and is never shown.
TIMELINE_WORDS = {
    Type.PLACED: "We received your order.",
    Type.CONFIRMED: "Your order was confirmed.",
    Type.BACKORDERED: "Some items are waiting for new stock.",
    Type.BACKORDER_ALLOCATED: "The items you were waiting for are in stock again.",
    Type.PAYMENT_CAPTURED: "We took your payment.",
    Type.PAYMENT_RECEIVED: "We received your payment.",
    Type.SHIPPED: "A parcel left us.",
    Type.DELIVERED: "Your order was delivered.",
    Type.CANCELLED: "Your order was cancelled.",
    Type.PAYMENT_REFUNDED: "We refunded {amount} {currency}.",
}
# A parcel's status in plain words; parcels still without a label, or cancelled, are not shown.
PARCEL_WORDS = {
    ShipmentStatus.LABEL_CREATED: "Packed, about to leave",
    ShipmentStatus.IN_TRANSIT: "On its way",
    ShipmentStatus.OUT_FOR_DELIVERY: "Out for delivery",
    ShipmentStatus.DELIVERED: "Delivered",
    ShipmentStatus.EXCEPTION: "Delayed",
    ShipmentStatus.RETURNED_TO_SENDER: "Coming back to us",
    ShipmentStatus.READY_FOR_PICKUP: "Ready to collect",
    ShipmentStatus.COLLECTED: "Collected",
}
# The documents a customer may download (slips, labels and pick lists are the warehouse's).
CUSTOMER_DOCUMENTS = (DocumentKind.INVOICE, DocumentKind.CREDIT_NOTE)
ORDER_FIELDS = (
    "number",
    "created_at",
    "placed_at",
    "status",
    "currency",
    "subtotal",
    "discount_total",
    "shipping_total",
    "tax_total",
    "total",
)


@dataclass(frozen=True)
class Step:
    at: datetime
    text: str


@dataclass(frozen=True)
class Parcel:
    status: str
    carrier: str
    collect_at: str  # click & collect: the store's name
    tracking_number: str
    tracking_url: str
    estimated_delivery: date | None
    delivered_at: datetime | None
    items: list[tuple[int, str]]


@dataclass(frozen=True)
class StatusPage:
    order: Order
    status: str
    tone: str  # the status whose badge colour the page uses (a hold looks like any other day)
    timeline: list[Step]
    lines: list[OrderLine]
    parcels: list[Parcel]
    documents: list[Document]


def order_for_status(pk: int) -> Order | None:
    """The placed order ``pk`` with only what the page shows (a draft is nobody's to see)."""
    return Order.objects.filter(pk=pk).exclude(status=OrderStatus.DRAFT).only(*ORDER_FIELDS).first()


def status_page(order: Order) -> StatusPage:
    """Everything the page shows, in six queries whatever the order's size: lines, events,
    parcels, their lines, the invoice and the credit notes."""
    return StatusPage(
        order=order,
        status=STATUS_WORDS.get(order.status, ""),
        tone=OrderStatus.PROCESSING if order.status == OrderStatus.ON_HOLD else order.status,
        timeline=_timeline(order),
        lines=list(
            order.lines.only("order", "name", "quantity", "line_total", "discount").order_by("pk")
        ),
        parcels=_parcels(order),
        documents=_documents(order),
    )


def customer_document(order: Order, document_id: int) -> Document | None:
    """One of this order's documents that the customer may download, or None."""
    return Document.objects.filter(pk=document_id, order=order, kind__in=CUSTOMER_DOCUMENTS).first()


def _documents(order: Order) -> list[Document]:
    """The invoice as it stands now (a correction supersedes it) and every credit note."""
    invoice = latest_document(order, DocumentKind.INVOICE)
    credit_notes = Document.objects.filter(order=order, kind=DocumentKind.CREDIT_NOTE)
    return [
        *([invoice] if invoice is not None else []),
        *credit_notes.order_by("created_at", "pk"),
    ]


def _timeline(order: Order) -> list[Step]:
    events = (
        order.events.filter(type__in=list(TIMELINE_WORDS))
        .only("order", "type", "data", "created_at")
        .order_by("created_at", "pk")
    )
    return [
        Step(
            event.created_at,
            TIMELINE_WORDS[event.type].format(
                amount=event.data.get("amount", ""), currency=order.currency
            ),
        )
        for event in events
    ]


def _parcels(order: Order) -> list[Parcel]:
    shipments = (
        Shipment.objects.filter(order=order, status__in=list(PARCEL_WORDS))
        .select_related("carrier", "location")
        .prefetch_related(
            Prefetch("lines", queryset=ShipmentLine.objects.select_related("line").order_by("pk"))
        )
        .order_by("pk")
    )
    return [
        Parcel(
            status=PARCEL_WORDS[shipment.status],
            carrier=shipment.carrier.name if shipment.carrier else "",
            collect_at=shipment.location.name if shipment.is_pickup else "",
            tracking_number=shipment.tracking_number,
            tracking_url=_tracking_url(shipment),
            estimated_delivery=shipment.estimated_delivery,
            delivered_at=shipment.delivered_at or shipment.collected_at,
            items=[(row.quantity, row.line.name) for row in shipment.lines.all()],
        )
        for shipment in shipments
    ]


def _tracking_url(shipment: Shipment) -> str:
    """The carrier's tracking page, only if it is a web address (the page links to it)."""
    url = shipment.tracking_url or (
        shipment.carrier.tracking_url(shipment.tracking_number) if shipment.carrier else ""
    )
    return url if url.startswith(("https://", "http://")) else ""
