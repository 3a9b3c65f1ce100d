from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    """Invoices, credit notes, slips and labels: numbered, immutable, rendered with WeasyPrint."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "documents"
    verbose_name = "Documents"

    def ready(self) -> None:
        # Late imports: receivers load models; the panel registry reads the URL configuration.
        from orders.panels import OrderPanel, register

        from . import receivers  # noqa: F401  (connects the reactions to order events)

        register(
            OrderPanel(
                key="documents", title="Documents", url_name="documents:order_panel", order=30
            )
        )
