"""The staff new-order and edit-lines pages: what they post, the live preview, their errors.

Each page gathers its forms (``orders.forms``) and lines (``line_parser``), which only parse.
Rules live in the services (``place_order``, ``update_order_lines``, ``create_customer``): a
domain error they raise lands next to the input its ``field`` names (``lines[1].quantity``,
``shipping_address.country``, ``email``) through ``core.forms.add_domain_error``.
"""

from copy import copy
from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import cached_property
from typing import Any, ClassVar

from django import forms
from django.conf import settings
from django.http import QueryDict

from core.exceptions import DomainError
from core.forms import Target, add_domain_error
from core.money import ZERO
from customers.models import Address, Customer
from inventory.exceptions import InsufficientStock
from inventory.models import Location
from inventory.selectors import available_to_sell

from . import pricing
from .forms import AddressForm, HeaderForm, NewCustomerForm
from .line_parser import LineRow, apply_row_action, parse_line_rows, parse_quantity
from .models import Order, OrderLine
from .services import LineRequest, address_snapshot

# --- the new-order page -----------------------------------------------------------------------


def _default_addresses(customer: Customer | None) -> tuple[dict[str, str], dict[str, str]]:
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


@dataclass(frozen=True)
class PreviewRow:
    row: LineRow
    line: OrderLine | None = None  # priced and taxed, when the row parses
    stock_warning: str = ""
    backordered: bool = False


@dataclass(frozen=True)
class Preview:
    """The order as it would be placed: ``pricing.quote_order``'s figures, stock checked."""

    quote: pricing.Quote
    currency: str
    rows: list[PreviewRow]

    @property
    def totals(self) -> pricing.Totals:
        return self.quote.totals

    @property
    def tax_percent(self) -> str:
        return f"{self.quote.tax_rate * 100:.2f}".rstrip("0").rstrip(".") + "%"


def shortage_message(wanted: int, have: int) -> str:
    """The one wording of a stock shortage, in the preview and after a refused save alike."""
    return f"Not enough stock: {wanted} wanted, only {have} available."


def _stock_notes(requests: list[LineRequest]) -> list[tuple[str, bool]]:
    """Per request, a warning when it wants more than is free (earlier lines claim first) and
    whether the shortfall will be backordered; from the stock sourcing reserves from."""
    free = available_to_sell({request.product.pk for request in requests})
    notes = []
    for request in requests:
        wanted, have = request.quantity, max(free.get(request.product.pk, 0), 0)
        free[request.product.pk] = have - min(wanted, have)
        if wanted <= have:
            notes.append(("", False))
        elif request.product.allow_backorder:
            notes.append((f"Only {have} available; {wanted - have} will be backordered.", True))
        else:
            notes.append((shortage_message(wanted, have), False))
    return notes


