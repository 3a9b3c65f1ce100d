from django.apps import AppConfig


class ApiConfig(AppConfig):
    """The integration API (REST, v1): channels, ERPs and apps call the same services as the
    dashboard, with scoped tokens, idempotent POSTs and problem+json errors."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "api"
    verbose_name = "Integration API"
