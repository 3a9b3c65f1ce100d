"""Every write to stock. On-hand changes go through ``_move`` and so always leave a ledger row.

Each change is one conditional UPDATE, so two transactions can never push a level below zero
or reserve more than is on hand, and the CHECK constraints back that up in the database.
"""

import logging
from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import F

from .exceptions import InsufficientStock, StockError
from .models import Location, Product, StockLevel, StockMovement
from .signals import stock_received

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


def lock_stock_levels(
    *, product_ids: Iterable[int], location_ids: Iterable[int] | None = None
) -> list[StockLevel]:
    """Lock the stock rows of these products, always in primary-key order.

    A stable order means two orders for the same SKUs wait for each other instead of
    deadlocking, whatever order their lines are in.
    """
    levels = StockLevel.objects.filter(product_id__in=set(product_ids))
    if location_ids is not None:
        levels = levels.filter(location_id__in=set(location_ids))
    return list(levels.select_for_update(of=("self",)).order_by("pk"))


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
        .update(
            on_hand=F("on_hand") + quantity,
            reserved=F("reserved") - release_reserved,
        )
    )
    if not updated:
        level.refresh_from_db()
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
    _require_positive(quantity)
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
    if reason not in ADJUSTMENT_REASONS:
        allowed = ", ".join(sorted(ADJUSTMENT_REASONS))
        raise StockError(f"Reason must be one of: {allowed}.", code="invalid_reason")
    if quantity == 0:
        raise StockError("Quantity must not be zero.", code="invalid_quantity")
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


def reserve(*, product: Product, location: Location, quantity: int) -> None:
    """Promise ``quantity`` available units at ``location``; refuse if they are not there."""
    _require_positive(quantity)
    updated = StockLevel.objects.filter(
        product=product, location=location, on_hand__gte=F("reserved") + quantity
    ).update(reserved=F("reserved") + quantity)
    if not updated:
        level = StockLevel.objects.filter(product=product, location=location).first()
        raise InsufficientStock([(product.sku, quantity, level.available if level else 0)])


def release(*, product: Product, location: Location, quantity: int) -> None:
    """Give reserved units back to available stock (cancellation, reallocation)."""
    _require_positive(quantity)
    updated = StockLevel.objects.filter(
        product=product, location=location, reserved__gte=quantity
    ).update(reserved=F("reserved") - quantity)
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
