from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views import defaults
from django.views.decorators.vary import vary_on_headers

from core.permissions import staff_view
from customers.selectors import search_customers

from . import selectors

MIN_SEARCH_LENGTH = 2
# Each group of the global search, shown only to users who may see that kind of record.
SEARCHES = {
    "orders": ("orders.view_order", selectors.search_orders),
    "customers": ("customers.view_customer", search_customers),
    "products": ("inventory.view_product", selectors.search_products),
}


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
    return render(request, "backoffice/home.html", context)


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
    template = "backoffice/search_results.html"
    return render(request, f"{template}#results" if request.htmx else template, context)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    """The 403 page, in the dashboard's layout (``handler403``)."""
    return defaults.permission_denied(request, exception, template_name="backoffice/403.html")


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """The 404 page, in the dashboard's layout (``handler404``)."""
    return defaults.page_not_found(request, exception, template_name="backoffice/404.html")
