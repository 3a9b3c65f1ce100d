"""Table rows built in one pass in Python, for the tables a page shows many rows of.

Template tags and filters per cell ({% url %}, badges, escaping through Django's lazy-aware
helpers) cost most of a list's time: a row here is one ``str.format`` of values escaped with
``html.escape`` (what Django's ``escape()`` does, without its checks for lazy and safe strings),
with each detail URL reversed once a page and badges drawn once a process.
"""

from collections.abc import Iterable
from urllib.parse import quote

from django.db.models import Choices
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from .templatetags.oms import badge

PLACEHOLDER = "ROW-ARGUMENT"  # stands for a row's value in a URL reversed once a page


class RowUrl:
    """The URL of ``viewname`` for each row's value of its one ``str`` argument (an order
    number, a SKU): reversed once, the value quoted into it per row."""

    def __init__(self, viewname: str) -> None:
        self.pattern = reverse(viewname, args=[PLACEHOLDER])

    def __call__(self, value: str) -> str:
        return self.pattern.replace(PLACEHOLDER, quote(value, safe=""))


class Badges:
    """The status pills of some choices, drawn once: ``badges[value]`` is the HTML of
    ``{% badge value label %}``; a value of none of them gets the pill of its raw value."""

    def __init__(self, *choices: type[Choices]) -> None:
        self.html = {
            value: badge(value, label) for choice in choices for value, label in choice.choices
        }

    def __getitem__(self, value: str) -> str:
        return self.html.get(value) or badge(value)


def safe_rows(rows: Iterable[str]) -> list[SafeString]:
    """Rows built with every value escaped (``escape`` or HTML drawn by our own helpers)."""
    return [mark_safe(row) for row in rows]  # noqa: S308 (the caller escaped every value)
