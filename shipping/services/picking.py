"""Picking: a location's waiting units batched into a pick list, then taken off the shelf one
scan at a time; units that are not there (a short pick) are re-sourced elsewhere.

Locks, always in this order: the pick list (so scans of one list queue up one after another),
its line, then the order and its allocation, as the order services lock them (order first).
A pick list's lines say what the picker should take; ``Allocation.picked_quantity`` says what is
off the shelf, the number packing and shipping trust.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from core.pagination import keyset_ordering
from inventory.models import Location, Product, StockLevel
from orders import services as order_services
from orders.exceptions import STATE_WORDS
from orders.models import Allocation, Order, OrderStatus

from ..exceptions import (
    AlreadyPicked,
    NothingToPick,
    OrderNotPickable,
    PickingError,
    PickListClosed,
    ShortPickInvalid,
    WrongItem,
)
from ..models import PickList, PickListLine
from ..selectors import PICKABLE_ORDER_STATUSES, WALK_ORDER, orders_to_pick, pickable_allocations
from .common import Actor, saved_user

DEFAULT_BATCH = 10  # orders per pick list when the picker does not say
MAX_BATCH = 200
REASON_LENGTH = 200
CODE_LENGTH = 64  # the longest barcode or SKU we keep

logger = logging.getLogger(__name__)


# --- making a list -------------------------------------------------------------------------


@transaction.atomic
def create_pick_list(
    *,
    location: Location,
    orders: list[Order] | None = None,
    max_orders: int | None = None,
    actor: Actor = None,
) -> PickList:
    """One pick list of every unit waiting at ``location`` for ``orders``, or for the next
    ``max_orders`` orders of the queue (oldest ship-by first). Each line copies the bin of its
    product there, so the printed walk does not change under the picker.

    Lists of one location are made one at a time (a no-key lock on the location, which still
    lets rows that refer to it be written), and the queue is read after that lock: two people
    making lists at once never put the same units on both."""
    Location.objects.select_for_update(no_key=True).filter(pk=location.pk).first()
    to_pick = pickable_allocations(location.pk)
    if orders is not None:
        to_pick = to_pick.filter(line__order__in=[order.pk for order in orders])
    else:
        batch = min(max(max_orders or DEFAULT_BATCH, 1), MAX_BATCH)
        queue = orders_to_pick(location.pk).order_by(*keyset_ordering("ship_by", descending=False))
        to_pick = to_pick.filter(line__order__in=list(queue.values_list("pk", flat=True)[:batch]))
    allocations = list(
        to_pick.select_for_update(of=("self",)).select_related("line").order_by("pk")
    )
    if not allocations:
        raise NothingToPick(f"Nothing is waiting to be picked at {location.code}.")
    bins = dict(
        StockLevel.objects.filter(
            location=location, product_id__in={a.line.product_id for a in allocations}
        ).values_list("product_id", "bin")
    )
    pick_list = PickList.objects.create(location=location, created_by=saved_user(actor))
    PickListLine.objects.bulk_create(
        PickListLine(
            pick_list=pick_list,
            line=allocation.line,
            product_id=allocation.line.product_id,
            bin=bins.get(allocation.line.product_id, ""),
            quantity=allocation.quantity - allocation.picked_quantity,
        )
        for allocation in allocations
    )
    return pick_list


# --- picking -------------------------------------------------------------------------------


def _lock_open(pick_list: PickList) -> PickList:
    locked = PickList.objects.select_for_update(of=("self",)).select_related("location")
    pick_list = locked.get(pk=pick_list.pk)
    if pick_list.status != PickList.Status.OPEN:
        raise PickListClosed(f"{pick_list} is {pick_list.get_status_display().lower()}.")
    return pick_list


def _matches(product: Product, code: str) -> bool:
    key = code.casefold()
    return product.sku.casefold() == key or (
        bool(product.barcode) and product.barcode.strip().casefold() == key
    )


def _lock_pickable(line: PickListLine, location_id: int) -> tuple[Order, Allocation]:
    """The line's order and its allocation at the location, locked in that order; refused
    when the order may not be picked now or holds no more unpicked units here."""
    order_line = line.line
    order = Order.objects.select_for_update(of=("self",)).get(pk=order_line.order_id)
    if order.status not in PICKABLE_ORDER_STATUSES:
        state = STATE_WORDS.get(order.status, order.status)
        raise OrderNotPickable(
            f"{order.number} is {state}: put the {order_line.sku} back.", field="code"
        )
    allocation = (
        Allocation.objects.select_for_update(of=("self",))
        .filter(line=order_line, location_id=location_id)
        .first()
    )
    if allocation is None or allocation.picked_quantity >= allocation.quantity:
        raise AlreadyPicked(
            f"{order.number} holds no more {order_line.sku} here to pick.", field="code"
        )
    return order, allocation


def _next_pickable(
    candidates: list[PickListLine], location_id: int
) -> tuple[PickListLine, Order, Allocation]:
    """The first line whose order can take the unit now: a line of an order held, cancelled
    or re-sourced since the list was made is passed over for the next order's line of the
    same product; when none can, the first line's refusal is raised."""
    refusal: PickingError | None = None
    for line in candidates:
        try:
            return (line, *_lock_pickable(line, location_id))
        except PickingError as error:
            refusal = refusal or error
    raise refusal


