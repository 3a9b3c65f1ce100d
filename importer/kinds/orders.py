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
from decimal import Decimal
from operator import itemgetter

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

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
    CellError,
    ImportKind,
    Problems,
    Row,
    any_of,
    bulk_work,
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

# What is written (attribute names), in the order of the tuples that ``write`` builds; a
# planned order's lines hold the values of LINE_TABLE after ``order_id``.
LINE_TABLE = (
    "order_id",
    "product_id",
    "sku",
    "name",
    "quantity",
    "unit_price",
    "discount",
    "tax_rate",
    "tax_amount",
    "line_total",
    "quantity_shipped",
)
ORDER_TABLE = (
    "number",
    "channel_id",
    "external_id",
    "customer_id",
    "email",
    "currency",
    "status",
    "payment_status",
    "fulfilment_status",
    "placed_at",
    "subtotal",
    "discount_total",
    "shipping_total",
    "tax_total",
    "total",
)
EVENT_TABLE = ("order_id", "type", "message", "actor_id", "data")
PAYMENT_STATUSES = frozenset(PaymentStatus.values)
STATUS_LABELS = dict(OrderStatus.choices)
TAX_RATE = Decimal("0.00001")
LINE_AMOUNTS = itemgetter("quantity", "line_total", "discount", "tax")


@dataclass
class PlannedOrder:
    number: str
    first_row: int
    fields: dict
    channel: SalesChannel | None = None
    customer: Customer | None = None
    lines: list[tuple] = field(default_factory=list)
    last_row: int = 0
    subtotal: Decimal = ZERO
    discount: Decimal = ZERO
    tax: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        return self.subtotal - self.discount + self.fields["shipping"] + self.tax


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
    if value not in PAYMENT_STATUSES:
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


def _read_order(row: Row, price_limit: int, zone: str) -> dict:
    """The order's columns of a row; every row of an order repeats them."""
    status = _status(row)
    return {
        "external_id": text(row, "external_id", max_length=100),
        "channel": text(row, "channel", max_length=30, required=True),
        "customer_email": email(row, "customer_email"),
        "placed_at": moment(row, "placed_at", zone=zone),
        "status": status,
        "payment_status": _payment_status(row, status),
        "shipping": money(
            row, "shipping", label="Shipping", maximum=price_limit, default=Decimal("0.00")
        ),
    }


def _read_line(row: Row, price_limit: int, quantity_limit: int) -> dict:
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
        "sku": read_sku(row),
        "quantity": quantity,
        "unit_price": unit_price,
        "line_total": line_total,
        "discount": discount,
        "tax": tax,
    }


class _OrderCells:
    """The order's columns of each row, read once per order: when a row repeats the cells of
    the row before, it reads as that row did (the same values, or the same problem)."""

    def __init__(self, price_limit: int) -> None:
        self.price_limit = price_limit
        self.zone = timezone.get_current_timezone_name()
        self.raw: tuple[str, ...] | None = None
        self.read: dict | CellError = {}

    def __call__(self, row: Row) -> dict:
        raw = tuple(map(row.values.get, ORDER_COLUMNS))
        if raw != self.raw:
            self.raw = raw
            try:
                self.read = _read_order(row, self.price_limit, self.zone)
            except CellError as error:
                self.read = error
        if isinstance(self.read, CellError):
            raise CellError(str(self.read), field=self.read.field)
        return self.read


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
        order_cells = _OrderCells(bounds["price"])
        orders: dict[str, PlannedOrder] = {}
        parsed: list[tuple[Row, dict]] = []
        previous = None
        for row in rows:
            values = cells(
                row,
                problems,
                lambda row=row: {
                    "order": order_cells(row),
                    **_read_line(row, bounds["price"], bounds["quantity"]),
                },
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
                if values["order"] is not planned.fields:  # else the same cells as row 1
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
            _add_line(planned, product, values)
        for planned in orders.values():
            if planned.lines and planned.total > bounds["order_total"]:
                problems.add(planned.first_row, "unit_price", "the order's total is over the limit")

    @staticmethod
    def _taken_numbers(numbers: list[str]) -> set[str]:
        return {
            number
            for found in any_of(Order.objects.all(), "number", numbers)
            for number in found.values_list("number", flat=True)
        }

    @staticmethod
    def _taken_external_ids(orders) -> set[tuple[str, str]]:
        wanted = {p.fields["external_id"] for p in orders if p.fields["external_id"]}
        return {
            key
            for found in any_of(Order.objects.filter(~Q(external_id="")), "external_id", wanted)
            for key in found.values_list("channel__code", "external_id")
        }

    def write(self, plan: list[PlannedOrder], *, job, progress) -> None:
        """COPY the orders, then their lines and notes, a batch of orders at a time (plain
        tuples, no cycles: the collector may rest)."""
        done = 0
        with bulk_work():
            for batch in chunks(plan, BATCH_ORDERS):
                ids = copying.insert_returning_ids(Order, ORDER_TABLE, [_order(p) for p in batch])
                pairs = list(zip(ids, batch, strict=True))
                copying.insert(
                    OrderLine,
                    LINE_TABLE,
                    [(order_id, *line) for order_id, planned in pairs for line in planned.lines],
                )
                copying.insert(
                    OrderEvent, EVENT_TABLE, [_event(order_id, p, job) for order_id, p in pairs]
                )
                done += sum(len(planned.lines) for planned in batch)
                progress(done)


def _add_line(planned: PlannedOrder, product: Product, values: dict) -> None:
    """The line as written (LINE_TABLE less ``order_id``), and its share of the totals."""
    quantity, line_total, discount, tax = LINE_AMOUNTS(values)
    tax_base = line_total - discount
    planned.lines.append(
        (
            product.pk,
            product.sku,
            product.name,
            quantity,
            values["unit_price"],
            discount,
            (tax / tax_base).quantize(TAX_RATE) if tax_base else ZERO,
            tax,
            line_total,
            quantity if planned.fields["status"] in SHIPPED else 0,
        )
    )
    planned.subtotal += line_total
    planned.discount += discount
    planned.tax += tax


def _order(planned: PlannedOrder) -> tuple:
    """The values of ORDER_TABLE; totals follow the lines (the orders' CHECK constraints)."""
    fields = planned.fields
    return (
        planned.number,
        planned.channel.pk,
        fields["external_id"],
        planned.customer.pk,
        planned.customer.email,
        planned.channel.currency or settings.OMS_DEFAULT_CURRENCY,
        fields["status"],
        fields["payment_status"],
        FulfilmentStatus.SHIPPED if fields["status"] in SHIPPED else FulfilmentStatus.UNFULFILLED,
        fields["placed_at"],
        planned.subtotal,
        planned.discount,
        fields["shipping"],
        planned.tax,
        planned.total,
    )


def _event(order_id: int, planned: PlannedOrder, job) -> tuple:
    """The values of EVENT_TABLE: the "Imported" note, written without publishing it."""
    status = STATUS_LABELS[planned.fields["status"]]
    return (
        order_id,
        OrderEvent.Type.NOTE,
        f"Imported from {job.file_name} (import #{job.pk}) as {status}",
        job.created_by_id,
        {"import_job": job.pk, "rows": [planned.first_row, planned.last_row]},
    )
