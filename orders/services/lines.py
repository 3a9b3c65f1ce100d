"""Changing an order's lines before the warehouse starts on it."""

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction

from core.limits import check_quantity
from core.money import ZERO
from inventory import services as inventory

from .. import events, pricing
from ..exceptions import OrderError, OrderValidationError
from ..models import (
    Order,
    OrderLine,
    OrderStatus,
)
from .common import (
    Actor,
    LineRequest,
    check_order_total,
    fulfilment_status_for,
    lock_order,
    release_line_allocations,
    reserve_lines,
    validate_lines,
)
from .placing import create_lines
from .prices import authorized_price_changes, record_price_changes

# Lines may change until the warehouse starts on the order; a held order counts as the status
# it was held from.
LINES_EDITABLE_STATUSES = frozenset({OrderStatus.DRAFT, OrderStatus.PLACED, OrderStatus.CONFIRMED})


def lines_editable(order: Order) -> bool:
    status = order.status_before_hold if order.status == OrderStatus.ON_HOLD else order.status
    return status in LINES_EDITABLE_STATUSES


def _quantity_changes(
    lines: Sequence[OrderLine], quantities: dict[int, int]
) -> tuple[list[tuple[OrderLine, int]], Decimal]:
    """Validate the requested quantities (0 removes a line, at most OMS_MAX_QUANTITY, the
    lines' value within OMS_MAX_ORDER_TOTAL); returns the lines whose quantity really changes
    and the value of the lines the order keeps."""
    unknown = set(quantities) - {line.pk for line in lines}
    if unknown:
        pk = min(unknown)
        raise OrderValidationError(f"Line {pk} is not on this order.", f"quantities[{pk}]")
    changes = []
    kept_total = ZERO
    for line in lines:
        field = f"quantities[{line.pk}]"
        quantity = check_quantity(
            quantities.get(line.pk, line.quantity),
            field=field,
            label=f"{line.sku}: quantity (0 removes the line)",
            minimum=0,
            maximum=settings.OMS_MAX_QUANTITY,
            error=OrderValidationError,
        )
        if quantity and line.discount > line.unit_price * quantity:
            raise OrderValidationError(
                f"{line.sku}: the line discount {line.discount} is more than {quantity} units "
                "cost; change the discount first.",
                field,
            )
        if quantity:
            kept_total += line.unit_price * quantity - line.discount
            check_order_total(kept_total, field=field)
        if quantity != line.quantity:
            changes.append((line, quantity))
    return changes, kept_total


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
    Payments reacts to the ``lines_changed`` event: its status follows the new total (a
    bigger order may no longer be paid in full, a smaller one may be owed a refund).
    """
    order = lock_order(order)
    if not lines_editable(order):
        raise OrderError(
            f"Order {order.number} is {order.get_status_display().lower()}: "
            "its lines can no longer be changed.",
            code="lines_locked",
        )
    lines = list(order.lines.select_related("product"))
    changed, kept_total = _quantity_changes(lines, quantities)
    if additions:
        validate_lines(additions, kept_total=kept_total)
    price_changes = authorized_price_changes(additions, actor)
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
        release_line_allocations([line for line, _ in changed])
    log = [{"sku": line.sku, "from": line.quantity, "to": quantity} for line, quantity in changed]
    kept = [line for line, quantity in changed if quantity]
    for line, quantity in changed:
        line.quantity = quantity
        pricing.price_line(line, line.tax_rate)
    OrderLine.objects.filter(pk__in=[line.pk for line in removed]).delete()
    OrderLine.objects.bulk_update(kept, ["quantity", "line_total", "tax_amount"])
    added = create_lines(order, additions) if additions else []
    log += [{"sku": line.sku, "from": 0, "to": line.quantity} for line in added]
    if reserving and kept + added:
        reserve_lines(order, kept + added, actor)
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
    record_price_changes(order, price_changes, actor)
    return order
