"""What every order service shares: line requests and their checks, the order lock and
status moves, and reserving or releasing stock for lines."""

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import F
from django.utils import timezone

from core.calendar import add_business_days
from core.countries import is_country
from core.limits import check_money, check_quantity
from core.money import ZERO
from customers.models import Address
from inventory import services as inventory
from inventory.models import Product

from .. import events, sourcing, workflow
from ..exceptions import OrderValidationError
from ..models import (
    Allocation,
    FulfilmentStatus,
    Order,
    OrderLine,
    SalesChannel,
)

Actor = AbstractBaseUser | None
ADDRESS_FIELDS = ("name", "line1", "line2", "city", "region", "postal_code", "country", "phone")
REQUIRED_ADDRESS_FIELDS = {
    "name": "Name",
    "line1": "Address line 1",
    "city": "City",
    "country": "Country",
}


@dataclass(frozen=True)
class LineRequest:
    product: Product
    quantity: int
    unit_price: Decimal | None = None  # None: the product's current price
    discount: Decimal = ZERO


# --- validation --------------------------------------------------------------------------


def validate_lines(lines: Sequence[LineRequest], *, kept_total: Decimal = ZERO) -> None:
    """Check each line against the settings' bounds (OMS_MAX_QUANTITY, OMS_MAX_UNIT_PRICE) and
    the order's gross, with ``kept_total`` of lines already on it, against OMS_MAX_ORDER_TOTAL."""
    if not lines:
        raise OrderValidationError("An order needs at least one line.", field="lines")
    gross = kept_total
    for number, line in enumerate(lines, start=1):
        where = f"Line {number} ({line.product.sku})"
        field = f"lines[{number - 1}]"
        quantity = check_quantity(
            line.quantity,
            field=f"{field}.quantity",
            label=f"{where}: quantity",
            maximum=settings.OMS_MAX_QUANTITY,
            error=OrderValidationError,
        )
        if not line.product.is_active:
            raise OrderValidationError(f"{where}: the product is not for sale.", f"{field}.sku")
        price = check_money(
            line.product.unit_price if line.unit_price is None else line.unit_price,
            field=f"{field}.unit_price",
            label=f"{where}: unit price",
            maximum=settings.OMS_MAX_UNIT_PRICE,
            error=OrderValidationError,
        )
        discount = check_money(
            line.discount,
            field=f"{field}.discount",
            label=f"{where}: discount",
            maximum=settings.OMS_MAX_ORDER_TOTAL,
            error=OrderValidationError,
        )
        if discount > price * quantity:
            raise OrderValidationError(
                f"{where}: discount must be between 0 and the line total.", f"{field}.discount"
            )
        gross += price * quantity - discount
        check_order_total(gross, field=f"{field}.quantity")


def check_order_total(gross: Decimal, *, field: str) -> None:
    """The lines' value so far (before tax and shipping) within OMS_MAX_ORDER_TOTAL."""
    check_money(
        gross,
        field=field,
        label="The order's lines",
        maximum=settings.OMS_MAX_ORDER_TOTAL,
        error=OrderValidationError,
    )


def address_snapshot(address: Address | dict[str, Any] | None, field: str) -> dict[str, str]:
    """The address as the order keeps it, or an error on the first field that is wrong
    (``shipping_address.country``), worded for the person filling it in."""
    if address is None:
        return {}
    data = address.as_snapshot() if isinstance(address, Address) else dict(address)
    snapshot = {key: str(data.get(key) or "").strip() for key in ADDRESS_FIELDS}
    snapshot["country"] = snapshot["country"].upper()
    for key, label in REQUIRED_ADDRESS_FIELDS.items():
        if not snapshot[key]:
            raise OrderValidationError(f"{label} is required.", field=f"{field}.{key}")
    if not is_country(snapshot["country"]):
        raise OrderValidationError(
            f"{snapshot['country']} is not a country code: use the two-letter ISO 3166 code, "
            "such as US or DE.",
            field=f"{field}.country",
        )
    return snapshot


# --- helpers ------------------------------------------------------------------------------


def ship_by_for(
    promised_ship_date: date | None, placed_at: datetime | None, channel: SalesChannel
) -> date | None:
    """The day the order must leave: the promised date, else the channel's handling days
    (business days) after the local day it was placed; None for a draft without a promise."""
    if promised_ship_date is not None:
        return promised_ship_date
    if placed_at is None:
        return None
    return add_business_days(timezone.localdate(placed_at), channel.handling_days)


def lock_order(order: Order) -> Order:
    """Re-read the order under a row lock: the state we check is the state we change."""
    return Order.objects.select_for_update(of=("self",)).select_related("channel").get(pk=order.pk)


def set_status(order: Order, target: str, *extra_fields: str) -> None:
    workflow.check_transition(order, target)
    order.status = target
    order.save(update_fields=["status", "updated_at", *extra_fields])


def advance(
    order: Order, target: str, record_event: Callable[[Order, Actor], Any], actor: Actor
) -> Order:
    """The plain transitions: lock, move, record. Callers hold the transaction."""
    order = lock_order(order)
    set_status(order, target)
    record_event(order, actor)
    return order


