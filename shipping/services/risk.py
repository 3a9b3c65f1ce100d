"""The at-risk queue: orders that will miss their ship-by date and parcels past their estimated
delivery or held up at the carrier, each opened once (a partial unique constraint backs it) and
resolved when its cause is gone, or by the person who owns it.

``sweep_at_risk`` reads in bulk: one query per kind of cause, one for the open items, one for
the states of the items whose cause is gone, and one grouped read of the late orders' units;
the items it opens or resolves are written with one INSERT and one UPDATE, and their timeline
entries with one INSERT (``orders.events.recorded_together``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Q, Sum
from django.utils import timezone

from core.parsing import clean_text
from core.roles import CUSTOMER_SERVICE, WAREHOUSE
from orders import events as order_events
from orders.models import OPEN_STATUS_VALUES, Allocation, Order, OrderEvent, OrderLine

from ..exceptions import FulfilmentQueueError
from ..models import AtRisk, Shipment, ShipmentStatus
from .common import Actor, saved_user

Kind = AtRisk.Kind
Key = tuple[int, int | None, str]  # (order id, shipment id or None, kind)

LATE_DELIVERY_STATUSES = (ShipmentStatus.IN_TRANSIT, ShipmentStatus.OUT_FOR_DELIVERY)
# Who an item may be given to: the people who can act on an order or a parcel.
OWNER_GROUPS = (CUSTOMER_SERVICE, WAREHOUSE)
NOTE_LENGTH = AtRisk._meta.get_field("resolution").max_length
# How the sweep's own resolutions start: an item resolved by a person (whose note does not)
# is not opened again for the same cause and deadline, however often the sweep runs.
AUTOMATIC = "Resolved automatically: "
SWEEP_LOCK = 0x0A7215C  # the advisory lock one sweep at a time holds (PostgreSQL)


@dataclass(frozen=True)
class Cause:
    order: Order
    shipment: Shipment | None
    kind: str
    reason: str
    deadline: date

    @property
    def key(self) -> Key:
        return (self.order.pk, self.shipment.pk if self.shipment else None, self.kind)


@dataclass(frozen=True)
class Sweep:
    opened: int
    resolved: int


def day_label(day: date) -> str:
    """``2 Dec``: the short date reasons are written with."""
    return f"{day.day} {day:%b}"


# --- finding the causes ------------------------------------------------------------------------


def _units(order_ids: list[int]) -> dict[int, tuple[int, int]]:
    """order id → (units not shipped, of which picked), in two grouped reads."""
    ordered = dict.fromkeys(order_ids, 0)
    for row in (
        OrderLine.objects.filter(order_id__in=order_ids)
        .values("order_id")
        .annotate(quantity=Sum("quantity"), shipped=Sum("quantity_shipped"))
    ):
        ordered[row["order_id"]] = row["quantity"] - row["shipped"]
    picked = {
        row["line__order_id"]: row["picked"]
        for row in Allocation.objects.filter(line__order_id__in=order_ids)
        .values("line__order_id")
        .annotate(picked=Sum("picked_quantity"))
    }
    return {pk: (units, picked.get(pk) or 0) for pk, units in ordered.items()}


def _late_to_ship_reason(units: int, picked: int, ship_by: date) -> str:
    unpicked = units - picked
    if unpicked > 0:
        what = f"{unpicked} unit{'s' if unpicked != 1 else ''} not picked"
    else:
        what = f"{units} unit{'s' if units != 1 else ''} picked, not shipped"
    return f"{what}, ship-by {day_label(ship_by)}"


def _late_to_ship(today: date) -> list[Cause]:
    """Open orders whose ship-by day has come (an open order is not fully shipped): the
    partial index of open orders by ship-by answers it."""
    orders = list(
        Order.objects.filter(status__in=OPEN_STATUS_VALUES, ship_by__lte=today).only(
            "id", "number", "status", "ship_by"
        )
    )
    units = _units([order.pk for order in orders])
    return [
        Cause(
            order,
            None,
            Kind.LATE_TO_SHIP,
            _late_to_ship_reason(*units[order.pk], order.ship_by),
            order.ship_by,
        )
        for order in orders
    ]


def _parcel_causes(today: date) -> list[Cause]:
    """Parcels past their estimated delivery, and parcels held up at the carrier, in one read
    of the partial index of parcels on their way."""
    shipments = (
        Shipment.objects.filter(
            Q(status__in=LATE_DELIVERY_STATUSES, estimated_delivery__lt=today)
            | Q(status=ShipmentStatus.EXCEPTION)
        )
        .select_related("order", "carrier")
        .only(
            "id",
            "status",
            "tracking_number",
            "estimated_delivery",
            "carrier__name",
            "order__id",
            "order__number",
            "order__status",
        )
    )
    causes = []
    for shipment in shipments:
        carrier = shipment.carrier.name if shipment.carrier else "the carrier"
        number = shipment.tracking_number or f"shipment {shipment.pk}"
        eta = shipment.estimated_delivery
        if shipment.status == ShipmentStatus.EXCEPTION:
            reason = f"{number} is held up at {carrier}"
            causes.append(
                Cause(shipment.order, shipment, Kind.CARRIER_EXCEPTION, reason, eta or today)
            )
        else:
            reason = f"{number} was due {day_label(eta)} and is still on its way with {carrier}"
            causes.append(Cause(shipment.order, shipment, Kind.LATE_DELIVERY, reason, eta))
    return causes


# --- the sweep ---------------------------------------------------------------------------------


def _resolution(item: AtRisk, orders: dict[int, Order], shipments: dict[int, Shipment]) -> str:
    """Why an open item's cause is gone, in words, from its order's or parcel's state now."""
    if item.kind == Kind.LATE_TO_SHIP:
        order = orders.get(item.order_id)
        if order is None:
            return "The order is gone."
        if order.status in OPEN_STATUS_VALUES:
            moved = f" to {day_label(order.ship_by)}" if order.ship_by else ""
            return f"The ship-by date was moved{moved}."
        return f"The order is {order.get_status_display().lower()}."
    shipment = shipments.get(item.shipment_id)
    if shipment is None:
        return "The shipment is gone."
    if shipment.status in LATE_DELIVERY_STATUSES and item.kind == Kind.LATE_DELIVERY:
        moved = day_label(shipment.estimated_delivery) if shipment.estimated_delivery else "none"
        return f"The estimated delivery moved to {moved}."
    return f"The parcel is {shipment.get_status_display().lower()}."


