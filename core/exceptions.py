"""The one domain error every app's errors derive from.

Views turn a DomainError into a form error or an inline message; the API into 400/409 with its
``code``. Arguments go to ``super().__init__`` so the errors survive pickling across Celery.
"""


class DomainError(Exception):
    code = "domain_error"

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message, code)
        self.message = message
        if code:
            self.code = code

    def __str__(self) -> str:
        return self.message
