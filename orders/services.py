"""Every write to an order. Each service is atomic, locks what it changes, checks the state
machine, records an event and enqueues follow-up tasks only once the transaction commits."""

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone

from core.money import ZERO, to_money
from core.sequences import next_number
from customers.models import Address, Customer
from inventory import services as inventory
from inventory.models import Product

from . import events, pricing, sourcing, tasks, workflow
from .exceptions import OrderError, OrderValidationError
from .models import (
    Allocation,
    FulfilmentStatus,
    HoldReason,
    Order,
    OrderLine,
    OrderStatus,
    PaymentStatus,
    SalesChannel,
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


def _validate_lines(lines: Sequence[LineRequest]) -> None:
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


def _lock(order: Order) -> Order:
    """Re-read the order under a row lock: the state we check is the state we change."""
    return Order.objects.select_for_update(of=("self",)).select_related("channel").get(pk=order.pk)


def _set_status(order: Order, target: str, *extra_fields: str) -> None:
    workflow.check_transition(order, target)
    order.status = target
    order.save(update_fields=["status", "updated_at", *extra_fields])


def _advance(
    order: Order, target: str, record_event: Callable[[Order, Actor], Any], actor: Actor
) -> Order:
    """The plain transitions: lock, move, record. Callers hold the transaction."""
    order = _lock(order)
    _set_status(order, target)
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


def _refresh_fulfilment_status(order: Order, lines: Sequence[OrderLine]) -> None:
    status = fulfilment_status_for(lines)
    if status != order.fulfilment_status:
        order.fulfilment_status = status
        order.save(update_fields=["fulfilment_status", "updated_at"])


def _reserve_lines(order: Order, lines: list[OrderLine], actor: Actor) -> None:
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


def _release_allocations(order: Order) -> int:
    """Give every unit still reserved for the order back to stock; returns the unit count."""
    return _release_line_allocations(list(order.lines.select_related("product")))


def _release_line_allocations(lines: list[OrderLine]) -> int:
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
    placed_at: datetime | None = None,
    draft: bool = False,
    actor: Actor = None,
) -> Order:
    """Validate, snapshot, price, tax and reserve an order; all of it or nothing.

    Idempotent on (channel, external_id): the same channel order sent twice, even at the same
    moment, gives back the one order. A draft is priced but reserves nothing until submitted.
    """
    _validate_lines(lines)
    shipping = address_snapshot(shipping_address, "shipping_address")
    billing = address_snapshot(billing_address, "billing_address") if billing_address else shipping
    if shipping_total < 0:
        raise OrderValidationError("Shipping must not be negative.", field="shipping_total")
    external_id = external_id.strip()
    if external_id and (existing := _find_channel_order(channel, external_id)):
        return existing

    with transaction.atomic():
        try:
            with transaction.atomic():
                order = Order.objects.create(
                    number=next_number("order_number", "SO"),
                    channel=channel,
                    external_id=external_id,
                    customer=customer,
                    email=email or customer.email,
                    shipping_address=shipping,
                    billing_address=billing,
                    currency=(currency or channel.currency).upper(),
                    status=OrderStatus.DRAFT if draft else OrderStatus.PLACED,
                    shipping_total=to_money(shipping_total),
                    total=to_money(shipping_total),
                    notes=notes,
                    promised_ship_date=promised_ship_date,
                    placed_at=None if draft else placed_at or timezone.now(),
                )
        except IntegrityError:
            # Another transaction committed the same channel order first: theirs is the order.
            if external_id and (existing := _find_channel_order(channel, external_id)):
                return existing
            raise
        order_lines = _create_lines(order, lines)
        if draft:
            events.draft_created(order, actor)
        else:
            _reserve_lines(order, order_lines, actor)
            events.order_placed(order, actor)
            tasks.send_order_email.delay_on_commit(order.pk, "placed")
        order.save(update_fields=["fulfilment_status", "updated_at"])
    return order


