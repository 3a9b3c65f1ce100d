"""Read queries for the customer pages and the global search.

What a customer ordered is the orders app's: it adds those panels to the customer pages.
"""

from django.db.models import F, Q, QuerySet, Value
from django.db.models.functions import Replace
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


# --- order entry ------------------------------------------------------------------------------

PHONE_PUNCTUATION = " -()+./"


def _digits_only(column: str) -> Replace:
    """The column with the punctuation people type in phone numbers taken out."""
    expression = F(column)
    for char in PHONE_PUNCTUATION:
        expression = Replace(expression, Value(char), Value(""))
    return expression


def find_customers_for_entry(text: str, limit: int = 10) -> list[Customer]:
    """Whom staff take an order for: by part of the e-mail, name or phone.

    A phone matches however its digits are spaced or punctuated, on either side: "(555) 01-99"
    finds "555 0199".
    """
    match = Q(email__icontains=text) | Q(name__icontains=text) | Q(phone__icontains=text)
    customers = Customer.objects.all()
    digits = "".join(char for char in text if char.isascii() and char.isdigit())
    if len(digits) >= 3:
        customers = customers.annotate(phone_digits=_digits_only("phone"))
        match |= Q(phone_digits__contains=digits)
    return list(customers.filter(match).order_by("name", "pk")[:limit])
