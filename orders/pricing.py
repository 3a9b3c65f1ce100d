"""Prices, tax and order totals, computed in one place.

line_total = quantity × unit price; tax = (line_total − line discount) × rate, per line;
order total = Σ line totals − discounts + shipping + tax (a CHECK constraint holds it too).
"""

from collections.abc import Iterable
from decimal import Decimal

from core.money import ZERO, to_money

from .models import Order, OrderLine, TaxRate


def tax_rate_for(address: dict[str, str]) -> Decimal:
    """The destination's rate: a region's own rate wins over its country's; none means 0."""
    country = (address.get("country") or "").upper()
    region = (address.get("region") or "").strip()
    rates = {
        rate.region.lower(): rate.rate
        for rate in TaxRate.objects.filter(country=country, region__in=["", region])
    }
    return rates.get(region.lower(), rates.get("", Decimal("0")))


def price_line(line: OrderLine, rate: Decimal) -> None:
    line.line_total = to_money(line.unit_price * line.quantity)
    line.tax_rate = rate
    line.tax_amount = to_money((line.line_total - line.discount) * rate)


def apply_totals(order: Order, lines: Iterable[OrderLine]) -> None:
    lines = list(lines)
    order.subtotal = sum((line.line_total for line in lines), ZERO)
    order.discount_total = sum((line.discount for line in lines), ZERO)
    order.tax_total = sum((line.tax_amount for line in lines), ZERO)
    order.total = order.subtotal - order.discount_total + order.shipping_total + order.tax_total