def new_line(request: LineRequest, order: Order | None = None) -> OrderLine:
    """An unsaved, unpriced line with its product snapshot (order entry previews use it too)."""
    price = request.product.unit_price if request.unit_price is None else request.unit_price
    return OrderLine(
        order=order,
        product=request.product,
        sku=request.product.sku,
        name=request.product.name,
        quantity=request.quantity,
        unit_price=to_money(price),
        discount=to_money(request.discount),
    )


def _create_lines(order: Order, requests: Sequence[LineRequest]) -> list[OrderLine]:
    rate = pricing.tax_rate_for(order.shipping_address)
    lines = []
    for request in requests:
        line = new_line(request, order=order)
        pricing.price_line(line, rate)
        lines.append(line)
    lines = OrderLine.objects.bulk_create(lines)
    pricing.apply_totals(order, lines)
    order.save(update_fields=["subtotal", "discount_total", "tax_total", "total", "updated_at"])
    return lines


@transaction.atomic
def submit_draft(*, order: Order, actor: Actor = None) -> Order:
    order = _lock(order)
    workflow.check_transition(order, OrderStatus.PLACED)
    lines = list(order.lines.select_related("product"))
    _reserve_lines(order, lines, actor)
    order.placed_at = timezone.now()
    _set_status(order, OrderStatus.PLACED, "placed_at", "fulfilment_status")
    events.order_placed(order, actor)
    tasks.send_order_email.delay_on_commit(order.pk, "placed")
    return order


# --- transitions --------------------------------------------------------------------------


@transaction.atomic
def confirm_order(*, order: Order, actor: Actor = None) -> Order:
    """Confirm once payment allows it: the total authorized or captured, or a manual method
    the channel accepts before the money arrives, or a channel that confirms unpaid orders
    (``payments.selectors.confirmation_blocker``). Raises ``PaymentRequired`` otherwise; on a
    channel that captures on confirmation, the captures are queued for after the commit."""
    from payments import services as payments  # payments builds on orders: import at call time

    order = _lock(order)
    workflow.check_transition(order, OrderStatus.CONFIRMED)
    payments.check_order_confirmable(order)
    _set_status(order, OrderStatus.CONFIRMED)
    events.order_confirmed(order, actor)
    payments.order_confirmed(order=order, actor=actor)
    return order


@transaction.atomic
def start_processing(*, order: Order, actor: Actor = None) -> Order:
    return _advance(order, OrderStatus.PROCESSING, events.processing_started, actor)


@transaction.atomic
def hold_order(*, order: Order, reason: str, note: str = "", actor: Actor = None) -> Order:
    if reason not in HoldReason.values:
        raise OrderValidationError(f"Unknown hold reason {reason!r}.", field="reason")
    if reason == HoldReason.OTHER and not note.strip():
        raise OrderValidationError("Say why the order is held.", field="note")
    order = _lock(order)
    workflow.check_transition(order, OrderStatus.ON_HOLD)
    order.status_before_hold = order.status
    order.hold_reason = reason
    order.hold_note = note.strip()[:500]
    order.held_by = actor if actor and actor.pk else None
    _set_status(
        order, OrderStatus.ON_HOLD, "status_before_hold", "hold_reason", "hold_note", "held_by"
    )
    events.order_held(order, actor)
    return order


@transaction.atomic
def release_hold(*, order: Order, actor: Actor = None) -> Order:
    order = _lock(order)
    if not workflow.can_release(order):
        raise OrderError(f"Order {order.number} is not on hold.", code="not_on_hold")
    target = order.status_before_hold
    reason = order.hold_reason
    order.hold_reason, order.hold_note, order.held_by = "", "", None
    order.status_before_hold = ""
    order.status = target
    order.save(
        update_fields=[
            "status",
            "status_before_hold",
            "hold_reason",
            "hold_note",
            "held_by",
            "updated_at",
        ]
    )
    events.hold_released(order, reason, actor)
    return order


