"""Admin for the shared tables, and the read-only building blocks the other apps' admins use."""

from django.contrib import admin

from .models import NumberSequence


class ReadOnlyAdminMixin:
    """Viewable, never written through the admin: ledgers, events, derived state.

    Staff with the model's view (or change) permission can browse the list and open a row;
    nobody, not even a superuser, can add, edit or delete one here. The ``delete_selected``
    action disappears with the delete permission.
    """

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyInline(ReadOnlyAdminMixin, admin.TabularInline):
    """A view-only tabular inline: rows are shown, none can be added, changed or removed."""

    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = False

    def get_readonly_fields(self, request, obj=None):
        return tuple(dict.fromkeys((*(self.fields or ()), *self.readonly_fields)))


@admin.register(NumberSequence)
class NumberSequenceAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The SQLite demo's counters for document numbers (PostgreSQL uses real sequences)."""

    list_display = ("name", "value")
    search_fields = ("name",)
    ordering = ("name",)
    fields = ("name", "value")
