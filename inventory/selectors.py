"""Read queries for the inventory pages: stock totals, stock per location, the ledger.

What open orders wait for is the orders app's: it adds that panel to the product page.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db.models import F, IntegerField, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, Greatest
from django.shortcuts import get_object_or_404

from .models import Location, Product, StockLevel, StockMovement

LOW = "low"
OUT = "out"


@dataclass(frozen=True)
class LocationStock:
    location: Location
    on_hand: int
    reserved: int

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


def stock_state(available: int, reorder_point: int) -> str:
    """OUT when nothing can be sold, LOW at or below the reorder point, else ""."""
    if available <= 0:
        return OUT
    if reorder_point > 0 and available <= reorder_point:
        return LOW
    return ""


def active_locations() -> list[Location]:
    return list(Location.objects.filter(is_active=True))


def all_locations() -> list[Location]:
    """Every location, active or not, in their order (priority, then code), with what a
    select shows of them."""
    return list(Location.objects.only("code", "name", "is_active"))


def _summed(field: str, condition: Q | None = None) -> Coalesce:
    return Coalesce(Sum(f"stock_levels__{field}", filter=condition), 0, output_field=IntegerField())


def products_with_stock(locations: Sequence[Location]) -> QuerySet[Product]:
    """Products annotated with stock totals and, per location, on hand and reserved.

    All of it comes from one aggregate over the stock rows, so a page of products costs one
    query whatever the number of rows or locations.
    """
    per_location = {}
    for location in locations:
        at_location = Q(stock_levels__location=location)
        per_location[f"on_hand_{location.pk}"] = _summed("on_hand", at_location)
        per_location[f"reserved_{location.pk}"] = _summed("reserved", at_location)
    return (
        Product.objects.annotate(
            on_hand_total=_summed("on_hand"),
            reserved_total=_summed("reserved"),
            **per_location,
        )
        .annotate(available_total=F("on_hand_total") - F("reserved_total"))
        .order_by("sku")
    )


def low_stock(products: QuerySet[Product]) -> QuerySet[Product]:
    return products.filter(reorder_point__gt=0, available_total__lte=F("reorder_point"))


def out_of_stock(products: QuerySet[Product]) -> QuerySet[Product]:
    return products.filter(available_total__lte=0)


def with_location_stock(
    products: Iterable[Product], locations: Sequence[Location]
) -> list[Product]:
    """Turn the per-location annotations of ``products_with_stock`` into rows for a table."""
    rows = list(products)
    for product in rows:
        product.location_stock = [
            LocationStock(
                location=location,
                on_hand=getattr(product, f"on_hand_{location.pk}"),
                reserved=getattr(product, f"reserved_{location.pk}"),
            )
            for location in locations
        ]
        product.stock_state = stock_state(product.available_total, product.reorder_point)
    return rows


def product_for_detail(sku: str) -> Product:
    return get_object_or_404(Product, sku=sku)


@dataclass(frozen=True)
class StockSummary:
    levels: list[StockLevel]
    reorder_point: int

    @property
    def on_hand(self) -> int:
        return sum(level.on_hand for level in self.levels)

    @property
    def reserved(self) -> int:
        return sum(level.reserved for level in self.levels)

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved

    @property
    def state(self) -> str:
        return stock_state(self.available, self.reorder_point)


STOCK_COLUMNS = (
    "on_hand",
    "reserved",
    "location__code",
    "location__name",
    "location__kind",
    "location__priority",
    "location__is_active",
)


def stock_summary(product: Product) -> StockSummary:
    """The product's stock rows, with the columns of their locations the page shows."""
    levels = (
        StockLevel.objects.filter(product=product)
        .select_related("location")
        .only(*STOCK_COLUMNS)
        .order_by("location__priority", "location__code")
    )
    return StockSummary(levels=list(levels), reorder_point=product.reorder_point)


LEDGER_SORT = "-created_at"  # newest first, ties by id: the (product, created_at, id) index


LEDGER_COLUMNS = (
    "created_at",
    "quantity",
    "reason",
    "reference",
    "note",
    "location__code",
    "user__username",
)


def stock_ledger(product: Product) -> QuerySet[StockMovement]:
    """The product's stock movements, for a keyset page in ``LEDGER_SORT`` order: only the
    columns the ledger shows, so a page builds no full locations and users."""
    return (
        StockMovement.objects.filter(product=product)
        .select_related("location", "user")
        .only(*LEDGER_COLUMNS)
    )


# --- what can be sold: order entry and sourcing -----------------------------------------------


def _fulfils(prefix: str = "") -> Q:
    """Locations that fulfil orders: active and shipping. Sourcing reserves nowhere else."""
    return Q(**{f"{prefix}is_active": True, f"{prefix}can_ship": True})


def fulfilment_locations() -> QuerySet[Location]:
    """The locations sourcing reserves from, in the order it takes them (lowest priority first)."""
    return Location.objects.filter(_fulfils()).order_by("priority", "code")


def _sellable_levels() -> QuerySet[StockLevel]:
    return StockLevel.objects.filter(_fulfils("location__"))


# What sourcing may take of a row: the units available above its safety stock, never below 0.
SELLABLE_UNITS = Greatest(F("on_hand") - F("reserved") - F("safety_stock"), 0)


def sellable_levels(product_ids: Iterable[int]) -> QuerySet[StockLevel]:
    """The rows sourcing reserves from: these products at the locations that fulfil, with
    ``units`` it may take, in primary-key order (the order their locks are taken in)."""
    levels = _sellable_levels().filter(product_id__in=set(product_ids))
    return levels.annotate(units=SELLABLE_UNITS).order_by("pk")


def available_to_sell(
    product_ids: Iterable[int], location_ids: Iterable[int] | None = None
) -> dict[int, int]:
    """Units free to reserve per product: on hand − reserved − safety stock (never below 0 at
    a location) over the locations that fulfil.

    Exactly what sourcing may reserve (it reads the same rows, ``sellable_levels``, under a
    lock), so a preview never promises what placing the order would refuse. A product
    with no stock there is absent. ``location_ids`` narrows the locations further.
    """
    levels = _sellable_levels().filter(product_id__in=set(product_ids))
    if location_ids is not None:
        levels = levels.filter(location_id__in=set(location_ids))
    rows = levels.order_by().values("product_id").annotate(units=Sum(SELLABLE_UNITS))
    return {row["product_id"]: row["units"] for row in rows}


@dataclass(frozen=True)
class SellableProduct:
    product: Product
    availability: list[tuple[str, int]]  # (location code, units free), in sourcing order


def find_products_for_entry(text: str, limit: int = 20) -> list[SellableProduct]:
    """Products for sale by SKU prefix, name or barcode, with what each location has free to sell.

    Two queries whatever the number of hits: the products, then their stock rows.
    """
    levels = (
        _sellable_levels()
        .select_related("location")
        .order_by("location__priority", "location__code")
    )
    products = (
        Product.objects.filter(is_active=True)
        .filter(Q(sku__istartswith=text) | Q(name__icontains=text) | Q(barcode=text))
        .prefetch_related(Prefetch("stock_levels", queryset=levels, to_attr="sellable_levels"))
    )
    return [
        SellableProduct(
            product,
            [
                (level.location.code, level.sellable)
                for level in product.sellable_levels
                if level.sellable > 0
            ],
        )
        for product in products[:limit]
    ]
