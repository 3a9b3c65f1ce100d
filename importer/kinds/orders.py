"""Historical orders, one row per line: orders that already happened elsewhere, brought in
for their history (the customer's orders and lifetime value, reports, returns).

They are written in bulk, not placed: no stock is reserved or moved (the goods left long
ago; the stock import states today's counts), no e-mail goes out and no payment is taken.
Each order gets one "Imported" note on its timeline, written without publishing it, since
publishing an order event is what makes other domains act (notifications would e-mail
customers about orders of years ago). The customer totals trigger keeps the customers'
order counts and lifetime values. Only finished statuses are taken: an open order must be
placed through order entry or the API so that its stock is reserved.
"""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.db import connection
from django.db.models import Q

from core.money import ZERO, to_money
from customers.models import Customer
from inventory.models import Product
from orders.models import (
    FulfilmentStatus,
    Order,
    OrderEvent,
    OrderLine,
    OrderStatus,
    PaymentStatus,
    SalesChannel,
)
from orders.numbers import is_order_number

from . import copying
from .base import (
    LOOKUP_CHUNK,
    CellError,
    ImportKind,
    Problems,
    Row,
    by_lower,
    cells,
    chunks,
    email,
    limits,
    moment,
    money,
    text,
    whole,
)
from .catalogue import read_sku

SHIPPED = {OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.COMPLETED}
STATUSES = {*SHIPPED, OrderStatus.CANCELLED}
# The columns that describe the order: every row of an order must agree on them.
ORDER_COLUMNS = (
    "external_id",
    "channel",
    "customer_email",
    "placed_at",
    "status",
    "payment_status",
    "shipping",
)
BATCH_ORDERS = 1000


@dataclass
class Line:
    product: Product
    quantity: int
    unit_price: Decimal
    discount: Decimal
    tax_amount: Decimal
    tax_rate: Decimal


@dataclass
class PlannedOrder:
    number: str
    first_row: int
    fields: dict
    channel: SalesChannel | None = None
    customer: Customer | None = None
    lines: list[Line] = field(default_factory=list)
    last_row: int = 0


def _status(row: Row) -> str:
    value = text(row, "status", max_length=20, required=True).lower()
    if value not in STATUSES:
        raise CellError(
            f"{value!r}: historical orders are {', '.join(sorted(STATUSES))}; open orders go "
            "through order entry or the API so their stock is reserved",
            field="status",
        )
    return value


def _payment_status(row: Row, status: str) -> str:
    value = text(row, "payment_status", max_length=20).lower()
    if not value:
        return PaymentStatus.UNPAID if status == OrderStatus.CANCELLED else PaymentStatus.PAID
    if value not in PaymentStatus.values:
        raise CellError(f"{value!r}: one of {', '.join(PaymentStatus.values)}", "payment_status")
    return value


def _number(row: Row) -> str:
    number = text(row, "number", max_length=20, required=True)
    if is_order_number(number):
        raise CellError(
            f"{number} is in this system's own numbering (SO-…), which its sequence will hand "
            "out: keep the old system's number",
            field="number",
        )
    return number


def _read(row: Row, price_limit: int, quantity_limit: int) -> dict:
    status = _status(row)
    order = {
        "external_id": text(row, "external_id", max_length=100),
        "channel": text(row, "channel", max_length=30, required=True),
        "customer_email": email(row, "customer_email"),
        "placed_at": moment(row, "placed_at"),
        "status": status,
        "payment_status": _payment_status(row, status),
        "shipping": money(
            row, "shipping", label="Shipping", maximum=price_limit, default=Decimal("0.00")
        ),
    }
    quantity = whole(row, "quantity", label="Quantity", minimum=1, maximum=quantity_limit)
    unit_price = money(row, "unit_price", label="Unit price", maximum=price_limit)
    line_total = to_money(unit_price * quantity)
    discount = money(row, "discount", label="Discount", maximum=price_limit, default=ZERO)
    if discount > line_total:
        raise CellError(f"{discount} is more than the line's {line_total}", field="discount")
    tax = money(row, "tax", label="Tax", maximum=price_limit, default=ZERO)
    if tax > line_total - discount:
        raise CellError(f"{tax} is more than the line's net {line_total - discount}", field="tax")
    return {
        "number": _number(row),
        "order": order,
        "sku": read_sku(row),
        "quantity": quantity,
        "unit_price": unit_price,
        "discount": discount,
        "tax": tax,
    }