@transaction.atomic
def cancel_order(*, order: Order, reason: str, actor: Actor = None) -> Order:
    """Cancel and give every reserved unit back to stock."""
    from payments import services as payments  # payments builds on orders: import at call time

    reason = reason.strip()
    if not reason:
        raise OrderValidationError("A cancellation needs a reason.", field="reason")
    order = _lock(order)
    workflow.check_transition(order, OrderStatus.CANCELLED)
    released = _release_allocations(order)
    order.cancel_reason = reason[:500]
    order.hold_reason, order.hold_note, order.held_by = "", "", None
    order.fulfilment_status = FulfilmentStatus.UNFULFILLED
    _set_status(
        order,
        OrderStatus.CANCELLED,
        "cancel_reason",
        "hold_reason",
        "hold_note",
        "held_by",
        "fulfilment_status",
    )
    events.order_cancelled(order, released, actor)
    payments.order_cancelled(order=order, actor=actor)
    if order.placed_at:
        tasks.send_order_email.delay_on_commit(order.pk, "cancelled")
    return order


@transaction.atomic
def ship_order(*, order: Order, actor: Actor = None) -> Order:
    """Ship every reserved unit: stock leaves the building and the ledger records the sale.

    The fulfilment work (pick lists, shipments, labels) will call this per shipment.
    """
    order = _lock(order)
    allocations = list(
        Allocation.objects.filter(line__order=order).select_related("line__product", "location")
    )
    if not allocations:
        raise OrderError(f"Order {order.number} has no reserved units to ship.", code="nothing")
    inventory.lock_stock_levels(
        product_ids=[a.line.product_id for a in allocations],
        location_ids=[a.location_id for a in allocations],
    )
    shipped = []
    for allocation in allocations:
        inventory.commit(
            product=allocation.line.product,
            location=allocation.location,
            quantity=allocation.quantity,
            reference=order.number,
            user=actor if actor and actor.pk else None,
        )
        shipped.append(
            {
                "sku": allocation.line.sku,
                "location": allocation.location.code,
                "quantity": allocation.quantity,
            }
        )
    OrderLine.objects.filter(order=order).update(
        quantity_shipped=F("quantity_shipped") + F("quantity_allocated"), quantity_allocated=0
    )
    Allocation.objects.filter(pk__in=[a.pk for a in allocations]).delete()
    lines = list(order.lines.all())
    order.fulfilment_status = fulfilment_status_for(lines)
    target = (
        OrderStatus.SHIPPED
        if order.fulfilment_status == FulfilmentStatus.SHIPPED
        else OrderStatus.PARTIALLY_SHIPPED
    )
    if target != order.status:
        _set_status(order, target, "fulfilment_status")
    else:
        order.save(update_fields=["fulfilment_status", "updated_at"])
    events.order_shipped(order, shipped, actor)
    tasks.send_order_email.delay_on_commit(order.pk, "shipped")
    return order


@transaction.atomic
def mark_delivered(*, order: Order, actor: Actor = None) -> Order:
    return _advance(order, OrderStatus.DELIVERED, events.order_delivered, actor)


@transaction.atomic
def complete_order(*, order: Order, actor: Actor = None) -> Order:
    return _advance(order, OrderStatus.COMPLETED, events.order_completed, actor)


@transaction.atomic
def add_note(*, order: Order, text: str, actor: Actor = None) -> None:
    text = text.strip()
    if not text:
        raise OrderValidationError("A note cannot be empty.", field="text")
    events.note_added(order, text, actor)


# Lines may change until the warehouse starts on the order; a held order counts as the status
# it was held from.
LINES_EDITABLE_STATUSES = frozenset({OrderStatus.DRAFT, OrderStatus.PLACED, OrderStatus.CONFIRMED})


def lines_editable(order: Order) -> bool:
    status = order.status_before_hold if order.status == OrderStatus.ON_HOLD else order.status
    return status in LINES_EDITABLE_STATUSES


