"""Stock levels: each row states the count on hand of a SKU at a location, set through
``inventory.services.set_stock`` as a correction (the difference, worked out under the level's
lock, is the ledger row), so the stock ledger explains every unit. Rows that match the count
change nothing."""

from dataclasses import dataclass

from inventory.models import Location, Product, StockLevel, StockMovement
from inventory.services import set_stock

from .base import ImportKind, Problems, Row, as_row_error, by_lower, cells, limits, text, whole
from .catalogue import read_sku


@dataclass
class Count:
    row: int
    product: Product
    location: Location
    on_hand: int


class StockImport(ImportKind):
    name = "stock"
    required = ("sku", "location", "on_hand")
    example = ("MUG-1", "WH-A", "120")

    def check(self, rows: list[Row], problems: Problems) -> list[Count]:
        maximum = limits()["stock"]
        parsed = []
        for row in rows:
            values = cells(
                row,
                problems,
                lambda row=row: {
                    "sku": read_sku(row),
                    "location": text(row, "location", max_length=20, required=True),
                    "on_hand": whole(row, "on_hand", label="On hand", maximum=maximum),
                },
            )
            if values:
                parsed.append((row, values))
        products = by_lower(Product.objects.all(), "sku", [v["sku"] for _, v in parsed])
        locations = {location.code: location for location in Location.objects.all()}
        levels = {
            (level.product_id, level.location_id): level
            for level in StockLevel.objects.filter(
                product_id__in=[product.pk for product in products.values()]
            ).only("product_id", "location_id", "on_hand", "reserved")
        }
        seen: dict[tuple[int, int], int] = {}
        plan = []
        for row, values in parsed:
            product = products.get(values["sku"].lower())
            location = locations.get(values["location"])
            if product is None:
                problems.add(row.number, "sku", f"unknown SKU {values['sku']!r}")
            if location is None:
                problems.add(row.number, "location", f"unknown location {values['location']!r}")
            if product is None or location is None:
                continue
            key = (product.pk, location.pk)
            if (first := seen.setdefault(key, row.number)) != row.number:
                problems.add(
                    row.number, "sku", f"{product.sku} at {location.code} is in row {first}"
                )
                continue
            level = levels.get(key)
            on_hand, reserved = (level.on_hand, level.reserved) if level else (0, 0)
            if values["on_hand"] < reserved:
                problems.add(
                    row.number,
                    "on_hand",
                    f"{reserved} units of {product.sku} at {location.code} are reserved for "
                    "orders: the count cannot be lower",
                )
                continue
            if abs(change := values["on_hand"] - on_hand) > maximum:
                problems.add(row.number, "on_hand", f"a change of {change} is over {maximum:,}")
                continue
            if change:
                plan.append(Count(row.number, product, location, values["on_hand"]))
        return plan

    def write(self, plan: list[Count], *, job, progress) -> None:
        for done, count in enumerate(plan, start=1):
            with as_row_error(count.row):
                set_stock(
                    product=count.product,
                    location=count.location,
                    on_hand=count.on_hand,
                    reason=StockMovement.Reason.CORRECTION,
                    reference=f"IMPORT-{job.pk}",
                    note=f"Stock count imported from {job.file_name}"[:500],
                    user=job.created_by,
                )
            if done % 200 == 0 or done == len(plan):
                progress(done)
