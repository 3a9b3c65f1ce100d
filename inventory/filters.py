from django import forms
from django.db.models import Exists, OuterRef, Q, QuerySet
from django_filters import (
    BooleanFilter,
    CharFilter,
    ChoiceFilter,
    ModelChoiceFilter,
    OrderingFilter,
)

from core.filters import CheckedFilterSet

from . import selectors
from .models import Location, Product, StockLevel, StockMovement


class TieBrokenOrderingFilter(OrderingFilter):
    """Sorting by a column with equal values still gives stable pages: SKU breaks ties."""

    def filter(self, qs: QuerySet, value) -> QuerySet:
        sorted_qs = super().filter(qs, value)
        if sorted_qs is qs:
            return qs
        return sorted_qs.order_by(*sorted_qs.query.order_by, "sku")


class ProductFilter(CheckedFilterSet):
    """The product list's filters; the queryset must come from ``products_with_stock``."""

    lenient = ("sort",)

    q = CharFilter(method="filter_text", label="SKU, barcode or name")
    location = ModelChoiceFilter(
        queryset=Location.objects.all(),
        to_field_name="code",
        method="filter_location",
        label="Stocked at",
        empty_label="Any location",
    )
    stock = ChoiceFilter(
        choices=[(selectors.LOW, "Low stock"), (selectors.OUT, "Out of stock")],
        method="filter_stock",
        label="Stock",
        empty_label="Any stock",
    )
    active = BooleanFilter(
        field_name="is_active",
        label="Status",
        widget=forms.Select(
            choices=[("", "Any status"), ("true", "Active"), ("false", "Inactive")]
        ),
    )
    sort = TieBrokenOrderingFilter(
        fields=(("sku", "sku"), ("name", "name"), ("available_total", "available")),
        label="Sort by",
    )

    class Meta:
        model = Product
        fields: list[str] = []

    def filter_text(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        text = value.strip()
        if not text:
            return queryset
        return queryset.filter(Q(sku__istartswith=text) | Q(barcode=text) | Q(name__icontains=text))

    def filter_location(self, queryset: QuerySet, name: str, value: Location) -> QuerySet:
        """Products with a stock row at the location, without narrowing the stock totals."""
        stocked = StockLevel.objects.filter(product=OuterRef("pk"), location=value)
        return queryset.filter(Exists(stocked))

    def filter_stock(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        narrow = selectors.low_stock if value == selectors.LOW else selectors.out_of_stock
        return narrow(queryset)


class LedgerFilter(CheckedFilterSet):
    location = ModelChoiceFilter(
        queryset=Location.objects.all(),
        to_field_name="code",
        label="Location",
        empty_label="All locations",
    )

    class Meta:
        model = StockMovement
        fields: list[str] = []
