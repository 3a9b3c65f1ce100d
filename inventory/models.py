from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower

from core.models import TimeStampedModel

# SKUs go in URLs, file names and search: letters, digits and - _ . only ("A/B" broke pages).
SKU_PATTERN = r"\A[A-Za-z0-9._-]+\Z"
validate_sku = RegexValidator(
    SKU_PATTERN,
    "A SKU may only contain letters A–Z, digits and - _ . (no spaces or slashes).",
    code="invalid_sku",
)


class Product(TimeStampedModel):
    sku = models.CharField("SKU", max_length=64, unique=True, validators=[validate_sku])
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    unit_price = models.DecimalField(max_digits=12, decimal_places=2)
    cost = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    weight_grams = models.PositiveIntegerField(default=0)
    barcode = models.CharField(max_length=64, blank=True, db_index=True)
    is_active = models.BooleanField(default=True)
    allow_backorder = models.BooleanField(default=False)
    reorder_point = models.PositiveIntegerField(default=0)
    reorder_quantity = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["sku"]
        indexes = [models.Index(fields=["name"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(unit_price__gte=0), name="product_price_gte_0"
            ),
            models.CheckConstraint(condition=models.Q(cost__gte=0), name="product_cost_gte_0"),
            # The database holds the rule too: bulk loads and seeders skip the validator.
            models.CheckConstraint(
                condition=models.Q(sku__regex=SKU_PATTERN),
                name="product_sku_characters",
                violation_error_message=validate_sku.message,
            ),
            # "mug-1" and "MUG-1" are one SKU to the people who type them.
            models.UniqueConstraint(
                Lower("sku"),
                name="product_sku_unique_ignoring_case",
                violation_error_message="A product with this SKU already exists (SKUs ignore "
                "case).",
            ),
        ]
        permissions = [
            ("adjust_stock", "Can adjust stock levels"),
            ("change_product_price", "Can change product prices and costs"),
        ]

    def __str__(self) -> str:
        return f"{self.sku} · {self.name}"


class Location(TimeStampedModel):
    class Kind(models.TextChoices):
        WAREHOUSE = "warehouse", "Warehouse"
        STORE = "store", "Store"
        THIRD_PARTY = "3pl", "Third-party logistics"
        DROPSHIP = "dropship", "Dropship supplier"

    code = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.WAREHOUSE)
    line1 = models.CharField("address line 1", max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    region = models.CharField(max_length=100, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    country = models.CharField(max_length=2, blank=True)
    priority = models.PositiveSmallIntegerField(
        default=100, help_text="Lower numbers are preferred when reserving stock."
    )
    can_ship = models.BooleanField(default=True)
    can_pickup = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["priority", "code"]

    def __str__(self) -> str:
        return f"{self.code} · {self.name}"


class StockLevel(models.Model):
    """How many units of a product are at a location, and how many of those are promised.

    The CHECK constraints are the last line of defence against overselling: whatever the code
    does, the database refuses negative stock or more reserved units than are on hand.
    """

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="stock_levels")
    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="stock_levels")
    on_hand = models.IntegerField(default=0)
    reserved = models.IntegerField(default=0)
    safety_stock = models.IntegerField(
        default=0,
        db_default=0,  # rows written by COPY or by hand get it too
        help_text="Units kept back for walk-in customers: sourcing never reserves them.",
    )
    bin = models.CharField(
        max_length=30,
        blank=True,
        db_default="",
        help_text="Where it sits, e.g. A-03-2: pick lists walk the bins in order.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["location__priority", "location__code"]
        constraints = [
            models.UniqueConstraint(fields=["product", "location"], name="stock_product_location"),
            models.CheckConstraint(condition=models.Q(on_hand__gte=0), name="stock_on_hand_gte_0"),
            models.CheckConstraint(
                condition=models.Q(reserved__gte=0), name="stock_reserved_gte_0"
            ),
            models.CheckConstraint(
                condition=models.Q(reserved__lte=models.F("on_hand")),
                name="stock_reserved_lte_on_hand",
            ),
            models.CheckConstraint(
                condition=models.Q(safety_stock__gte=0), name="stock_safety_stock_gte_0"
            ),
        ]
        indexes = [models.Index(fields=["location", "product"])]

    def __str__(self) -> str:
        return f"{self.product.sku}@{self.location.code}: {self.on_hand} on hand"

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved

    @property
    def sellable(self) -> int:
        """What sourcing may reserve: the available units above the safety stock."""
        return max(0, self.available - self.safety_stock)


class StockMovement(models.Model):
    """Append-only ledger: one row per change of on-hand stock. Never updated or deleted."""

    class Reason(models.TextChoices):
        RECEIPT = "receipt", "Receipt"
        SALE = "sale", "Sale (shipped)"
        RETURN = "return", "Return"
        ADJUSTMENT = "adjustment", "Adjustment"
        TRANSFER = "transfer", "Transfer"
        CORRECTION = "correction", "Correction"
        WRITE_OFF = "write_off", "Write-off (reserved stock)"

    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="movements")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="movements")
    quantity = models.IntegerField(help_text="Signed: positive adds stock, negative removes it.")
    reason = models.CharField(max_length=12, choices=Reason.choices)
    reference = models.CharField(
        max_length=64, blank=True, help_text="Number of the document that caused the movement."
    )
    note = models.CharField(max_length=500, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            # The product page's ledger, newest first, by keyset (created_at, id): with and
            # without its location filter, each page is an index range with a LIMIT.
            models.Index(fields=["product", "-created_at", "-id"]),
            models.Index(fields=["product", "location", "-created_at", "-id"]),
            models.Index(fields=["reference"]),
        ]
        constraints = [
            models.CheckConstraint(condition=~models.Q(quantity=0), name="movement_nonzero"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity:+d} {self.product_id}@{self.location_id} ({self.reason})"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise ValueError("stock movements are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("stock movements are append-only")
