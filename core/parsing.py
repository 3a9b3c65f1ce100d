"""Strict parsers for values that come from a request: ASCII digits only (``int()`` takes
"²", "①" and "٣", and ``isdigit()`` says yes to them), bounded lengths, None when refused."""

import re
from decimal import Decimal

from core.money import to_money


def parse_ascii_int(text: str, *, max_digits: int = 12) -> int | None:
    """A non-negative whole number of at most ``max_digits`` ASCII digits, else None."""
    if not (text.isascii() and text.isdigit()) or len(text) > max_digits:
        return None
    return int(text)


def parse_signed_int(text: str, *, max_digits: int = 12) -> int | None:
    """Like ``parse_ascii_int`` with an optional leading ``+`` or ``-`` ("-2", "+5")."""
    sign, digits = (text[0], text[1:]) if text[:1] in ("+", "-") else ("", text)
    number = parse_ascii_int(digits, max_digits=max_digits)
    return None if number is None else -number if sign == "-" else number


# What a search box takes: longer text is not a search but a paste gone wrong.
SEARCH_LENGTH = 100

# Plain ASCII: up to 12 digits (a money column's size), a point and at most 2 decimals.
MONEY_TEXT = re.compile(r"[0-9]{1,12}(?:\.[0-9]{1,2})?", re.ASCII)


def parse_money(text: str) -> Decimal | None:
    """'12.5' → Decimal('12.50'); a plain non-negative amount only ("1e3", "+2", "NaN",
    "Infinity", "٣" and "1,5" are not), else None. The service checks the business bounds."""
    if not MONEY_TEXT.fullmatch(text):
        return None
    return to_money(Decimal(text))


def clean_text(text: str, *, max_length: int) -> str | None:
    """``text`` stripped, or None when it holds a NUL (which PostgreSQL refuses in text) or
    is longer than ``max_length``."""
    text = text.strip()
    if "\x00" in text or len(text) > max_length:
        return None
    return text