def fulfilment_status_for(lines: Sequence[OrderLine]) -> str:
    """Derived from the lines, the single source of truth for what is where."""
    if lines and all(line.quantity_shipped == line.quantity for line in lines):
        return FulfilmentStatus.SHIPPED
    if any(line.quantity_shipped for line in lines):
        return FulfilmentStatus.PARTIALLY_SHIPPED
    if any(line.quantity_backordered for line in lines):
        return FulfilmentStatus.BACKORDERED
    if lines and all(line.quantity_allocated == line.quantity for line in lines):
        return FulfilmentStatus.ALLOCATED
    return FulfilmentStatus.UNFULFILLED


def refresh_fulfilment_status(order: Order, lines: Sequence[OrderLine]) -> None:
    status = fulfilment_status_for(lines)
    if status != order.fulfilment_status:
        order.fulfilment_status = status
        order.save(update_fields=["fulfilment_status", "updated_at"])


def reserve_lines(order: Order, lines: list[OrderLine], actor: Actor) -> None:
    """Reserve every line's units (or backorder them) and record where they are held; the
    stock rows stay locked from the plan to the commit."""
    plan = sourcing.plan_reservations([(line, line.quantity) for line in lines], order=order)
    reserve_planned(plan)
    take_plan(lines, plan)
    OrderLine.objects.bulk_update(lines, ["quantity_allocated", "quantity_backordered"])
    record_reservations(order, lines, plan, actor)


def unlocked_plan(order: Order, lines: Sequence[OrderLine]) -> sourcing.ReservationPlan | None:
    """Where the (unsaved) order's lines' units would come from, read without locking the
    stock rows (``reserve_planned`` checks it as it reserves); None if a unit would be
    backordered or refused: those orders are planned under lock."""
    plan = sourcing.plan_reservations(
        [(line, line.quantity) for line in lines], order=order, partial=True, lock=False
    )
    return None if plan.backorders else plan


def take_plan(lines: Sequence[OrderLine], plan: sourcing.ReservationPlan) -> None:
    """Count the plan's units on the lines as allocated or backordered (the caller saves them)."""
    for line, _, quantity in plan.allocations:
        line.quantity_allocated += quantity
    for line in lines:
        line.quantity_backordered = plan.backorders.get(line.pk, 0)


def reserve_planned(plan: sourcing.ReservationPlan) -> None:
    """Reserve the plan's units in one statement, or refuse with InsufficientStock."""
    inventory.reserve_many(
        (line.product, location, quantity) for line, location, quantity in plan.allocations
    )


def reserve_backordered(plan: sourcing.ReservationPlan) -> dict[int, list[dict[str, Any]]]:
    """Reserve the plan's units for lines that count them as backordered (a backorder filled,
    units lost to a write-off, units released to be re-sourced), and move them from the
    lines' backorders to their allocations. Unlike ``reserve_lines``, the lines may already
    hold units at a planned location: those allocations grow rather than a second being made.

    Returns, per order id, what was reserved where (the ``sku``, ``location`` code and
    ``quantity`` the order's event records). The caller has locked the orders and saves the
    lines' quantities."""
    by_order: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for line, location, quantity in plan.allocations:
        inventory.reserve(product=line.product, location=location, quantity=quantity)
        allocation, created = Allocation.objects.get_or_create(
            line=line, location=location, defaults={"quantity": quantity}
        )
        if not created:
            Allocation.objects.filter(pk=allocation.pk).update(quantity=F("quantity") + quantity)
        line.quantity_allocated += quantity
        line.quantity_backordered -= quantity
        by_order[line.order_id].append(
            {"sku": line.sku, "location": location.code, "quantity": quantity}
        )
    return by_order


def record_reservations(
    order: Order, lines: Sequence[OrderLine], plan: sourcing.ReservationPlan, actor: Actor
) -> None:
    """Write where the plan holds the units and the timeline's reserved (with the sourcing
    decision) / backordered events, in one INSERT, and derive the order's fulfilment status
    from the lines (the caller saves the order)."""
    Allocation.objects.bulk_create(
        Allocation(line=line, location=location, quantity=quantity)
        for line, location, quantity in plan.allocations
    )
    with events.recorded_together():
        if plan.allocations:
            reserved = [
                {"sku": line.sku, "location": location.code, "quantity": quantity}
                for line, location, quantity in plan.allocations
            ]
            events.stock_reserved(order, reserved, actor, decision=plan.decision_for(lines))
        if plan.backorders:
            short = [
                {"sku": line.sku, "quantity": plan.backorders[line.pk]}
                for line in lines
                if line.pk in plan.backorders
            ]
            events.backordered(order, short, actor)
    order.fulfilment_status = fulfilment_status_for(lines)


def release_allocations(order: Order) -> int:
    """Give every unit still reserved for the order back to stock; returns the unit count."""
    return release_line_allocations(list(order.lines.select_related("product")))


def release_line_allocations(lines: list[OrderLine]) -> int:
    """Give the units reserved for these lines back to stock; returns the unit count."""
    allocations = list(
        Allocation.objects.filter(line__in=lines).select_related("line__product", "location")
    )
    inventory.lock_stock_levels(
        product_ids=[a.line.product_id for a in allocations],
        location_ids=[a.location_id for a in allocations],
    )
    for allocation in allocations:
        inventory.release(
            product=allocation.line.product,
            location=allocation.location,
            quantity=allocation.quantity,
        )
    Allocation.objects.filter(pk__in=[a.pk for a in allocations]).delete()
    for line in lines:
        line.quantity_allocated = 0
        line.quantity_backordered = 0
    OrderLine.objects.bulk_update(lines, ["quantity_allocated", "quantity_backordered"])
    return sum(a.quantity for a in allocations)
