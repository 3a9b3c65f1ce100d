"""Tracking: each carrier scan recorded once (by the carrier's event id), and the shipment moved
to where the latest scan (by when it happened, not when it arrived) says the parcel is, so
events delivered out of order end in the right state. Delivered is terminal: a scan after it
is recorded, and moves nothing. Once every shipment of a fully shipped order is delivered,
the order is delivered too."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence

from django.db import transaction

from orders import services as order_services
from orders.models import Order, OrderStatus

from ..carriers import TrackingUpdate, adapter_for
from ..models import Carrier, Shipment, ShipmentStatus, TrackingEvent, TrackingStatus
from .common import lock_shipment

logger = logging.getLogger(__name__)

# The carrier's statuses that say where a parcel that has left is. "Label created" and
# "cancelled" scans are recorded but move nothing: our own services make those moves.
MOVING_STATUSES = frozenset(
    {
        TrackingStatus.IN_TRANSIT,
        TrackingStatus.OUT_FOR_DELIVERY,
        TrackingStatus.DELIVERED,
        TrackingStatus.EXCEPTION,
        TrackingStatus.RETURNED_TO_SENDER,
    }
)
# Arrived (by carrier or at the counter) or never sent: nothing more will happen to it.
DONE_STATUSES = (ShipmentStatus.DELIVERED, ShipmentStatus.COLLECTED, ShipmentStatus.CANCELLED)


def _record_new(shipment: Shipment, updates: Sequence[TrackingUpdate]) -> list[TrackingEvent]:
    """Append the updates not recorded before (the caller holds the shipment's lock, and the
    unique carrier + event id is the database's guarantee)."""
    known = set(
        TrackingEvent.objects.filter(
            carrier=shipment.carrier, source_event_id__in={u.event_id for u in updates}
        ).values_list("source_event_id", flat=True)
    )
    fresh = []
    for update in updates:
        if update.event_id in known:
            continue
        known.add(update.event_id)
        fresh.append(
            TrackingEvent(
                shipment=shipment,
                carrier=shipment.carrier,
                status=update.status,
                occurred_at=update.occurred_at,
                description=update.message[:300],
                location=update.location[:200],
                source=TrackingEvent.Source.CARRIER,
                source_event_id=update.event_id[:64],
                carrier_status=update.carrier_status[:50],
            )
        )
    return TrackingEvent.objects.bulk_create(fresh)


def tracked_status(shipment: Shipment) -> tuple[str, TrackingEvent | None]:
    """Where the carrier's scans put a parcel that has left, and the scan that says so:
    delivered once any scan says delivered, else the latest scan; in transit without one."""
    scans = shipment.tracking_events.filter(
        source=TrackingEvent.Source.CARRIER, status__in=MOVING_STATUSES
    )
    delivered = scans.filter(status=ShipmentStatus.DELIVERED).order_by("occurred_at", "pk")
    latest = delivered.first() or scans.order_by("-occurred_at", "-pk").first()
    if latest is None:
        return ShipmentStatus.IN_TRANSIT, None
    return latest.status, latest


def deliver_order_if_done(order: Order, actor=None) -> Order:
    """The order is delivered when it is fully shipped and every parcel of it has arrived
    (the caller holds the order's lock)."""
    if order.status != OrderStatus.SHIPPED:
        return order
    if order.shipments.exclude(status__in=DONE_STATUSES).exists():
        return order
    return order_services.mark_delivered(order=order, actor=actor)


def settle(shipment: Shipment) -> None:
    """Move a shipment that has left to where its scans say it is (the caller holds the lock)."""
    if not shipment.is_shipped:
        return
    status, scan = tracked_status(shipment)
    if status == shipment.status:
        return
    shipment.status = status
    fields = ["status", "updated_at"]
    if status == ShipmentStatus.DELIVERED:
        shipment.delivered_at = scan.occurred_at
        fields.append("delivered_at")
    shipment.save(update_fields=fields)
    if status == ShipmentStatus.DELIVERED:
        deliver_order_if_done(shipment.order)


def _latest_estimate(updates: Iterable[TrackingUpdate]):
    dated = [u for u in updates if u.estimated_delivery]
    return max(dated, key=lambda u: u.occurred_at).estimated_delivery if dated else None


@transaction.atomic
def apply_tracking(*, shipment: Shipment, updates: Sequence[TrackingUpdate]) -> int:
    """Record the shipment's new scans and move it (and its order) on; returns how many
    scans were new. Updates of other tracking numbers are ignored."""
    shipment = lock_shipment(shipment)
    mine = [u for u in updates if u.tracking_number == shipment.tracking_number]
    fresh = _record_new(shipment, mine)
    estimate = _latest_estimate(mine)
    if estimate and estimate != shipment.estimated_delivery:
        shipment.estimated_delivery = estimate
        shipment.save(update_fields=["estimated_delivery", "updated_at"])
    settle(shipment)
    return len(fresh)


def receive_tracking(*, carrier: Carrier, updates: Sequence[TrackingUpdate]) -> int:
    """A carrier's webhook: each shipment's updates applied in a transaction of its own (one
    shipment's order lock at a time); numbers we did not ship are logged and skipped."""
    by_number: dict[str, list[TrackingUpdate]] = defaultdict(list)
    for update in updates:
        by_number[update.tracking_number].append(update)
    shipments = Shipment.objects.filter(carrier=carrier, tracking_number__in=list(by_number))
    recorded = 0
    for shipment in shipments.order_by("pk"):
        mine = by_number.pop(shipment.tracking_number)
        recorded += apply_tracking(shipment=shipment, updates=mine)
    if by_number:
        logger.info("%s tracking for unknown numbers skipped: %s", carrier.code, sorted(by_number))
    return recorded


def refresh_tracking(*, shipment: Shipment) -> int:
    """Ask the carrier for the parcel's scans (when a webhook may have been missed)."""
    updates = adapter_for(shipment.carrier).track(shipment.tracking_number)
    return apply_tracking(shipment=shipment, updates=updates)
