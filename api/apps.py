from django.apps import AppConfig


class ApiConfig(AppConfig):
    """The integration API (REST, v1): channels, ERPs and apps call the same services as the
    dashboard, with scoped tokens, idempotent POSTs and problem+json errors."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "api"
    verbose_name = "Integration API"

    def ready(self) -> None:
        from . import schema  # noqa: F401  (registers the token scheme with drf-spectacular)
