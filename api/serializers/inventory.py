"""Products, locations and stock levels out; stock adjustments and counts in (for ERP sync).

Input is checked for shape here; the stock rules (never below what is reserved, the largest
adjustment, the reasons allowed) are inventory's services', whose errors come back with the
field they are about."""

from django.conf import settings
from rest_framework import serializers

from core.limits import INTEGER_COLUMN_MAX
from inventory.models import Location, Product, StockLevel, StockMovement
from inventory.services import ADJUSTMENT_REASONS

MAX_COUNTS = 500  # items in one bulk count: one transaction, one lock of their rows
REASONS = [(reason.value, reason.label) for reason in StockMovement.Reason]
ADJUSTMENT_CHOICES = [(value, label) for value, label in REASONS if value in ADJUSTMENT_REASONS]
UNITS = {"min_value": -INTEGER_COLUMN_MAX, "max_value": INTEGER_COLUMN_MAX}


# --- in -----------------------------------------------------------------------------------


class StockTargetIn(serializers.Serializer):
    sku = serializers.CharField(max_length=64)
    location = serializers.CharField(max_length=20, help_text="An active location's code.")
    reference = serializers.CharField(
        max_length=64,
        required=False,
        allow_blank=True,
        help_text="Your document's number (an ERP journal, a count sheet), kept on the ledger.",
    )
    note = serializers.CharField(max_length=500, required=False, allow_blank=True)


class AdjustIn(StockTargetIn):
    delta = serializers.IntegerField(
        **UNITS, help_text="Signed change of on hand: +5 adds five units, -2 removes two."
    )
    reason = serializers.ChoiceField(choices=ADJUSTMENT_CHOICES)

    def validate(self, attrs: dict) -> dict:
        # As the dashboard's adjustment form: a plain "adjustment" says why.
        if attrs["reason"] == StockMovement.Reason.ADJUSTMENT and not attrs.get("note", "").strip():
            raise serializers.ValidationError(
                {"note": "Explain why the stock is adjusted."}, code="required"
            )
        return attrs


class CountIn(StockTargetIn):
    on_hand = serializers.IntegerField(
        min_value=0, max_value=INTEGER_COLUMN_MAX, help_text="The units counted on the shelf."
    )
    reason = serializers.ChoiceField(
        choices=ADJUSTMENT_CHOICES, default=StockMovement.Reason.CORRECTION
    )


class CountsIn(serializers.Serializer):
    counts = CountIn(many=True, allow_empty=False, max_length=MAX_COUNTS)


# --- out ----------------------------------------------------------------------------------


class LocationOut(serializers.ModelSerializer):
    class Meta:
        model = Location
        fields = [
            "code",
            "name",
            "kind",
            "line1",
            "city",
            "region",
            "postal_code",
            "country",
            "priority",
            "can_ship",
            "can_pickup",
            "is_active",
        ]


class ProductOut(serializers.ModelSerializer):
    """A product with its stock totals over every location."""

    currency = serializers.SerializerMethodField()
    on_hand = serializers.IntegerField(source="on_hand_total")
    reserved = serializers.IntegerField(source="reserved_total")
    available = serializers.IntegerField(source="available_total")

    class Meta:
        model = Product
        fields = [
            "sku",
            "name",
            "barcode",
            "unit_price",
            "currency",
            "weight_grams",
            "is_active",
            "allow_backorder",
            "reorder_point",
            "reorder_quantity",
            "on_hand",
            "reserved",
            "available",
        ]

    def get_currency(self, product: Product) -> str:
        return settings.OMS_DEFAULT_CURRENCY


class LocationStockOut(serializers.ModelSerializer):
    location = serializers.CharField(source="location.code")
    location_name = serializers.CharField(source="location.name")
    available = serializers.IntegerField()

    class Meta:
        model = StockLevel
        fields = ["location", "location_name", "on_hand", "reserved", "available"]


class ProductDetailOut(ProductOut):
    """A product with its stock at each location."""

    stock = LocationStockOut(many=True, source="stock_rows", help_text="Per location.")

    class Meta(ProductOut.Meta):
        fields = [*ProductOut.Meta.fields, "description", "stock"]


class StockLevelOut(serializers.ModelSerializer):
    sku = serializers.CharField(source="product.sku")
    location = serializers.CharField(source="location.code")
    available = serializers.IntegerField(help_text="On hand less reserved.")

    class Meta:
        model = StockLevel
        fields = ["sku", "location", "on_hand", "reserved", "available", "safety_stock", "bin"]


class MovementOut(serializers.ModelSerializer):
    reason = serializers.ChoiceField(choices=REASONS)

    class Meta:
        model = StockMovement
        fields = ["id", "quantity", "reason", "reference", "note", "created_at"]


class StockChangeOut(serializers.Serializer):
    level = StockLevelOut(help_text="The stock row after the change.")
    movement = MovementOut(
        allow_null=True, help_text="The ledger row written; null when a count matched."
    )


class StockChangesOut(serializers.Serializer):
    results = StockChangeOut(many=True)
