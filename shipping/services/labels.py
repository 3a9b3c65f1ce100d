"""Rate shopping and labels.

Buying a label is a carrier call, so it never happens under a row lock (as payments'
``call_gateway``): ``buy_label`` records the chosen quote and queues the label task; the task
(``issue_label``) claims the shipment under a short lock and commits, calls the carrier, renders
the 4×6 PDF and the ZPL, and applies the label under a short lock again. A task run twice finds
the label there and stops; one that could not reach the carrier leaves the shipment as it was
and is retried.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from .. import rendering, tasks
from ..carriers import Label, adapter_for
from ..exceptions import CarrierError, CarrierRejected, InvalidShipmentState
from ..models import Carrier, Shipment, ShipmentStatus
from ..rates import Quote, best, sort_quotes
from .common import Actor, chosen_quote, lock_shipment, move, parcel
from .shipments import label_in_flight

logger = logging.getLogger(__name__)

LABEL_FIELDS = [
    "tracking_number",
    "tracking_url",
    "carrier_reference",
    "cost",
    "currency",
    "label_url",
    "label_pdf",
    "label_zpl",
    "label_error",
]


@dataclass(frozen=True)
class RateShop:
    """Every service's quote for the parcel, cheapest first; ``best`` is the one to preselect
    (the cheapest that arrives by the order's deadline, else the fastest); ``unavailable``
    names the carriers that could not quote and why."""

    quotes: list[Quote]
    best: Quote | None
    unavailable: list[str] = field(default_factory=list)


def _check_label_pending(shipment: Shipment) -> None:
    if shipment.is_pickup:
        raise InvalidShipmentState(
            "A click & collect parcel stays at the store: it needs no label.", code="pickup"
        )
    if shipment.status != ShipmentStatus.LABEL_PENDING:
        raise InvalidShipmentState(
            f"The shipment is {shipment.get_status_display().lower()}: it has its label.",
            code="labelled",
        )


def rate_shop(shipment: Shipment) -> RateShop:
    """Quotes from every active carrier for the parcel (live for EasyPost, so no lock is held
    and nothing is written)."""
    shipment = Shipment.objects.select_related("order", "location").get(pk=shipment.pk)
    _check_label_pending(shipment)
    request = parcel(shipment)
    quotes: list[Quote] = []
    unavailable = []
    for carrier in Carrier.objects.filter(is_active=True).order_by("name"):
        try:
            quotes.extend(adapter_for(carrier).quote(request))
        except CarrierError as error:
            unavailable.append(f"{carrier.name}: {error.message}")
    quotes = sort_quotes(quotes)
    return RateShop(quotes=quotes, best=best(quotes), unavailable=unavailable)


@transaction.atomic
def buy_label(*, shipment: Shipment, quote: Quote, actor: Actor = None) -> Shipment:
    """Record the chosen quote and queue the label task (once the transaction commits).

    Until the task is with the carrier the choice may change, and asking again (a double
    click, a task lost with its worker) queues the task again: it buys one label however
    often it runs. After a refusal another quote may be chosen."""
    shipment = lock_shipment(shipment)
    _check_label_pending(shipment)
    if label_in_flight(shipment):
        raise InvalidShipmentState(
            "The label is being bought right now; its answer is awaited.", code="in_progress"
        )
    if not quote.carrier.is_active or quote.service.carrier_id != quote.carrier.pk:
        raise InvalidShipmentState("That quote is not of an active carrier.", code="bad_quote")
    shipment.carrier, shipment.service = quote.carrier, quote.service
    shipment.cost, shipment.currency = quote.amount, quote.currency
    shipment.estimated_delivery = quote.estimated_delivery
    shipment.rate_reference = quote.rate_reference
    shipment.carrier_reference = quote.shipment_reference
    shipment.label_requested_at = timezone.now()
    shipment.label_attempted_at = None
    shipment.label_error = ""
    shipment.save(
        update_fields=[
            "carrier",
            "service",
            "cost",
            "currency",
            "estimated_delivery",
            "rate_reference",
            "carrier_reference",
            "label_requested_at",
            "label_attempted_at",
            "label_error",
            "updated_at",
        ]
    )
    tasks.create_label.delay_on_commit(shipment.pk)
    return shipment


def _claim(shipment: Shipment) -> Shipment | None:
    """Under the lock: the shipment to buy its label now, or None when there is nothing to do
    (bought already, cancelled, refused). Another task on it right now: ``in_progress``."""
    with transaction.atomic():
        shipment = lock_shipment(shipment)
        if (
            shipment.status != ShipmentStatus.LABEL_PENDING
            or shipment.label_requested_at is None
            or shipment.label_error
        ):
            return None
        if label_in_flight(shipment):
            raise InvalidShipmentState(
                "The label is with the carrier already; its answer is awaited.",
                code="in_progress",
            )
        shipment.label_attempted_at = timezone.now()
        shipment.save(update_fields=["label_attempted_at", "updated_at"])
    return shipment


def _release(shipment: Shipment, error: CarrierError) -> None:
    """A refusal is final and shown on the shipment; a carrier out of reach leaves the label
    to be asked for again (the task retries)."""
    with transaction.atomic():
        shipment = lock_shipment(shipment)
        shipment.label_attempted_at = None
        if isinstance(error, CarrierRejected):
            shipment.label_error = error.message[:500]
        shipment.save(update_fields=["label_attempted_at", "label_error", "updated_at"])


def _apply(shipment: Shipment, label: Label, pdf: bytes, zpl: str) -> Shipment | None:
    """Put the label on the shipment under the lock; None when it no longer waits for one
    (cancelled while the carrier answered)."""
    with transaction.atomic():
        shipment = lock_shipment(shipment)
        if shipment.status != ShipmentStatus.LABEL_PENDING or shipment.tracking_number:
            return None
        shipment.tracking_number = label.tracking_number
        shipment.tracking_url = label.tracking_url[:500]
        shipment.carrier_reference = label.carrier_reference[:100]
        shipment.cost, shipment.currency = label.cost, label.currency
        shipment.label_url = label.label_url[:500]
        shipment.label_pdf, shipment.label_zpl = pdf, zpl
        shipment.label_error = ""
        move(
            shipment,
            ShipmentStatus.LABEL_CREATED,
            f"Label bought: {shipment.service}, tracking {label.tracking_number}, "
            f"{label.cost} {label.currency}.",
            *LABEL_FIELDS,
        )
    return shipment


def _void_unwanted(shipment: Shipment, label: Label) -> None:
    """A label bought for a shipment that no longer wants one is voided, not paid for."""
    number = label.tracking_number
    logger.warning("voiding label %s: shipment %s no longer waits for it", number, shipment.pk)
    try:
        adapter_for(shipment.carrier).void_label(label)
    except CarrierError as error:
        logger.error("label %s of shipment %s not voided: %s", number, shipment.pk, error)


def issue_label(*, shipment: Shipment) -> Shipment:
    """The label task's work (see the module docstring): idempotent, safe to run twice."""
    claimed = _claim(shipment)
    if claimed is None:
        return Shipment.objects.get(pk=shipment.pk)
    try:
        label = adapter_for(claimed.carrier).buy_label(parcel(claimed), chosen_quote(claimed))
    except CarrierError as error:
        _release(claimed, error)
        raise
    claimed.tracking_number = label.tracking_number
    applied = _apply(claimed, label, rendering.label_pdf(claimed), rendering.label_zpl(claimed))
    if applied is None:
        _void_unwanted(claimed, label)
        return Shipment.objects.get(pk=shipment.pk)
    return applied
