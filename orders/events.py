"""One creator per event type: the timeline shows ``message``; ``data`` keeps the details."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser

from . import signals
from .models import Order, OrderEvent
from .pricing import PriceChange
from .sourcing import Decision

Type = OrderEvent.Type
Actor = AbstractBaseUser | None


MESSAGE_LENGTH = OrderEvent._meta.get_field("message").max_length
_together: ContextVar[list[tuple[OrderEvent, Actor]] | None] = ContextVar("events", default=None)


def record(order: Order, type_: str, message: str, actor: Actor, **data: Any) -> OrderEvent:
    """Write one event and publish it (``signals.order_event_recorded``) to the domains that
    react to orders. Long messages (a 40-line order) are cut; ``data`` keeps every detail.

    The one way any domain writes to an order's timeline: each keeps its own creators on top.
    """
    if len(message) > MESSAGE_LENGTH:
        message = message[: MESSAGE_LENGTH - 1] + "…"
    event = OrderEvent(order=order, type=type_, message=message, actor=_saved(actor), data=data)
    if (together := _together.get()) is not None:
        together.append((event, actor))
        return event
    event.save()
    _publish(event, actor)
    return event


@contextmanager
def recorded_together() -> Iterator[None]:
    """Write the events recorded in the block in one INSERT as it ends, then publish them in
    order (placing an order: its events are written before the stock rows are locked). A
    block within another joins it."""
    if _together.get() is not None:
        yield
        return
    together: list[tuple[OrderEvent, Actor]] = []
    token = _together.set(together)
    try:
        yield
    finally:
        _together.reset(token)
    OrderEvent.objects.bulk_create([event for event, _ in together])
    for event, actor in together:
        _publish(event, actor)


def _publish(event: OrderEvent, actor: Actor) -> None:
    signals.order_event_recorded.send(
        sender=Type(event.type), order=event.order, event=event, actor=actor
    )


def _saved(actor: Actor) -> Any:
    """Only a saved user goes in the foreign key (tasks and webhooks act as nobody)."""
    return actor if actor is not None and getattr(actor, "pk", None) else None


def order_placed(order: Order, actor: Actor) -> OrderEvent:
    return record(
        order,
        Type.PLACED,
        f"Order placed via {order.channel.name} for {order.total} {order.currency}.",
        actor,
        total=str(order.total),
    )


def draft_created(order: Order, actor: Actor) -> OrderEvent:
    return record(order, Type.DRAFT_CREATED, "Draft order created.", actor)


def stock_reserved(
    order: Order, reserved: list[dict[str, Any]], actor: Actor, decision: Decision | None = None
) -> OrderEvent:
    """``decision``: the sourcing engine's, whose chosen plan and runners-up (``sourcing`` in
    ``data``) lead the message: "From WH-EAST: 1 parcel, est. 4.90; WH-WEST + STORE-NYC would
    be 2 parcels, 9.80. Reserved …"."""
    parts = ", ".join(f"{r['quantity']} × {r['sku']} at {r['location']}" for r in reserved)
    message = f"Reserved {parts}."
    data: dict[str, Any] = {"allocations": reserved}
    if decision is not None:
        message = f"{decision.sentence()} {message}"
        data["sourcing"] = decision.as_data()
    return record(order, Type.STOCK_RESERVED, message, actor, **data)


def _units(rows: list[dict[str, Any]], where: str = "at") -> str:
    return ", ".join(
        f"{r['quantity']} × {r['sku']}" + (f" {where} {r['location']}" if "location" in r else "")
        for r in rows
    )


