"""Shipments out (on their own and in an order's detail), and carriers' tracking in.

Tracking is checked for shape here; which parcels the numbers are is the view's question, and
what a scan does to a shipment and its order is ``shipping.services.receive_tracking``'s."""

import hashlib
from datetime import UTC, datetime, timedelta

from django.db import models
from rest_framework import serializers

from shipping.carriers import TrackingUpdate
from shipping.models import Carrier, Shipment, ShipmentLine, ShipmentStatus, TrackingEvent
from shipping.models import TrackingStatus as CarrierStatus

MAX_UPDATES = 500  # one request's scans: a carrier's batch, bounded
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


# --- out ----------------------------------------------------------------------------------


class LabelStatus(models.TextChoices):
    NOT_NEEDED = "not_needed", "Collected at the counter: no label"
    NONE = "none", "No label asked for"
    REQUESTED = "requested", "Being bought from the carrier"
    FAILED = "failed", "The carrier refused it (see label_error)"
    CREATED = "created", "Bought"
    VOIDED = "voided", "Voided"


def label_status(shipment: Shipment) -> str:
    """Where the parcel's label is, as the shipment screen tells it."""
    if shipment.is_pickup:
        return LabelStatus.NOT_NEEDED
    if shipment.status == ShipmentStatus.CANCELLED:
        return LabelStatus.VOIDED if shipment.tracking_number else LabelStatus.NONE
    if shipment.status != ShipmentStatus.LABEL_PENDING:
        return LabelStatus.CREATED
    if shipment.label_error:
        return LabelStatus.FAILED
    return LabelStatus.REQUESTED if shipment.label_requested_at else LabelStatus.NONE


class LabelStatusField(serializers.ChoiceField):
    """The shipment's ``label_status`` (read from the whole shipment), an enum in the schema."""

    def __init__(self, **kwargs) -> None:
        super().__init__(choices=LabelStatus.choices, source="*", read_only=True, **kwargs)

    def to_representation(self, value: Shipment) -> str:
        return str(label_status(value))


class ShipmentLineOut(serializers.ModelSerializer):
    class Meta:
        model = ShipmentLine
        fields = ["line", "quantity"]


class ShipmentLineDetailOut(ShipmentLineOut):
    sku = serializers.CharField(source="line.sku")
    name = serializers.CharField(source="line.name")

    class Meta(ShipmentLineOut.Meta):
        fields = [*ShipmentLineOut.Meta.fields, "sku", "name"]


SHIPMENT_FIELDS = [
    "id",
    "status",
    "location",
    "carrier",
    "service",
    "tracking_number",
    "tracking_url",
    "is_pickup",
    "estimated_delivery",
    "shipped_at",
    "delivered_at",
]


class ShipmentFieldsOut(serializers.ModelSerializer):
    location = serializers.CharField(source="location.code")
    carrier = serializers.CharField(source="carrier.code", default="")
    service = serializers.CharField(source="service.code", default="")

    class Meta:
        model = Shipment
        fields = SHIPMENT_FIELDS


class ShipmentOut(ShipmentFieldsOut):
    """A shipment in its order's detail."""

    lines = ShipmentLineOut(many=True)

    class Meta(ShipmentFieldsOut.Meta):
        fields = [*SHIPMENT_FIELDS, "lines"]


class ShipmentSummaryOut(ShipmentFieldsOut):
    """A row of the shipments list."""

    order = serializers.CharField(source="order.number")

    class Meta(ShipmentFieldsOut.Meta):
        fields = ["id", "order", *SHIPMENT_FIELDS[1:], "created_at"]


class TrackingEventOut(serializers.ModelSerializer):
    class Meta:
        model = TrackingEvent
        fields = ["status", "occurred_at", "description", "location", "source", "carrier_status"]


class ShipmentDetailOut(ShipmentSummaryOut):
    """A shipment: its parcel, label, lines (with their SKUs) and tracking timeline."""

    label_status = LabelStatusField()
    label_error = serializers.CharField(help_text="Why the carrier refused the label, if it did.")
    lines = ShipmentLineDetailOut(many=True)
    tracking_events = TrackingEventOut(many=True, help_text="Oldest first.")

    class Meta(ShipmentSummaryOut.Meta):
        fields = [
            *ShipmentSummaryOut.Meta.fields,
            "label_status",
            "label_error",
            "lines",
            "tracking_events",
        ]


class TrackingOut(serializers.ModelSerializer):
    """Where a parcel is: its status, the carrier's estimate and every step, oldest first."""

    carrier = serializers.CharField(source="carrier.code", default="")
    events = TrackingEventOut(source="tracking_events", many=True)

    class Meta:
        model = Shipment
        fields = [
            "id",
            "carrier",
            "tracking_number",
            "tracking_url",
            "status",
            "estimated_delivery",
            "delivered_at",
            "events",
        ]


# --- in -----------------------------------------------------------------------------------


class TrackingUpdateIn(serializers.Serializer):
    tracking_number = serializers.CharField(max_length=40)
    status = serializers.ChoiceField(choices=CarrierStatus.choices)
    occurred_at = serializers.DateTimeField(help_text="When the scan happened (ISO 8601).")
    description = serializers.CharField(max_length=300, required=False, allow_blank=True)
    location = serializers.CharField(max_length=200, required=False, allow_blank=True)
    estimated_delivery = serializers.DateField(required=False, allow_null=True)
    event_id = serializers.CharField(
        max_length=64,
        required=False,
        allow_blank=True,
        help_text="The carrier's id of the scan; omitted, the tracking number, status and time "
        "make one, so the same update sent again is recorded once.",
    )


def scan_id(data: dict) -> str:
    """A stable id for a scan sent without one (as the EasyPost adapter makes them)."""
    micros = (data["occurred_at"] - EPOCH) // timedelta(microseconds=1)  # whatever its offset
    key = f"{data['tracking_number']}|{data['status']}|{micros}"
    return f"api_{hashlib.sha256(key.encode()).hexdigest()[:40]}"


class TrackingIn(serializers.Serializer):
    carrier = serializers.CharField(
        max_length=20, help_text="The carrier's code in the OMS, e.g. UPS."
    )
    updates = TrackingUpdateIn(many=True, allow_empty=False, max_length=MAX_UPDATES)

    def validate_carrier(self, code: str) -> Carrier:
        # A CharField first, so a code Postgres cannot hold (a NUL) is refused before the query.
        carrier = Carrier.objects.filter(code=code, is_active=True).first()
        if carrier is None:
            raise serializers.ValidationError(f"No active carrier {code}.", code="does_not_exist")
        return carrier

    def tracking_updates(self) -> list[TrackingUpdate]:
        return [
            TrackingUpdate(
                tracking_number=update["tracking_number"],
                status=update["status"],
                occurred_at=update["occurred_at"],
                event_id=update.get("event_id") or scan_id(update),
                message=update.get("description", ""),
                location=update.get("location", ""),
                estimated_delivery=update.get("estimated_delivery"),
            )
            for update in self.validated_data["updates"]
        ]


class TrackingReceivedOut(serializers.Serializer):
    received = serializers.IntegerField(help_text="Updates in the request.")
    recorded = serializers.IntegerField(help_text="Of those, new (the rest were known already).")
