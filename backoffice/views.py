from functools import partial

from axes.helpers import get_cool_off
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views import defaults
from django.views.decorators.vary import vary_on_headers

from core.parsing import SEARCH_LENGTH, clean_text
from core.permissions import staff_view
from core.roles import VIEW_CUSTOMERS
from customers.selectors import search_customers
from inventory.search import search_products
from queues import selectors as queues

from . import dashboard, selectors

MIN_SEARCH_LENGTH = 2
# Money on the home page (revenue, order totals) is for the roles that handle payments.
SEES_MONEY = "payments.view_payment"
# Each group of the global search, shown only to users who may see that kind of record.
SEARCHES = {
    "orders": ("orders.view_order", selectors.search_orders),
    "customers": (VIEW_CUSTOMERS, search_customers),
    "products": ("inventory.view_product", search_products),
}


@staff_view()
def home(request: HttpRequest) -> HttpResponse:
    """Today's work at a glance; each figure only for users allowed to open what it counts,
    and money only for those who handle it: Warehouse sees its queues, not the revenue.
    The queues of the user's role come with a capped count each ("99+")."""
    today = timezone.localdate()
    sees_money = request.user.has_perm(SEES_MONEY)
    context = {
        "today": today,
        "sees_money": sees_money,
        "queues": queues.counts(queues.home_queues(request.user)),
    }
    if request.user.has_perm("orders.view_order"):
        context["orders"] = selectors.order_figures(today, with_revenue=sees_money)
        context["recent_orders"] = selectors.recent_orders()
        context["sales"] = dashboard.sales_panel(today, with_revenue=sees_money)
    if request.user.has_perm("inventory.view_product"):
        context["low_stock"] = selectors.low_stock_count()
    return render(request, "backoffice/home.html", context)


def search_groups(user, text: str) -> dict[str, list]:
    if len(text) < MIN_SEARCH_LENGTH:
        return {}
    finders = SEARCHES | {
        "orders": (
            SEARCHES["orders"][0],
            partial(selectors.search_orders, by_email=user.has_perm(VIEW_CUSTOMERS)),
        )
    }
    return {
        group: find(text) if user.has_perm(permission) else []
        for group, (permission, find) in finders.items()
    }


@vary_on_headers("HX-Request")  # one URL, two answers: a fragment or a page
@staff_view()
def search(request: HttpRequest) -> HttpResponse:
    # Text no search could match (a NUL, a paste of a page) searches for nothing.
    query = clean_text(request.GET.get("q", ""), max_length=SEARCH_LENGTH) or ""
    context = {"query": query, "groups": search_groups(request.user, query)}
    template = "backoffice/search_results.html"
    return render(request, f"{template}#results" if request.htmx else template, context)


def locked_out(request: HttpRequest, response: HttpResponse | None, credentials: dict | None):
    """django-axes' answer to a locked-out sign-in (``AXES_LOCKOUT_CALLABLE``): the login page
    again, with why and until when, as 429 Too Many Requests."""
    minutes = max(1, round(get_cool_off(request).total_seconds() / 60))
    form = AuthenticationForm(request, initial={"username": (credentials or {}).get("username")})
    context = {
        "form": form,
        "next": request.POST.get("next", ""),
        "locked_out": (
            f"Too many failed sign-ins; try again in {minutes} minutes or ask an administrator."
        ),
    }
    return render(request, "registration/login.html", context, status=429)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    """The 403 page, in the dashboard's layout (``handler403``)."""
    return defaults.permission_denied(request, exception, template_name="backoffice/403.html")


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """The 404 page, in the dashboard's layout (``handler404``)."""
    return defaults.page_not_found(request, exception, template_name="backoffice/404.html")
