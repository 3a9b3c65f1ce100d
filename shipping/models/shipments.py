"""Shipments: one parcel of an order from one location, its lines and its tracking timeline."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from core.models import TimeStampedModel

from .carriers import Carrier, ShippingService, TrackingStatus

# --- shipments -----------------------------------------------------------------------------------


class ShipmentStatus(models.TextChoices):
    """A shipment's life: the tracking statuses, with "label pending" before them. Shipping it
    (handing it to the carrier) puts it in transit; the carrier's scans move it on."""

    LABEL_PENDING = "label_pending", "Label pending"
    LABEL_CREATED = TrackingStatus.LABEL_CREATED.value, TrackingStatus.LABEL_CREATED.label
    IN_TRANSIT = TrackingStatus.IN_TRANSIT.value, TrackingStatus.IN_TRANSIT.label
    OUT_FOR_DELIVERY = TrackingStatus.OUT_FOR_DELIVERY.value, TrackingStatus.OUT_FOR_DELIVERY.label
    DELIVERED = TrackingStatus.DELIVERED.value, TrackingStatus.DELIVERED.label
    EXCEPTION = TrackingStatus.EXCEPTION.value, TrackingStatus.EXCEPTION.label
    RETURNED_TO_SENDER = (
        TrackingStatus.RETURNED_TO_SENDER.value,
        TrackingStatus.RETURNED_TO_SENDER.label,
    )
    CANCELLED = TrackingStatus.CANCELLED.value, TrackingStatus.CANCELLED.label
    # Click & collect: packed at the store, waiting on its shelf, then handed to the customer.
    READY_FOR_PICKUP = "ready_for_pickup", "Ready for pickup"
    COLLECTED = "collected", "Collected"


# Handed to the carrier: the stock is gone and the carrier's scans say where the parcel is.
SHIPPED_STATUSES = frozenset(
    {
        ShipmentStatus.IN_TRANSIT,
        ShipmentStatus.OUT_FOR_DELIVERY,
        ShipmentStatus.DELIVERED,
        ShipmentStatus.EXCEPTION,
        ShipmentStatus.RETURNED_TO_SENDER,
        ShipmentStatus.COLLECTED,
    }
)
# Not shipped yet and not cancelled: their units are spoken for at their location.
OPEN_SHIPMENT_STATUSES = frozenset(
    {ShipmentStatus.LABEL_PENDING, ShipmentStatus.LABEL_CREATED, ShipmentStatus.READY_FOR_PICKUP}
)


