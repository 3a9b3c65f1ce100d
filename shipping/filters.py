"""The shipments list's filters (carrier, status, location, delayed, created between)."""

from datetime import date, datetime, time, timedelta

import django_filters as df
from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django_filters.widgets import BooleanWidget

from inventory.models import Location

from .models import Carrier, Shipment, ShipmentStatus

# On its way: past its estimated delivery it is late.
ON_THE_WAY = (ShipmentStatus.IN_TRANSIT, ShipmentStatus.OUT_FOR_DELIVERY)


def start_of_day(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())


class YesAny(BooleanWidget):
    def __init__(self, attrs=None) -> None:
        super().__init__(attrs)
        self.choices = [("", "Any"), ("true", "Yes"), ("false", "No")]


def delayed_q(today: date | None = None) -> Q:
    """Past its estimated delivery and not delivered, or held up at the carrier."""
    today = today or timezone.localdate()
    return Q(status__in=ON_THE_WAY, estimated_delivery__lt=today) | Q(
        status=ShipmentStatus.EXCEPTION
    )


class ShipmentFilter(df.FilterSet):
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
    delayed = df.BooleanFilter(method="filter_delayed", label="Delayed", widget=YesAny)
    created_after = df.DateFilter(
        method="filter_created_after",
        label="Created from",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    created_before = df.DateFilter(
        method="filter_created_before",
        label="Created to",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    class Meta:
        model = Shipment
        fields: list[str] = []

    @property
    def invalid(self) -> list[str]:
        self.form.is_valid()
        return [
            f"{self.form.fields[name].label}: {' '.join(errors)}"
            for name, errors in self.form.errors.items()
        ]

    @property
    def results(self) -> QuerySet[Shipment]:
        """The filtered shipments, or none while a filter is invalid (never all of them)."""
        return self.queryset.none() if self.invalid else self.qs

    def filter_delayed(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        return queryset.filter(delayed_q()) if value else queryset.exclude(delayed_q())

    def filter_created_after(self, queryset: QuerySet, name: str, value: date) -> QuerySet:
        return queryset.filter(created_at__gte=start_of_day(value))

    def filter_created_before(self, queryset: QuerySet, name: str, value: date) -> QuerySet:
        return queryset.filter(created_at__lt=start_of_day(value + timedelta(days=1)))
