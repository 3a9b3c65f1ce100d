from django.conf import settings
from django.db import models


class ImportJob(models.Model):
    """One uploaded CSV: its dry run, then (when it is clean) the all-or-nothing import.

    The file is kept in the database (``content``), not under MEDIA: the worker that runs the
    import may be on another machine than the web process that received the upload.
    """

    class Kind(models.TextChoices):
        PRODUCTS = "products", "Products"
        CUSTOMERS = "customers", "Customers"
        STOCK = "stock", "Stock levels"
        ORDERS = "orders", "Historical orders"

    class Status(models.TextChoices):
        CHECKING = "checking", "Dry run"
        INVALID = "invalid", "Has errors"
        READY = "ready", "Ready to import"
        QUEUED = "queued", "Import queued"
        IMPORTING = "importing", "Importing"
        DONE = "done", "Imported"
        FAILED = "failed", "Failed"

    kind = models.CharField(max_length=12, choices=Kind.choices)
    file_name = models.CharField(max_length=200)
    content = models.TextField(help_text="The uploaded CSV, as text.")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.CHECKING)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    errors = models.JSONField(
        default=list, blank=True, help_text='[{"row": 7, "column": "sku", "message": …}, …]'
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["-created_at", "-id"], name="importjob_recent_idx")]
        permissions = [("run_import", "Can import CSV files")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} import #{self.pk}"

    @property
    def is_busy(self) -> bool:
        return self.status in (self.Status.CHECKING, self.Status.QUEUED, self.Status.IMPORTING)