def _quantity_changes(
    lines: Sequence[OrderLine], quantities: dict[int, int]
) -> list[tuple[OrderLine, int]]:
    """Validate the requested quantities; returns the lines whose quantity really changes."""
    unknown = set(quantities) - {line.pk for line in lines}
    if unknown:
        pk = min(unknown)
        raise OrderValidationError(f"Line {pk} is not on this order.", f"quantities[{pk}]")
    changes = []
    for line in lines:
        quantity = quantities.get(line.pk, line.quantity)
        field = f"quantities[{line.pk}]"
        if not isinstance(quantity, int) or quantity < 0:
            raise OrderValidationError(
                f"{line.sku}: quantity must be a whole number (0 removes the line).", field
            )
        if quantity and line.discount > line.unit_price * quantity:
            raise OrderValidationError(
                f"{line.sku}: the line discount {line.discount} is more than {quantity} units "
                "cost; change the discount first.",
                field,
            )
        if quantity != line.quantity:
            changes.append((line, quantity))
    return changes


def _describe_line_changes(changes: list[dict[str, Any]]) -> str:
    parts = []
    for change in changes:
        if not change["from"]:
            parts.append(f"added {change['to']} × {change['sku']}")
        elif not change["to"]:
            parts.append(f"removed {change['sku']}")
        else:
            parts.append(f"{change['sku']} {change['from']} → {change['to']}")
    return "; ".join(parts)


@transaction.atomic
def update_order_lines(
    *,
    order: Order,
    quantities: dict[int, int],
    additions: Sequence[LineRequest] = (),
    actor: Actor = None,
) -> Order:
    """Change line quantities (0 removes a line) and add lines before the order is processed.

    Changed lines give their reserved units back and reserve again together with the new lines,
    so the reservations follow the new quantities; if stock is short nothing changes at all.
    The payment status follows the new total (a bigger order may no longer be fully paid).
    """
    from payments import services as payments  # payments builds on orders: import at call time

    order = _lock(order)
    if not lines_editable(order):
        raise OrderError(
            f"Order {order.number} is {order.get_status_display().lower()}: "
            "its lines can no longer be changed.",
            code="lines_locked",
        )
    lines = list(order.lines.select_related("product"))
    changed = _quantity_changes(lines, quantities)
    if additions:
        _validate_lines(additions)
    if not changed and not additions:
        return order
    removed = [line for line, quantity in changed if quantity == 0]
    if len(removed) == len(lines) and not additions:
        raise OrderValidationError(
            "An order needs at least one line; cancel the order instead.", field="lines"
        )
    previous_total = order.total
    reserving = order.status != OrderStatus.DRAFT
    if reserving:
        # Lock every stock row this edit touches up front, in one stable order.
        inventory.lock_stock_levels(
            product_ids=[line.product_id for line, _ in changed]
            + [request.product.pk for request in additions]
        )
        _release_line_allocations([line for line, _ in changed])
    log = [{"sku": line.sku, "from": line.quantity, "to": quantity} for line, quantity in changed]
    kept = [line for line, quantity in changed if quantity]
    for line, quantity in changed:
        line.quantity = quantity
        pricing.price_line(line, line.tax_rate)
    OrderLine.objects.filter(pk__in=[line.pk for line in removed]).delete()
    OrderLine.objects.bulk_update(kept, ["quantity", "line_total", "tax_amount"])
    added = _create_lines(order, additions) if additions else []
    log += [{"sku": line.sku, "from": 0, "to": line.quantity} for line in added]
    if reserving and kept + added:
        _reserve_lines(order, kept + added, actor)
    remaining = [line for line in lines if line not in removed] + added
    pricing.apply_totals(order, remaining)
    if reserving:
        order.fulfilment_status = fulfilment_status_for(remaining)
    order.save(
        update_fields=[
            "subtotal",
            "discount_total",
            "tax_total",
            "total",
            "fulfilment_status",
            "updated_at",
        ]
    )
    message = (
        f"Lines changed: {_describe_line_changes(log)}. "
        f"Total {previous_total} → {order.total} {order.currency}."
    )
    events.lines_changed(order, message, log, actor)
    payments.refresh_order_payment_status(order)
    return order


