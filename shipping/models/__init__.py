"""Shipping's models, by concern: carriers and their rate tables, shipments and tracking, and
the warehouse's fulfilment records (boxes, pick lists, label batches, manifests, at-risk)."""

from .carriers import (
    TRACKING_PLACEHOLDER,
    Carrier,
    CarrierLabel,
    CarrierScan,
    Rate,
    ShippingService,
    ShippingZone,
    TrackingStatus,
    ZoneRule,
    default_currency,
    normalize_postal_code,
)
from .fulfilment import AtRisk, Box, LabelBatch, Manifest, PickList, PickListLine
from .shipments import (
    OPEN_SHIPMENT_STATUSES,
    SHIPPED_STATUSES,
    Shipment,
    ShipmentLine,
    ShipmentStatus,
    TrackingEvent,
)

__all__ = [
    "OPEN_SHIPMENT_STATUSES",
    "SHIPPED_STATUSES",
    "TRACKING_PLACEHOLDER",
    "AtRisk",
    "Box",
    "Carrier",
    "CarrierLabel",
    "CarrierScan",
    "LabelBatch",
    "Manifest",
    "PickList",
    "PickListLine",
    "Rate",
    "Shipment",
    "ShipmentLine",
    "ShipmentStatus",
    "ShippingService",
    "ShippingZone",
    "TrackingEvent",
    "TrackingStatus",
    "ZoneRule",
    "default_currency",
    "normalize_postal_code",
]
