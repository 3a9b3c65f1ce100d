"""Demo tracking: the built-in carrier's side played by the OMS, so demo parcels arrive.

With ``OMS_DEMO_TRACKING`` on, each parcel of a rate-table carrier that was handed over moves
one step (in transit → out for delivery → delivered) once ``OMS_DEMO_TRACKING_STEP_MINUTES``
have passed since its last step. Each step is a scan the carrier records (``record_scan``, with
an event id made of the parcel and the step, so a second run records nothing new), then applied
as the carrier's webhook is (``receive_tracking``): the parcel, and with its last parcel the
order, end delivered through the same code real scans go through.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Max
from django.utils import timezone

from ..carriers import TrackingUpdate
from ..carriers.rate_table import RateTableCarrier
from ..exceptions import CarrierRejected
from ..models import Carrier, Shipment, ShipmentStatus
from .tracking import receive_tracking

logger = logging.getLogger(__name__)

# Where a parcel goes next, and what the carrier says about it.
NEXT_STEP = {
    ShipmentStatus.IN_TRANSIT: (ShipmentStatus.OUT_FOR_DELIVERY, "Out for delivery"),
    ShipmentStatus.OUT_FOR_DELIVERY: (ShipmentStatus.DELIVERED, "Delivered to the recipient"),
}


def _due(now: datetime) -> list[Shipment]:
    """The built-in carriers' parcels on their way whose last step is old enough."""
    step = timedelta(minutes=settings.OMS_DEMO_TRACKING_STEP_MINUTES)
    return list(
        Shipment.objects.filter(
            carrier__adapter=Carrier.Adapter.RATE_TABLE,
            status__in=list(NEXT_STEP),
            shipped_at__isnull=False,
        )
        .exclude(tracking_number="")
        .annotate(last_step=Max("tracking_events__occurred_at"))
        .filter(last_step__lte=now - step)
        .select_related("carrier", "order")
        .order_by("pk")
    )


def advance_demo_tracking(now: datetime | None = None) -> int:
    """Move each due demo parcel one step; returns how many scans were new. Does nothing
    unless ``OMS_DEMO_TRACKING`` is on."""
    if not settings.OMS_DEMO_TRACKING:
        return 0
    now = now or timezone.now()
    by_carrier: dict[int, list[TrackingUpdate]] = defaultdict(list)
    carriers: dict[int, Carrier] = {}
    for shipment in _due(now):
        status, message = NEXT_STEP[shipment.status]
        carriers[shipment.carrier_id] = shipment.carrier
        city = shipment.order.shipping_address.get("city", "")
        try:
            scan = RateTableCarrier(shipment.carrier).record_scan(
                shipment.tracking_number,
                status,
                message=message,
                location=city,
                occurred_at=now,
                event_id=f"demo-{shipment.pk}-{status}",
            )
        except CarrierRejected as error:  # a parcel the carrier has no label of (seeded)
            logger.info("demo tracking skips shipment %s: %s", shipment.pk, error)
            continue
        by_carrier[shipment.carrier_id].append(scan)
    return sum(
        receive_tracking(carrier=carriers[pk], updates=updates)
        for pk, updates in by_carrier.items()
    )
