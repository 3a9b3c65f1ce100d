"""Carrier adapters behind one interface: the built-in rate-table carrier and EasyPost."""

from ..models import Carrier
from .base import CarrierAdapter, Label, ShipmentRequest, TrackingUpdate
from .easypost_carrier import EasyPostCarrier
from .rate_table import RateTableCarrier

__all__ = [
    "CarrierAdapter",
    "EasyPostCarrier",
    "Label",
    "RateTableCarrier",
    "ShipmentRequest",
    "TrackingUpdate",
    "adapter_for",
]

_ADAPTERS: dict[str, type[CarrierAdapter]] = {
    Carrier.Adapter.RATE_TABLE: RateTableCarrier,
    Carrier.Adapter.EASYPOST: EasyPostCarrier,
}


def adapter_for(carrier: Carrier) -> CarrierAdapter:
    """The adapter that speaks for ``carrier`` (its ``adapter`` field)."""
    try:
        return _ADAPTERS[carrier.adapter](carrier)
    except KeyError:
        raise ValueError(f"unknown carrier adapter {carrier.adapter!r}") from None
