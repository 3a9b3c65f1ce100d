"""Strict parsers for values that come from a request: ASCII digits only (``int()`` takes
"²", "①" and "٣", and ``isdigit()`` says yes to them), bounded lengths, None when refused."""


def parse_ascii_int(text: str, *, max_digits: int = 12) -> int | None:
    """A non-negative whole number of at most ``max_digits`` ASCII digits, else None."""
    if not (text.isascii() and text.isdigit()) or len(text) > max_digits:
        return None
    return int(text)
