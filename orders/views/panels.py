"""Panels that orders adds to the pages of the apps below it.

customers and inventory never import orders; their pages load these fragments by URL with
htmx (``hx-trigger="load"``): a customer's totals and orders, the order columns of the
customer list, and what open orders wait for on a product page.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from core.pagination import capped_count_label
from core.parsing import parse_ascii_int
from core.permissions import staff_view
from customers.models import Customer
from inventory.selectors import product_for_detail

from .. import selectors

CUSTOMER_ORDERS_PER_PAGE = 25
# The customer list shows 50 a page; more ids than this in one request are not a page's.
MAX_LISTED_CUSTOMERS = 100
WAITING_LINES_SHOWN = 10


def listed_customer_ids(request: HttpRequest) -> list[int]:
    """The ``customer`` ids of the query string: ASCII digits only, at most a page's worth."""
    values = request.GET.getlist("customer")[:MAX_LISTED_CUSTOMERS]
    parsed = (parse_ascii_int(value) for value in values)
    return [pk for pk in parsed if pk is not None]


@staff_view("customers.view_customer", "orders.view_order")
def customer_list_totals(request: HttpRequest) -> HttpResponse:
    """The customer list's Orders and Lifetime value cells for one page of customers, swapped
    in out of band by id: one grouped query however many customers the page lists."""
    ids = listed_customer_ids(request)
    totals = selectors.totals_by_customer(ids)
    rows = [
        {
            "pk": pk,
            "order_count": sum(total.order_count for total in totals.get(pk, [])),
            "totals": totals.get(pk, []),
        }
        for pk in ids
    ]
    return render(request, "orders/panels/customer_list_totals.html", {"rows": rows})


@staff_view("customers.view_customer", "orders.view_order")
def customer_totals(request: HttpRequest, pk: int) -> HttpResponse:
    """Lifetime value, order count and average order value per currency, for the customer page."""
    customer = get_object_or_404(Customer, pk=pk)
    totals = selectors.totals_by_customer([customer.pk]).get(customer.pk, [])
    context = {"customer": customer, "totals": totals}
    return render(request, "orders/panels/customer_totals.html", context)


@staff_view("customers.view_customer", "orders.view_order")
def customer_orders(request: HttpRequest, pk: int) -> HttpResponse:
    """The customer's orders, newest first, 25 a page by keyset (as fast on the last page as
    on the first), with a capped count; its pager keeps the customer page's URL."""
    customer = get_object_or_404(Customer, pk=pk)
    page = selectors.customer_orders_page(
        customer.pk,
        per_page=CUSTOMER_ORDERS_PER_PAGE,
        after=request.GET.get("after", ""),
        before=request.GET.get("before", ""),
    )
    context = {
        "customer": customer,
        "orders": page,
        "count_label": capped_count_label(selectors.customer_orders(customer.pk), noun="order"),
    }
    return render(request, "orders/panels/customer_orders.html", context)


@staff_view("inventory.view_product", "orders.view_order")
def product_backorders(request: HttpRequest, sku: str) -> HttpResponse:
    """Units open orders wait for, and the first orders new stock will go to."""
    product = product_for_detail(sku)
    context = {
        "product": product,
        "backordered": selectors.backordered_quantity(product.pk),
        "waiting": list(selectors.backordered_lines(product.pk)[:WAITING_LINES_SHOWN]),
    }
    return render(request, "orders/panels/product_backorders.html", context)