def units_resourced(
    order: Order,
    *,
    released: list[dict[str, Any]],
    reserved: list[dict[str, Any]],
    backordered: list[dict[str, Any]],
    decision: Decision | None,
    reason: str,
    actor: Actor,
) -> OrderEvent:
    """Units taken off a location (``reason``: why) and sourced again: a stock-reserved event
    like placing's (its ``sourcing`` decision is the order's latest), or a backordered one
    when no location could take them. ``resourced`` in ``data`` tells it from placing's."""
    message = f"{reason}: released {_units(released)}." if released else f"{reason}."
    if decision is not None:
        message += f" {decision.sentence()}"
    if reserved:
        message += f" Reserved {_units(reserved)}."
    if backordered:
        message += f" Backordered {_units(backordered)}."
    data: dict[str, Any] = {
        "resourced": reason,
        "released": released,
        "allocations": reserved,
        "lines": backordered,
    }
    if decision is not None:
        data["sourcing"] = decision.as_data()
    type_ = Type.STOCK_RESERVED if reserved else Type.BACKORDERED
    return record(order, type_, message, actor, **data)


def backordered(order: Order, lines: list[dict[str, Any]], actor: Actor) -> OrderEvent:
    parts = ", ".join(f"{line['quantity']} × {line['sku']}" for line in lines)
    return record(order, Type.BACKORDERED, f"Backordered {parts}.", actor, lines=lines)


def backorder_allocated(order: Order, reserved: list[dict[str, Any]]) -> OrderEvent:
    parts = ", ".join(f"{r['quantity']} × {r['sku']} at {r['location']}" for r in reserved)
    return record(
        order, Type.BACKORDER_ALLOCATED, f"Backorder filled: {parts}.", None, allocations=reserved
    )


def order_confirmed(order: Order, actor: Actor) -> OrderEvent:
    return record(order, Type.CONFIRMED, "Order confirmed.", actor)


def processing_started(order: Order, actor: Actor) -> OrderEvent:
    return record(order, Type.PROCESSING, "Processing started.", actor)


def order_held(order: Order, actor: Actor) -> OrderEvent:
    message = f"Put on hold: {order.get_hold_reason_display()}."
    if order.hold_note:
        message += f" {order.hold_note}"
    return record(order, Type.HELD, message, actor, reason=order.hold_reason, note=order.hold_note)


def hold_released(order: Order, reason: str, actor: Actor) -> OrderEvent:
    return record(
        order,
        Type.HOLD_RELEASED,
        f"Hold released; back to {order.get_status_display().lower()}.",
        actor,
        previous_reason=reason,
    )


def order_cancelled(order: Order, released: int, actor: Actor) -> OrderEvent:
    message = f"Cancelled: {order.cancel_reason}."
    if released:
        message += f" {released} reserved unit(s) returned to stock."
    return record(
        order, Type.CANCELLED, message, actor, reason=order.cancel_reason, released=released
    )


def order_shipped(
    order: Order, shipped: list[dict[str, Any]], value: Decimal, complete: bool, actor: Actor
) -> OrderEvent:
    """One shipment left: ``value`` is what it is worth (payments captures that much)."""
    parts = ", ".join(f"{s['quantity']} × {s['sku']} from {s['location']}" for s in shipped)
    rest = "" if complete else " The rest of the order is still to ship."
    return record(
        order,
        Type.SHIPPED,
        f"Shipped {parts} ({value} {order.currency}).{rest}",
        actor,
        shipped=shipped,
        value=str(value),
        complete=complete,
    )


def order_delivered(order: Order, actor: Actor) -> OrderEvent:
    return record(order, Type.DELIVERED, "Delivered to the customer.", actor)


def order_completed(order: Order, actor: Actor) -> OrderEvent:
    return record(order, Type.COMPLETED, "Order completed.", actor)


def lines_changed(order: Order, message: str, changes: list[dict[str, Any]], actor: Actor):
    return record(order, Type.LINES_CHANGED, message, actor, changes=changes)


