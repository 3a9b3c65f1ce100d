from django.apps import AppConfig


class BackofficeConfig(AppConfig):
    """What spans domains on screen: the home page, the global search, the sidebar, error pages."""

    name = "backoffice"
