"""Every API error as problem+json (RFC 9457): type, title, status, detail, code, field.

Domain errors (core.exceptions.DomainError) keep their code and field: a refused state move
(the order is not in a state that allows it) is 409, bad input 422. Validation errors are 422
with the first field at fault in ``field`` and all of them in ``errors``.
"""

from collections.abc import Iterator
from http import HTTPStatus
from typing import Any

from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from core.exceptions import DomainError
from inventory.exceptions import InsufficientStock
from orders.exceptions import ConfirmationBlocked, InvalidTransition

PROBLEM_CONTENT_TYPE = "application/problem+json"
TYPE_BASE = "urn:oms:problem:"
# Domain errors about the state of things rather than the request's content.
CONFLICTS: tuple[type[DomainError], ...] = (
    InvalidTransition,
    ConfirmationBlocked,
    InsufficientStock,
)


def problem(
    status_code: int, detail: str, *, code: str, field: str = "", **extra: Any
) -> dict[str, Any]:
    return extra | {  # the members RFC 9457 and clients rely on win over any extra of that name
        "type": f"{TYPE_BASE}{code}",
        "title": HTTPStatus(status_code).phrase,
        "status": status_code,
        "detail": detail,
        "code": code,
        "field": field,
    }


def problem_response(status_code: int, detail: str, **kwargs: Any) -> Response:
    return Response(
        problem(status_code, detail, **kwargs),
        status=status_code,
        content_type=PROBLEM_CONTENT_TYPE,
    )


def flat_errors(detail: Any, path: str = "") -> Iterator[tuple[str, str, str]]:
    """(field, message, code) for each leaf of a ValidationError's detail; fields as
    ``lines[0].sku``, like the domain errors' ``field``."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            if isinstance(key, int):  # a list's item (``many=True``)
                yield from flat_errors(value, f"{path}[{key}]")
                continue
            name = "" if key == "non_field_errors" else str(key)
            yield from flat_errors(value, f"{path}.{name}" if path and name else path or name)
    elif isinstance(detail, list):
        leaves = all(isinstance(item, exceptions.ErrorDetail) for item in detail)
        for index, item in enumerate(detail):
            yield from flat_errors(item, path if leaves else f"{path}[{index}]")
    else:
        yield path, str(detail), getattr(detail, "code", "invalid")


def problem_exception_handler(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, DomainError):
        code = status.HTTP_409_CONFLICT if isinstance(exc, CONFLICTS) else 422
        return problem_response(code, exc.message, code=exc.code, field=exc.field, **exc.extra)
    response = exception_handler(exc, context)
    if response is None:
        return None  # a bug: Django's 500
    if isinstance(exc, exceptions.ValidationError):
        errors = [
            {"field": field, "detail": message, "code": code}
            for field, message, code in flat_errors(exc.detail)
        ]
        first = (
            errors[0] if errors else {"field": "", "detail": "Invalid input.", "code": "invalid"}
        )
        response.status_code = 422
        response.data = problem(
            422, first["detail"], code=first["code"], field=first["field"], errors=errors
        )
    else:
        detail = response.data.get("detail", "") if isinstance(response.data, dict) else ""
        code = getattr(detail, "code", None) or getattr(exc, "default_code", "error")
        response.data = problem(response.status_code, str(detail), code=code)
    response.content_type = PROBLEM_CONTENT_TYPE
    return response
