"""Every write to stock. On-hand changes go through ``_move`` and so always leave a ledger row.

Each change is one conditional UPDATE, so two transactions can never push a level below zero
or reserve more than is on hand, and the CHECK constraints back that up in the database.
"""

import logging
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F, QuerySet
from django.db.models.functions import Now

from core.limits import INTEGER_COLUMN_MAX, check_money, check_quantity
from core.money import ZERO

from .exceptions import InsufficientStock, ProductError, StockError
from .models import Location, Product, StockLevel, StockMovement
from .signals import reserved_stock_written_off, stock_received

logger = logging.getLogger(__name__)

Reason = StockMovement.Reason
ADJUSTMENT_REASONS = {Reason.ADJUSTMENT, Reason.CORRECTION, Reason.RETURN, Reason.TRANSFER}


def get_or_create_level(*, product: Product, location: Location) -> StockLevel:
    try:
        with transaction.atomic():
            level, _ = StockLevel.objects.get_or_create(product=product, location=location)
    except IntegrityError:  # created concurrently by another transaction
        level = StockLevel.objects.get(product=product, location=location)
    return level


def stock_levels(
    *, product_ids: Iterable[int], location_ids: Iterable[int] | None = None
) -> QuerySet[StockLevel]:
    """The stock rows of these products (at these locations), in primary-key order."""
    levels = StockLevel.objects.filter(product_id__in=set(product_ids))
    if location_ids is not None:
        levels = levels.filter(location_id__in=set(location_ids))
    return levels.order_by("pk")


def lock_stock_levels(
    *, product_ids: Iterable[int], location_ids: Iterable[int] | None = None
) -> list[StockLevel]:
    """Lock the stock rows of these products, always in primary-key order.

    A stable order means two orders for the same SKUs wait for each other instead of
    deadlocking, whatever order their lines are in.
    """
    levels = stock_levels(product_ids=product_ids, location_ids=location_ids)
    return list(levels.select_for_update(of=("self",)))


def _require_adjustment_reason(reason: str) -> None:
    if reason not in ADJUSTMENT_REASONS:
        allowed = ", ".join(sorted(ADJUSTMENT_REASONS))
        raise StockError(
            f"Reason must be one of: {allowed}.", code="invalid_reason", field="reason"
        )


def _require_positive(quantity: int) -> None:
    if quantity <= 0:
        raise StockError(f"Quantity must be positive, got {quantity}.", code="invalid_quantity")


def _move(
    *,
    product: Product,
    location: Location,
    quantity: int,
    reason: str,
    reference: str = "",
    note: str = "",
    user: AbstractBaseUser | None = None,
    release_reserved: int = 0,
) -> StockMovement:
    """Change on_hand by ``quantity`` (signed) and write the ledger row, atomically."""
    level = get_or_create_level(product=product, location=location)
    updated = (
        StockLevel.objects.filter(pk=level.pk, reserved__gte=release_reserved)
        .filter(on_hand__gte=F("reserved") - release_reserved - quantity)
        .filter(on_hand__lte=INTEGER_COLUMN_MAX - max(quantity, 0))
        .update(
            on_hand=F("on_hand") + quantity,
            reserved=F("reserved") - release_reserved,
            updated_at=Now(),
        )
    )
    if not updated:
        level.refresh_from_db()
        if level.on_hand > INTEGER_COLUMN_MAX - quantity:
            raise StockError(
                f"{product.sku} at {location.code} cannot hold more than "
                f"{INTEGER_COLUMN_MAX:,} units.",
                code="quantity_out_of_range",
                field="quantity",
            )
        raise InsufficientStock([(product.sku, -quantity, level.available)])
    return StockMovement.objects.create(
        product=product,
        location=location,
        quantity=quantity,
        reason=reason,
        reference=reference,
        note=note,
        user=user,
    )


def _announce_receipt(product: Product, location: Location) -> None:
    """Tell other domains (orders fills backorders) once the receipt has committed.

    Robust both ways: a failing receiver is logged, never turned into an error for the
    committed receipt (``send_robust``), and a failing callback never breaks the others.
    """

    def send() -> None:
        for receiver, error in stock_received.send_robust(
            sender=StockMovement, product_id=product.pk, location_id=location.pk
        ):
            if isinstance(error, Exception):
                logger.error("stock_received receiver %r failed: %s", receiver, error)

    transaction.on_commit(send, robust=True)


@transaction.atomic
def receive_stock(
    *,
    product: Product,
    location: Location,
    quantity: int,
    reference: str = "",
    note: str = "",
    user: AbstractBaseUser | None = None,
) -> StockMovement:
    check_quantity(
        quantity,
        field="quantity",
        label="Quantity received",
        maximum=settings.OMS_MAX_STOCK_ADJUSTMENT,
        error=StockError,
    )
    movement = _move(
        product=product,
        location=location,
        quantity=quantity,
        reason=Reason.RECEIPT,
        reference=reference,
        note=note,
        user=user,
    )
    _announce_receipt(product, location)
    return movement


