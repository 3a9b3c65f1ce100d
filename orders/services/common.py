"""What every order service shares: line requests and their checks, the order lock and
status moves, and reserving or releasing stock for lines."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser

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
)

Actor = AbstractBaseUser | None
ADDRESS_FIELDS = ("name", "line1", "line2", "city", "region", "postal_code", "country", "phone")


@dataclass(frozen=True)
class LineRequest:
    product: Product
    quantity: int
    unit_price: Decimal | None = None  # None: the product's current price
    discount: Decimal = ZERO


# --- validation --------------------------------------------------------------------------


def validate_lines(lines: Sequence[LineRequest]) -> None:
    if not lines:
        raise OrderValidationError("An order needs at least one line.", field="lines")
    for number, line in enumerate(lines, start=1):
        where = f"Line {number} ({line.product.sku})"
        field = f"lines[{number - 1}]"
        if not isinstance(line.quantity, int) or line.quantity < 1:
            raise OrderValidationError(
                f"{where}: quantity must be a whole number of at least 1.", f"{field}.quantity"
            )
        if not line.product.is_active:
            raise OrderValidationError(f"{where}: the product is not for sale.", f"{field}.sku")
        price = line.product.unit_price if line.unit_price is None else line.unit_price
        if not isinstance(price, Decimal) or price < 0:
            raise OrderValidationError(
                f"{where}: unit price must be a non-negative amount.", f"{field}.unit_price"
            )
        if line.discount < 0 or line.discount > price * line.quantity:
            raise OrderValidationError(
                f"{where}: discount must be between 0 and the line total.", f"{field}.discount"
            )


def address_snapshot(address: Address | dict[str, Any] | None, field: str) -> dict[str, str]:
    if address is None:
        return {}
    data = address.as_snapshot() if isinstance(address, Address) else dict(address)
    snapshot = {key: str(data.get(key) or "").strip() for key in ADDRESS_FIELDS}
    snapshot["country"] = snapshot["country"].upper()
    missing = [key for key in ("name", "line1", "city", "country") if not snapshot[key]]
    if missing:
        raise OrderValidationError(f"{field}: {', '.join(missing)} required.", field=field)
    if len(snapshot["country"]) != 2 or not snapshot["country"].isalpha():
        raise OrderValidationError(
            f"{field}: country must be a two-letter ISO code, got {snapshot['country']!r}.",
            field=f"{field}.country",
        )
    return snapshot


# --- helpers ------------------------------------------------------------------------------


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
    """Reserve every line's units (or backorder them) and record where they are held."""
    plan = sourcing.plan_reservations([(line, line.quantity) for line in lines])
    reserved = []
    for line, location, quantity in plan.allocations:
        inventory.reserve(product=line.product, location=location, quantity=quantity)
        line.quantity_allocated += quantity
        reserved.append({"sku": line.sku, "location": location.code, "quantity": quantity})
    Allocation.objects.bulk_create(
        Allocation(line=line, location=location, quantity=quantity)
        for line, location, quantity in plan.allocations
    )
    for line in lines:
        line.quantity_backordered = plan.backorders.get(line.pk, 0)
    OrderLine.objects.bulk_update(lines, ["quantity_allocated", "quantity_backordered"])
    if reserved:
        events.stock_reserved(order, reserved, actor)
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
