"""Panels that orders adds to the pages of the apps below it.

customers and inventory never import orders; their pages load these fragments by URL with
htmx (``hx-trigger="load"``): a customer's totals and orders, the order columns of the
customer list, and what open orders wait for on a product page.
"""

from collections.abc import Iterable
from html import escape

from django.db.models import Sum, Window
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.safestring import SafeString

from core.pagination import capped_count_label
from core.parsing import parse_ascii_int
from core.permissions import staff_view
from core.rows import Badges, RowUrl, safe_rows
from core.templatetags.oms import money, when
from customers.models import Customer
from inventory.selectors import product_for_detail

from .. import selectors
from ..models import Order, OrderLine, OrderStatus, PaymentStatus

CUSTOMER_ORDERS_PER_PAGE = 25
# The customer list shows 50 a page; more ids than this in one request are not a page's.
MAX_LISTED_CUSTOMERS = 100
WAITING_LINES_SHOWN = 10

# The panels' rows, each formatted in one pass (see core/rows.py).
CUSTOMER_ORDER_ROW = (
    "<tr>\n"
    '<td><a href="{url}">{number}</a></td>\n'
    '<td class="nowrap">{placed}</td>\n'
    "<td>{status}</td>\n"
    "<td>{payment}</td>\n"
    '<td class="num">{total}</td>\n'
    "</tr>\n"
)
WAITING_ROW = (
    "<tr>\n"
    '<td><a href="{url}">{number}</a></td>\n'
    '<td class="nowrap">{placed}</td>\n'
    "<td>{customer}</td>\n"
    '<td class="num">{waiting}</td>\n'
    "</tr>\n"
)
# Only what the waiting lines show: no full orders and customers built for four cells.
WAITING_COLUMNS = (
    "quantity_backordered",
    "order__number",
    "order__placed_at",
    "order__customer__name",
)
BADGES = Badges(OrderStatus, PaymentStatus)


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
    page = selectors.customer_orders_page(
        pk,
        per_page=CUSTOMER_ORDERS_PER_PAGE,
        after=request.GET.get("after", ""),
        before=request.GET.get("before", ""),
    )
    # Orders on the page prove the customer exists; only an empty page asks whether it does.
    if not page.rows and not Customer.objects.filter(pk=pk).exists():
        raise Http404("No such customer.")
    context = {
        "customer_id": pk,
        "orders": page,
        "rows": _customer_order_rows(page.rows),
        "count_label": capped_count_label(selectors.customer_orders(pk), noun="order"),
    }
    return render(request, "orders/panels/customer_orders.html", context)


def _customer_order_rows(orders: Iterable[Order]) -> list[SafeString]:
    detail_url = RowUrl("orders:detail")
    return safe_rows(
        CUSTOMER_ORDER_ROW.format(
            url=detail_url(order.number),
            number=escape(order.number),
            placed=when(order.placed_at) if order.placed_at else "not placed",
            status=BADGES[order.status],
            payment=BADGES[order.payment_status],
            total=escape(money(order.total, order.currency)),
        )
        for order in orders
    )


@staff_view("inventory.view_product", "orders.view_order")
def product_backorders(request: HttpRequest, sku: str) -> HttpResponse:
    """Units open orders wait for, and the first orders new stock will go to."""
    product = product_for_detail(sku)
    waiting = _first_waiting_lines(product.pk)
    context = {
        "product": product,
        "backordered": waiting[0].backordered_total if waiting else 0,
        "waiting": waiting,
        "waiting_rows": _waiting_rows(waiting),
    }
    return render(request, "orders/panels/product_backorders.html", context)


def _first_waiting_lines(product_id: int) -> list[OrderLine]:
    """The first lines new stock goes to, each with the units all waiting lines add up to
    (``backordered_quantity``): a window sum, computed before the LIMIT, in the same query."""
    lines = (
        selectors.backordered_lines(product_id)
        .only(*WAITING_COLUMNS)
        .annotate(backordered_total=Window(Sum("quantity_backordered")))
    )
    return list(lines[:WAITING_LINES_SHOWN])


def _waiting_rows(lines: Iterable[OrderLine]) -> list[SafeString]:
    detail_url = RowUrl("orders:detail")
    return safe_rows(
        WAITING_ROW.format(
            url=detail_url(line.order.number),
            number=escape(line.order.number),
            placed=when(line.order.placed_at),
            customer=escape(line.order.customer.name),
            waiting=line.quantity_backordered,
        )
        for line in lines
    )
