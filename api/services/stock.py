"""Stock changes as an ERP sends them: SKUs and location codes found, then inventory's ledger
services (``adjust_stock``, ``set_stock``) do the change, and their errors name the API's
fields (``delta``, ``counts[3].on_hand``)."""

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from core.exceptions import DomainError
from inventory.exceptions import StockError
from inventory.models import Location, Product, StockLevel, StockMovement
from inventory.services import adjust_stock, lock_stock_levels, set_stock

from ..selectors import stock_levels_for_list

Target = tuple[Product, Location]


@dataclass(frozen=True)
class StockChange:
    level: StockLevel
    movement: StockMovement | None


@contextmanager
def named_fields(names: Mapping[str, str], prefix: str = "") -> Iterator[None]:
    """A domain error's ``field`` as the API calls it: the service's ``quantity`` is the
    request's ``delta``; an error that names no field (not enough stock) is about ``names[""]``."""
    try:
        yield
    except DomainError as error:
        error.field = prefix + names.get(error.field, error.field)
        raise


def targets(items: Sequence[Mapping[str, Any]], prefixes: Sequence[str]) -> list[Target]:
    """The product and active location each item names, in two queries; an unknown one is a
    ``StockError`` on that item's field."""
    products = {p.sku: p for p in Product.objects.filter(sku__in={item["sku"] for item in items})}
    locations = {
        location.code: location
        for location in Location.objects.filter(
            is_active=True, code__in={item["location"] for item in items}
        )
    }
    found = []
    for item, prefix in zip(items, prefixes, strict=True):
        if (product := products.get(item["sku"])) is None:
            raise StockError(
                f"There is no product with the SKU {item['sku']}.",
                code="unknown_sku",
                field=f"{prefix}sku",
            )
        if (location := locations.get(item["location"])) is None:
            raise StockError(
                f"There is no active location with the code {item['location']}.",
                code="unknown_location",
                field=f"{prefix}location",
            )
        found.append((product, location))
    return found


def changes(
    found: Sequence[Target], movements: Sequence[StockMovement | None]
) -> list[StockChange]:
    """Each target's stock row as it is now, with the movement written for it: one query."""
    levels = {
        (level.product_id, level.location_id): level
        for level in stock_levels_for_list().filter(
            product_id__in={product.pk for product, _ in found},
            location_id__in={location.pk for _, location in found},
        )
    }
    return [
        StockChange(levels[product.pk, location.pk], movement)
        for (product, location), movement in zip(found, movements, strict=True)
    ]


def ledger_details(item: Mapping[str, Any], user: AbstractBaseUser) -> dict[str, Any]:
    """What the ledger row keeps of an item: its reason, note, reference, and who sent it."""
    return {
        "reason": item["reason"],
        "note": item.get("note", ""),
        "reference": item.get("reference", ""),
        "user": user,
    }


@transaction.atomic
def adjust(*, data: Mapping[str, Any], user: AbstractBaseUser) -> StockChange:
    """A signed change with a reason: ``delta`` of the SKU at the location."""
    found = targets([data], [""])
    product, location = found[0]
    with named_fields({"": "delta", "quantity": "delta"}):
        movement = adjust_stock(
            product=product,
            location=location,
            quantity=data["delta"],
            **ledger_details(data, user),
        )
    return changes(found, [movement])[0]


@transaction.atomic
def count(
    *, counts: Sequence[Mapping[str, Any]], user: AbstractBaseUser, bulk: bool = False
) -> list[StockChange]:
    """Counted on-hand figures: all of them or none. Errors name the item (``counts[3].on_hand``)
    when ``bulk``.

    The rows of every SKU at every location named are locked first, in primary-key order (as
    ``lock_stock_levels`` always takes them), so two bulk counts over the same rows wait for
    each other instead of deadlocking.
    """
    prefixes = [f"counts[{index}]." if bulk else "" for index in range(len(counts))]
    first_of: dict[tuple[str, str], int] = {}
    for index, item in enumerate(counts):
        if (earlier := first_of.setdefault((item["sku"], item["location"]), index)) != index:
            raise StockError(
                f"{item['sku']} at {item['location']} is counted twice (counts[{earlier}]).",
                code="counted_twice",
                field=f"{prefixes[index]}sku",
            )
    found = targets(counts, prefixes)
    lock_stock_levels(
        product_ids={product.pk for product, _ in found},
        location_ids={location.pk for _, location in found},
    )
    movements = []
    for item, (product, location), prefix in zip(counts, found, prefixes, strict=True):
        with named_fields({"": "on_hand", "quantity": "on_hand"}, prefix):
            movements.append(
                set_stock(
                    product=product,
                    location=location,
                    on_hand=item["on_hand"],
                    **ledger_details(item, user),
                )
            )
    return changes(found, movements)
