"""Prices, tax and order totals, computed in one place.

line_total = quantity × unit price; tax = (line_total − line discount) × rate, per line;
order total = Σ line totals − discounts + shipping + tax (a CHECK constraint holds it too).

``quote_order`` is what an order costs: ``place_order`` charges it and the order-entry page
shows it live, so the two never disagree.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q

from core.countries import country_name, is_country
from core.money import ZERO, to_money

from .exceptions import OrderValidationError
from .models import Order, OrderLine, TaxRate

if TYPE_CHECKING:  # services build on pricing, not the other way round
    from .services import LineRequest

TOTAL_FIELDS = ("subtotal", "discount_total", "tax_total", "total")


def _country(address: Mapping[str, str]) -> str:
    return (address.get("country") or "").strip().upper()


def _set_up_rate(address: Mapping[str, str]) -> Decimal | None:
    """The destination's rate: a region's own rate wins over its country's; None if neither."""
    region = (address.get("region") or "").strip()
    matching = Q(region="") | Q(region__iexact=region)
    rates = {
        rate.region.lower(): rate.rate
        for rate in TaxRate.objects.filter(matching, country=_country(address))
    }
    return rates.get(region.lower(), rates.get(""))


def tax_rate_for(address: Mapping[str, str]) -> Decimal:
    """The destination's rate; none set up means 0 (``quote_order`` says so)."""
    rate = _set_up_rate(address)
    return Decimal("0") if rate is None else rate


def _missing_rate_notice(address: Mapping[str, str]) -> str:
    """Why tax is 0 when no rate applies, so nobody takes a silent 0.00 for a real one."""
    code = _country(address)
    if not code:
        return ""
    if not is_country(code):
        return f"No tax rate for {code}, which is not an ISO 3166 country code"
    return f"No tax rate set up for {country_name(code)} ({code})"


def price_line(line: OrderLine, rate: Decimal) -> None:
    line.line_total = to_money(line.unit_price * line.quantity)
    line.tax_rate = rate
    line.tax_amount = to_money((line.line_total - line.discount) * rate)


def new_line(request: "LineRequest", rate: Decimal) -> OrderLine:
    """An unsaved line for the request: the product snapshot at its price, priced and taxed."""
    price = request.product.unit_price if request.unit_price is None else request.unit_price
    line = OrderLine(
        product=request.product,
        sku=request.product.sku,
        name=request.product.name,
        quantity=request.quantity,
        unit_price=to_money(price),
        discount=to_money(request.discount),
    )
    price_line(line, rate)
    return line


@dataclass(frozen=True)
class Totals:
    subtotal: Decimal
    discount_total: Decimal
    shipping_total: Decimal
    tax_total: Decimal

    @classmethod
    def of(cls, lines: Sequence[OrderLine], shipping_total: Decimal) -> "Totals":
        return cls(
            subtotal=sum((line.line_total for line in lines), ZERO),
            discount_total=sum((line.discount for line in lines), ZERO),
            shipping_total=to_money(shipping_total),
            tax_total=sum((line.tax_amount for line in lines), ZERO),
        )

    @property
    def total(self) -> Decimal:
        return self.subtotal - self.discount_total + self.shipping_total + self.tax_total

    def apply_to(self, order: Order) -> None:
        """Write the totals on the order (shipping is the order's own already)."""
        for name in TOTAL_FIELDS:
            setattr(order, name, getattr(self, name))


@dataclass(frozen=True)
class Quote:
    lines: tuple[OrderLine, ...]  # unsaved, priced and taxed, in the order requested
    tax_rate: Decimal
    totals: Totals
    missing_rate: str = ""  # why no tax rate applies ("No tax rate set up for Germany (DE)")

    @property
    def tax_notice(self) -> str:
        """What the preview says when no rate applies: "No tax rate set up for Germany (DE):
        tax 0.00"; "" when a rate was found or there is no country yet."""
        if not self.missing_rate:
            return ""
        return f"{self.missing_rate}: tax {self.totals.tax_total}"


def quote_order(
    *,
    lines: Sequence["LineRequest"],
    shipping_address: Mapping[str, str],
    shipping_total: Decimal,
) -> Quote:
    """What these lines cost shipped to this address: each line priced and taxed, and the totals."""
    rate = _set_up_rate(shipping_address)
    missing = "" if rate is not None else _missing_rate_notice(shipping_address)
    rate = Decimal("0") if rate is None else rate
    priced = tuple(new_line(request, rate) for request in lines)
    return Quote(
        lines=priced,
        tax_rate=rate,
        totals=Totals.of(priced, shipping_total),
        missing_rate=missing,
    )


def apply_totals(order: Order, lines: Iterable[OrderLine]) -> None:
    """Total the order's priced lines again (after an edit, each line keeps its tax rate)."""
    Totals.of(list(lines), order.shipping_total).apply_to(order)


# --- who may sell below the catalogue ------------------------------------------------------

OVERRIDE_PRICE = "orders.override_price"
GIVE_DISCOUNT = "orders.give_discount"


@dataclass(frozen=True)
class PriceChange:
    """A requested line sold at other than its catalogue price: a new unit price, a discount
    or both. ``index`` is the request's position, so refusals name ``lines[index]``."""

    index: int
    sku: str
    quantity: int
    catalogue_price: Decimal
    unit_price: Decimal
    discount: Decimal

    @property
    def overridden(self) -> bool:
        return self.unit_price != self.catalogue_price

    @property
    def where(self) -> str:
        return f"Line {self.index + 1} ({self.sku})"


def price_changes(requests: Sequence["LineRequest"]) -> list[PriceChange]:
    """The requests whose price is not the catalogue's (an explicit equal price is no change)."""
    changes = []
    for index, request in enumerate(requests):
        catalogue = to_money(request.product.unit_price)
        price = catalogue if request.unit_price is None else to_money(request.unit_price)
        discount = to_money(request.discount)
        if price != catalogue or discount:
            sku, quantity = request.product.sku, request.quantity
            changes.append(PriceChange(index, sku, quantity, catalogue, price, discount))
    return changes


def check_price_authority(changes: Sequence[PriceChange], actor: AbstractBaseUser | None) -> None:
    """Refuse a price or discount the actor may not give, naming the line's field.

    ``orders.override_price`` (Manager) may set any price and discount; ``orders.give_discount``
    (Customer service) only discounts of at most OMS_CS_DISCOUNT_LIMIT_PERCENT of the line at
    the catalogue price. No actor is a channel or a task, whose prices are the channel's own.
    """
    if actor is None or actor.has_perm(OVERRIDE_PRICE):
        return
    percent = settings.OMS_CS_DISCOUNT_LIMIT_PERCENT
    for change in changes:
        field = f"lines[{change.index}]"
        if change.overridden:
            raise OrderValidationError(
                f"{change.where}: only staff who may override prices can change the unit price "
                f"(catalogue {change.catalogue_price}).",
                f"{field}.unit_price",
                code="price_override_not_permitted",
            )
        if not change.discount:
            continue
        if not actor.has_perm(GIVE_DISCOUNT):
            raise OrderValidationError(
                f"{change.where}: you may not give discounts.",
                f"{field}.discount",
                code="discount_not_permitted",
            )
        limit = to_money(change.catalogue_price * change.quantity * percent / 100)
        if change.discount > limit:
            raise OrderValidationError(
                f"{change.where}: a discount of at most {percent}% of the line ({limit}) is "
                "allowed without the price override permission.",
                f"{field}.discount",
                code="discount_over_limit",
            )
