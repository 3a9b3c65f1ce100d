"""What an invoice or a credit note says, as a JSON-able snapshot taken when it is numbered.

Amounts are strings of two-place Decimals (JSON has no decimals); rates are percentages
("8.875"). The invoice template and the Factur-X XML both read this snapshot and nothing else.

Tax follows ``orders.pricing``: each line is taxed at its own rate on its net (line total less
its discount); shipping is not taxed, so it is a charge at 0 %. The breakdown per rate sums
the lines' tax as the order charged it.
"""

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings

from core.money import ZERO, to_money
from orders.models import Order, OrderLine

Content = dict[str, Any]
HUNDRED = Decimal(100)
SHIPPING = "Shipping"


def percent(rate: Decimal) -> str:
    """0.08875 → "8.875", 0 → "0"."""
    value = (rate * HUNDRED).normalize()
    return f"{value:f}"


def _party_address(address: dict[str, Any]) -> dict[str, str]:
    return {
        field: str(address.get(field) or "")
        for field in ("name", "line1", "line2", "city", "region", "postal_code", "country")
    }


def seller() -> dict[str, str]:
    return {field: str(value) for field, value in settings.OMS_SELLER.items()}


def buyer(order: Order) -> dict[str, str]:
    """The billing address, or the shipping one when the order has none."""
    party = _party_address(order.billing_address or order.shipping_address or {})
    customer = order.customer
    party["name"] = party["name"] or customer.name
    party["company"] = customer.company
    party["email"] = order.email
    return party


def _tax_rows(lines: list[dict[str, str]], shipping: Decimal) -> list[dict[str, str]]:
    basis: dict[str, Decimal] = defaultdict(lambda: ZERO)
    tax: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for line in lines:
        basis[line["tax_rate"]] += Decimal(line["net"])
        tax[line["tax_rate"]] += Decimal(line["tax"])
    if shipping:
        basis["0"] += shipping
        tax["0"] += ZERO
    return [
        {"rate": rate, "basis": str(basis[rate]), "tax": str(tax[rate])}
        for rate in sorted(basis, key=Decimal)
    ]


def _totals(lines: list[dict[str, str]], shipping: Decimal, paid: Decimal) -> dict[str, str]:
    net = sum((Decimal(line["net"]) for line in lines), ZERO)
    tax = sum((Decimal(line["tax"]) for line in lines), ZERO)
    total = net + shipping + tax
    paid = min(paid, total)
    return {
        "lines": str(net),
        "shipping": str(shipping),
        "basis": str(net + shipping),
        "tax": str(tax),
        "total": str(total),
        "paid": str(paid),
        "due": str(total - paid),
    }


def _terms(issued_on: date, due: Decimal, agreed_due: date | None) -> dict[str, str]:
    if due <= 0:
        return {"text": "Paid in full. Thank you.", "due_on": issued_on.isoformat()}
    due_on = agreed_due or issued_on + timedelta(days=settings.OMS_INVOICE_PAYMENT_DAYS)
    days = (due_on - issued_on).days
    return {"text": f"Payable within {days} days.", "due_on": due_on.isoformat()}


def invoice_content(
    order: Order,
    *,
    lines: Iterable[OrderLine],
    number: str,
    issued_on: date,
    paid: Decimal,
    agreed_due: date | None,
) -> Content:
    """The invoice of the whole order: its ``lines`` and its shipping."""
    rows = [
        {
            "sku": line.sku,
            "name": line.name,
            "quantity": line.quantity,
            "unit_price": str(line.unit_price),
            "discount": str(line.discount),
            "net": str(line.line_total - line.discount),
            "tax_rate": percent(line.tax_rate),
            "tax": str(line.tax_amount),
        }
        for line in lines
    ]
    totals = _totals(rows, order.shipping_total, paid)
    return {
        "title": "Invoice",
        "number": number,
        "issued_on": issued_on.isoformat(),
        "currency": order.currency,
        "seller": seller(),
        "buyer": buyer(order),
        "order": {"number": order.number, "placed_on": _day(order)},
        "lines": rows,
        "tax_rows": _tax_rows(rows, order.shipping_total),
        "totals": totals,
        "terms": _terms(issued_on, Decimal(totals["due"]), agreed_due),
    }


def _day(order: Order) -> str:
    return order.placed_at.date().isoformat() if order.placed_at else ""


def credit_content(
    invoice: Content, *, number: str, issued_on: date, amount: Decimal, reason: str
) -> Content:
    """A credit note of ``amount`` (tax included) against ``invoice``'s content: one line per
    tax rate of the invoice, the amount shared among them as the invoice's gross was, the
    last rate taking the rounding."""
    rows = [row for row in invoice["tax_rows"] if Decimal(row["basis"]) + Decimal(row["tax"])]
    gross_total = Decimal(invoice["totals"]["total"])
    lines, left = [], amount
    for index, row in enumerate(rows):
        gross_row = Decimal(row["basis"]) + Decimal(row["tax"])
        last = index == len(rows) - 1
        gross = left if last else to_money(amount * gross_row / gross_total)
        left -= gross
        basis = to_money(gross / (1 + Decimal(row["rate"]) / HUNDRED))
        lines.append(
            {
                "sku": "",
                "name": f"{reason} ({row['rate']} % tax)",
                "quantity": 1,
                "unit_price": str(basis),
                "discount": "0.00",
                "net": str(basis),
                "tax_rate": row["rate"],
                "tax": str(gross - basis),
            }
        )
    totals = _totals(lines, ZERO, ZERO)
    return {
        "title": "Credit note",
        "number": number,
        "issued_on": issued_on.isoformat(),
        "currency": invoice["currency"],
        "seller": seller(),
        "buyer": invoice["buyer"],
        "order": invoice["order"],
        "lines": lines,
        "tax_rows": _tax_rows(lines, ZERO),
        "totals": totals,
        "terms": {"text": f"Credited against invoice {invoice['number']}.", "due_on": ""},
        "corrects": {"number": invoice["number"], "issued_on": invoice["issued_on"]},
        "reason": reason,
    }
