"""What the staff order-entry and edit-lines pages post, parsed; and the reads they make.

The forms only parse. Rules live in the services (``place_order``, ``update_order_lines``,
``create_customer``): the domain errors they raise come back through ``add_error`` and land next
to the field or line they name (``lines[1].quantity``, ``shipping_address.country``, ``email``).

Lines are posted as parallel lists, one entry per row: ``sku``, ``quantity`` and, optionally,
``unit_price`` and ``discount`` (blank: the catalogue price, no discount).
"""

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from itertools import zip_longest
from typing import Any

from django import forms
from django.conf import settings
from django.db.models import F, Prefetch, Q, QuerySet, Sum, Value
from django.db.models.functions import Replace
from django.http import QueryDict

from core.exceptions import DomainError
from core.money import ZERO, to_money
from customers.models import Address, Customer
from inventory.exceptions import InsufficientStock
from inventory.models import Product, StockLevel

from . import pricing, services
from .models import Order, OrderLine, SalesChannel
from .services import LineRequest, address_snapshot

MANUAL_CHANNEL_KINDS = (
    SalesChannel.Kind.PHONE,
    SalesChannel.Kind.STORE,
    SalesChannel.Kind.WHOLESALE,
)
LINE_KEYS = ("sku", "quantity", "unit_price", "discount")
LINE_ERROR = re.compile(r"lines\[(\d+)\]")
QUANTITY_ERROR = re.compile(r"quantities\[(\d+)\]")
ADDRESS_ERROR = re.compile(r"(shipping|billing)_address(?:\.(\w+))?|address\.(\w+)")
CUSTOMER_RESULTS = 10
PRODUCT_RESULTS = 20


# --- reads ------------------------------------------------------------------------------------


def entry_channels() -> QuerySet[SalesChannel]:
    """Channels staff take orders for by hand; every active channel when none is set up."""
    active = SalesChannel.objects.filter(is_active=True)
    manual = active.filter(kind__in=MANUAL_CHANNEL_KINDS)
    return manual if manual.exists() else active


def _digits(expression: Any) -> Any:
    for char in " -()+./":
        expression = Replace(expression, Value(char), Value(""))
    return expression


def search_customers(query: str) -> list[Customer]:
    """By e-mail, name or phone; a phone matches however its digits are spaced."""
    match = Q(email__icontains=query) | Q(name__icontains=query) | Q(phone__icontains=query)
    customers = Customer.objects.all()
    digits = re.sub(r"\D", "", query)
    if len(digits) >= 3:
        customers = customers.annotate(phone_digits=_digits(F("phone")))
        match |= Q(phone_digits__contains=digits)
    return list(customers.filter(match)[:CUSTOMER_RESULTS])


def _shippable_levels() -> QuerySet[StockLevel]:
    """Stock that sourcing may reserve from: active locations that ship."""
    return StockLevel.objects.filter(location__is_active=True, location__can_ship=True)


@dataclass(frozen=True)
class ProductHit:
    product: Product
    availability: list[tuple[str, int]]  # (location code, units available), by priority


def search_products(query: str) -> list[ProductHit]:
    """Products for sale by SKU prefix, name or barcode, with what each location has free.

    Two queries whatever the number of hits: the products, then their stock levels.
    """
    levels = _shippable_levels().select_related("location")
    products = (
        Product.objects.filter(is_active=True)
        .filter(Q(sku__istartswith=query) | Q(name__icontains=query) | Q(barcode=query))
        .prefetch_related(Prefetch("stock_levels", queryset=levels, to_attr="shippable"))
    )
    return [
        ProductHit(product, _free_by_location(product)) for product in products[:PRODUCT_RESULTS]
    ]


def _free_by_location(product: Product) -> list[tuple[str, int]]:
    return [
        (level.location.code, level.available) for level in product.shippable if level.available
    ]


def available_units(product_ids: set[int]) -> dict[int, int]:
    """Units free to reserve per product, summed over the locations that ship."""
    rows = (
        _shippable_levels()
        .filter(product_id__in=product_ids)
        .order_by()
        .values("product_id")
        .annotate(units=Sum(F("on_hand") - F("reserved")))
    )
    return {row["product_id"]: row["units"] for row in rows}


