from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    """Invoices, credit notes, slips and labels: numbered, immutable, rendered with WeasyPrint."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "documents"
    verbose_name = "Documents"