def _close(pick_list: PickList, status: str, actor: Actor) -> None:
    pick_list.status = status
    pick_list.completed_at = timezone.now()
    pick_list.save(update_fields=["status", "completed_at"])
    logger.info("%s %s by %s", pick_list, status, getattr(actor, "pk", None) or "the system")


def _finish_if_done(pick_list: PickList, lines: list[PickListLine], actor: Actor) -> None:
    """A list with nothing left to pick is done."""
    if not any(line.to_pick for line in lines):
        _close(pick_list, PickList.Status.DONE, actor)


@transaction.atomic
def scan_pick(*, pick_list: PickList, code: str, actor: Actor = None) -> PickListLine:
    """Pick one unit of the product whose barcode or SKU is ``code`` (any case, spaces
    trimmed): the next line of it in walk order that still has units to pick and whose order
    may be picked. The order's first pick moves it to processing. Returns the line picked.

    Not idempotent by itself (each call is a unit): the scan form's one-time token makes a
    double Enter one pick."""
    code = (code or "").strip()[:CODE_LENGTH]
    if not code:
        raise WrongItem("Scan a barcode or type a SKU.", field="code")
    pick_list = _lock_open(pick_list)
    lines = list(pick_list.lines.select_related("line", "product").order_by(*WALK_ORDER))
    matching = [line for line in lines if _matches(line.product, code)]
    if not matching:
        raise WrongItem(f"{code} is not on {pick_list}: put it back.", field="code")
    candidates = [line for line in matching if line.to_pick]
    if not candidates:
        units = sum(line.quantity for line in matching)
        raise AlreadyPicked(
            f"{matching[0].product.sku} is done on {pick_list}: all {units} picked or short.",
            field="code",
        )
    line, order, allocation = _next_pickable(candidates, pick_list.location_id)
    line.line.order = order  # as locked: callers read it without another query
    allocation.picked_quantity += 1
    allocation.save(update_fields=["picked_quantity"])
    line.picked += 1
    line.save(update_fields=["picked"])
    if order.status == OrderStatus.CONFIRMED:
        order_services.start_processing(order=order, actor=actor)
    _finish_if_done(pick_list, lines, actor)
    return line


@transaction.atomic
def short_pick(
    *, pick_list_line: PickListLine, quantity: int, reason: str, actor: Actor = None
) -> PickListLine:
    """``quantity`` units of the line are not on the shelf (not found, damaged): they count as
    short on the list and ``orders.services.reject_units`` sources them again elsewhere (or
    backorders them); the order's timeline says why."""
    pick_list = _lock_open(pick_list_line.pick_list)
    line = (
        PickListLine.objects.select_for_update(of=("self",))
        .select_related("line")
        .get(pk=pick_list_line.pk, pick_list=pick_list)
    )
    reason = (reason or "").strip()[:REASON_LENGTH]
    if not reason:
        raise ShortPickInvalid("Say why the units are short (not found, damaged…).", field="reason")
    if not isinstance(quantity, int) or not 1 <= quantity <= line.to_pick:
        raise ShortPickInvalid(
            f"Short between 1 and {line.to_pick} of {line.line.sku}.", field="quantity"
        )
    line.short += quantity
    line.save(update_fields=["short"])
    order_services.reject_units(
        line=line.line,
        location_id=pick_list.location_id,
        quantity=quantity,
        reason=f"short pick on {pick_list}: {reason}",
        actor=actor,
    )
    others = list(pick_list.lines.exclude(pk=line.pk))
    _finish_if_done(pick_list, [line, *others], actor)
    return line


def _close_by_hand(pick_list: PickList, status: str, actor: Actor) -> PickList:
    """Close the list with ``status`` under its lock; a list already closed so stays as it is."""
    locked = PickList.objects.select_for_update(of=("self",)).get(pk=pick_list.pk)
    if locked.status == status:
        return locked
    locked = _lock_open(locked)
    _close(locked, status, actor)
    return locked


@transaction.atomic
def complete_pick_list(*, pick_list: PickList, actor: Actor = None) -> PickList:
    """Close the list: done by itself once nothing is left, or by hand, when the units not
    picked go back to the pick queue. Completing a done list again changes nothing."""
    return _close_by_hand(pick_list, PickList.Status.DONE, actor)


@transaction.atomic
def cancel_pick_list(*, pick_list: PickList, actor: Actor = None) -> PickList:
    """Give up the list: its unpicked units go back to the queue; units already picked stay
    picked (they are off the shelf). Cancelling a cancelled list again changes nothing."""
    return _close_by_hand(pick_list, PickList.Status.CANCELLED, actor)