def default_addresses(customer: Customer | None) -> tuple[dict[str, str], dict[str, str]]:
    """Initial ship-to and bill-to fields: the customer's defaults (bill-to only if different)."""
    if customer is None:
        return {}, {}
    first_of_kind: dict[str, Address] = {}
    for address in customer.addresses.all():  # defaults come first
        first_of_kind.setdefault(address.kind, address)
    shipping = first_of_kind.get(Address.Kind.SHIPPING)
    billing = first_of_kind.get(Address.Kind.BILLING)
    ship_to = (
        shipping.as_snapshot() if shipping else {"name": customer.name, "phone": customer.phone}
    )
    bill_to = billing.as_snapshot() if billing else {}
    return ship_to, {} if bill_to == ship_to else bill_to


# --- lines ------------------------------------------------------------------------------------


def _amount(text: str) -> Decimal | None:
    """'' → None, '12.5' → 12.50; anything else raises ValueError."""
    if not text:
        return None
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ValueError(text) from None
    if not amount.is_finite():
        raise ValueError(text)
    return to_money(amount)


@dataclass
class LineRow:
    """One posted line as typed, what it parses to, and what the page says about it."""

    label: str  # "Line 2"
    sku: str
    quantity: str
    unit_price: str = ""
    discount: str = ""
    product: Product | None = None
    request: LineRequest | None = None  # set when the row parses
    line: OrderLine | None = None  # priced, unsaved (the preview)
    errors: list[str] = field(default_factory=list)
    stock_warning: str = ""
    backordered: bool = False

    def parse(self, product: Product | None) -> None:
        self.product = product
        if product is None:
            self.errors.append(f"{self.label}: unknown SKU '{self.sku}'.")
        try:
            quantity = int(self.quantity)
        except ValueError:
            quantity = 0
        if quantity < 1:
            self.errors.append(f"{self.label}: quantity must be a whole number of at least 1.")
        unit_price = self._amount("unit price", self.unit_price)
        discount = self._amount("discount", self.discount)
        if product and not self.errors:
            self.request = LineRequest(product, quantity, unit_price, discount or ZERO)

    def _amount(self, what: str, text: str) -> Decimal | None:
        try:
            return _amount(text)
        except ValueError:
            self.errors.append(f"{self.label}: {what} '{text}' is not an amount.")
            return None

    def price(self, rate: Decimal) -> OrderLine:
        self.line = services.new_line(self.request)
        pricing.price_line(self.line, rate)
        return self.line


def parse_line_rows(data: QueryDict, *, label: str = "Line") -> list[LineRow]:
    """The posted rows that name a SKU, numbered as the page shows them; one product query."""
    posted = zip_longest(*(data.getlist(key) for key in LINE_KEYS), fillvalue="")
    values = [[value.strip() for value in row] for row in posted]
    values = [row for row in values if row[0]]
    products = Product.objects.in_bulk({row[0] for row in values}, field_name="sku")
    rows = [LineRow(f"{label} {number}", *row) for number, row in enumerate(values, start=1)]
    for row in rows:
        row.parse(products.get(row.sku))
    return rows


def apply_row_action(post: QueryDict) -> tuple[QueryDict, bool]:
    """The posted lines after the button pressed: ``remove_row`` (an index) or ``add_sku``.

    Adding a SKU already on a line adds one unit to that line. Returns the data and whether a
    product was added. (A control named ``remove`` would shadow the form's ``remove()`` in the
    browser, which htmx calls when it swaps the form.)
    """
    data = post.copy()
    columns = {key: data.getlist(key) for key in LINE_KEYS}
    width = len(columns["sku"])
    for values in columns.values():
        values.extend([""] * (width - len(values)))
    remove, add = post.get("remove_row", ""), post.get("add_sku", "").strip()
    if remove.isdigit() and int(remove) < width:
        for values in columns.values():
            del values[int(remove)]
    if add in columns["sku"]:
        row = columns["sku"].index(add)
        quantity = columns["quantity"][row].strip()
        columns["quantity"][row] = str(int(quantity) + 1) if quantity.isdigit() else quantity
    elif add:
        for key, value in zip(LINE_KEYS, (add, "1", "", ""), strict=True):
            columns[key].append(value)
    for key, values in columns.items():
        data.setlist(key, values)
    return data, bool(add)


