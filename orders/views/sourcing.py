"""Sourcing screens: re-sourcing an order by hand from its page, and the what-if replay."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import trigger_client_event

from core.exceptions import DomainError
from core.permissions import staff_view

from .. import services
from ..replay import MAX_ORDERS, replay_sourcing
from ..sourcing_forms import ReplayForm, ResourceForm
from .detail import ORDER_CHANGED, _order_or_404, _render_order

# The service's field names as the re-source form names them.
RESOURCE_FIELDS = {"location_id": "location", "line_ids": "line"}


@staff_view("orders.resource_order")
@require_POST
def order_resource(request: HttpRequest, number: str) -> HttpResponse:
    """Re-source the whole order or one line, by the engine or from the chosen location;
    htmx gets the sourcing panel back (and the other panels are told to refresh)."""
    order = _order_or_404(number)
    form = ResourceForm(request.POST, order=order)
    if not form.is_valid():
        return _render_order(request, number, panel="sourcing", resource_form=form)
    line, location = form.cleaned_data["line"], form.cleaned_data["location"]
    try:
        services.resource_order(
            order=order,
            line_ids=None if line is None else [line],
            location_id=None if location is None else location.pk,
            actor=request.user,
        )
    except DomainError as error:
        if not request.htmx:
            messages.error(request, error.message)
            return redirect("orders:detail", number=number)
        form.add_error(RESOURCE_FIELDS.get(error.field), error.message)
        return _render_order(request, number, panel="sourcing", resource_form=form)
    if not request.htmx:
        messages.success(request, "Order re-sourced.")
        return redirect("orders:detail", number=number)
    response = _render_order(request, number, panel="sourcing")
    trigger_client_event(response, ORDER_CHANGED)
    return response


@staff_view("orders.replay_sourcing")
@require_GET
def sourcing_replay(request: HttpRequest) -> HttpResponse:
    """The replay's form and, once it is filled in, its comparison (a read: a GET)."""
    form = ReplayForm(request.GET or None)
    result = None
    if form.is_valid():
        try:
            result = replay_sourcing(
                date_from=form.cleaned_data["date_from"],
                date_to=form.cleaned_data["date_to"],
                changes=form.changes(),
            )
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
    context = {"form": form, "result": result, "max_orders": MAX_ORDERS}
    return render(request, "orders/sourcing_replay.html", context)
