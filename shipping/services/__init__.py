"""Every write to shipments: made from an order's allocations, rate-shopped, labelled (by a
task), shipped, voided and tracked. Callers say ``shipping.services.create_shipment``."""

from .batches import create_label_batch, run_label_batch
from .demo_tracking import advance_demo_tracking
from .labels import RateShop, buy_label, issue_label, rate_shop
from .manifests import close_manifest
from .packing import match_scan, pack_parcel, packable_units
from .picking import (
    cancel_pick_list,
    complete_pick_list,
    create_pick_list,
    scan_pick,
    short_pick,
)
from .risk import assign_at_risk, resolve_at_risk, sweep_at_risk
from .shipments import collect, create_shipment, mark_ready_for_pickup, ship, void_label
from .tracking import apply_tracking, receive_tracking, refresh_tracking

__all__ = [
    "RateShop",
    "advance_demo_tracking",
    "apply_tracking",
    "assign_at_risk",
    "buy_label",
    "cancel_pick_list",
    "close_manifest",
    "collect",
    "complete_pick_list",
    "create_label_batch",
    "create_pick_list",
    "create_shipment",
    "issue_label",
    "mark_ready_for_pickup",
    "match_scan",
    "pack_parcel",
    "packable_units",
    "rate_shop",
    "receive_tracking",
    "refresh_tracking",
    "resolve_at_risk",
    "run_label_batch",
    "scan_pick",
    "ship",
    "short_pick",
    "sweep_at_risk",
    "void_label",
]