def _resolve_gone(gone: list[AtRisk], now) -> None:
    orders = Order.objects.in_bulk(
        {item.order_id for item in gone if item.kind == Kind.LATE_TO_SHIP}
    )
    shipments = Shipment.objects.in_bulk({item.shipment_id for item in gone if item.shipment_id})
    for item in gone:
        text = AUTOMATIC + _resolution(item, orders, shipments)
        item.resolved_at, item.resolution = now, text[:NOTE_LENGTH]
    AtRisk.objects.bulk_update(gone, ["resolved_at", "resolution"])


def _timeline(opened: list[Cause], gone: list[AtRisk], orders: dict[int, Order]) -> None:
    """One note per item opened or resolved, on the order's timeline, written in one INSERT."""
    with order_events.recorded_together():
        for cause in opened:
            order_events.record(
                cause.order,
                OrderEvent.Type.NOTE,
                f"At risk: {Kind(cause.kind).label.lower()} ({cause.reason}).",
                None,
                at_risk=cause.kind,
                shipment=cause.shipment.pk if cause.shipment else None,
                deadline=cause.deadline.isoformat(),
            )
        for item in gone:
            order = orders.get(item.order_id)
            if order is not None:
                order_events.record(
                    order,
                    OrderEvent.Type.NOTE,
                    f"No longer at risk ({Kind(item.kind).label.lower()}): "
                    f"{item.resolution.removeprefix(AUTOMATIC)}",
                    None,
                    at_risk_resolved=item.kind,
                    shipment=item.shipment_id,
                )


def _not_settled_by_hand(causes: list[Cause]) -> list[Cause]:
    """Leave out the causes a person resolved already, for the same deadline (the customer was
    told; a new ship-by or delivery date is a new cause)."""
    if not causes:
        return causes
    settled = {
        (item.order_id, item.shipment_id, item.kind, item.deadline)
        for item in AtRisk.objects.filter(
            resolved_at__isnull=False, order_id__in={cause.order.pk for cause in causes}
        ).exclude(resolution__startswith=AUTOMATIC)
    }
    return [cause for cause in causes if (*cause.key, cause.deadline) not in settled]