def price_overridden(order: Order, change: PriceChange, actor: Actor) -> OrderEvent:
    """A line sold below (or above) the catalogue: who did it, the catalogue and the new price."""
    money = order.currency
    if change.overridden:
        message = (
            f"Price of {change.sku} overridden: {change.unit_price} {money} "
            f"instead of the catalogue {change.catalogue_price} {money}"
        )
        message += f", less a discount of {change.discount} {money}." if change.discount else "."
    else:
        message = (
            f"Discount of {change.discount} {money} on {change.quantity} × {change.sku} "
            f"(catalogue {change.catalogue_price} {money})."
        )
    return record(
        order,
        Type.PRICE_OVERRIDDEN,
        message,
        actor,
        sku=change.sku,
        quantity=change.quantity,
        catalogue_price=str(change.catalogue_price),
        unit_price=str(change.unit_price),
        discount=str(change.discount),
    )


def _one_line(address: dict[str, str]) -> str:
    parts = ("name", "line1", "line2", "city", "region", "postal_code", "country")
    return ", ".join(address[key] for key in parts if address.get(key))


def address_corrected(
    order: Order, previous: dict[str, str], previous_total: Decimal, actor: Actor
) -> OrderEvent:
    """The new ship-to and the old one; a new destination may tax differently."""
    message = f"Shipping address corrected to {_one_line(order.shipping_address)}."
    if order.total != previous_total:
        message += f" Total {previous_total} → {order.total} {order.currency} (tax changed)."
    return record(
        order,
        Type.ADDRESS_CORRECTED,
        message,
        actor,
        previous=previous,
        address=order.shipping_address,
        previous_total=str(previous_total),
        total=str(order.total),
    )


def promised_date_changed(order: Order, previous: date | None, actor: Actor) -> OrderEvent:
    new = order.promised_ship_date
    if new is None:
        message = f"Promised ship date {previous} removed."
    elif previous is None:
        message = f"Promised ship date set to {new}."
    else:
        message = f"Promised ship date moved from {previous} to {new}."
    return record(
        order,
        Type.PROMISED_DATE_CHANGED,
        message,
        actor,
        previous=previous.isoformat() if previous else None,
        promised_ship_date=new.isoformat() if new else None,
    )


def shipping_changed(order: Order, previous: Decimal, actor: Actor) -> OrderEvent:
    return record(
        order,
        Type.SHIPPING_CHANGED,
        f"Shipping charge changed from {previous} to {order.shipping_total} {order.currency}; "
        f"total now {order.total} {order.currency}.",
        actor,
        previous=str(previous),
        shipping_total=str(order.shipping_total),
        total=str(order.total),
    )


def stock_written_off(
    order: Order,
    written_off: list[dict[str, Any]],
    reserved: list[dict[str, Any]],
    backordered: list[dict[str, Any]],
    reason: str,
    actor: Actor,
) -> OrderEvent:
    """Reserved units were damaged or lost: where the order's units come from now."""
    lost = ", ".join(f"{w['quantity']} × {w['sku']} at {w['location']}" for w in written_off)
    message = f"Reserved stock written off ({reason}): {lost}."
    if reserved:
        parts = ", ".join(f"{r['quantity']} × {r['sku']} at {r['location']}" for r in reserved)
        message += f" Reserved again: {parts}."
    if backordered:
        parts = ", ".join(f"{b['quantity']} × {b['sku']}" for b in backordered)
        message += f" Backordered: {parts}."
    return record(
        order,
        Type.STOCK_WRITTEN_OFF,
        message,
        actor,
        reason=reason,
        written_off=written_off,
        allocations=reserved,
        backordered=backordered,
    )


def note_added(order: Order, text: str, actor: Actor) -> OrderEvent:
    return record(order, Type.NOTE, text, actor)


def email_sent(order: Order, kind: str, recipient: str, **data: Any) -> OrderEvent:
    """The timeline entry of an e-mail sent (notifications keeps the message and stops a second
    send, by its dedupe key)."""
    label = kind.replace("_", " ")
    return record(
        order, Type.EMAIL_SENT, f"E-mail '{label}' sent to {recipient}.", None, kind=kind, **data
    )
