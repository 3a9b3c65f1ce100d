from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.vary import vary_on_headers

from customers.selectors import search_customers

from . import selectors
from .permissions import staff_view

MIN_SEARCH_LENGTH = 2
# Each group of the global search, shown only to users who may see that kind of record.
SEARCHES = {
    "orders": ("orders.view_order", selectors.search_orders),
    "customers": ("customers.view_customer", search_customers),
    "products": ("inventory.view_product", selectors.search_products),
}


def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness for load balancers and compose: the app answers and its database does too.

    Deliberately without login: it reveals nothing but "ok".
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@staff_view()
def home(request: HttpRequest) -> HttpResponse:
    """Today's work at a glance; each figure only for users allowed to open what it counts."""
    today = timezone.localdate()
    context = {"today": today}
    if request.user.has_perm("orders.view_order"):
        context["orders"] = selectors.order_figures(today)
        context["recent_orders"] = selectors.recent_orders()
    if request.user.has_perm("inventory.view_product"):
        context["low_stock"] = selectors.low_stock_count()
    return render(request, "core/home.html", context)


def search_groups(user, text: str) -> dict[str, list]:
    if len(text) < MIN_SEARCH_LENGTH:
        return {}
    return {
        group: find(text) if user.has_perm(permission) else []
        for group, (permission, find) in SEARCHES.items()
    }


@vary_on_headers("HX-Request")  # one URL, two answers: a fragment or a page
@staff_view()
def search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    context = {"query": query, "groups": search_groups(request.user, query)}
    template = "core/search_results.html"
    return render(request, f"{template}#results" if request.htmx else template, context)