@transaction.atomic
def adjust_stock(
    *,
    product: Product,
    location: Location,
    quantity: int,
    reason: str,
    note: str = "",
    reference: str = "",
    user: AbstractBaseUser | None = None,
) -> StockMovement:
    """Count corrections, damage, found stock: a signed change that must give a reason.

    Stock that is reserved for orders cannot be adjusted away; release or reallocate it first.
    """
    _require_adjustment_reason(reason)
    limit = settings.OMS_MAX_STOCK_ADJUSTMENT
    check_quantity(
        quantity,
        field="quantity",
        label="Adjustment",
        minimum=-limit,
        maximum=limit,
        error=StockError,
    )
    if quantity == 0:
        raise StockError("Quantity must not be zero.", code="invalid_quantity", field="quantity")
    movement = _move(
        product=product,
        location=location,
        quantity=quantity,
        reason=reason,
        reference=reference,
        note=note,
        user=user,
    )
    if quantity > 0:
        _announce_receipt(product, location)
    return movement


@transaction.atomic
def set_stock(
    *,
    product: Product,
    location: Location,
    on_hand: int,
    reason: str = Reason.CORRECTION,
    note: str = "",
    reference: str = "",
    user: AbstractBaseUser | None = None,
) -> StockMovement | None:
    """A stock count: on hand becomes ``on_hand`` and the ledger records the difference as an
    adjustment (``adjust_stock``); a count that matches changes and records nothing.

    The level row is locked while the difference is worked out, so a sale or receipt that
    commits in between is not overwritten. Units reserved for orders are on the shelf too: a
    count below them is refused (release or reallocate the reservations first).
    """
    _require_adjustment_reason(reason)
    check_quantity(
        on_hand,
        field="on_hand",
        label="The counted quantity",
        minimum=0,
        maximum=INTEGER_COLUMN_MAX,
        error=StockError,
    )
    levels = lock_stock_levels(product_ids=[product.pk], location_ids=[location.pk])
    if not levels:  # the product's first stock there
        get_or_create_level(product=product, location=location)
        levels = lock_stock_levels(product_ids=[product.pk], location_ids=[location.pk])
    (level,) = levels
    if on_hand < level.reserved:
        raise StockError(
            f"{product.sku} at {location.code} has {level.reserved} units reserved for orders: "
            f"a count of {on_hand} is below them. Release or reallocate the reservations first.",
            code="count_below_reserved",
            field="on_hand",
        )
    if on_hand == level.on_hand:
        return None
    return adjust_stock(
        product=product,
        location=location,
        quantity=on_hand - level.on_hand,
        reason=reason,
        note=note,
        reference=reference,
        user=user,
    )


def reserve(*, product: Product, location: Location, quantity: int) -> None:
    """Promise ``quantity`` available units at ``location``; refuse if they are not there."""
    reserve_many([(product, location, quantity)])


# One statement for every row: lock them in primary-key order (two orders for the same SKUs wait
# for each other instead of deadlocking), then add to ``reserved`` where enough is available
# above the safety stock (the units a store keeps back for walk-in customers).
_RESERVE_SQL = """
WITH wanted (product_id, location_id, quantity) AS (VALUES {values}),
locked AS MATERIALIZED (
    SELECT level.id FROM inventory_stocklevel AS level
    JOIN wanted USING (product_id, location_id)
    ORDER BY level.id
    FOR UPDATE OF level
)
UPDATE inventory_stocklevel AS level
SET reserved = level.reserved + wanted.quantity, updated_at = statement_timestamp()
FROM wanted, locked
WHERE level.id = locked.id
  AND level.product_id = wanted.product_id
  AND level.location_id = wanted.location_id
  AND level.on_hand - level.reserved - level.safety_stock >= wanted.quantity
RETURNING level.product_id, level.location_id
"""


def reserve_many(reservations: Iterable[tuple[Product, Location, int]]) -> None:
    """Promise units at several locations at once: all of them, or none and InsufficientStock
    naming each row that is short (the caller's transaction rolls back what was reserved)."""
    wanted: dict[tuple[int, int], int] = defaultdict(int)
    products = {}
    for product, location, quantity in reservations:
        _require_positive(quantity)
        wanted[product.pk, location.pk] += quantity
        products[product.pk] = product
    if not wanted:
        return
    reserved = _reserve_rows(wanted)
    if short := [key for key in wanted if key not in reserved]:
        available = {
            (level.product_id, level.location_id): level.sellable
            for level in StockLevel.objects.filter(product_id__in={p for p, _ in short})
        }
        raise InsufficientStock(
            [(products[p].sku, wanted[p, loc], available.get((p, loc), 0)) for p, loc in short]
        )


