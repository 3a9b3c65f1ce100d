from django.apps import AppConfig


class PortalConfig(AppConfig):
    """The customer's pages without a login, opened by signed links: the order-status page now,
    the start of a return later."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "portal"
    verbose_name = "Customer portal"
