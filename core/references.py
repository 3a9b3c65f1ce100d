"""Links for the numbers people read (SO-000123, and RMA or PO numbers to come) wherever a page
shows one.

A lower app shows references whose owners sit above it (the stock ledger names the order a
movement was for), yet neither it nor core may import those owners. So each owner registers,
once its app is ready, a function that turns one of its numbers into the URL of its page.
"""

from collections.abc import Callable

Linker = Callable[[str], str | None]
_linkers: list[Linker] = []


def register_reference_linker(linker: Linker) -> None:
    """Add a function that returns the URL for a reference it owns, or None for any other."""
    if linker not in _linkers:
        _linkers.append(linker)


def reference_url(reference: str) -> str | None:
    """The page of whatever the reference numbers, when an app has claimed it."""
    for linker in _linkers:
        if url := linker(reference):
            return url
    return None
