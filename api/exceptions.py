from core.exceptions import DomainError


class ApiError(DomainError):
    code = "api_error"


class IntegrationError(ApiError):
    """Bad input when setting up an integration or its tokens."""

    code = "invalid_integration"


class IdempotencyKeyReused(ApiError):
    """The same Idempotency-Key came with another request (method, path or body)."""

    code = "idempotency_key_reused"
