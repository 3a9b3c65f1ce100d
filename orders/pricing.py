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

from django.db.models import Q

from core.money import ZERO, to_money

from .models import Order, OrderLine, TaxRate

if TYPE_CHECKING:  # services build on pricing, not the other way round
    from .services import LineRequest

TOTAL_FIELDS = ("subtotal", "discount_total", "tax_total", "total")


def tax_rate_for(address: Mapping[str, str]) -> Decimal:
    """The destination's rate: a region's own rate wins over its country's; none means 0."""
    country = (address.get("country") or "").strip().upper()
    region = (address.get("region") or "").strip()
    matching = Q(region="") | Q(region__iexact=region)
    rates = {
        rate.region.lower(): rate.rate for rate in TaxRate.objects.filter(matching, country=country)
    }
    return rates.get(region.lower(), rates.get("", Decimal("0")))


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


def quote_order(
    *,
    lines: Sequence["LineRequest"],
    shipping_address: Mapping[str, str],
    shipping_total: Decimal,
) -> Quote:
    """What these lines cost shipped to this address: each line priced and taxed, and the totals."""
    rate = tax_rate_for(shipping_address)
    priced = tuple(new_line(request, rate) for request in lines)
    return Quote(lines=priced, tax_rate=rate, totals=Totals.of(priced, shipping_total))


def apply_totals(order: Order, lines: Iterable[OrderLine]) -> None:
    """Total the order's priced lines again (after an edit, each line keeps its tax rate)."""
    Totals.of(list(lines), order.shipping_total).apply_to(order)
