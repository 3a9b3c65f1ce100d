"""The warehouse's side of fulfilment: the box catalogue packers choose from, pick lists that
batch what a location must pick, label batches (progress that survives a reload), end-of-day
manifests, and the at-risk queue of orders and parcels that will miss their date."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from core.models import TimeStampedModel


class Box(TimeStampedModel):
    """A box (or mailer) packers choose from; its tare is added to the parcel's weight."""

    code = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=100)
    length_mm = models.PositiveIntegerField()
    width_mm = models.PositiveIntegerField()
    height_mm = models.PositiveIntegerField()
    tare_grams = models.PositiveIntegerField(default=0, help_text="The empty box's weight.")
    max_weight_grams = models.PositiveIntegerField(
        null=True, blank=True, help_text="The heaviest content it takes; empty for no limit."
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["length_mm", "width_mm", "height_mm", "code"]
        verbose_name_plural = "boxes"
        constraints = [
            models.CheckConstraint(
                condition=Q(length_mm__gt=0, width_mm__gt=0, height_mm__gt=0),
                name="box_dimensions_gt_0",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.length_mm}×{self.width_mm}×{self.height_mm} mm)"


class PickList(models.Model):
    """Units a picker collects at one location in one walk, batched by bin and SKU."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        DONE = "done", "Done"
        CANCELLED = "cancelled", "Cancelled"

    location = models.ForeignKey(
        "inventory.Location", on_delete=models.PROTECT, related_name="pick_lists"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["location", "status", "-created_at"])]
        permissions = [("pick_orders", "Can pick orders (pick lists, scans, short picks)")]

    def __str__(self) -> str:
        return f"PL-{self.pk}"


class PickListLine(models.Model):
    """Units of one order line to pick at the pick list's location. ``bin`` is copied from the
    stock level when the list is made, so the printed walk order does not change under it."""

    pick_list = models.ForeignKey(PickList, on_delete=models.CASCADE, related_name="lines")
    line = models.ForeignKey("orders.OrderLine", on_delete=models.CASCADE, related_name="+")
    product = models.ForeignKey("inventory.Product", on_delete=models.PROTECT, related_name="+")
    bin = models.CharField(max_length=30, blank=True)
    quantity = models.PositiveIntegerField()
    picked = models.PositiveIntegerField(default=0)
    short = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["bin", "product__sku", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="pick_list_line_quantity_gt_0"
            ),
            models.CheckConstraint(
                condition=Q(picked__lte=models.F("quantity") - models.F("short")),
                name="pick_list_line_picked_lte_quantity",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.product_id} for line {self.line_id}"

    @property
    def to_pick(self) -> int:
        return self.quantity - self.picked - self.short


class LabelBatch(models.Model):
    """Labels bought for many shipments at once by one task. Its progress is read from the
    shipments themselves (labelled or refused), so a page reload shows where it is."""

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    total = models.PositiveIntegerField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Label batch {self.pk} ({self.total})"


class Manifest(models.Model):
    """The end-of-day hand-over list for one carrier at one location, signed by the driver."""

    carrier = models.ForeignKey(
        "shipping.Carrier", on_delete=models.PROTECT, related_name="manifests"
    )
    location = models.ForeignKey(
        "inventory.Location", on_delete=models.PROTECT, related_name="manifests"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    pdf = models.BinaryField(blank=True, default=b"", editable=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["location", "carrier", "-created_at"])]

    def __str__(self) -> str:
        return f"Manifest {self.pk}"


class AtRisk(models.Model):
    """An order that will miss its ship-by date, or a parcel past its estimated delivery or
    held up at the carrier: open until it is resolved, with the person who owns it."""

    class Kind(models.TextChoices):
        LATE_TO_SHIP = "late_to_ship", "Will miss its ship-by date"
        LATE_DELIVERY = "late_delivery", "Past its estimated delivery"
        CARRIER_EXCEPTION = "carrier_exception", "Held up at the carrier"

    order = models.ForeignKey("orders.Order", on_delete=models.CASCADE, related_name="+")
    shipment = models.ForeignKey(
        "shipping.Shipment", on_delete=models.CASCADE, related_name="+", null=True, blank=True
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    reason = models.CharField(max_length=300)
    deadline = models.DateField()
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    opened_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["deadline", "pk"]
        verbose_name = "at-risk item"
        constraints = [
            # one open item per cause: an order's own (no parcel), or a parcel's (two partial
            # constraints, as SQLite has no NULLS NOT DISTINCT)
            models.UniqueConstraint(
                fields=["order", "kind"],
                condition=Q(resolved_at__isnull=True, shipment__isnull=True),
                name="at_risk_open_once_per_order",
            ),
            models.UniqueConstraint(
                fields=["shipment", "kind"],
                condition=Q(resolved_at__isnull=True, shipment__isnull=False),
                name="at_risk_open_once_per_shipment",
            ),
        ]
        indexes = [
            models.Index(
                fields=["deadline", "id"],
                condition=Q(resolved_at__isnull=True),
                name="at_risk_open_idx",
            ),
        ]
        permissions = [("own_at_risk", "Can take, assign and resolve at-risk items")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: order {self.order_id}"
