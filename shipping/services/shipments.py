"""A shipment's life on our side: made from the units an order holds at a location, handed to
the carrier (the stock is committed by ``orders.services.ship_order``), or its label voided."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from inventory.models import Location
from orders import services as order_services
from orders.models import Allocation, Order, OrderLine, OrderStatus

from ..carriers import adapter_for
from ..exceptions import InvalidShipmentState, ShipmentQuantityError
from ..models import (
    OPEN_SHIPMENT_STATUSES,
    Box,
    Shipment,
    ShipmentLine,
    ShipmentStatus,
    TrackingEvent,
)
from . import tracking
from .common import Actor, bought_label, lock_shipment, move, saved_user

# Orders whose reserved units may leave: confirmed and on their way (not placed, held, done).
SHIPPABLE_ORDER_STATUSES = frozenset(
    {OrderStatus.CONFIRMED, OrderStatus.PROCESSING, OrderStatus.PARTIALLY_SHIPPED}
)


def label_in_flight(shipment: Shipment) -> bool:
    """A label task is talking to the carrier now (it started less than one carrier call, with
    room to render the label, ago): its answer is awaited, nothing else may change the label."""
    if shipment.label_attempted_at is None or shipment.tracking_number:
        return False
    window = timedelta(seconds=settings.EASYPOST_TIMEOUT + 30)
    return shipment.label_attempted_at > timezone.now() - window


def _describe(lines: list[tuple[OrderLine, int]]) -> str:
    return ", ".join(f"{quantity} × {line.sku}" for line, quantity in lines)


def not_in_open_shipments(
    units: dict[int, int], order: Order, location: Location
) -> dict[int, int]:
    """``units`` (line id → units of the order at the location) less those an open shipment
    from there has taken already; only the lines with some left."""
    taken = (
        ShipmentLine.objects.filter(
            shipment__order=order,
            shipment__location=location,
            shipment__status__in=OPEN_SHIPMENT_STATUSES,
        )
        .values("line_id")
        .annotate(units=Sum("quantity"))
    )
    left = dict(units)
    for row in taken:
        left[row["line_id"]] = left.get(row["line_id"], 0) - row["units"]
    return {line_id: count for line_id, count in left.items() if count > 0}


def _unshipped_units(order: Order, location: Location) -> dict[int, int]:
    """line id → units the order holds at the location that no open shipment has taken yet."""
    held: dict[int, int] = {}
    for line_id, quantity in Allocation.objects.filter(
        line__order=order, location=location
    ).values_list("line_id", "quantity"):
        held[line_id] = held.get(line_id, 0) + quantity
    return not_in_open_shipments(held, order, location)


def checked_line(
    lines: Mapping[int, OrderLine], order: Order, line_id: int, units: object, verb: str
) -> OrderLine:
    """The order's line ``line_id`` (of ``lines``, by id) asked for ``units`` of, to ``verb``
    ("ship", "pack"): refused unless it is a line of the order and a whole number of units."""
    line = lines.get(line_id)
    if line is None:
        raise ShipmentQuantityError(
            f"Line {line_id} is not a line of order {order.number}.", field="quantities"
        )
    if isinstance(units, bool) or not isinstance(units, int) or units < 0:
        raise ShipmentQuantityError(
            f"{line.sku}: {verb} a whole number of units.", field=f"quantities[{line_id}]"
        )
    return line


def _lines_to_ship(
    order: Order, location: Location, quantities: Mapping[int, int] | None
) -> list[tuple[OrderLine, int]]:
    """The order's lines with the units this shipment takes: all those held at the location
    (and in no other open shipment), or ``quantities`` (line id → units), each checked."""
    free = _unshipped_units(order, location)
    lines = {line.pk: line for line in order.lines.select_related("product")}
    wanted = dict(free) if quantities is None else dict(quantities)
    chosen = []
    for line_id, quantity in wanted.items():
        line = checked_line(lines, order, line_id, quantity, "ship")
        if quantity > free.get(line_id, 0):
            raise ShipmentQuantityError(
                f"{line.sku}: {quantity} asked, but only {free.get(line_id, 0)} allocated at "
                f"{location.code} and not in another shipment.",
                field=f"quantities[{line_id}]",
            )
        if quantity:
            chosen.append((line, quantity))
    if not chosen:
        raise ShipmentQuantityError(
            f"Order {order.number} has nothing allocated at {location.code} left to ship."
        )
    return sorted(chosen, key=lambda pair: pair[0].pk)


def _weight(lines: list[tuple[OrderLine, int]]) -> int:
    weight = sum(line.product.weight_grams * quantity for line, quantity in lines)
    if weight <= 0:
        raise ShipmentQuantityError(
            "The parcel's weight is unknown: set the products' weights or give the weight.",
            field="weight_grams",
        )
    return weight


@transaction.atomic
def create_shipment(
    *,
    order: Order,
    location: Location,
    quantities: Mapping[int, int] | None = None,
    weight_grams: int | None = None,
    box: Box | None = None,
    length_mm: int | None = None,
    width_mm: int | None = None,
    height_mm: int | None = None,
    actor: Actor = None,
) -> Shipment:
    """A parcel of the units the order holds at ``location``: all of them not already in an
    open shipment, or ``quantities`` (line id → units), never more than is allocated there.
    Its weight is the products' unless given (a packed box weighs more), its box and
    dimensions as packed. A click & collect order's parcel at its store is a pickup (no
    carrier, no label). The units stay allocated until the parcel ships or is collected."""
    order = Order.objects.select_for_update(of=("self",)).get(pk=order.pk)
    if order.status not in SHIPPABLE_ORDER_STATUSES:
        raise InvalidShipmentState(
            f"Order {order.number} is {order.get_status_display().lower()}: "
            "only confirmed orders ship.",
            code="order_not_shippable",
        )
    lines = _lines_to_ship(order, location, quantities)
    if weight_grams is not None and (isinstance(weight_grams, bool) or weight_grams <= 0):
        raise ShipmentQuantityError("A parcel weighs more than 0 g.", field="weight_grams")
    is_pickup = order.pickup_location_id is not None and order.pickup_location_id == location.pk
    shipment = Shipment.objects.create(
        order=order,
        location=location,
        weight_grams=weight_grams or _weight(lines),
        box=box,
        length_mm=length_mm,
        width_mm=width_mm,
        height_mm=height_mm,
        is_pickup=is_pickup,
        created_by=saved_user(actor),
    )
    ShipmentLine.objects.bulk_create(
        ShipmentLine(shipment=shipment, line=line, quantity=quantity) for line, quantity in lines
    )
    TrackingEvent.objects.create(
        shipment=shipment,
        status=ShipmentStatus.LABEL_PENDING,
        occurred_at=timezone.now(),
        description=(
            f"{'Pickup parcel' if is_pickup else 'Shipment'} of {_describe(lines)} "
            f"from {location.code} created{f' in {box.code}' if box else ''}."
        ),
        source=TrackingEvent.Source.OMS,
    )
    return shipment


@transaction.atomic
def ship(*, shipment: Shipment, actor: Actor = None) -> Shipment:
    """Hand the labelled parcel to the carrier: in the same transaction the order ships its
    units from the shipment's location (``orders.services.ship_order``: the ledger records the
    sale, the order moves on, payments captures on its ``shipped`` event). Scans the carrier
    sent before are applied at once."""
    shipment = lock_shipment(shipment)
    if shipment.is_pickup:
        raise InvalidShipmentState(
            "A pickup parcel is collected at the counter, not handed to a carrier.",
            code="pickup",
        )
    if shipment.status != ShipmentStatus.LABEL_CREATED:
        raise InvalidShipmentState(
            f"Only a labelled shipment can be handed over; this one is "
            f"{shipment.get_status_display().lower()}.",
        )
    _commit_stock(shipment, actor)
    shipment.shipped_at = timezone.now()
    carrier = shipment.carrier.name
    move(shipment, ShipmentStatus.IN_TRANSIT, f"Handed to {carrier}.", "shipped_at")
    tracking.settle(shipment)
    return shipment


def _commit_stock(shipment: Shipment, actor: Actor) -> None:
    """The order ships the parcel's units from its location (the caller holds the locks)."""
    order = shipment.order
    if order.status == OrderStatus.CONFIRMED:
        order = order_services.start_processing(order=order, actor=actor)
    quantities = dict(shipment.lines.values_list("line_id", "quantity"))
    shipment.order = order_services.ship_order(
        order=order, quantities=quantities, location_id=shipment.location_id, actor=actor
    )


