"""The order list's filters, shared by the dashboard list, its CSV export and the API."""

import django_filters as df
from django import forms
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from core.filters import AnyYesNo, CheckedFilterSet, DayFilter
from inventory.models import Location

from .models import (
    Allocation,
    FulfilmentStatus,
    HoldReason,
    Order,
    OrderLine,
    OrderStatus,
    PaymentStatus,
    SalesChannel,
)
from .search import matching_orders

DEFAULT_SORT = "-placed_at"
SORT_FIELDS = ("placed_at", "total", "number")
LATE_STATUSES = (OrderStatus.PLACED, OrderStatus.CONFIRMED, OrderStatus.PROCESSING)


class OrderFilter(CheckedFilterSet):
    q = df.CharFilter(
        method="filter_search",
        label="Search",
        widget=forms.SearchInput(
            attrs={"placeholder": "Order no., SKU, e-mail, name, phone, company, channel"}
        ),
    )
    status = df.MultipleChoiceFilter(
        choices=OrderStatus.choices,
        widget=forms.SelectMultiple(attrs={"size": 4}),
        distinct=False,  # no join to duplicate rows; DISTINCT would sort the whole table
    )
    payment_status = df.ChoiceFilter(
        choices=PaymentStatus.choices, label="Payment", empty_label="Any"
    )
    fulfilment_status = df.ChoiceFilter(
        choices=FulfilmentStatus.choices, label="Fulfilment", empty_label="Any"
    )
    channel = df.ModelChoiceFilter(
        queryset=SalesChannel.objects.all(), to_field_name="code", empty_label="Any"
    )
    location = df.ModelChoiceFilter(
        queryset=Location.objects.all(),
        to_field_name="code",
        method="filter_location",
        label="Allocated at",
        empty_label="Any",
    )
    placed_after = DayFilter(field_name="placed_at", label="Placed from")
    placed_before = DayFilter(field_name="placed_at", label="Placed to", until=True)
    total_min = df.NumberFilter(field_name="total", lookup_expr="gte", label="Total from")
    total_max = df.NumberFilter(field_name="total", lookup_expr="lte", label="Total to")
    has_backorders = df.BooleanFilter(
        method="filter_has_backorders", label="Backordered", widget=AnyYesNo
    )
    late = df.BooleanFilter(method="filter_late", label="Late to ship", widget=AnyYesNo)
    on_hold = df.BooleanFilter(method="filter_on_hold", label="On hold", widget=AnyYesNo)
    hold_reason = df.ChoiceFilter(choices=HoldReason.choices, empty_label="Any")
    o = df.OrderingFilter(
        fields=[(field, field) for field in SORT_FIELDS],
        field_labels={"placed_at": "Placed", "total": "Total", "number": "Number"},
        label="Sort",
    )

    # An invalid sort is not an invalid filter: it falls back to the default (``sort``).
    lenient = ("o",)

    class Meta:
        model = Order
        fields: list[str] = []

    @property
    def sort(self) -> str:
        """The validated sort ("-placed_at", "total"…) that pagination and export order by."""
        self.form.is_valid()  # cleaned_data keeps every field that did validate
        chosen = getattr(self.form, "cleaned_data", {}).get("o")
        return chosen[0] if chosen else DEFAULT_SORT

    def filter_search(self, queryset: QuerySet[Order], name: str, value: str) -> QuerySet[Order]:
        return matching_orders(queryset, value)

    def filter_location(self, queryset, name, location: Location) -> QuerySet[Order]:
        allocated = Allocation.objects.filter(line__order=OuterRef("pk"), location=location)
        return queryset.filter(Exists(allocated))

    def filter_has_backorders(self, queryset, name, value: bool) -> QuerySet[Order]:
        # Lines, not fulfilment_status: a partially shipped order may still wait for units.
        backordered = OrderLine.objects.filter(order=OuterRef("pk"), quantity_backordered__gt=0)
        return queryset.filter(Exists(backordered) if value else ~Exists(backordered))

    def filter_late(self, queryset, name, value: bool) -> QuerySet[Order]:
        late = Q(promised_ship_date__lt=timezone.localdate(), status__in=LATE_STATUSES)
        return queryset.filter(late) if value else queryset.exclude(late)

    def filter_on_hold(self, queryset, name, value: bool) -> QuerySet[Order]:
        held = Q(status=OrderStatus.ON_HOLD)
        return queryset.filter(held) if value else queryset.exclude(held)
