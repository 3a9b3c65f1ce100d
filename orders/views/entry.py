"""Staff order entry (phone, store, wholesale) and editing an order's lines before processing."""

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect, trigger_client_event

from core.exceptions import DomainError
from core.idempotency import run_posted
from core.parsing import SEARCH_LENGTH, clean_text, parse_ascii_int
from core.permissions import staff_view
from customers.models import Customer
from customers.selectors import find_customers_for_entry
from customers.services import create_customer
from inventory.selectors import find_products_for_entry

from ..entry_forms import LineEditForm, OrderEntry, apply_edit_add
from ..line_parser import apply_row_action
from ..models import Order
from ..selectors import order_for_detail
from ..services import lines_editable, place_order, update_order_lines

FORM = "orders/order_form.html"
EDIT = "orders/order_edit.html"
CUSTOMER_RESULTS = 10
PRODUCT_RESULTS = 20


def _go_to(request: HttpRequest, url: str) -> HttpResponse:
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def _picked_customer(value: str) -> Customer | None:
    if not value:
        return None
    pk = parse_ascii_int(value)
    if pk is None:
        raise Http404("No such customer.")
    return get_object_or_404(Customer.objects.prefetch_related("addresses"), pk=pk)


def _render_entry(request: HttpRequest, entry: OrderEntry) -> HttpResponse:
    template = f"{FORM}#order-form" if request.htmx else FORM
    return render(request, template, {"entry": entry, "preview": entry.preview()})


def _place(entry: OrderEntry, actor) -> Order:
    """The new customer and the order in one transaction: a refused order leaves no customer."""
    fields = entry.order_fields()
    with transaction.atomic():
        customer = entry.customer or create_customer(
            **entry.new_customer_fields(), address=fields["shipping_address"]
        )
        return place_order(customer=customer, actor=actor, **fields)


@staff_view("orders.add_order")
def order_create(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        entry = OrderEntry(request.POST)
        if entry.is_valid():
            try:
                outcome = run_posted(
                    request,
                    scope="orders.create",
                    work=lambda: {"number": _place(entry, request.user).number},
                )
            except DomainError as error:
                entry.add_domain_error(error)
            else:
                # A second post of the same form (a double click) lands on the first's order.
                number = outcome.result["number"]
                messages.success(request, f"Order {number} placed.")
                return _go_to(request, reverse("orders:detail", args=[number]))
        return _render_entry(request, entry)

    entry = OrderEntry(customer=_picked_customer(request.GET.get("customer", "")))
    if request.htmx and request.htmx.target == "customer-section":
        # A customer was picked (or cleared): new addresses mean new tax, so re-run the preview.
        response = render(request, f"{FORM}#customer-section", {"entry": entry})
        return trigger_client_event(response, "customerChanged", after="settle")
    return _render_entry(request, entry)


@staff_view("orders.add_order")
def customer_search(request: HttpRequest) -> HttpResponse:
    query = clean_text(request.GET.get("q", ""), max_length=SEARCH_LENGTH) or ""
    customers = find_customers_for_entry(query, limit=CUSTOMER_RESULTS) if query else []
    context = {"query": query, "customers": customers}
    return render(request, f"{FORM}#customer-results", context)


@staff_view("orders.add_order")
def product_search(request: HttpRequest) -> HttpResponse:
    query = clean_text(request.GET.get("q", ""), max_length=SEARCH_LENGTH) or ""
    hits = find_products_for_entry(query, limit=PRODUCT_RESULTS) if query else []
    return render(request, f"{FORM}#product-results", {"query": query, "hits": hits})


@staff_view("orders.add_order")
@require_POST
def order_preview(request: HttpRequest) -> HttpResponse:
    data, added = apply_row_action(request.POST)
    entry = OrderEntry(data)
    context = {"entry": entry, "preview": entry.preview(), "added": added}
    if request.htmx.target == "order-summary":
        # A typed change: the totals, plus each line's total and notes out of band, never the
        # inputs, which someone may be typing in.
        return render(request, f"{FORM}#order-summary", context | {"oob": True})
    return render(request, f"{FORM}#order-lines", context)


@staff_view("orders.change_order")
def order_edit(request: HttpRequest, number: str) -> HttpResponse:
    """The edit page works as New order does: its product search (``?q=``) adds through
    ``add_sku`` (one more unit when the SKU is on the order already), and a typed change asks
    for ``#edit-totals`` only; both re-render without saving. Save changes saves."""
    order = order_for_detail(number)
    if request.htmx and "q" in request.GET:
        return _edit_product_search(request, order)
    adding = request.method == "POST" and "add_sku" in request.POST
    data = request.POST if request.method == "POST" else None
    form = LineEditForm(order, apply_edit_add(order, request.POST) if adding else data)
    context = {"order": order, "form": form, "editable": lines_editable(order)}
    if request.htmx and request.htmx.target == "edit-totals" and request.method == "POST":
        return render(request, f"{EDIT}#edit-totals", context | {"preview": form.preview()})
    if request.method == "POST" and not adding and form.is_valid():
        try:
            update_order_lines(
                order=order,
                quantities=form.quantities(),
                additions=form.addition_requests(),
                actor=request.user,
            )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, f"Lines of order {order.number} updated.")
            return _go_to(request, reverse("orders:detail", args=[order.number]))
    preview = form.preview() if data is not None else None
    return render(
        request, f"{EDIT}#edit-form" if request.htmx else EDIT, context | {"preview": preview}
    )


def _edit_product_search(request: HttpRequest, order: Order) -> HttpResponse:
    """New order's product results, their Add buttons posting to this order's edit form."""
    query = clean_text(request.GET.get("q", ""), max_length=SEARCH_LENGTH) or ""
    hits = find_products_for_entry(query, limit=PRODUCT_RESULTS) if query else []
    context = {
        "query": query,
        "hits": hits,
        "add_url": reverse("orders:edit", args=[order.number]),
        "add_target": "#edit-form",
    }
    return render(request, f"{FORM}#product-results", context)