class Shipment(TimeStampedModel):
    """One parcel of an order from one location.

    The label PDF is kept in the row (``label_pdf``, a few tens of KB) rather than in a file
    storage: it is written in the same transaction as the tracking number that is printed on
    it, so a label never exists without its shipment or the other way round, and the web and
    worker containers need no shared volume to read what the other wrote.
    """

    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="shipments")
    location = models.ForeignKey(
        "inventory.Location", on_delete=models.PROTECT, related_name="shipments"
    )
    carrier = models.ForeignKey(
        Carrier, on_delete=models.PROTECT, related_name="shipments", null=True, blank=True
    )
    service = models.ForeignKey(
        ShippingService, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    status = models.CharField(
        max_length=20, choices=ShipmentStatus.choices, default=ShipmentStatus.LABEL_PENDING
    )
    tracking_number = models.CharField(max_length=40, blank=True)
    tracking_url = models.CharField(max_length=500, blank=True)
    cost = models.DecimalField(
        max_digits=10, decimal_places=2, null=True, blank=True, help_text="Quoted, then paid."
    )
    currency = models.CharField(max_length=3, blank=True)
    weight_grams = models.PositiveIntegerField()
    box = models.ForeignKey(
        "shipping.Box", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    length_mm = models.PositiveIntegerField(null=True, blank=True)
    width_mm = models.PositiveIntegerField(null=True, blank=True)
    height_mm = models.PositiveIntegerField(null=True, blank=True)
    is_pickup = models.BooleanField(
        default=False, help_text="Click & collect: the customer collects it at the location."
    )
    collected_by = models.CharField(
        max_length=200, blank=True, help_text="Who collected it, as shown at the counter."
    )
    collected_at = models.DateTimeField(null=True, blank=True)
    manifest = models.ForeignKey(
        "shipping.Manifest",
        on_delete=models.SET_NULL,
        related_name="shipments",
        null=True,
        blank=True,
    )
    label_batch = models.ForeignKey(
        "shipping.LabelBatch",
        on_delete=models.SET_NULL,
        related_name="shipments",
        null=True,
        blank=True,
    )
    estimated_delivery = models.DateField(null=True, blank=True)
    shipped_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    label_pdf = models.BinaryField(blank=True, default=b"", editable=False)
    label_zpl = models.TextField(blank=True)
    label_url = models.CharField(max_length=500, blank=True, help_text="The carrier's own file.")
    carrier_reference = models.CharField(
        max_length=100, blank=True, help_text="The carrier's id of the shipment or label."
    )
    rate_reference = models.CharField(max_length=100, blank=True)
    label_requested_at = models.DateTimeField(null=True, blank=True)
    label_attempted_at = models.DateTimeField(null=True, blank=True)
    label_error = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["carrier", "tracking_number"],
                condition=~Q(tracking_number=""),
                name="shipment_carrier_tracking_number",
            ),
            models.CheckConstraint(
                condition=Q(cost__isnull=True) | Q(cost__gte=0), name="shipment_cost_gte_0"
            ),
            models.CheckConstraint(condition=Q(weight_grams__gt=0), name="shipment_weight_gt_0"),
        ]
        permissions = [
            ("pack_orders", "Can pack picked units into parcels"),
            ("ship_orders", "Can buy labels, ship parcels and hand over pickups"),
        ]
        indexes = [
            models.Index(fields=["status", "-created_at"], name="shipment_status_idx"),
            models.Index(fields=["carrier", "status", "-created_at"], name="shipment_carrier_idx"),
            models.Index(
                fields=["location", "status", "-created_at"], name="shipment_location_idx"
            ),
            # shipments past their estimated delivery, for the at-risk sweep
            models.Index(
                fields=["estimated_delivery"],
                condition=Q(status__in=["in_transit", "out_for_delivery", "exception"]),
                name="shipment_in_transit_eta_idx",
            ),
            # the end-of-day manifest: what was handed over and is on no manifest yet
            models.Index(
                fields=["location", "carrier", "shipped_at"],
                condition=Q(manifest__isnull=True, shipped_at__isnull=False),
                name="shipment_unmanifested_idx",
            ),
            # the API's "shipped since" filter: an integration polling for what left lately
            models.Index(
                fields=["shipped_at"],
                condition=Q(shipped_at__isnull=False),
                name="shipment_shipped_at_idx",
            ),
            # the global search and a webhook of a carrier we cannot tell apart by its URL
            models.Index(
                fields=["tracking_number"],
                condition=~Q(tracking_number=""),
                name="shipment_tracking_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.tracking_number or f"Shipment {self.pk} of order {self.order_id}"

    @property
    def is_shipped(self) -> bool:
        return self.status in SHIPPED_STATUSES


class ShipmentLine(models.Model):
    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="lines")
    line = models.ForeignKey(
        "orders.OrderLine", on_delete=models.PROTECT, related_name="shipment_lines"
    )
    quantity = models.PositiveIntegerField()

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["shipment", "line"], name="shipment_line_once"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="shipment_line_quantity_gt_0"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.line.sku}"


class TrackingEvent(models.Model):
    """A step of a shipment: a carrier's scan (``source_event_id`` is the carrier's id of it, so
    a webhook delivered twice is recorded once) or one of our own moves (label bought, handed
    over, voided), so the timeline holds every change of state."""

    class Source(models.TextChoices):
        CARRIER = "carrier", "Carrier"
        OMS = "oms", "OMS"

    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="tracking_events")
    carrier = models.ForeignKey(
        Carrier, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    status = models.CharField(max_length=20, choices=ShipmentStatus.choices)
    occurred_at = models.DateTimeField()
    description = models.CharField(max_length=300, blank=True)
    location = models.CharField(max_length=200, blank=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.CARRIER)
    source_event_id = models.CharField(max_length=64, blank=True)
    carrier_status = models.CharField(max_length=50, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["occurred_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["carrier", "source_event_id"],
                condition=~Q(source_event_id=""),
                name="tracking_event_once_per_carrier",
            ),
        ]
        indexes = [
            models.Index(fields=["shipment", "occurred_at"], name="tracking_event_shipment"),
        ]

    def __str__(self) -> str:
        return f"{self.shipment_id} {self.status} at {self.occurred_at:%Y-%m-%d %H:%M}"
