"""The one domain error every app's errors derive from.

Views turn a DomainError into a form error on its ``field`` (or an inline message when it has
none); the API into 400/409 with its ``code``, ``field`` and ``extra``. Arguments go to
``super().__init__`` so the errors survive pickling across Celery.
"""

from typing import Any


class DomainError(Exception):
    code = "domain_error"

    def __init__(
        self,
        message: str,
        code: str | None = None,
        field: str = "",
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message, code, field, extra)
        self.message = message
        if code:
            self.code = code
        self.field = field
        self.extra = extra or {}

    def __str__(self) -> str:
        return self.message
