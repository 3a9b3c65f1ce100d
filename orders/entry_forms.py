"""The staff new-order and edit-lines pages: what they post, the live preview, their errors.

Each page gathers its forms (``orders.forms``) and lines (``line_parser``), which only parse.
Rules live in the services (``place_order``, ``update_order_lines``, ``create_customer``): a
domain error they raise lands next to the input its ``field`` names (``lines[1].quantity``,
``shipping_address.country``, ``email``) through ``core.forms.add_domain_error``.
"""

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, ClassVar

from django.conf import settings
from django.http import QueryDict

from core.exceptions import DomainError
from core.forms import Target, add_domain_error
from core.money import ZERO
from customers.models import Address, Customer
from inventory.exceptions import InsufficientStock
from inventory.selectors import available_to_sell

from . import pricing
from .forms import AddressForm, HeaderForm, NewCustomerForm
from .line_parser import LineRow, parse_line_rows, parse_quantity
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
            notes.append((f"Not enough stock: only {have} available.", False))
    return notes


class OrderEntry:
    """Everything the new-order page posts: header, customer, addresses and lines."""

    def __init__(self, data: QueryDict | None = None, *, customer: Customer | None = None):
        ship_to, bill_to = _default_addresses(customer)
        self.header = HeaderForm(data, initial={"customer": customer})
        self.new_customer = NewCustomerForm(data, prefix="new")
        self.shipping = AddressForm(data, prefix="shipping", initial=ship_to)
        self.billing = AddressForm(data, prefix="billing", initial=bill_to)
        self.rows = parse_line_rows(data) if data is not None else []
        self.customer = customer

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
            "lines": self._requests(),
            "shipping_address": address_snapshot(ship_to, "shipping_address"),
            "billing_address": None
            if billing.is_blank()
            else address_snapshot(billing.values(), "billing_address"),
            "shipping_total": self._shipping_total(),
            "notes": header["notes"],
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
            rows.append(PreviewRow(row, line, warning, backordered))
        channel = getattr(self.header, "cleaned_data", {}).get("channel")
        currency = channel.currency if channel else settings.OMS_DEFAULT_CURRENCY
        return Preview(quote=quote, currency=currency, rows=rows)

    def add_domain_error(self, error: DomainError) -> None:
        """Put a service's error next to what it names; anything else goes at the top."""
        field_map: dict[str, Target] = {
            "lines": dict(enumerate(self.rows)),
            "shipping_address": self.shipping,
            "address": self.shipping,  # create_customer's default address is the ship-to
            "billing_address": self.billing,
        }
        field_map |= dict.fromkeys(self.new_customer.fields, self.new_customer)
        add_domain_error(self.header, error, field_map)


# --- the edit-lines page ----------------------------------------------------------------------


@dataclass
class EditRow:
    fields: ClassVar[tuple[str, ...]] = ("quantity",)  # where a domain error may land

    line: OrderLine
    quantity: str
    errors: list[str] = field(default_factory=list)

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
            if parse_quantity(row.quantity, minimum=0) is None:
                row.add_error(
                    "quantity", f"{row.sku}: quantity must be a whole number (0 removes the line)."
                )
        return not any(row.errors for row in [*self.rows, *self.additions])

    def quantities(self) -> dict[int, int]:
        return {row.line.pk: parse_quantity(row.quantity, minimum=0) for row in self.rows}

    def addition_requests(self) -> list[LineRequest]:
        return [row.request for row in self.additions]

    def add_error(self, field: str | None, error: str) -> None:
        self.errors.append(error)

    def add_domain_error(self, error: DomainError) -> None:
        """Put a service's error next to the line it names (short stock: every short line)."""
        if isinstance(error, InsufficientStock):
            short = {sku: (wanted, have) for sku, wanted, have in error.shortages}
            for row in [*self.rows, *self.additions]:
                if row.sku in short:
                    wanted, have = short[row.sku]
                    row.add_error(
                        "quantity", f"Not enough stock: {wanted} wanted, {have} available."
                    )
        field_map: dict[str, Target] = {
            "lines": dict(enumerate(self.additions)),
            "quantities": {row.line.pk: row for row in self.rows},
        }
        add_domain_error(self, error, field_map)
