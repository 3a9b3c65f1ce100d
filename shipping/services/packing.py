"""Packing: picked units go into a box, and a closed box is a shipment.

Only units off the shelf can be packed: for each order line, the units picked at the location
(``Allocation.picked_quantity``) less those already in an open shipment from there (a shipped
parcel's units have left the allocation). What is not picked stays allocated (or backordered)
for a later parcel. The pack screen holds the package being filled in its form and asks
``match_scan`` which line each scanned code adds to; "Close package" calls ``pack_parcel``.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.db import transaction
from django.db.models import Q, Sum

from inventory.models import Location
from orders.models import Allocation, Order, OrderLine

from ..exceptions import ShipmentQuantityError
from ..models import Box, Shipment
from .common import Actor
from .shipments import checked_line, create_shipment, not_in_open_shipments

MAX_SCAN_LENGTH = 64  # a barcode or a SKU (both are at most 64 characters)


def packable_units(order: Order, location: Location) -> dict[int, int]:
    """line id → units picked at the location that no open shipment has taken yet."""
    picked: dict[int, int] = {
        row["line_id"]: row["units"]
        for row in Allocation.objects.filter(
            line__order=order, location=location, picked_quantity__gt=0
        )
        .values("line_id")
        .annotate(units=Sum("picked_quantity"))
    }
    return not_in_open_shipments(picked, order, location)


def match_scan(
    order: Order, location: Location, code: str, in_package: Mapping[int, int] | None = None
) -> OrderLine:
    """The order line a scanned barcode or SKU (either, any case) adds one unit of to the
    package being filled (``in_package``: line id → units already in it). A code of no line
    of the order, or of a line whose picked units are all packed, is refused."""
    code = (code or "").strip()
    if not code:
        raise ShipmentQuantityError("Scan or type a barcode or SKU.", code="empty", field="code")
    if len(code) > MAX_SCAN_LENGTH or "\x00" in code:
        raise ShipmentQuantityError("That is not a barcode or SKU.", code="invalid", field="code")
    lines = list(
        order.lines.filter(
            Q(sku__iexact=code) | Q(product__sku__iexact=code) | Q(product__barcode__iexact=code)
        ).order_by("pk")
    )
    if not lines:
        raise ShipmentQuantityError(
            f"{code} is not on order {order.number}: put it aside.",
            code="not_on_order",
            field="code",
        )
    free = packable_units(order, location)
    in_package = in_package or {}
    for line in lines:
        if free.get(line.pk, 0) > in_package.get(line.pk, 0):
            return line
    sku = lines[0].sku
    if not any(free.get(line.pk) for line in lines):
        raise ShipmentQuantityError(
            f"{sku}: no picked unit of it at {location.code} is waiting to be packed.",
            code="not_picked",
            field="code",
        )
    raise ShipmentQuantityError(
        f"{sku}: all picked units of this line are packed.", code="all_packed", field="code"
    )


def _check_picked(
    order: Order, location: Location, quantities: Mapping[int, int]
) -> list[tuple[OrderLine, int]]:
    free = packable_units(order, location)
    lines = {line.pk: line for line in order.lines.select_related("product")}
    chosen = []
    for line_id, units in quantities.items():
        line = checked_line(lines, order, line_id, units, "pack")
        if units > free.get(line_id, 0):
            raise ShipmentQuantityError(
                f"{line.sku}: {units} to pack, but only {free.get(line_id, 0)} picked at "
                f"{location.code} and not in another parcel.",
                code="not_picked",
                field=f"quantities[{line_id}]",
            )
        if units:
            chosen.append((line, units))
    if not chosen:
        raise ShipmentQuantityError("The package is empty: scan the units to pack.", code="empty")
    return chosen


def _parcel_weight(lines: list[tuple[OrderLine, int]], box: Box, weight_grams: int | None) -> int:
    """The weight on the scale if given, else the products' plus the box's tare; the box's
    content (the weight less its tare) must be within what the box takes."""
    if weight_grams is not None and (
        isinstance(weight_grams, bool) or not isinstance(weight_grams, int) or weight_grams <= 0
    ):
        raise ShipmentQuantityError("A parcel weighs more than 0 g.", field="weight_grams")
    contents = sum(line.product.weight_grams * units for line, units in lines)
    weight = weight_grams if weight_grams is not None else contents + box.tare_grams
    if weight <= 0:
        raise ShipmentQuantityError(
            "The parcel's weight is unknown: weigh it and enter the weight.",
            field="weight_grams",
        )
    limit = box.max_weight_grams
    if limit is not None and weight - box.tare_grams > limit:
        raise ShipmentQuantityError(
            f"{box.name} takes at most {limit} g; this content weighs "
            f"{weight - box.tare_grams} g. Use a bigger box or split the package.",
            code="too_heavy",
            field="box",
        )
    return weight


def _dimensions(box: Box, dims: tuple[int | None, int | None, int | None]) -> dict[str, int]:
    given = dict(zip(("length_mm", "width_mm", "height_mm"), dims, strict=True))
    for name, value in given.items():
        if value is not None and (isinstance(value, bool) or value <= 0):
            raise ShipmentQuantityError("Dimensions are more than 0 mm.", field=name)
    return {name: value or getattr(box, name) for name, value in given.items()}


@transaction.atomic
def pack_parcel(
    *,
    order: Order,
    location: Location,
    quantities: Mapping[int, int],
    box: Box,
    weight_grams: int | None = None,
    length_mm: int | None = None,
    width_mm: int | None = None,
    height_mm: int | None = None,
    actor: Actor = None,
) -> Shipment:
    """Close a package: the shipment of ``quantities`` (line id → units, all picked at the
    location and in no other parcel) in ``box``. Its weight is the scale's when given, else the
    products' plus the box's tare; its dimensions the box's unless given. A click & collect
    order packed at its store is a pickup parcel (no carrier, no label)."""
    order = Order.objects.select_for_update(of=("self",)).get(pk=order.pk)
    if not box.is_active:
        raise ShipmentQuantityError(f"{box.name} is no longer in use.", field="box")
    lines = _check_picked(order, location, quantities)
    weight = _parcel_weight(lines, box, weight_grams)
    return create_shipment(
        order=order,
        location=location,
        quantities={line.pk: units for line, units in lines},
        weight_grams=weight,
        box=box,
        **_dimensions(box, (length_mm, width_mm, height_mm)),
        actor=actor,
    )