def _flag_short_stock(rows: list[LineRow]) -> None:
    """Warn on each line that wants more than is free, counting earlier lines' claims first."""
    parsed = [row for row in rows if row.request]
    free = available_units({row.product.pk for row in parsed})
    for row in parsed:
        wanted, have = row.request.quantity, max(free.get(row.product.pk, 0), 0)
        free[row.product.pk] = have - min(wanted, have)
        if wanted <= have:
            continue
        row.backordered = row.product.allow_backorder
        row.stock_warning = (
            f"Only {have} available; {wanted - have} will be backordered."
            if row.backordered
            else f"Not enough stock: only {have} available."
        )


def _flag_shortages(rows: list[Any], error: InsufficientStock) -> None:
    short = {sku: (wanted, have) for sku, wanted, have in error.shortages}
    for row in rows:
        if row.sku in short:
            wanted, have = short[row.sku]
            row.errors.append(f"Not enough stock: {wanted} wanted, {have} available.")


def _indexed(rows: list[Any], pattern: re.Pattern, field_name: str) -> Any | None:
    match = pattern.match(field_name)
    index = int(match[1]) if match else -1
    return rows[index] if 0 <= index < len(rows) else None


# --- the new-order page -----------------------------------------------------------------------


class HeaderForm(forms.Form):
    channel = forms.ModelChoiceField(
        queryset=SalesChannel.objects.none(), empty_label="Choose a channel…"
    )
    customer = forms.ModelChoiceField(
        queryset=Customer.objects.all(), required=False, widget=forms.HiddenInput
    )
    shipping_total = forms.DecimalField(
        label="Shipping",
        required=False,
        min_value=0,
        max_digits=12,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"id": "shipping-total", "step": "0.01", "min": "0"}),
    )
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        channels = entry_channels()
        self.fields["channel"].queryset = channels
        if channels.count() == 1:
            self.fields["channel"].empty_label = None


class NewCustomerForm(forms.Form):
    """Typed values only: ``create_customer`` checks them."""

    email = forms.CharField(label="E-mail", required=False, widget=forms.EmailInput)
    name = forms.CharField(required=False)
    phone = forms.CharField(required=False)
    company = forms.CharField(required=False)


class AddressForm(forms.Form):
    """Typed values only: ``address_snapshot`` in the order services checks them."""

    name = forms.CharField(required=False)
    line1 = forms.CharField(label="Address line 1", required=False)
    line2 = forms.CharField(label="Address line 2", required=False)
    city = forms.CharField(required=False)
    region = forms.CharField(label="Region / state", required=False)
    postal_code = forms.CharField(label="Postal code", required=False)
    country = forms.CharField(
        required=False,
        widget=forms.TextInput(attrs={"maxlength": "2", "placeholder": "US", "size": "3"}),
    )
    phone = forms.CharField(required=False)

    def values(self) -> dict[str, str]:
        return {name: (self[name].value() or "").strip() for name in self.fields}

    def is_blank(self) -> bool:
        return not any(self.values().values())


@dataclass(frozen=True)
class Preview:
    order: Order  # unsaved, with the totals
    tax_rate: Decimal

    @property
    def tax_percent(self) -> str:
        return f"{self.tax_rate * 100:.2f}".rstrip("0").rstrip(".") + "%"


