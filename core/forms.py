"""Putting a service's DomainError next to the input it is about.

A ``DomainError.field`` is a path: ``email``, ``shipping_address.country``, ``lines[2].quantity``.
Its first name picks the form in ``field_map`` (or, with an index, the row of a group of rows);
the rest of the path names the field in that form. A path that names nothing on the page lands on
the main form as a non-field error, so an error is never lost, and no message is ever parsed.
"""

from collections.abc import Container, Mapping
from dataclasses import dataclass
from typing import Protocol

from core.exceptions import DomainError
from core.parsing import parse_ascii_int


class ErrorTarget(Protocol):
    """A Django form, or anything shaped like one: a row of an order's lines."""

    @property
    def fields(self) -> Container[str]: ...

    def add_error(self, field: str | None, error: str) -> None: ...


Target = ErrorTarget | Mapping[int, ErrorTarget]


@dataclass(frozen=True)
class FieldPath:
    name: str  # "lines"
    index: int | None  # 2
    rest: str  # "quantity"

    @classmethod
    def parse(cls, path: str) -> "FieldPath":
        head, _, rest = path.partition(".")
        name, bracket, index = head.partition("[")
        number = parse_ascii_int(index.removesuffix("]")) if index.endswith("]") else None
        if bracket and number is not None:
            return cls(name, number, rest)
        return cls(head, None, rest)


def add_domain_error(
    form: ErrorTarget, error: DomainError, field_map: Mapping[str, Target] | None = None
) -> None:
    """Add ``error`` to the field its ``field`` names, else to ``form``'s non-field errors.

    ``field_map`` maps a path's first name to the form holding it (``{"shipping_address":
    shipping_form, "email": customer_form}``) or to rows by index (``{"lines": {0: row, ...}}``);
    a name it lacks is looked up on ``form`` itself.
    """
    path = FieldPath.parse(error.field)
    target = (field_map or {}).get(path.name, form)
    if isinstance(target, Mapping):
        target = target.get(path.index) if path.index is not None else None
    if target is None:
        form.add_error(None, error.message)
        return
    name = path.rest or path.name
    target.add_error(name if name in target.fields else None, error.message)
