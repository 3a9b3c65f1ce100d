"""How a report's values read on the page and in the PDF (the CSV keeps them raw)."""

from datetime import date
from decimal import Decimal

from core.templatetags.oms import money, when

NUMERIC_KINDS = {"int", "money", "percent", "decimal", "duration"}


def cell_text(value: object, kind: str) -> str:
    """A value as its column's kind shows it: money with cents and thousands, a percent with
    its sign, a day as 2026-03-14; nothing for None."""
    if value is None:
        return ""
    if kind == "money":
        return money(value)
    if kind == "percent":
        return f"{value:.1f} %"
    if kind == "int":
        return f"{value:,}"
    if kind == "decimal" and isinstance(value, Decimal | float):
        return f"{value:,.1f}"
    if kind == "date" and isinstance(value, date):
        return when(value)
    return str(value)


def change_text(change: Decimal | None) -> str:
    """+12.5 % / −3.0 % / "–" when there is nothing to compare with."""
    if change is None:
        return "–"
    return f"+{change} %" if change > 0 else f"−{-change} %" if change < 0 else "0.0 %"
