from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    """Customer and staff messages: what to send on each event, their templates and delivery log."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "notifications"
    verbose_name = "Notifications"
