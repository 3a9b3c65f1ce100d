"""Products and customers: new records only, each created by its domain's service (which runs
the same checks as the admin and the dashboard forms). The dry run makes those checks for the
whole file in a few queries, so it names every bad row rather than the first."""

import re
from dataclasses import dataclass
from decimal import Decimal

from customers.models import Customer
from customers.services import create_customer
from inventory.models import SKU_PATTERN, Product
from inventory.services import create_product

from .base import (
    CellError,
    ImportKind,
    Problems,
    Row,
    as_row_error,
    by_lower,
    cells,
    chunks,
    email,
    limits,
    money,
    text,
    whole,
)

SKU = re.compile(SKU_PATTERN)


def read_sku(row: Row, column: str = "sku") -> str:
    sku = text(row, column, max_length=64, required=True)
    if not SKU.match(sku):
        raise CellError(
            f"{sku!r}: a SKU may only contain letters A–Z, digits and - _ .", field=column
        )
    return sku


def first_seen(rows: list[tuple[Row, str]], problems: Problems, *, column: str, what: str):
    """Keep the first row of each key (ignoring case); report the repeats."""
    seen: dict[str, int] = {}
    kept = []
    for row, key in rows:
        if (first := seen.setdefault(key.lower(), row.number)) != row.number:
            problems.add(row.number, column, f"{what} {key!r} is also in row {first}")
        else:
            kept.append((row, key))
    return kept


@dataclass
class NewProduct:
    row: int
    sku: str
    name: str
    unit_price: Decimal
    cost: Decimal
    weight_grams: int
    barcode: str


class ProductsImport(ImportKind):
    name = "products"
    required = ("sku", "name", "price")
    optional = ("cost", "weight_grams", "barcode")
    example = ("MUG-1", "Blue mug", "12.50", "4.20", "350", "4006381333931")

    def check(self, rows: list[Row], problems: Problems) -> list[NewProduct]:
        price_limit = limits()["price"]
        parsed = []
        for row in rows:
            values = cells(
                row,
                problems,
                lambda row=row: {
                    "sku": read_sku(row),
                    "name": text(row, "name", max_length=200, required=True),
                    "unit_price": money(row, "price", label="Price", maximum=price_limit),
                    "cost": money(
                        row, "cost", label="Cost", maximum=price_limit, default=Decimal("0.00")
                    ),
                    "weight_grams": whole(
                        row, "weight_grams", label="Weight", maximum=10**7, default=0
                    ),
                    "barcode": text(row, "barcode", max_length=64),
                },
            )
            if values:
                parsed.append((row, values))
        kept = first_seen(
            [(row, values["sku"]) for row, values in parsed], problems, column="sku", what="SKU"
        )
        kept_rows = {row.number for row, _ in kept}
        existing = by_lower(Product.objects.only("sku"), "sku", [sku for _, sku in kept])
        plan = []
        for row, values in parsed:
            if row.number not in kept_rows:
                continue
            if (found := existing.get(values["sku"].lower())) is not None:
                problems.add(row.number, "sku", f"a product with SKU {found.sku!r} exists")
                continue
            plan.append(NewProduct(row=row.number, **values))
        return plan

    def write(self, plan: list[NewProduct], *, job, progress) -> None:
        done = 0
        for batch in chunks(plan, 500):
            weighed = []
            for item in batch:
                with as_row_error(item.row):
                    product = create_product(
                        sku=item.sku,
                        name=item.name,
                        unit_price=item.unit_price,
                        cost=item.cost,
                        barcode=item.barcode,
                    )
                if item.weight_grams:
                    product.weight_grams = item.weight_grams
                    weighed.append(product)
            # create_product takes no weight: set it for the batch in one UPDATE
            Product.objects.bulk_update(weighed, ["weight_grams"])
            done += len(batch)
            progress(done)


@dataclass
class NewCustomer:
    row: int
    email: str
    name: str
    phone: str
    company: str


class CustomersImport(ImportKind):
    name = "customers"
    required = ("email", "name")
    optional = ("company", "phone")
    example = ("ada@example.com", "Ada Lovelace", "Analytical Ltd", "+44 20 7946 0000")

    def check(self, rows: list[Row], problems: Problems) -> list[NewCustomer]:
        parsed = []
        for row in rows:
            values = cells(
                row,
                problems,
                lambda row=row: {
                    "email": email(row, "email"),
                    "name": text(row, "name", max_length=200, required=True),
                    "phone": text(row, "phone", max_length=40),
                    "company": text(row, "company", max_length=200),
                },
            )
            if values:
                parsed.append((row, values))
        kept = first_seen(
            [(row, values["email"]) for row, values in parsed],
            problems,
            column="email",
            what="e-mail",
        )
        kept_rows = {row.number for row, _ in kept}
        existing = by_lower(Customer.objects.only("email"), "email", [key for _, key in kept])
        plan = []
        for row, values in parsed:
            if row.number not in kept_rows:
                continue
            if values["email"].lower() in existing:
                problems.add(row.number, "email", f"a customer with {values['email']} exists")
                continue
            plan.append(NewCustomer(row=row.number, **values))
        return plan

    def write(self, plan: list[NewCustomer], *, job, progress) -> None:
        for done, item in enumerate(plan, start=1):
            with as_row_error(item.row):
                create_customer(
                    email=item.email, name=item.name, phone=item.phone, company=item.company
                )
            if done % 500 == 0 or done == len(plan):
                progress(done)
