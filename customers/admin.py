from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet

from .models import Address, Customer
from .selectors import customer_text_query, matching_customer_ids

TIMESTAMPS = ("created_at", "updated_at")


class AddressFormSet(BaseInlineFormSet):
    """One default address per kind, checked across the submitted rows.

    Each row's own constraint check only sees the database, so two rows ticked as default in
    one submission would otherwise reach the database's unique index as an IntegrityError.
    """

    def clean(self) -> None:
        super().clean()
        defaults: dict[str, int] = {}
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE") or not data.get("is_default"):
                continue
            kind = data.get("kind")
            defaults[kind] = defaults.get(kind, 0) + 1
        doubled = sorted(kind for kind, count in defaults.items() if count > 1)
        if doubled:
            raise ValidationError(
                f"Only one default address per kind: {', '.join(doubled)} has more than one."
            )


class AddressInline(admin.TabularInline):
    model = Address
    formset = AddressFormSet
    extra = 0
    fields = (
        "kind",
        "is_default",
        "name",
        "line1",
        "line2",
        "city",
        "region",
        "postal_code",
        "country",
        "phone",
    )


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ("name", "email", "phone", "company", "created_at")
    search_fields = ("email", "name", "phone", "company")
    search_help_text = "The start of an e-mail, or part of a name, phone or company"
    ordering = ("name", "pk")
    list_filter = ("created_at",)  # not date_hierarchy: a DISTINCT over every customer
    readonly_fields = TIMESTAMPS
    fieldsets = (
        (None, {"fields": ("name", "email", "phone", "company")}),
        ("Notes", {"fields": ("notes",)}),
        ("Record", {"fields": TIMESTAMPS, "classes": ("collapse",)}),
    )
    inlines = (AddressInline,)

    def get_search_results(self, request, queryset, search_term):
        """The dashboard's customer search: one OR over indexed columns of this table."""
        text = search_term.strip()
        return (queryset.filter(customer_text_query(text)) if text else queryset), False


@admin.register(Address)
class AddressAdmin(admin.ModelAdmin):
    list_display = ("__str__", "customer", "kind", "name", "city", "country", "is_default")
    list_filter = ("kind", "is_default", "country")
    list_select_related = ("customer",)
    search_fields = ("customer__email", "customer__name")
    search_help_text = "The customer's e-mail or name"
    ordering = ("customer__name", "-is_default", "pk")
    autocomplete_fields = ("customer",)
    readonly_fields = TIMESTAMPS

    fieldsets = (
        (None, {"fields": ("customer", "kind", "is_default")}),
        (
            "Address",
            {
                "fields": (
                    "name",
                    "line1",
                    "line2",
                    "city",
                    "region",
                    "postal_code",
                    "country",
                    "phone",
                )
            },
        ),
        ("Record", {"fields": TIMESTAMPS, "classes": ("collapse",)}),
    )

    def get_search_results(self, request, queryset, search_term):
        """Addresses of the customers the dashboard's search finds, resolved to ids first."""
        if not (text := search_term.strip()):
            return queryset, False
        return queryset.filter(customer__in=matching_customer_ids(text)), False