class OrdersImport(ImportKind):
    name = "orders"
    required = (
        "number",
        "channel",
        "customer_email",
        "placed_at",
        "status",
        "sku",
        "quantity",
        "unit_price",
    )
    optional = ("external_id", "payment_status", "discount", "tax", "shipping")
    example = (
        "LEGACY-1001",
        "web",
        "ada@example.com",
        "2024-03-01 10:15",
        "delivered",
        "MUG-1",
        "2",
        "12.50",
        "W-88121",
        "paid",
        "0.00",
        "2.00",
        "4.95",
    )

    def check(self, rows: list[Row], problems: Problems) -> list[PlannedOrder]:
        bounds = limits()
        orders: dict[str, PlannedOrder] = {}
        parsed: list[tuple[Row, dict]] = []
        previous = None
        for row in rows:
            values = cells(
                row, problems, lambda row=row: _read(row, bounds["price"], bounds["quantity"])
            )
            number = values["number"] if values else row.get("number")
            if values is None:
                previous = number
                continue
            planned = orders.get(number)
            if planned is None:
                orders[number] = PlannedOrder(
                    number, row.number, values["order"], last_row=row.number
                )
            elif previous != number:
                problems.add(
                    row.number,
                    "number",
                    f"order {number} is already in rows {planned.first_row}–{planned.last_row}: "
                    "a duplicate number, or its lines are not in adjacent rows",
                )
            else:
                planned.last_row = row.number
                for column in ORDER_COLUMNS:
                    if values["order"][column] != planned.fields[column]:
                        problems.add(
                            row.number,
                            column,
                            f"differs from row {planned.first_row} of order {number}",
                        )
            previous = number
            parsed.append((row, values))
        self._resolve(orders, parsed, problems, bounds)
        return list(orders.values())

    def _resolve(self, orders, parsed, problems: Problems, bounds) -> None:
        channels = {channel.code: channel for channel in SalesChannel.objects.all()}
        products = by_lower(
            Product.objects.only("sku", "name"), "sku", {values["sku"] for _, values in parsed}
        )
        customers = by_lower(
            Customer.objects.only("email"),
            "email",
            {planned.fields["customer_email"] for planned in orders.values()},
        )
        taken = self._taken_numbers(list(orders))
        taken_external = self._taken_external_ids(orders.values())
        external_in_file: dict[tuple[str, str], int] = {}
        for planned in orders.values():
            fields, row = planned.fields, planned.first_row
            if planned.number in taken:
                problems.add(row, "number", f"order {planned.number} already exists")
            planned.channel = channels.get(fields["channel"])
            if planned.channel is None:
                problems.add(row, "channel", f"unknown channel {fields['channel']!r}")
            planned.customer = customers.get(fields["customer_email"].lower())
            if planned.customer is None:
                problems.add(
                    row,
                    "customer_email",
                    f"no customer {fields['customer_email']} (import customers first)",
                )
            if external := fields["external_id"]:
                key = (fields["channel"], external)
                if key in taken_external:
                    problems.add(
                        row, "external_id", f"{external} is already an order of this channel"
                    )
                elif (first := external_in_file.setdefault(key, row)) != row:
                    problems.add(row, "external_id", f"{external} is also the order in row {first}")
        for row, values in parsed:
            planned = orders[values["number"]]
            if planned.first_row > row.number or row.number > planned.last_row:
                continue  # a repeated number, reported above
            product = products.get(values["sku"].lower())
            if product is None:
                problems.add(row.number, "sku", f"unknown SKU {values['sku']!r}")
                continue
            tax_base = to_money(values["unit_price"] * values["quantity"]) - values["discount"]
            planned.lines.append(
                Line(
                    product=product,
                    quantity=values["quantity"],
                    unit_price=values["unit_price"],
                    discount=values["discount"],
                    tax_amount=values["tax"],
                    tax_rate=(values["tax"] / tax_base).quantize(Decimal("0.00001"))
                    if tax_base
                    else ZERO,
                )
            )
        for planned in orders.values():
            if planned.lines and _totals(planned)["total"] > bounds["order_total"]:
                problems.add(planned.first_row, "unit_price", "the order's total is over the limit")

    @staticmethod
    def _taken_numbers(numbers: list[str]) -> set[str]:
        taken: set[str] = set()
        for chunk in chunks(numbers, LOOKUP_CHUNK):
            taken.update(Order.objects.filter(number__in=chunk).values_list("number", flat=True))
        return taken

    @staticmethod
    def _taken_external_ids(orders) -> set[tuple[str, str]]:
        wanted = sorted({p.fields["external_id"] for p in orders if p.fields["external_id"]})
        taken: set[tuple[str, str]] = set()
        for chunk in chunks(wanted, LOOKUP_CHUNK):
            taken.update(
                Order.objects.filter(~Q(external_id=""), external_id__in=chunk).values_list(
                    "channel__code", "external_id"
                )
            )
        return taken

    def write(self, plan: list[PlannedOrder], *, job, progress) -> None:
        done = 0
        postgresql = connection.vendor == "postgresql"
        for batch in chunks(plan, BATCH_ORDERS):
            orders = [_order(planned) for planned in batch]
            if postgresql:
                for order, pk in zip(orders, copying.reserve_ids(Order, len(orders)), strict=True):
                    order.pk = pk
                copying.insert(Order, orders, with_ids=True)
            else:
                Order.objects.bulk_create(orders)
            lines, events = [], []
            for order, planned in zip(orders, batch, strict=True):
                lines.extend(_lines(order, planned))
                events.append(_event(order, planned, job))
            copying.insert(OrderLine, lines)
            copying.insert(OrderEvent, events)
            done += len(lines)
            progress(done)


