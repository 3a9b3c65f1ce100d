"""Stock services: receipts, adjustments, reservations and the ledger that backs on_hand."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import Sum

from inventory import services
from inventory.exceptions import InsufficientStock, StockError
from inventory.models import StockLevel, StockMovement
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def product():
    return factories.ProductFactory(sku="WIDGET")


def ledger_sum(product, location) -> int:
    return (
        StockMovement.objects.filter(product=product, location=location).aggregate(
            total=Sum("quantity")
        )["total"]
        or 0
    )


def test_receipts_and_adjustments_keep_on_hand_equal_to_the_ledger(product, warehouse):
    staff = factories.UserFactory()
    services.receive_stock(product=product, location=warehouse, quantity=20, reference="PO-1")
    services.adjust_stock(
        product=product,
        location=warehouse,
        quantity=-3,
        reason=StockMovement.Reason.ADJUSTMENT,
        note="Damaged in storage",
        user=staff,
    )

    level = StockLevel.objects.get(product=product, location=warehouse)
    assert level.on_hand == 17 == ledger_sum(product, warehouse)
    damaged = StockMovement.objects.get(quantity=-3)
    assert (damaged.user, damaged.note) == (staff, "Damaged in storage")


def test_adjustment_cannot_take_away_reserved_or_missing_stock(product, warehouse):
    services.receive_stock(product=product, location=warehouse, quantity=5)
    services.reserve(product=product, location=warehouse, quantity=4)

    with pytest.raises(InsufficientStock, match="WIDGET: 2 requested, 1 available"):
        services.adjust_stock(
            product=product, location=warehouse, quantity=-2, reason=StockMovement.Reason.ADJUSTMENT
        )
    assert StockMovement.objects.count() == 1


def test_adjustment_needs_a_known_reason_and_a_quantity(product, warehouse):
    with pytest.raises(StockError, match="Reason must be one of"):
        services.adjust_stock(product=product, location=warehouse, quantity=1, reason="sale")
    with pytest.raises(StockError, match="must not be zero"):
        services.adjust_stock(
            product=product, location=warehouse, quantity=0, reason=StockMovement.Reason.CORRECTION
        )


def test_reserve_release_commit(product, warehouse):
    services.receive_stock(product=product, location=warehouse, quantity=5)

    services.reserve(product=product, location=warehouse, quantity=3)
    with pytest.raises(InsufficientStock):
        services.reserve(product=product, location=warehouse, quantity=3)
    services.release(product=product, location=warehouse, quantity=1)
    services.commit(product=product, location=warehouse, quantity=2, reference="SO-000001")
    with pytest.raises(StockError, match="not reserved"):
        services.release(product=product, location=warehouse, quantity=1)

    level = StockLevel.objects.get(product=product, location=warehouse)
    assert (level.on_hand, level.reserved, level.available) == (3, 0, 3)
    assert ledger_sum(product, warehouse) == 3


def test_quantities_must_be_positive(product, warehouse):
    with pytest.raises(StockError, match="must be a whole number from 1 to"):
        services.receive_stock(product=product, location=warehouse, quantity=0)


def test_the_ledger_is_append_only(product, warehouse):
    movement = services.receive_stock(product=product, location=warehouse, quantity=1)
    with pytest.raises(ValueError, match="append-only"):
        movement.save()
    with pytest.raises(ValueError, match="append-only"):
        movement.delete()


@pytest.mark.parametrize(
    "assignment",
    ["on_hand = -1", "reserved = -1", "reserved = on_hand + 1"],
)
def test_raw_updates_that_break_stock_constraints_raise_integrity_error(
    product, warehouse, assignment
):
    services.receive_stock(product=product, location=warehouse, quantity=2)
    level = StockLevel.objects.get(product=product, location=warehouse)

    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE inventory_stocklevel SET {assignment} WHERE id = %s",  # noqa: S608
            [level.pk],
        )

    level.refresh_from_db()
    assert (level.on_hand, level.reserved) == (2, 0)
