"""Order lines as the staff pages post them, parsed into ``LineRequest``s.

Lines come as parallel lists, one entry per row: ``sku``, ``quantity`` and, optionally,
``unit_price`` and ``discount`` (blank: the catalogue price, no discount). Rows without a SKU
are skipped; the others are numbered as the page shows them, and every error names its row and
field ("Line 2: unknown SKU 'XYZ'." on the row's ``sku``). The parser only reads the text: the
services check the rules again (``validate_lines``).
"""

from dataclasses import dataclass, field
from decimal import Decimal
from itertools import chain, zip_longest
from typing import ClassVar

from django.conf import settings
from django.db.models.functions import Lower
from django.http import QueryDict

from core.money import ZERO
from core.parsing import clean_text, parse_ascii_int, parse_money
from inventory.models import Product

from .services import LineRequest

LINE_FIELDS = ("sku", "quantity", "unit_price", "discount")
SKU_LENGTH = Product._meta.get_field("sku").max_length


def parse_quantity(text: str, *, minimum: int) -> int | None:
    """ASCII digits from ``minimum`` to OMS_MAX_QUANTITY, else None ("٣", "1e3" and "+2" are
    not)."""
    quantity = parse_ascii_int(text)
    limit = settings.OMS_MAX_QUANTITY
    return quantity if quantity is not None and minimum <= quantity <= limit else None


def parse_amount(text: str) -> Decimal | None:
    """'12.5' → 12.50; anything but a plain non-negative amount raises ValueError (the
    service checks the amount's bounds)."""
    amount = parse_money(text)
    if amount is None:
        raise ValueError(text)
    return amount


@dataclass
class LineRow:
    """One posted line: the text as typed, what it parses to, and its errors by field."""

    fields: ClassVar[tuple[str, ...]] = LINE_FIELDS  # where a domain error may land

    label: str  # "Line 2", as the page numbers it
    sku: str
    quantity: str
    unit_price: str = ""
    discount: str = ""
    product: Product | None = None
    request: LineRequest | None = None  # set when every field parses
    errors: dict[str, list[str]] = field(default_factory=dict)  # by field; "" for the row

    def add_error(self, field: str | None, error: str) -> None:
        self.errors.setdefault(field or "", []).append(error)

    @property
    def messages(self) -> list[str]:
        return list(chain.from_iterable(self.errors.values()))

    def parse(self, product: Product | None) -> None:
        self.product = product
        if product is None:
            self.add_error("sku", f"{self.label}: unknown SKU '{self.sku}'.")
        else:
            self.sku = product.sku  # as the catalogue spells it, however it was typed
        quantity = parse_quantity(self.quantity, minimum=1)
        if quantity is None:
            self.add_error(
                "quantity",
                f"{self.label}: quantity must be a whole number "
                f"from 1 to {settings.OMS_MAX_QUANTITY:,}.",
            )
        unit_price = self._amount("unit_price", "unit price")
        discount = self._amount("discount", "discount")
        if product and not self.errors:
            self.request = LineRequest(product, quantity, unit_price, discount or ZERO)

    def _amount(self, name: str, what: str) -> Decimal | None:
        text = getattr(self, name)
        if not text:
            return None
        try:
            return parse_amount(text)
        except ValueError:
            self.add_error(name, f"{self.label}: {what} '{text}' is not an amount.")
            return None


def _posted_rows(data: QueryDict) -> list[list[str]]:
    posted = zip_longest(*(data.getlist(key) for key in LINE_FIELDS), fillvalue="")
    return [[value.strip() for value in row] for row in posted]


def products_by_sku(skus: set[str]) -> dict[str, Product]:
    """The products these SKUs name, ignoring case ("mug-01" is MUG-01), keyed by lower-cased
    SKU; one query, on the index of the SKUs' case-insensitive uniqueness (``Lower(sku)``)."""
    # A SKU no product can have (a NUL, which PostgreSQL refuses, or too long) is unknown.
    keys = {sku.lower() for sku in skus if clean_text(sku, max_length=SKU_LENGTH) is not None}
    products = Product.objects.annotate(sku_key=Lower("sku")).filter(sku_key__in=keys)
    return {product.sku_key: product for product in products}


def parse_line_rows(data: QueryDict, *, label: str = "Line") -> list[LineRow]:
    """The posted rows that name a SKU, numbered from 1; one product query for all of them."""
    values = [row for row in _posted_rows(data) if row[0]]
    products = products_by_sku({row[0] for row in values})
    rows = [LineRow(f"{label} {number}", *row) for number, row in enumerate(values, start=1)]
    for row in rows:
        row.parse(products.get(row.sku.lower()))
    return rows


def apply_row_action(post: QueryDict) -> tuple[QueryDict, bool]:
    """The posted lines after the button pressed: ``remove_row`` (an index) or ``add_sku``.

    Adding a SKU already on a line (in any case) adds one unit to that line. Returns the data
    and whether a product was added. (A control named ``remove`` would shadow the form's
    ``remove()`` in the browser, which htmx calls when it swaps the form.)
    """
    rows = _posted_rows(post)
    remove, add = post.get("remove_row", ""), post.get("add_sku", "").strip()
    index = parse_ascii_int(remove)
    if index is not None and index < len(rows):
        del rows[index]
    skus = [row[0].upper() for row in rows]
    if add and add.upper() in skus:
        row = rows[skus.index(add.upper())]
        quantity = parse_quantity(row[1], minimum=0)
        row[1] = row[1] if quantity is None else str(quantity + 1)
    elif add:
        rows.append([add, "1", "", ""])
    data = post.copy()
    for index, key in enumerate(LINE_FIELDS):
        data.setlist(key, [row[index] for row in rows])
    return data, bool(add)
