import django_filters
from django import forms
from django.db.models import Exists, OuterRef, QuerySet

from core.filters import CheckedFilterSet

from .models import Address, Customer
from .selectors import customer_text_query, default_address_countries


class StableOrderingFilter(django_filters.OrderingFilter):
    """Sorting that ends on name and pk, so equal values never reshuffle between pages."""

    def filter(self, qs: QuerySet, value) -> QuerySet:
        if not value:
            return qs
        return qs.order_by(*(self.get_ordering_value(param) for param in value), "name", "pk")


class CustomerFilter(CheckedFilterSet):
    """The customer list's search, country and sort; what customers ordered is not the CRM's
    to filter on (the orders app fills in those columns)."""

    q = django_filters.CharFilter(
        method="filter_text",
        label="Search",
        widget=forms.SearchInput(
            attrs={"placeholder": "E-mail, name, phone, company", "autocomplete": "off"}
        ),
    )
    country = django_filters.ChoiceFilter(
        method="filter_country",
        label="Country",
        empty_label="Any country",
    )
    sort = StableOrderingFilter(
        fields=(("name", "name"), ("created_at", "since")),
        label="Sort",
    )

    class Meta:
        model = Customer
        fields = ()

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Read once here: callable choices would be queried again each time they are iterated.
        countries = default_address_countries()
        self.filters["country"].extra["choices"] = [(code, code) for code in countries]

    def filter_text(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(customer_text_query(value.strip()))

    def filter_country(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        default_address_there = Address.objects.filter(
            customer=OuterRef("pk"), is_default=True, country=value
        )
        return queryset.filter(Exists(default_address_there))
