"""The sales-order number people read and type: SO-000123, in one place.

Numbers come from the ``order_number`` database sequence; staff may type them loosely
("so-000123", "SO123", "123"), and every search and link parses them here.
"""

import re

from django.urls import reverse

from core.sequences import next_value

PREFIX = "SO"
WIDTH = 6
SEQUENCE = "order_number"
_TYPED = re.compile(rf"^(?:{PREFIX}-?)?0*(\d{{1,12}})$", re.IGNORECASE)
_CANONICAL = re.compile(rf"^{PREFIX}-\d{{{WIDTH},}}$")


def format_order_number(value: int) -> str:
    """123 → "SO-000123"."""
    return f"{PREFIX}-{value:0{WIDTH}d}"


def next_order_number() -> str:
    """The next number from the database sequence, never handed out twice."""
    return format_order_number(next_value(SEQUENCE))


def parse_order_number(text: str) -> str | None:
    """The order number staff meant ("so-000123", "SO123", "123" → "SO-000123"), or None."""
    match = _TYPED.match(text.strip())
    return format_order_number(int(match[1])) if match else None


def is_order_number(text: str) -> bool:
    """Whether text is an order number exactly as the system writes it (a ledger reference)."""
    return bool(_CANONICAL.match(text))


def order_url(reference: str) -> str | None:
    """The order page of a reference that is an order number (registered in ``apps.py`` with
    ``core.references``, so the stock ledger links the orders its movements were for)."""
    return reverse("orders:detail", args=[reference]) if is_order_number(reference) else None
