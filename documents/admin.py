"""Documents in the admin, read-only: they are issued by ``documents.services`` only, and an
issued invoice or credit note is never changed (a correction is a credit note and a new
invoice, from the order page)."""

from django.contrib import admin

from core.admin import ReadOnlyAdminMixin

from .models import Document, DocumentCounter


@admin.register(Document)
class DocumentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("__str__", "kind", "order", "total", "currency", "created_at", "sent_at")
    list_filter = ("kind",)
    search_fields = ("number", "order__number")
    list_select_related = ("order",)
    date_hierarchy = "created_at"
    fields = (
        "order",
        "kind",
        "number",
        "total",
        "currency",
        "file",
        "content_type",
        "sha256",
        "corrects",
        "refund",
        "shipment",
        "key",
        "created_by",
        "created_at",
        "sent_at",
        "content",
    )
    raw_id_fields = ("order", "corrects", "refund", "shipment")


@admin.register(DocumentCounter)
class DocumentCounterAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The last number given per legal kind and year (gapless: see ``services.next_number``)."""

    list_display = ("kind", "year", "value")
    ordering = ("kind", "-year")
    fields = ("kind", "year", "value")
