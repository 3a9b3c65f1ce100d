"""Read queries for the customer pages and the global search.

What a customer ordered is the orders app's: it adds those panels to the customer pages.
"""

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from .models import Address, Customer


def customer_text_query(text: str) -> Q:
    """Free text as staff type it: the start of an e-mail, part of a name, phone or company."""
    return (
        Q(email__istartswith=text)
        | Q(name__icontains=text)
        | Q(phone__contains=text)
        | Q(company__icontains=text)
    )


def customers_for_list() -> QuerySet[Customer]:
    return Customer.objects.all()


def default_address_countries() -> list[str]:
    return list(
        Address.objects.filter(is_default=True)
        .order_by("country")
        .values_list("country", flat=True)
        .distinct()
    )


def customer_for_detail(pk: int) -> Customer:
    return get_object_or_404(Customer.objects.prefetch_related("addresses"), pk=pk)


def search_customers(text: str, limit: int = 5) -> list[Customer]:
    return list(Customer.objects.filter(customer_text_query(text)).order_by("name", "pk")[:limit])