@transaction.atomic
def mark_ready_for_pickup(*, shipment: Shipment, actor: Actor = None) -> Shipment:
    """A packed pickup parcel is on the store's shelf: the customer may come for it (no
    carrier, no label). Asking twice is fine."""
    shipment = lock_shipment(shipment)
    if not shipment.is_pickup:
        raise InvalidShipmentState(
            "Only a click & collect parcel waits for pickup; this one goes by carrier.",
            code="not_pickup",
        )
    if shipment.status == ShipmentStatus.READY_FOR_PICKUP:
        return shipment
    if shipment.status != ShipmentStatus.LABEL_PENDING:
        raise InvalidShipmentState(
            f"The parcel is {shipment.get_status_display().lower()}: it cannot be put out for "
            "pickup.",
        )
    move(
        shipment,
        ShipmentStatus.READY_FOR_PICKUP,
        f"Ready for pickup at {shipment.location.code}.",
    )
    return shipment


# A parcel that has reached its customer, or never will: the order is done when all are.
@transaction.atomic
def collect(*, shipment: Shipment, collected_by: str, actor: Actor = None) -> Shipment:
    """The customer (or who they sent) takes the parcel at the counter: the order ships its
    units from the store (the ledger records the sale, payments captures), the parcel is
    collected by ``collected_by``, and the order is delivered once every parcel has arrived."""
    collected_by = " ".join((collected_by or "").split())
    if not collected_by:
        raise InvalidShipmentState(
            "Enter who collected the parcel, as shown at the counter.",
            code="collected_by_required",
            field="collected_by",
        )
    if len(collected_by) > Shipment._meta.get_field("collected_by").max_length:
        raise InvalidShipmentState("That name is too long.", field="collected_by")
    shipment = lock_shipment(shipment)
    if shipment.status == ShipmentStatus.COLLECTED:
        return shipment
    if shipment.status != ShipmentStatus.READY_FOR_PICKUP:
        raise InvalidShipmentState(
            f"Only a parcel ready for pickup can be collected; this one is "
            f"{shipment.get_status_display().lower()}.",
        )
    _commit_stock(shipment, actor)
    now = timezone.now()
    shipment.collected_by, shipment.collected_at, shipment.shipped_at = collected_by, now, now
    move(
        shipment,
        ShipmentStatus.COLLECTED,
        f"Collected by {collected_by} at {shipment.location.code}.",
        "collected_by",
        "collected_at",
        "shipped_at",
    )
    shipment.order = tracking.deliver_order_if_done(shipment.order, actor)
    return shipment


