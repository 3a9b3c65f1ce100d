"""The shipments list's filters (carrier, status, location, delayed, created between)."""

from datetime import date

import django_filters as df
from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone

from core.filters import AnyYesNo, CheckedFilterSet, DayFilter
from inventory.models import Location

from .models import Carrier, Shipment, ShipmentStatus

# On its way: past its estimated delivery it is late.
ON_THE_WAY = (ShipmentStatus.IN_TRANSIT, ShipmentStatus.OUT_FOR_DELIVERY)


def delayed_q(today: date | None = None) -> Q:
    """Past its estimated delivery and not delivered, or held up at the carrier."""
    today = today or timezone.localdate()
    return Q(status__in=ON_THE_WAY, estimated_delivery__lt=today) | Q(
        status=ShipmentStatus.EXCEPTION
    )


class ShipmentFilter(CheckedFilterSet):
    carrier = df.ModelChoiceFilter(
        queryset=Carrier.objects.order_by("name"), to_field_name="code", empty_label="Any"
    )
    status = df.MultipleChoiceFilter(
        choices=ShipmentStatus.choices,
        widget=forms.SelectMultiple(attrs={"size": 4}),
        distinct=False,
    )
    location = df.ModelChoiceFilter(
        queryset=Location.objects.order_by("code"), to_field_name="code", empty_label="Any"
    )
    delayed = df.BooleanFilter(method="filter_delayed", label="Delayed", widget=AnyYesNo)
    created_after = DayFilter(field_name="created_at", label="Created from")
    created_before = DayFilter(field_name="created_at", label="Created to", until=True)

    class Meta:
        model = Shipment
        fields: list[str] = []

    def filter_delayed(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        return queryset.filter(delayed_q()) if value else queryset.exclude(delayed_q())
