"""Free-text order search: one rule for the orders list, its export, the global search, the admin.

What staff type is tried as one kind of key after another, each an indexed lookup of its own:
an order number or channel order id (unique and partial b-tree indexes), a SKU (the Lower(sku)
index) or a channel's name, then customers by e-mail, name, company or phone (trigram and b-tree
indexes on the customers table). The first kind that matches wins. Customers are resolved to ids
before orders are looked at, so no query ever ORs across the orders and customers tables, which
would make PostgreSQL read every order.
"""

from django.db.models import Q, QuerySet

from customers.selectors import matching_customer_ids
from inventory.search import with_sku

from .models import Order, OrderLine, SalesChannel
from .numbers import parse_order_number


def exact_order_match(text: str) -> Q:
    """Orders whose number ("so-000123", "SO123", "123") or channel order id is exactly text."""
    by_external_id = Q(external_id=text)
    number = parse_order_number(text)
    return Q(number=number) | by_external_id if number else by_external_id


def matching_orders(
    queryset: QuerySet[Order], text: str, *, by_contact: bool = True
) -> QuerySet[Order]:
    """The orders of ``queryset`` that ``text`` finds; all of them when it is blank.

    ``by_contact=False`` for users who may not see customer records: finding orders by an
    e-mail or a phone would tell them whose it is; they find orders by the customer's name.
    """
    text = text.strip()
    if not text:
        return queryset
    exact = queryset.filter(exact_order_match(text))
    if exact.exists():
        return exact
    if product := list(with_sku(text).values_list("pk", flat=True)):
        return queryset.filter(
            pk__in=OrderLine.objects.filter(product_id__in=product).values("order")
        )
    channels = SalesChannel.objects.filter(name__iexact=text).values_list("pk", flat=True)
    if channels := list(channels):
        return queryset.filter(channel_id__in=channels)
    return queryset.filter(customer_id__in=matching_customer_ids(text, by_contact=by_contact))