def _totals(planned: PlannedOrder) -> dict[str, Decimal]:
    subtotal = sum((to_money(line.unit_price * line.quantity) for line in planned.lines), ZERO)
    discount = sum((line.discount for line in planned.lines), ZERO)
    tax = sum((line.tax_amount for line in planned.lines), ZERO)
    shipping = planned.fields["shipping"]
    return {
        "subtotal": subtotal,
        "discount_total": discount,
        "shipping_total": shipping,
        "tax_total": tax,
        "total": subtotal - discount + shipping + tax,
    }


def _order(planned: PlannedOrder) -> Order:
    fields = planned.fields
    placed_at: datetime = fields["placed_at"]
    return Order(
        number=planned.number,
        channel=planned.channel,
        external_id=fields["external_id"],
        customer=planned.customer,
        email=planned.customer.email,
        currency=planned.channel.currency or settings.OMS_DEFAULT_CURRENCY,
        status=fields["status"],
        payment_status=fields["payment_status"],
        fulfilment_status=FulfilmentStatus.SHIPPED
        if fields["status"] in SHIPPED
        else FulfilmentStatus.UNFULFILLED,
        placed_at=placed_at,
        **_totals(planned),
    )


def _lines(order: Order, planned: PlannedOrder) -> list[OrderLine]:
    shipped = planned.fields["status"] in SHIPPED
    return [
        OrderLine(
            order=order,
            product=line.product,
            sku=line.product.sku,
            name=line.product.name,
            quantity=line.quantity,
            unit_price=line.unit_price,
            discount=line.discount,
            tax_rate=line.tax_rate,
            tax_amount=line.tax_amount,
            line_total=to_money(line.unit_price * line.quantity),
            quantity_shipped=line.quantity if shipped else 0,
        )
        for line in planned.lines
    ]


def _event(order: Order, planned: PlannedOrder, job) -> OrderEvent:
    return OrderEvent(
        order=order,
        type=OrderEvent.Type.NOTE,
        message=f"Imported from {job.file_name} (import #{job.pk}) as {order.get_status_display()}",
        actor=job.created_by,
        data={"import_job": job.pk, "rows": [planned.first_row, planned.last_row]},
    )
