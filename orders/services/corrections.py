"""Corrections staff make to an order until it has shipped: the shipping address, the promised
ship date and the shipping charge. Each is an order event; one that changes the total is
followed by payments (it reacts to the event as to a change of lines)."""

from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.limits import check_money
from customers.models import Address

from .. import events, pricing
from ..exceptions import STATE_WORDS, OrderError, OrderValidationError
from ..models import HoldReason, Order, OrderLine, OrderStatus
from .common import Actor, address_snapshot, lock_order, ship_by_for

# Until the last unit ships (a held order counts too); a draft is edited, not corrected.
CORRECTABLE_STATUSES = frozenset(
    {
        OrderStatus.PLACED,
        OrderStatus.CONFIRMED,
        OrderStatus.PROCESSING,
        OrderStatus.PARTIALLY_SHIPPED,
        OrderStatus.ON_HOLD,
    }
)


def corrections_allowed(order: Order) -> bool:
    return order.status in CORRECTABLE_STATUSES


def held_for_address(order: Order) -> bool:
    """The order waits on an address check: after a correction, staff may release it."""
    return order.status == OrderStatus.ON_HOLD and order.hold_reason == HoldReason.INCORRECT_ADDRESS


def _lock_correctable(order: Order, what: str) -> Order:
    order = lock_order(order)
    if not corrections_allowed(order):
        state = STATE_WORDS.get(order.status, order.status)
        raise OrderError(
            f"{order.number} is {state}: its {what} can no longer be changed.",
            code="not_correctable",
        )
    return order


def _retax(order: Order, lines: list[OrderLine], rate: Decimal) -> None:
    """Tax every line at the new destination's rate. Once units have shipped (and been
    charged), the tax they were charged stands: a correction that changes it is refused."""
    if all(line.tax_rate == rate for line in lines):
        return
    if any(line.quantity_shipped for line in lines):
        raise OrderValidationError(
            f"The new address is taxed at {rate * 100:.2f}% and part of {order.number} has "
            "shipped at the old rate: correct only an address with the same tax.",
            field="shipping_address.country",
        )
    for line in lines:
        pricing.price_line(line, rate)
    OrderLine.objects.bulk_update(lines, ["tax_rate", "tax_amount"])
    pricing.apply_totals(order, lines)


@transaction.atomic
def correct_shipping_address(
    *, order: Order, address: Address | dict[str, Any], actor: Actor = None
) -> Order:
    """Ship the rest of the order to ``address``; the lines are taxed for the new destination.

    An order on an "incorrect address" hold stays on hold: whoever corrects it decides whether
    to release it (``held_for_address`` tells the page to offer that).
    """
    shipping = address_snapshot(address, "shipping_address")
    order = _lock_correctable(order, "shipping address")
    previous, previous_total = order.shipping_address, order.total
    if shipping == previous:
        return order
    _retax(order, list(order.lines.all()), pricing.tax_rate_for(shipping))
    order.shipping_address = shipping
    order.save(update_fields=["shipping_address", *pricing.TOTAL_FIELDS, "updated_at"])
    events.address_corrected(order, previous, previous_total, actor)
    return order


@transaction.atomic
def change_promised_ship_date(
    *, order: Order, promised_ship_date: date | None, actor: Actor = None
) -> Order:
    """Promise another ship date (or none); a promise is never made for a day already past."""
    if promised_ship_date is not None and promised_ship_date < timezone.localdate():
        raise OrderValidationError(
            "The promised ship date cannot be in the past.", field="promised_ship_date"
        )
    order = _lock_correctable(order, "promised ship date")
    previous = order.promised_ship_date
    if promised_ship_date == previous:
        return order
    order.promised_ship_date = promised_ship_date
    order.ship_by = ship_by_for(promised_ship_date, order.placed_at, order.channel)
    order.save(update_fields=["promised_ship_date", "ship_by", "updated_at"])
    events.promised_date_changed(order, previous, actor)
    return order


@transaction.atomic
def change_shipping_charge(*, order: Order, shipping_total: Decimal, actor: Actor = None) -> Order:
    """Charge another amount for shipping; the total follows (the last shipment captures it)."""
    amount = check_money(
        shipping_total,
        field="shipping_total",
        label="Shipping",
        maximum=settings.OMS_MAX_UNIT_PRICE,
        error=OrderValidationError,
    )
    order = _lock_correctable(order, "shipping charge")
    previous = order.shipping_total
    if amount == previous:
        return order
    order.shipping_total = amount
    pricing.apply_totals(order, order.lines.all())
    order.save(update_fields=["shipping_total", *pricing.TOTAL_FIELDS, "updated_at"])
    events.shipping_changed(order, previous, actor)
    return order
