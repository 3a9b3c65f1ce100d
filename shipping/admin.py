"""Carriers and their rate tables, all editable: services under their carrier, rules and rates
under their zone. The built-in carrier's labels and scans are its own records, read-only, and
so are shipments (the services write them) with their lines and tracking events."""

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet

from core.admin import ReadOnlyAdminMixin, ReadOnlyInline

from .models import (
    AtRisk,
    Box,
    Carrier,
    CarrierLabel,
    CarrierScan,
    LabelBatch,
    Manifest,
    PickList,
    PickListLine,
    Rate,
    Shipment,
    ShipmentLine,
    ShippingService,
    ShippingZone,
    TrackingEvent,
    ZoneRule,
)


class ShippingServiceInline(admin.TabularInline):
    model = ShippingService
    fields = ("code", "name", "level", "transit_days", "is_active")
    extra = 0


@admin.register(Carrier)
class CarrierAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "adapter", "currency", "is_active")
    list_filter = ("adapter", "is_active")
    search_fields = ("name", "code")
    inlines = [ShippingServiceInline]


@admin.register(ShippingService)
class ShippingServiceAdmin(admin.ModelAdmin):
    list_display = ("name", "carrier", "code", "level", "transit_days", "is_active")
    list_filter = ("carrier", "level", "is_active")
    search_fields = ("name", "code", "carrier__name")
    list_select_related = ("carrier",)


class ZoneRuleFormSet(BaseInlineFormSet):
    """Two rows of one submission for the same country and prefix: refused before the
    database's constraint would be (the model's own check sees only saved rules)."""

    def clean(self) -> None:
        super().clean()
        seen = set()
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE"):
                continue
            # the model's clean() has normalised the instance (upper case, no spaces)
            key = (form.instance.country, form.instance.postal_prefix)
            if key in seen:
                form.add_error("postal_prefix", f"{' '.join(key).strip()} is listed twice.")
                raise ValidationError("A country and prefix can be in one zone only.")
            seen.add(key)


class ZoneRuleInline(admin.TabularInline):
    model = ZoneRule
    formset = ZoneRuleFormSet
    fields = ("country", "postal_prefix")
    extra = 1


class RateInline(admin.TabularInline):
    model = Rate
    fields = ("service", "max_weight_grams", "base", "per_kg")
    extra = 1

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        """Only the zone's carrier's services (all services while the zone is new)."""
        if db_field.name == "service":
            zone_id = request.resolver_match.kwargs.get("object_id")
            services = ShippingService.objects.select_related("carrier")
            if zone_id:
                services = services.filter(carrier__zones__pk=zone_id)
            kwargs["queryset"] = services
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(ShippingZone)
class ShippingZoneAdmin(admin.ModelAdmin):
    list_display = ("name", "carrier")
    list_filter = ("carrier",)
    search_fields = ("name", "carrier__name", "rules__country")
    list_select_related = ("carrier",)
    inlines = [ZoneRuleInline, RateInline]


@admin.register(Rate)
class RateAdmin(admin.ModelAdmin):
    list_display = ("service", "zone", "max_weight_grams", "base", "per_kg")
    list_filter = ("zone__carrier", "service")
    list_select_related = ("service__carrier", "zone__carrier")


@admin.register(Box)
class BoxAdmin(admin.ModelAdmin):
    """The box catalogue packers choose from; retire a box with "active" rather than deleting
    it (shipments keep the box they went in)."""

    list_display = (
        "code",
        "name",
        "length_mm",
        "width_mm",
        "height_mm",
        "tare_grams",
        "max_weight_grams",
        "is_active",
    )
    list_filter = ("is_active",)
    list_editable = ("is_active",)
    search_fields = ("code", "name")


class CarrierScanInline(ReadOnlyInline):
    model = CarrierScan
    fields = ("occurred_at", "status", "message", "location", "event_id")


@admin.register(CarrierLabel)
class CarrierLabelAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("tracking_number", "carrier", "service", "reference", "cost", "created_at")
    list_filter = ("carrier", "voided_at")
    search_fields = ("tracking_number", "reference")
    list_select_related = ("carrier", "service__carrier")
    inlines = [CarrierScanInline]


class ShipmentLineInline(ReadOnlyInline):
    model = ShipmentLine
    fields = ("line", "quantity")


class TrackingEventInline(ReadOnlyInline):
    model = TrackingEvent
    fields = ("occurred_at", "status", "description", "location", "source", "source_event_id")


@admin.register(Shipment)
class ShipmentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "__str__",
        "order",
        "location",
        "carrier",
        "service",
        "status",
        "cost",
        "currency",
        "created_at",
    )
    list_filter = ("status", "carrier", "location")
    search_fields = ("tracking_number", "order__number", "carrier_reference")
    list_select_related = ("order", "location", "carrier", "service__carrier")
    # the label itself (bytes) is left out: it is printed from the fulfilment screens
    exclude = ("label_pdf", "label_zpl")
    inlines = [ShipmentLineInline, TrackingEventInline]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("label_pdf", "label_zpl")


class PickListLineInline(ReadOnlyInline):
    model = PickListLine
    fields = ("bin", "product", "line", "quantity", "picked", "short")
    ordering = ("bin", "product__sku", "pk")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("product", "line")


@admin.register(PickList)
class PickListAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Pick lists as the fulfilment screens left them: picks, short picks and closing a list go
    through ``shipping.services`` (they move allocations and orders), never through here."""

    list_display = ("__str__", "location", "status", "created_by", "created_at", "completed_at")
    list_filter = ("status", "location")
    list_select_related = ("location", "created_by")
    date_hierarchy = "created_at"
    fields = ("location", "status", "created_by", "created_at", "completed_at")
    inlines = [PickListLineInline]


@admin.register(LabelBatch)
class LabelBatchAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Label batches as their task left them; their progress is on their page."""

    list_display = ("__str__", "total", "created_by", "created_at", "finished_at")
    list_select_related = ("created_by",)
    date_hierarchy = "created_at"


@admin.register(Manifest)
class ManifestAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Closed manifests (the PDF is downloaded from the manifests screen)."""

    list_display = ("__str__", "carrier", "location", "created_by", "created_at")
    list_filter = ("carrier", "location")
    list_select_related = ("carrier", "location", "created_by")
    date_hierarchy = "created_at"
    exclude = ("pdf",)

    def get_queryset(self, request):
        return super().get_queryset(request).defer("pdf")


@admin.register(AtRisk)
class AtRiskAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The at-risk queue's history: items are opened by the sweep and taken, given and
    resolved on the queue screen (each leaves a note on the order's timeline)."""

    list_display = ("order", "kind", "reason", "deadline", "owner", "opened_at", "resolved_at")
    list_filter = ("kind", ("resolved_at", admin.EmptyFieldListFilter))
    list_select_related = ("order", "owner")
    search_fields = ("order__number", "reason", "resolution")
    raw_id_fields = ("order", "shipment", "owner")
