"""Every write to shipments: made from an order's allocations, rate-shopped, labelled (by a
task), shipped, voided and tracked. Callers say ``shipping.services.create_shipment``."""

from .labels import RateShop, buy_label, issue_label, rate_shop
from .shipments import create_shipment, ship, void_label
from .tracking import apply_tracking, receive_tracking, refresh_tracking

__all__ = [
    "RateShop",
    "apply_tracking",
    "buy_label",
    "create_shipment",
    "issue_label",
    "rate_shop",
    "receive_tracking",
    "refresh_tracking",
    "ship",
    "void_label",
]
