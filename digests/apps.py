from django.apps import AppConfig


class DigestsConfig(AppConfig):
    """Scheduled reports e-mailed to managers: subscriptions, their runs (one beat sweep) and
    the delivery log."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "digests"
    verbose_name = "Digests"
