from dataclasses import dataclass
from urllib.parse import urlencode

from django.core.paginator import Page
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from core.csv_export import exports, filtered_export
from core.pagination import CappedPaginator
from core.permissions import staff_view

from . import selectors
from .filters import CustomerFilter

CUSTOMERS_PER_PAGE = 50
# Sort keys of the list and the direction of a first click: newest customers first.
FIRST_SORT = {"name": "name", "since": "-since"}


@dataclass(frozen=True)
class SortLink:
    param: str
    arrow: str = ""


def sort_links(current: str) -> dict[str, SortLink]:
    """For each sortable column: the ``sort`` value its header links to, and its arrow."""
    current = current or "name"
    descending = current.startswith("-")
    links = {}
    for key, first in FIRST_SORT.items():
        if current.lstrip("-") == key:
            links[key] = SortLink(key if descending else f"-{key}", "▼" if descending else "▲")
        else:
            links[key] = SortLink(first)
    return links


def wants_fragment(request: HttpRequest) -> bool:
    """htmx swaps in a fragment, except to restore history, which needs the whole page."""
    return bool(request.htmx) and not request.htmx.history_restore_request


def paginate(request: HttpRequest, queryset, per_page: int) -> Page:
    """A page whose count stops at a cap ("1,000+ customers"): no COUNT(*) of the table."""
    return CappedPaginator(queryset, per_page).get_page(request.GET.get("page"))


# Vary: the same URL answers with a fragment or a page; the back button must get the page.
@vary_on_headers("HX-Request")
@staff_view("customers.view_customer")
def customer_list(request: HttpRequest) -> HttpResponse:
    filterset = CustomerFilter(request.GET, queryset=selectors.customers_for_list())
    # An invalid filter (a stale bookmark) lists nobody rather than silently everybody.
    page = paginate(request, filterset.results, CUSTOMERS_PER_PAGE)
    context = {
        "filterset": filterset,
        "page": page,
        "count_label": page.paginator.count_label(noun="customer"),
        "sort": sort_links(request.GET.get("sort", "")),
    }
    template = "customers/customer_list.html"
    if wants_fragment(request):
        template = f"{template}#customer-table"
    return render(request, template, context)


CUSTOMER_COLUMNS = (
    ("name", "name"),
    ("email", "email"),
    ("phone", "phone"),
    ("company", "company"),
    ("customer_since", "created_at"),
)


@staff_view("customers.view_customer")
@require_GET
@exports("customers:list")
def customer_export(request: HttpRequest) -> HttpResponse:
    """The filtered customers as CSV (what they ordered is the orders app's, not the CRM's)."""
    return filtered_export(
        request,
        CustomerFilter,
        selectors.customers_for_list(),
        name="customers",
        columns=CUSTOMER_COLUMNS,
    )


# The orders panel's pager (after/before cursors) keeps the customer page in the address bar.
ORDERS_PANEL_PARAMS = ("after", "before")


def orders_panel_query(request: HttpRequest) -> str:
    """The query string the orders panel loads with: the page of orders the URL names."""
    return urlencode({key: request.GET[key] for key in ORDERS_PANEL_PARAMS if request.GET.get(key)})


@staff_view("customers.view_customer")
def customer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    customer = selectors.customer_for_detail(pk)
    context = {"customer": customer, "orders_query": orders_panel_query(request)}
    return render(request, "customers/customer_detail.html", context)
