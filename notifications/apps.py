from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    """Customer and staff messages: what to send on each event, their templates and delivery log."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        # Late import: the registry's check of who may see a panel reads the URL configuration.
        from orders.panels import OrderPanel, register

        from . import receivers  # noqa: F401  (connects the reactions to other domains' events)

        register(
            OrderPanel(
                key="communications",
                title="Communications",
                url_name="notifications:order_panel",
                order=40,
            )
        )
