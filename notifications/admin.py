from django.contrib import admin

from .models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """The delivery log, read-only: resending is the dashboard's (a new attempt, logged)."""

    list_display = ("created_at", "kind", "channel", "recipient", "status", "attempts", "order")
    list_filter = ("status", "kind", "channel")
    search_fields = ("recipient", "order__number", "subject", "provider_message_id")
    list_select_related = ("order",)
    raw_id_fields = ("order", "customer", "shipment", "resend_of", "created_by")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]