def _check_voidable(shipment: Shipment) -> None:
    if shipment.is_shipped:
        raise InvalidShipmentState(
            "The parcel has left with the carrier: its label can no longer be voided.",
            code="already_shipped",
        )
    if label_in_flight(shipment):
        raise InvalidShipmentState(
            "The label is being bought right now; void it once it is there.", code="in_progress"
        )


def void_label(*, shipment: Shipment, actor: Actor = None) -> Shipment:
    """Cancel the shipment before pickup: the carrier voids its label (called outside any
    lock), its units stay allocated for another shipment. Voiding twice is fine."""
    with transaction.atomic():
        shipment = lock_shipment(shipment)
        if shipment.status == ShipmentStatus.CANCELLED:
            return shipment
        _check_voidable(shipment)
        if shipment.status == ShipmentStatus.LABEL_PENDING:
            move(shipment, ShipmentStatus.CANCELLED, "Cancelled before a label was bought.")
            return shipment
        if shipment.is_pickup:  # no label to void: its units go back for another parcel
            move(shipment, ShipmentStatus.CANCELLED, "Pickup parcel unpacked.")
            return shipment
    if not adapter_for(shipment.carrier).void_label(bought_label(shipment)):
        raise InvalidShipmentState(
            f"{shipment.carrier.name} refused to void {shipment.tracking_number}: "
            "it has the parcel already.",
            code="void_refused",
        )
    with transaction.atomic():
        shipment = lock_shipment(shipment)
        if shipment.status == ShipmentStatus.LABEL_CREATED:
            move(shipment, ShipmentStatus.CANCELLED, f"Label {shipment.tracking_number} voided.")
    return shipment
