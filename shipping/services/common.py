"""What the shipment services share: the locks (the order, then the shipment: the order every
service takes, as ``orders.services.ship_order`` locks the order first), the shipment's own
timeline entries, and the parcel as a carrier adapter sees it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from orders.models import Order

from ..carriers import Label, ShipmentRequest
from ..models import Carrier, Shipment, TrackingEvent
from ..rates import Quote

Actor = AbstractBaseUser | None


def saved_user(actor: Actor) -> Any:
    """Only a saved user goes in a foreign key (tasks and webhooks act as nobody)."""
    return actor if actor is not None and getattr(actor, "pk", None) else None


def lock_shipment(shipment: Shipment) -> Shipment:
    """Lock the shipment's order, then the shipment, and return the shipment re-read."""
    order_id = Shipment.objects.values_list("order_id", flat=True).get(pk=shipment.pk)
    order = Order.objects.select_for_update(of=("self",)).select_related("channel").get(pk=order_id)
    locked = (
        Shipment.objects.select_for_update(of=("self",))
        .select_related("location", "carrier", "service")
        .get(pk=shipment.pk)
    )
    locked.order = order
    return locked


def move(shipment: Shipment, status: str, description: str, *fields: str) -> None:
    """Our own change of the shipment's status, saved with ``fields``, and its timeline entry."""
    shipment.status = status
    shipment.save(update_fields=["status", "updated_at", *fields])
    TrackingEvent.objects.create(
        shipment=shipment,
        carrier=shipment.carrier,
        status=status,
        occurred_at=timezone.now(),
        description=description[:300],
        source=TrackingEvent.Source.OMS,
    )


def file_all(
    shipments: Sequence[Shipment], description: str, carrier: Carrier | None = None, **fields: Any
) -> None:
    """Set ``fields`` (a batch, a manifest) on all the shipments at once, each keeping its
    status, with one timeline entry of ours on each."""
    Shipment.objects.filter(pk__in=[shipment.pk for shipment in shipments]).update(
        **fields, updated_at=timezone.now()
    )
    now = timezone.now()
    TrackingEvent.objects.bulk_create(
        TrackingEvent(
            shipment=shipment,
            carrier=carrier,
            status=shipment.status,
            occurred_at=now,
            description=description,
            source=TrackingEvent.Source.OMS,
        )
        for shipment in shipments
    )


def delivery_deadline(order: Order) -> date | None:
    """The date a parcel of the order should arrive by: the order's promised date (the only
    promise an order carries today), None when there is none (nothing to miss)."""
    return order.promised_ship_date


def parcel(shipment: Shipment) -> ShipmentRequest:
    """The shipment as the carriers see it: from its location to the order's address."""
    return ShipmentRequest(
        destination=shipment.order.shipping_address,
        weight_grams=shipment.weight_grams,
        origin=shipment.location,
        ship_date=timezone.localdate(),
        promised_date=delivery_deadline(shipment.order),
        reference=shipment.order.number,
    )


def chosen_quote(shipment: Shipment) -> Quote:
    """The quote ``buy_label`` recorded on the shipment, as the adapter needs it again."""
    service = shipment.service
    return Quote(
        carrier=shipment.carrier,
        service=service,
        amount=shipment.cost,
        currency=shipment.currency,
        transit_days=service.transit_days,
        estimated_delivery=shipment.estimated_delivery,
        meets_promise=True,
        rate_reference=shipment.rate_reference,
        shipment_reference=shipment.carrier_reference,
    )


def bought_label(shipment: Shipment) -> Label:
    """The shipment's label as the adapter knows it (what voiding it needs)."""
    return Label(
        tracking_number=shipment.tracking_number,
        carrier_reference=shipment.carrier_reference,
        cost=shipment.cost,
        currency=shipment.currency,
    )