class PickupForm(forms.Form):
    """Click & collect: the store the customer collects from (none: the order is shipped)."""

    pickup_location = forms.ModelChoiceField(
        label="Collect at store",
        queryset=Location.objects.none(),
        required=False,
        empty_label="No: ship it",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        stores = Location.objects.filter(is_active=True, can_pickup=True).order_by("code")
        self.fields["pickup_location"].queryset = stores


class OrderEntry:
    """Everything the new-order page posts: header, customer, addresses and lines."""

    def __init__(self, data: QueryDict | None = None, *, customer: Customer | None = None):
        ship_to, bill_to = _default_addresses(customer)
        self.header = HeaderForm(data, initial={"customer": customer})
        self.pickup = PickupForm(data)
        self.new_customer = NewCustomerForm(data, prefix="new")
        self.shipping = AddressForm(data, prefix="shipping", initial=ship_to)
        self.billing = AddressForm(data, prefix="billing", initial=bill_to)
        self.rows = parse_line_rows(data) if data is not None else []
        self.customer = customer
        # SKU → (wanted, available) from a refused placing: shown on the lines, once each.
        self.shortages: dict[str, tuple[int, int]] = {}

    def is_valid(self) -> bool:
        valid = [form.is_valid() for form in (self.header, self.new_customer, self.pickup)]
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
            "lines": self._requests(),
            "shipping_address": address_snapshot(ship_to, "shipping_address"),
            "billing_address": None
            if billing.is_blank()
            else address_snapshot(billing.values(), "billing_address"),
            "shipping_total": self._shipping_total(),
            "notes": header["notes"],
            "pickup_location": self.pickup.cleaned_data.get("pickup_location"),
        }

    def _customer_name(self) -> str:
        return self.customer.name if self.customer else self.new_customer.cleaned_data["name"]

    def _requests(self) -> list[LineRequest]:
        return [row.request for row in self.rows if row.request]

    def _shipping_total(self) -> Decimal:
        return getattr(self.header, "cleaned_data", {}).get("shipping_total") or ZERO

    def preview(self) -> Preview:
        """What placing the order would charge, line by line, and where stock is short."""
        self.is_valid()
        requests = self._requests()
        quote = pricing.quote_order(
            lines=requests,
            shipping_address=self.shipping.values(),
            shipping_total=self._shipping_total(),
        )
        priced = iter(zip(quote.lines, _stock_notes(requests), strict=True))
        rows = []
        for row in self.rows:
            line, (warning, backordered) = next(priced) if row.request else (None, ("", False))
            if row.sku in self.shortages and not warning:
                warning = shortage_message(*self.shortages[row.sku])  # stock moved meanwhile
            rows.append(PreviewRow(row, line, warning, backordered))
        channel = getattr(self.header, "cleaned_data", {}).get("channel")
        currency = channel.currency if channel else settings.OMS_DEFAULT_CURRENCY
        return Preview(quote=quote, currency=currency, rows=rows)

    def add_domain_error(self, error: DomainError) -> None:
        """Put a service's error next to what it names; anything else goes at the top.

        Short stock is said once, on each short line (the preview's note), not again on top
        in other words."""
        if isinstance(error, InsufficientStock):
            self.shortages = {sku: (wanted, have) for sku, wanted, have in error.shortages}
            if self.shortages.keys() <= {row.sku for row in self.rows}:
                return
        field_map: dict[str, Target] = {
            "lines": dict(enumerate(self.rows)),
            "shipping_address": self.shipping,
            "address": self.shipping,  # create_customer's default address is the ship-to
            "billing_address": self.billing,
            "pickup_location": self.pickup,
        }
        field_map |= dict.fromkeys(self.new_customer.fields, self.new_customer)
        add_domain_error(self.header, error, field_map)


# --- the edit-lines page ----------------------------------------------------------------------


def apply_edit_add(order: Order, post: QueryDict) -> QueryDict:
    """The edit page's posted data after its product search's Add (``add_sku``): one more
    unit on the line that has the SKU (in any case), else on a new line as New order does."""
    add = post.get("add_sku", "").strip().upper()
    line = next((line for line in order.lines.all() if line.sku.upper() == add), None)
    if line is None:
        return apply_row_action(post)[0]
    data = post.copy()
    key = f"quantity-{line.pk}"
    quantity = parse_quantity(data.get(key, str(line.quantity)).strip(), minimum=0)
    if quantity is not None:
        data[key] = str(quantity + 1)
    return data


@dataclass
class EditRow:
    fields: ClassVar[tuple[str, ...]] = ("quantity",)  # where a domain error may land

    line: OrderLine
    quantity: str
    errors: list[str] = field(default_factory=list)
    new_total: Decimal | None = None  # the line total at the typed quantity (``preview``)

    @property
    def sku(self) -> str:
        return self.line.sku

    def add_error(self, field: str | None, error: str) -> None:
        self.errors.append(error)