@transaction.atomic
def sweep_at_risk(today: date | None = None) -> Sweep:
    """Open an item for each cause that has none open, resolve the open items whose cause is
    gone. Running it again opens and resolves nothing more."""
    today = today or timezone.localdate()
    if connection.vendor == "postgresql":  # a second sweep waits, then finds the items open
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SWEEP_LOCK])
    causes = {cause.key: cause for cause in [*_late_to_ship(today), *_parcel_causes(today)]}
    open_items = list(AtRisk.objects.filter(resolved_at__isnull=True))
    open_keys = {(item.order_id, item.shipment_id, item.kind) for item in open_items}
    new = _not_settled_by_hand([cause for key, cause in causes.items() if key not in open_keys])
    gone = [
        item for item in open_items if (item.order_id, item.shipment_id, item.kind) not in causes
    ]
    AtRisk.objects.bulk_create(
        [
            AtRisk(
                order=cause.order,
                shipment=cause.shipment,
                kind=cause.kind,
                reason=cause.reason[:300],
                deadline=cause.deadline,
            )
            for cause in new
        ],
        ignore_conflicts=True,  # a sweep running beside this one opened it first
    )
    if gone:
        _resolve_gone(gone, timezone.now())
    gone_orders = Order.objects.in_bulk({item.order_id for item in gone}) if gone else {}
    _timeline(new, gone, gone_orders)
    return Sweep(opened=len(new), resolved=len(gone))


# --- the people working the queue --------------------------------------------------------------


def assignable_users():
    """Active users of the groups an item may be given to."""
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name__in=OWNER_GROUPS)
        .distinct()
        .order_by("username")
    )


def _lock_open(item: AtRisk) -> AtRisk:
    locked = AtRisk.objects.select_for_update(of=("self",)).select_related("order").get(pk=item.pk)
    if locked.resolved_at is not None:
        raise FulfilmentQueueError(
            f"This item was resolved already: {locked.resolution}", code="resolved"
        )
    return locked


@transaction.atomic
def assign_at_risk(*, item: AtRisk, owner, actor: Actor = None) -> AtRisk:
    """Give the open item to ``owner`` (one of ``assignable_users``; "Take" is the actor)."""
    item = _lock_open(item)
    is_admin = getattr(owner, "is_superuser", False) and owner == actor
    if owner is None or not (is_admin or assignable_users().filter(pk=owner.pk).exists()):
        raise FulfilmentQueueError(
            "Give it to someone in Customer service or the Warehouse.", field="owner"
        )
    item.owner = owner
    item.save(update_fields=["owner"])
    order_events.record(
        item.order,
        OrderEvent.Type.NOTE,
        f"At-risk item ({Kind(item.kind).label.lower()}) given to {owner.get_username()}.",
        actor,
        at_risk_owner=owner.pk,
    )
    return item


@transaction.atomic
def resolve_at_risk(*, item: AtRisk, note: str, actor: Actor = None) -> AtRisk:
    """Close the item by hand, saying what was done. Should its cause still be there, the next
    sweep opens a new item."""
    note = clean_text(note or "", max_length=NOTE_LENGTH)
    if note is None:
        raise FulfilmentQueueError(
            f"A note of at most {NOTE_LENGTH} characters, without NUL characters.", field="note"
        )
    if not note:
        raise FulfilmentQueueError("Say what was done about it.", field="note")
    item = _lock_open(item)
    item.resolved_at, item.resolution = timezone.now(), note
    if item.owner_id is None and saved_user(actor) is not None:
        item.owner = actor
    item.save(update_fields=["resolved_at", "resolution", "owner"])
    order_events.record(
        item.order,
        OrderEvent.Type.NOTE,
        f"At-risk item ({Kind(item.kind).label.lower()}) resolved: {note}",
        actor,
        at_risk_resolved=item.kind,
    )
    return item


def open_items_by_shipment(shipment_ids: list[int]) -> dict[int, list[AtRisk]]:
    """The open items of these shipments, for pages that flag them."""
    found: dict[int, list[AtRisk]] = defaultdict(list)
    for item in AtRisk.objects.filter(resolved_at__isnull=True, shipment_id__in=shipment_ids):
        found[item.shipment_id].append(item)
    return found
