"""Placing orders: from a channel, from staff order entry, and drafts submitted later."""

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.limits import check_money
from core.money import ZERO, to_money
from customers.models import Address, Customer
from inventory.exceptions import InsufficientStock
from inventory.models import Location

from .. import events, pricing, workflow
from ..exceptions import OrderValidationError
from ..models import (
    Order,
    OrderLine,
    OrderStatus,
    SalesChannel,
)
from ..numbers import next_order_number
from ..pricing import PriceChange
from .common import (
    Actor,
    LineRequest,
    address_snapshot,
    fulfilment_status_for,
    lock_order,
    record_reservations,
    reserve_lines,
    reserve_planned,
    set_status,
    ship_by_for,
    take_plan,
    unlocked_plan,
    validate_lines,
)
from .prices import authorized_price_changes, record_price_changes


def _find_channel_order(channel: SalesChannel, external_id: str) -> Order | None:
    return Order.objects.filter(channel=channel, external_id=external_id).first()


# --- placing ------------------------------------------------------------------------------


def place_order(
    *,
    channel: SalesChannel,
    customer: Customer,
    lines: Sequence[LineRequest],
    shipping_address: Address | dict[str, Any],
    billing_address: Address | dict[str, Any] | None = None,
    external_id: str = "",
    currency: str | None = None,
    shipping_total: Decimal = ZERO,
    email: str = "",
    notes: str = "",
    promised_ship_date: date | None = None,
    never_split: bool = False,
    pickup_location: Location | None = None,
    placed_at: datetime | None = None,
    draft: bool = False,
    actor: Actor = None,
) -> Order:
    """Validate, snapshot, price, tax and reserve an order; all of it or nothing.

    Idempotent on (channel, external_id): the same channel order sent twice, even at the same
    moment, gives back the one order. A draft is priced but reserves nothing until submitted.
    ``never_split``: ship it from one location (as its channel may ask for every order).
    ``pickup_location``: click & collect at that store (active, ``can_pickup``): every unit is
    reserved there, what it lacks backordered (or refused), never sent from elsewhere.

    The stock is planned from the rows as they are and reserved by one conditional statement
    at the end, so the rows are locked only from there to the commit. Should the stock have
    moved in between (the statement finds less than planned), or should the order need a
    backorder, it is placed again with the rows locked while they are planned.
    """
    validate_lines(lines)
    price_changes = authorized_price_changes(lines, actor)
    shipping = address_snapshot(shipping_address, "shipping_address")
    billing = address_snapshot(billing_address, "billing_address") if billing_address else shipping
    shipping_total = check_money(
        shipping_total,
        field="shipping_total",
        label="Shipping",
        maximum=settings.OMS_MAX_UNIT_PRICE,
        error=OrderValidationError,
    )
    if pickup_location is not None and not (
        pickup_location.is_active and pickup_location.can_pickup
    ):
        raise OrderValidationError(
            f"{pickup_location.code} does not take click & collect orders.",
            field="pickup_location",
        )
    external_id = external_id.strip()
    if external_id and (existing := _find_channel_order(channel, external_id)):
        return existing
    placed_at = None if draft else placed_at or timezone.now()
    fields = {
        "number": next_order_number(),
        "channel": channel,
        "external_id": external_id,
        "customer": customer,
        "email": email or customer.email,
        "shipping_address": shipping,
        "billing_address": billing,
        "currency": (currency or channel.currency).upper(),
        "status": OrderStatus.DRAFT if draft else OrderStatus.PLACED,
        "shipping_total": to_money(shipping_total),
        "notes": notes,
        "promised_ship_date": promised_ship_date,
        "never_split": never_split,
        "pickup_location": pickup_location,
        "placed_at": placed_at,
        "ship_by": ship_by_for(promised_ship_date, placed_at, channel),
    }
    try:
        return _save_order(fields, lines, price_changes, actor, planned=not draft)
    except IntegrityError:
        # Another transaction committed the same channel order first: theirs is the order.
        if external_id and (existing := _find_channel_order(channel, external_id)):
            return existing
        raise


def _save_order(
    fields: dict[str, Any],
    requests: Sequence[LineRequest],
    price_changes: Sequence[PriceChange],
    actor: Actor,
    *,
    planned: bool,
) -> Order:
    """Write the order with its lines and events in one transaction.

    ``planned``: reserve as ``unlocked_plan`` plans, if it can; should the stock have moved
    since (InsufficientStock), write it all again unplanned. Unplanned, a placed order is
    reserved by ``reserve_lines``, under lock.
    """
    order = Order(**fields)
    quote = pricing.quote_order(
        lines=requests, shipping_address=order.shipping_address, shipping_total=order.shipping_total
    )
    lines = list(quote.lines)
    plan = unlocked_plan(order, lines) if planned else None
    if plan is not None:
        take_plan(lines, plan)
        order.fulfilment_status = fulfilment_status_for(lines)
    quote.totals.apply_to(order)
    try:
        with transaction.atomic():
            order.save(force_insert=True)
            for line in lines:
                line.order = order
            OrderLine.objects.bulk_create(lines)
            if plan is None and order.status == OrderStatus.PLACED:
                reserve_lines(order, lines, actor)  # locks the stock rows until the commit
                order.save(update_fields=["fulfilment_status", "updated_at"])
            with events.recorded_together():
                if plan is not None:
                    record_reservations(order, lines, plan, actor)
                if order.status == OrderStatus.DRAFT:
                    events.draft_created(order, actor)
                else:
                    events.order_placed(order, actor)
                record_price_changes(order, price_changes, actor)
            if plan is not None:
                reserve_planned(plan)  # the stock rows are locked from here to the commit
    except InsufficientStock:
        if plan is None:
            raise
        return _save_order(fields, requests, price_changes, actor, planned=False)
    return order


def create_lines(order: Order, requests: Sequence[LineRequest]) -> list[OrderLine]:
    """Save the requested lines as ``pricing.quote_order`` prices them (the entry preview's
    figures) and total the order on them."""
    quote = pricing.quote_order(
        lines=requests,
        shipping_address=order.shipping_address,
        shipping_total=order.shipping_total,
    )
    for line in quote.lines:
        line.order = order
    lines = OrderLine.objects.bulk_create(quote.lines)
    quote.totals.apply_to(order)
    order.save(update_fields=[*pricing.TOTAL_FIELDS, "updated_at"])
    return lines


@transaction.atomic
def submit_draft(*, order: Order, actor: Actor = None) -> Order:
    """Place a draft as it stands (its prices are the draft's): reserve its stock or backorder
    it, or refuse, naming what to fix, while a product on it is no longer for sale."""
    order = lock_order(order)
    workflow.check_transition(order, OrderStatus.PLACED)
    lines = list(order.lines.select_related("product"))
    if withdrawn := [line.sku for line in lines if not line.product.is_active]:
        raise OrderValidationError(
            f"{', '.join(withdrawn)} is no longer for sale: edit the draft first.", field="lines"
        )
    reserve_lines(order, lines, actor)
    order.placed_at = timezone.now()
    order.ship_by = ship_by_for(order.promised_ship_date, order.placed_at, order.channel)
    set_status(order, OrderStatus.PLACED, "placed_at", "ship_by", "fulfilment_status")
    events.order_placed(order, actor)
    return order