def _reserve_rows(wanted: dict[tuple[int, int], int]) -> set[tuple[int, int]]:
    """Add to ``reserved`` of each (product id, location id) row that has enough available;
    returns the rows reserved. One statement on PostgreSQL; SQLite (the demo, which serialises
    writers) takes one per row."""
    if connection.vendor == "postgresql":
        values = ", ".join(["(%s, %s, %s)"] * len(wanted))
        params = [value for key, quantity in wanted.items() for value in (*key, quantity)]
        with connection.cursor() as cursor:
            cursor.execute(_RESERVE_SQL.format(values=values), params)
            return set(cursor.fetchall())
    return {
        (product_id, location_id)
        for (product_id, location_id), quantity in wanted.items()
        if StockLevel.objects.filter(
            product_id=product_id,
            location_id=location_id,
            on_hand__gte=F("reserved") + F("safety_stock") + quantity,
        ).update(reserved=F("reserved") + quantity, updated_at=Now())
    }


def release(*, product: Product, location: Location, quantity: int) -> None:
    """Give reserved units back to available stock (cancellation, reallocation)."""
    _require_positive(quantity)
    updated = StockLevel.objects.filter(
        product=product, location=location, reserved__gte=quantity
    ).update(reserved=F("reserved") - quantity, updated_at=Now())
    if not updated:
        raise StockError(
            f"Cannot release {quantity} of {product.sku} at {location.code}: not reserved.",
            code="not_reserved",
        )


def commit(
    *,
    product: Product,
    location: Location,
    quantity: int,
    reference: str = "",
    user: AbstractBaseUser | None = None,
) -> StockMovement:
    """Reserved units leave the building: on_hand and reserved drop, the ledger records a sale."""
    _require_positive(quantity)
    return _move(
        product=product,
        location=location,
        quantity=-quantity,
        reason=Reason.SALE,
        reference=reference,
        user=user,
        release_reserved=quantity,
    )


@transaction.atomic
def create_product(
    *,
    sku: str,
    name: str,
    unit_price: Decimal,
    cost: Decimal = ZERO,
    barcode: str = "",
    allow_backorder: bool = False,
) -> Product:
    """A new product, checked as the admin form checks it (``Product.full_clean``: SKU
    characters, SKU unique ignoring case, amounts that fit), with the first problem as a
    ``ProductError`` on its field."""
    prices = {
        field: check_money(
            amount,
            field=field,
            label=label,
            maximum=settings.OMS_MAX_UNIT_PRICE,
            error=ProductError,
        )
        for field, label, amount in (("unit_price", "Price", unit_price), ("cost", "Cost", cost))
    }
    product = Product(
        sku=sku.strip(),
        name=name.strip(),
        **prices,
        barcode=barcode.strip(),
        allow_backorder=allow_backorder,
    )
    try:
        product.full_clean()
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        raise ProductError(messages[0], field="" if field == "__all__" else field) from error
    try:
        with transaction.atomic():
            product.save()
    except IntegrityError as error:  # the same SKU created at the same moment
        raise ProductError(
            f"A product with the SKU {product.sku} already exists.", field="sku"
        ) from error
    return product


WRITE_OFF_REASONS = {"damaged": "Damaged", "lost": "Lost"}


@transaction.atomic
def write_off_reserved(
    *,
    product: Product,
    location: Location,
    quantity: int,
    reason: str,
    user: AbstractBaseUser | None = None,
) -> StockMovement:
    """Reserved units found damaged or lost leave stock together with their reservation.

    On hand and reserved drop by ``quantity`` and the ledger records a write-off. Orders hears
    of it in this same transaction (``reserved_stock_written_off``) and moves the orders that
    held those units to other stock or backorders them: either all of it commits or none.
    """
    if reason not in WRITE_OFF_REASONS:
        allowed = ", ".join(WRITE_OFF_REASONS)
        raise StockError(
            f"Reason must be one of: {allowed}.", code="invalid_reason", field="reason"
        )
    check_quantity(
        quantity,
        field="quantity",
        label="Units written off",
        maximum=settings.OMS_MAX_STOCK_ADJUSTMENT,
        error=StockError,
    )
    level = lock_stock_levels(product_ids=[product.pk], location_ids=[location.pk])
    reserved = level[0].reserved if level else 0
    if quantity > reserved:
        raise StockError(
            f"Only {reserved} of {product.sku} reserved at {location.code}: "
            "write off at most that many.",
            code="not_reserved",
            field="quantity",
        )
    movement = _move(
        product=product,
        location=location,
        quantity=-quantity,
        reason=Reason.WRITE_OFF,
        note=f"Reserved stock written off: {WRITE_OFF_REASONS[reason].lower()}.",
        user=user,
        release_reserved=quantity,
    )
    reserved_stock_written_off.send(
        sender=StockMovement,
        product=product,
        location=location,
        quantity=quantity,
        reason=reason,
        user=user,
    )
    return movement
