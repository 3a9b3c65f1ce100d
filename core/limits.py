"""Bounds for every amount and quantity a service accepts.

A value is checked twice against what its column can hold (a money column of 14 digits with 2
decimals stays below 10**12; an integer column stops at 2147483647) and against the business
maximum in settings (``OMS_MAX_*``), whichever is lower. Anything else (a float, NaN,
Infinity, ``1E+1000``, a bool) is refused the same way: a ``DomainError`` whose ``field`` names
the field and whose message states the limit, never an ``InvalidOperation`` or a database
error, and never a stored figure that a page cannot render.
"""

from decimal import Decimal

from core.exceptions import DomainError
from core.money import ZERO, to_money

# DecimalField(max_digits=14, decimal_places=2): at most 12 digits before the point.
MONEY_COLUMN_MAX = Decimal(10) ** 12 - Decimal("0.01")
# IntegerField / PositiveIntegerField on PostgreSQL (and Django's range check).
INTEGER_COLUMN_MAX = 2_147_483_647


def _format(limit: Decimal) -> str:
    return f"{limit:,.2f}"


def check_money(
    value: object,
    *,
    field: str,
    label: str,
    maximum: Decimal | int,
    error: type[DomainError] = DomainError,
) -> Decimal:
    """``value`` rounded to cents, from 0 to ``maximum`` (and the column's size); else ``error``.

    Tiny amounts round to 0.00 and negative zero becomes 0.00; callers refuse zero where it
    makes no sense.
    """
    limit = min(Decimal(maximum), MONEY_COLUMN_MAX)
    message = f"{label} must be an amount from 0.00 to {_format(limit)}."
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise error(message, code="invalid_amount", field=field)
    amount = Decimal(value)
    if not amount.is_finite() or amount < 0 or amount > limit:
        raise error(message, code="amount_out_of_range", field=field)
    return to_money(amount) + ZERO  # + ZERO turns -0.00 into 0.00


def check_quantity(
    value: object,
    *,
    field: str,
    label: str,
    maximum: int,
    minimum: int = 1,
    error: type[DomainError] = DomainError,
) -> int:
    """``value`` if it is a whole number from ``minimum`` to ``maximum`` (and the column's
    size), else ``error``. A negative ``minimum`` bounds signed changes both ways."""
    limit = min(maximum, INTEGER_COLUMN_MAX)
    low = max(minimum, -INTEGER_COLUMN_MAX)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= limit:
        raise error(
            f"{label} must be a whole number from {low:,} to {limit:,}.",
            code="quantity_out_of_range",
            field=field,
        )
    return value
