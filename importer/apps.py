from django.apps import AppConfig


class ImporterConfig(AppConfig):
    """CSV import of products, customers, stock levels and historical orders: a dry run that
    names every bad row, then all-or-nothing."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "importer"
    verbose_name = "Imports"
