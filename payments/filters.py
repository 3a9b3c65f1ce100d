"""The Finance list's filters. The flags call the ``Payment.objects`` methods the selectors and
tasks use, so "awaiting capture" or "expiring" means the same everywhere."""

import django_filters as df
from django import forms
from django.db.models import Q, QuerySet

from core.filters import AnyYesNo, CheckedFilterSet
from orders.models import Order
from orders.search import exact_order_match

from .models import Gateway, Method, Payment, PaymentStatus

# (query parameter, label) for the tabs above the list; "" is every payment.
QUICK_FILTERS = (
    ("", "All"),
    ("awaiting_capture", "Awaiting capture"),
    ("expiring", "Expiring within 24 h"),
    ("failed", "Failed"),
    ("disputed", "Disputes"),
)


class FlagFilter(df.BooleanFilter):
    """A yes-only flag: ``?failed=true`` narrows the list to one queryset method."""

    def __init__(self, *args, queryset_method: str, **kwargs) -> None:
        kwargs.setdefault("widget", AnyYesNo)
        super().__init__(*args, **kwargs)
        self.queryset_method = queryset_method

    def filter(self, qs: QuerySet, value):
        if value is True:
            return getattr(qs, self.queryset_method)()
        return qs


class PaymentFilter(CheckedFilterSet):
    q = df.CharFilter(
        method="filter_search",
        label="Search",
        widget=forms.SearchInput(attrs={"placeholder": "Order no., reference, e-mail"}),
    )
    status = df.ChoiceFilter(choices=PaymentStatus.choices, empty_label="Any")
    gateway = df.ChoiceFilter(choices=Gateway.choices, empty_label="Any")
    method = df.ChoiceFilter(choices=Method.choices, empty_label="Any")
    failed = FlagFilter(queryset_method="failed", label="Failed")
    awaiting_capture = FlagFilter(queryset_method="awaiting_capture", label="Awaiting capture")
    expiring = FlagFilter(queryset_method="expiring", label="Expiring within 24 h")
    disputed = FlagFilter(queryset_method="disputed", label="Disputed")

    class Meta:
        model = Payment
        fields = ["q", "status", "gateway", "method"]

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        text = value.strip()
        if not text:
            return queryset
        by_order = Q(order__in=Order.objects.filter(exact_order_match(text)))
        return queryset.filter(by_order | Q(gateway_reference=text) | Q(order__email__iexact=text))