class OrderEntry:
    """Everything the new-order page posts: header, customer, addresses and lines."""

    def __init__(self, data: QueryDict | None = None, *, customer: Customer | None = None):
        ship_to, bill_to = default_addresses(customer)
        self.header = HeaderForm(data, initial={"customer": customer})
        self.new_customer = NewCustomerForm(data, prefix="new")
        self.shipping = AddressForm(data, prefix="shipping", initial=ship_to)
        self.billing = AddressForm(data, prefix="billing", initial=bill_to)
        self.rows = parse_line_rows(data) if data is not None else []
        self.customer = customer
        self.errors: list[str] = []  # shown at the top of the form

    def is_valid(self) -> bool:
        valid = [form.is_valid() for form in (self.header, self.new_customer)]
        if self.header.is_bound:
            self.customer = self.header.cleaned_data.get("customer")
        return all(valid) and not any(row.errors for row in self.rows)

    def new_customer_fields(self) -> dict[str, str]:
        return self.new_customer.cleaned_data

    def order_fields(self) -> dict[str, Any]:
        """``place_order``'s arguments but the customer; raises if an address is wrong."""
        header = self.header.cleaned_data
        ship_to = self.shipping.values()
        ship_to["name"] = ship_to["name"] or self._customer_name()
        billing = self.billing
        return {
            "channel": header["channel"],
            "lines": [row.request for row in self.rows],
            "shipping_address": address_snapshot(ship_to, "shipping_address"),
            "billing_address": None
            if billing.is_blank()
            else address_snapshot(billing.values(), "billing_address"),
            "shipping_total": header["shipping_total"] or ZERO,
            "notes": header["notes"],
        }

    def _customer_name(self) -> str:
        return self.customer.name if self.customer else self.new_customer.cleaned_data["name"]

    def preview(self) -> Preview:
        """The order as it would be placed: priced, taxed, totalled, stock checked."""
        self.is_valid()
        header = getattr(self.header, "cleaned_data", {})
        channel = header.get("channel")
        order = Order(
            currency=channel.currency if channel else settings.OMS_DEFAULT_CURRENCY,
            shipping_total=header.get("shipping_total") or ZERO,
        )
        rate = pricing.tax_rate_for(self.shipping.values())
        pricing.apply_totals(order, [row.price(rate) for row in self.rows if row.request])
        _flag_short_stock(self.rows)
        return Preview(order, rate)

    def add_error(self, error: DomainError) -> None:
        """Put a service's error next to what it names, or at the top."""
        name = getattr(error, "field", "")
        address = ADDRESS_ERROR.fullmatch(name)
        if isinstance(error, InsufficientStock):  # the preview marks the short lines
            self.errors.append(error.message)
        elif row := _indexed(self.rows, LINE_ERROR, name):
            row.errors.append(error.message)
        elif address:
            form = self.billing if address[1] == "billing" else self.shipping
            field_name = address[2] or address[3]
            form.add_error(field_name if field_name in form.fields else None, error.message)
        elif name in self.new_customer.fields:
            self.new_customer.add_error(name, error.message)
        elif name in self.header.fields:
            self.header.add_error(name, error.message)
        else:
            self.errors.append(error.message)


# --- the edit-lines page ----------------------------------------------------------------------


@dataclass
class EditRow:
    line: OrderLine
    quantity: str
    errors: list[str] = field(default_factory=list)

    @property
    def sku(self) -> str:
        return self.line.sku


class LineEditForm:
    """A quantity per existing line (0 removes it) and a few rows to add lines by SKU."""

    ADD_ROWS = 3

    def __init__(self, order: Order, data: QueryDict | None = None):
        self.rows = [
            EditRow(line, (data or {}).get(f"quantity-{line.pk}", str(line.quantity)).strip())
            for line in order.lines.all()
        ]
        self.additions = parse_line_rows(data, label="New line") if data is not None else []
        self.errors: list[str] = []

    @property
    def blank_additions(self) -> range:
        return range(max(self.ADD_ROWS - len(self.additions), 1))

    def is_valid(self) -> bool:
        for row in self.rows:
            if not row.quantity.isdigit():
                row.errors.append(
                    f"{row.sku}: quantity must be a whole number (0 removes the line)."
                )
        return not any(row.errors for row in [*self.rows, *self.additions])

    def quantities(self) -> dict[int, int]:
        return {row.line.pk: int(row.quantity) for row in self.rows}

    def addition_requests(self) -> list[LineRequest]:
        return [row.request for row in self.additions]

    def add_error(self, error: DomainError) -> None:
        name = getattr(error, "field", "")
        if isinstance(error, InsufficientStock):
            _flag_shortages([*self.rows, *self.additions], error)
            self.errors.append(error.message)
        elif row := _indexed(self.additions, LINE_ERROR, name):
            row.errors.append(error.message)
        elif match := QUANTITY_ERROR.fullmatch(name):
            by_pk = {row.line.pk: row for row in self.rows}
            target = by_pk.get(int(match[1]))
            (target.errors if target else self.errors).append(error.message)
        else:
            self.errors.append(error.message)
