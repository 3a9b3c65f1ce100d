"""Read queries for the customer pages and the global search.

What a customer ordered is the orders app's: it adds those panels to the customer pages.
"""

from django.db.models import F, Q, QuerySet, Value
from django.db.models.functions import Lower, Replace
from django.shortcuts import get_object_or_404

from .models import Address, Customer


def customer_text_query(text: str) -> Q:
    """Free text as staff type it: the start of an e-mail, part of a name, phone or company.

    One OR over the customers table only, each arm on an index of its own (trigram indexes on
    e-mail, name, company and phone), so PostgreSQL combines the indexes and reads no table scan.
    """
    return (
        Q(email__istartswith=text)
        | Q(name__icontains=text)
        | Q(phone__contains=text)
        | Q(company__icontains=text)
    )


def with_email(text: str) -> QuerySet[Customer]:
    """The customer whose e-mail is text in any case, on the unique Lower(email) index."""
    return Customer.objects.annotate(email_key=Lower("email")).filter(email_key=text.lower())


# More customers than this matching a text are looked up by subquery rather than by their ids.
MATCHING_IDS_CAP = 500


def matching_customer_ids(text: str, *, by_contact: bool = True) -> list[int] | QuerySet[Customer]:
    """The customers free text finds, for finding their orders: an e-mail exactly (any case)
    when text is one, else the free-text match; by name only when ``by_contact`` is False (for
    users who may not see customers' e-mails and phones: a match would tell them whose it is).

    Their ids when there are few (the planner then knows how many orders to expect); a
    subquery when there are more than MATCHING_IDS_CAP."""
    if (
        by_contact
        and "@" in text
        and (by_email := list(with_email(text).values_list("pk", flat=True)))
    ):
        return by_email
    query = customer_text_query(text) if by_contact else Q(name__icontains=text)
    matches = Customer.objects.filter(query).values_list("pk", flat=True)
    ids = list(matches[: MATCHING_IDS_CAP + 1])
    return matches if len(ids) > MATCHING_IDS_CAP else ids


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
    """The global search's customers: the one whose e-mail text is, else the first by name of
    those the free text finds."""
    if "@" in text and (exact := list(with_email(text))):
        return exact
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
