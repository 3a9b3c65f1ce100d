import django_filters
from django import forms
from django.db.models import Exists, OuterRef, QuerySet

from .models import Address, Customer
from .selectors import customer_text_query, default_address_countries


class StableOrderingFilter(django_filters.OrderingFilter):
    """Sorting that ends on name and pk, so equal values never reshuffle between pages."""

    def filter(self, qs: QuerySet, value) -> QuerySet:
        if not value:
            return qs
        return qs.order_by(*(self.get_ordering_value(param) for param in value), "name", "pk")


class CustomerFilter(django_filters.FilterSet):
    """Expects the queryset of ``selectors.customers_with_totals`` (it filters and sorts on
    its annotations)."""

    q = django_filters.CharFilter(
        method="filter_text",
        label="Search",
        widget=forms.SearchInput(
            attrs={"placeholder": "E-mail, name, phone, company", "autocomplete": "off"}
        ),
    )
    has_orders = django_filters.BooleanFilter(
        method="filter_has_orders",
        label="Has orders",
        widget=forms.Select(choices=(("", "Any"), ("true", "Yes"), ("false", "No"))),
    )
    country = django_filters.ChoiceFilter(
        method="filter_country",
        label="Country",
        empty_label="Any country",
    )
    sort = StableOrderingFilter(
        fields=(("name", "name"), ("lifetime_value", "value"), ("order_count", "orders")),
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

    def filter_has_orders(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        return queryset.filter(order_count__gt=0) if value else queryset.filter(order_count=0)

    def filter_country(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        default_address_there = Address.objects.filter(
            customer=OuterRef("pk"), is_default=True, country=value
        )
        return queryset.filter(Exists(default_address_there))
