from core.exceptions import DomainError


class WebhookError(DomainError):
    code = "webhook_error"


class UnsafeURL(WebhookError):
    """A URL we will not call: not http(s), or its host resolves to a non-public address."""

    code = "unsafe_url"