class LineEditForm:
    """A quantity per existing line (0 removes it) and a few rows to add lines by SKU."""

    ADD_ROWS = 3
    fields: ClassVar[tuple[str, ...]] = ()  # errors on the page itself go at the top

    def __init__(self, order: Order, data: QueryDict | None = None):
        self.order = order
        self.rows = [
            EditRow(line, (data or {}).get(f"quantity-{line.pk}", str(line.quantity)).strip())
            for line in order.lines.all()
        ]
        self.additions = parse_line_rows(data, label="New line") if data is not None else []
        self.errors: list[str] = []

    @property
    def blank_additions(self) -> range:
        return range(max(self.ADD_ROWS - len(self.additions), 1))

    @cached_property
    def valid(self) -> bool:
        for row in self.rows:
            if parse_quantity(row.quantity, minimum=0) is None:
                row.add_error(
                    "quantity", f"{row.sku}: quantity must be a whole number (0 removes the line)."
                )
        return not any(row.errors for row in [*self.rows, *self.additions])

    def is_valid(self) -> bool:
        return self.valid  # checked once: asking again must not repeat the errors

    def preview(self) -> pricing.Totals | None:
        """The order's totals as saving would make them (kept lines at their price and tax
        rate, new lines priced as ``create_lines`` does), or None while an input is wrong.
        Each row gets its ``new_total``."""
        if not self.is_valid():
            return None
        quantities = self.quantities()
        lines = []
        for row in self.rows:
            line = copy(row.line)
            line.quantity = quantities[row.line.pk]
            pricing.price_line(line, row.line.tax_rate)
            row.new_total = line.line_total
            if line.quantity:
                lines.append(line)
        quote = pricing.quote_order(
            lines=self.addition_requests(),
            shipping_address=self.order.shipping_address,
            shipping_total=self.order.shipping_total,
        )
        return pricing.Totals.of([*lines, *quote.lines], self.order.shipping_total)

    def quantities(self) -> dict[int, int]:
        """Each line's new quantity, with the units of any added SKU already on the order:
        adding a SKU increases its line rather than adding a second one."""
        quantities = {row.line.pk: parse_quantity(row.quantity, minimum=0) for row in self.rows}
        line_of = {row.line.product_id: row.line.pk for row in self.rows}
        for row in self.additions:
            if row.request and row.request.product.pk in line_of:
                quantities[line_of[row.request.product.pk]] += row.request.quantity
        return quantities

    def _new_lines(self) -> dict[int, tuple[LineRequest, LineRow]]:
        """By product, the lines to add (a SKU added twice is one line) and the row each came
        from, for its errors; products already on the order go to ``quantities``."""
        on_order = {row.line.product_id for row in self.rows}
        new: dict[int, tuple[LineRequest, LineRow]] = {}
        for row in self.additions:
            request = row.request
            if request is None or request.product.pk in on_order:
                continue
            pk = request.product.pk
            if pk in new:
                earlier, first_row = new[pk]
                merged = replace(earlier, quantity=earlier.quantity + request.quantity)
                new[pk] = (merged, first_row)
            else:
                new[pk] = (request, row)
        return new

    def addition_requests(self) -> list[LineRequest]:
        return [request for request, _ in self._new_lines().values()]

    def add_error(self, field: str | None, error: str) -> None:
        self.errors.append(error)

    def add_domain_error(self, error: DomainError) -> None:
        """Put a service's error next to the line it names (short stock: every short line)."""
        if isinstance(error, InsufficientStock):
            short = {sku: (wanted, have) for sku, wanted, have in error.shortages}
            placed = set()
            for row in [*self.rows, *self.additions]:
                if row.sku in short and row.sku not in placed:
                    placed.add(row.sku)  # said once per shortage, on the first row with it
                    row.add_error("quantity", f"{row.sku}: {shortage_message(*short[row.sku])}")
            if placed == short.keys():
                return
        new_rows = [row for _, row in self._new_lines().values()]
        field_map: dict[str, Target] = {
            "lines": dict(enumerate(new_rows)),
            "quantities": {row.line.pk: row for row in self.rows},
        }
        add_domain_error(self, error, field_map)
