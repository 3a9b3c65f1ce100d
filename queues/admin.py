from django.contrib import admin

from .models import Assignment, AssignmentEvent


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = ("queue", "content_type", "object_id", "owner", "assigned_at", "assigned_by")
    list_filter = ("queue",)
    raw_id_fields = ("owner", "assigned_by")
    show_full_result_count = False


@admin.register(AssignmentEvent)
class AssignmentEventAdmin(admin.ModelAdmin):
    """The log of owners: read-only."""

    list_display = ("created_at", "queue", "object_id", "previous_owner", "owner", "actor")
    list_filter = ("queue",)
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