# --- backorders and housekeeping ----------------------------------------------------------


@transaction.atomic
def allocate_backorders(*, product: Product) -> int:
    """Reserve newly available stock for backordered lines, oldest order first.

    Locks follow the order every service uses (orders, then stock rows) so this can run beside
    a cancellation or a shipment without deadlocking. Returns the number of units allocated.
    """
    waiting = OrderLine.objects.filter(
        product=product,
        quantity_backordered__gt=0,
        order__status__in=workflow.OPEN_STATUSES,
    )
    order_ids = set(waiting.values_list("order_id", flat=True))
    list(Order.objects.filter(pk__in=order_ids).select_for_update().order_by("pk"))
    lines = list(waiting.select_related("order", "product").order_by("order__placed_at", "pk"))
    if not lines:
        return 0
    plan = sourcing.plan_reservations(
        [(line, line.quantity_backordered) for line in lines], partial=True
    )
    by_order: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for line, location, quantity in plan.allocations:
        inventory.reserve(product=product, location=location, quantity=quantity)
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
    OrderLine.objects.bulk_update(lines, ["quantity_allocated", "quantity_backordered"])
    for line in lines:
        if line.order_id in by_order:
            order = line.order
            _refresh_fulfilment_status(order, list(order.lines.all()))
            events.backorder_allocated(order, by_order.pop(line.order_id))
    return sum(quantity for _, _, quantity in plan.allocations)


EMAIL_KINDS = {
    "placed": "Your order {number} is confirmed",
    "cancelled": "Your order {number} has been cancelled",
    "shipped": "Your order {number} is on its way",
}


@transaction.atomic
def send_customer_email(*, order_id: int, kind: str) -> bool:
    """Send one of the order e-mails, at most once per order and kind.

    The order row lock serialises two workers handed the same task; the EMAIL_SENT event is
    both the timeline entry and the record that stops a second send. Returns whether it sent.
    """
    if kind not in EMAIL_KINDS:
        raise ValueError(f"unknown e-mail kind {kind!r}")
    order = Order.objects.select_for_update(of=("self",)).filter(pk=order_id).first()
    if order is None or order.events.filter(type=events.Type.EMAIL_SENT, data__kind=kind).exists():
        return False
    lines = list(order.lines.all())
    context = {"order": order, "lines": lines}
    send_mail(
        subject=EMAIL_KINDS[kind].format(number=order.number),
        message=render_to_string(f"orders/email/{kind}.txt", context),
        from_email=None,
        recipient_list=[order.email],
    )
    events.email_sent(order, kind, order.email)
    return True


def stale_orders(*, older_than: timedelta, now: datetime | None = None):
    cutoff = (now or timezone.now()) - older_than
    return Order.objects.filter(
        Q(status=OrderStatus.DRAFT, created_at__lt=cutoff)
        | Q(
            status=OrderStatus.PLACED,
            payment_status=PaymentStatus.UNPAID,
            placed_at__lt=cutoff,
        )
    )


def cancel_stale_orders(*, older_than: timedelta, now: datetime | None = None) -> list[str]:
    """Cancel drafts and unpaid orders older than ``older_than``, freeing their stock.

    Each order is cancelled in its own transaction and re-checked under its lock, so a run
    that overlaps another, or a payment arriving meanwhile, never cancels the wrong order.
    """
    cancelled = []
    for pk in stale_orders(older_than=older_than, now=now).values_list("pk", flat=True):
        with transaction.atomic():
            order = stale_orders(older_than=older_than, now=now).select_for_update().filter(pk=pk)
            order = order.first()
            if order is None:
                continue
            hours = int(older_than.total_seconds() // 3600)
            cancel_order(order=order, reason=f"Not paid within {hours} hours", actor=None)
            cancelled.append(order.number)
    return cancelled
