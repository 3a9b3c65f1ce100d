"""The order page: header, lines, customer and timeline panels, and the actions on the order.

Each action posts to its own URL, calls one service and answers htmx with the panel it changed
(re-read, so two people acting at once see the state that won); plain posts get a redirect.
"""

from collections.abc import Callable
from functools import partial
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.functional import SimpleLazyObject
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import trigger_client_event

from core.exceptions import DomainError
from core.permissions import staff_view

from .. import panels, services, workflow
from ..forms import (
    AddressCorrectionForm,
    CancelForm,
    HoldForm,
    NoteForm,
    PromisedDateForm,
    ShippingChargeForm,
)
from ..models import Order, OrderStatus
from ..selectors import latest_sourcing, order_for_detail, order_timeline
from ..sourcing_forms import ResourceForm

TEMPLATE = "orders/order_detail.html"
# "older-events": the timeline's next events, which "Show older" appends in place of itself.
PANELS = frozenset(
    {"header", "lines", "sourcing", "customer", "timeline", "events", "older-events"}
)
ORDER_CHANGED = "orderChanged"


def available_actions(user, order: Order) -> dict[str, bool | str]:
    """What this user may do to this order now: the state machine and the permission agree.

    ``confirm_blocker`` says what a confirmation still waits for ("Awaiting payment of…"):
    asked once, and only when Confirm is otherwise on offer, so the button is primary only
    when it can succeed.
    """
    targets = workflow.allowed_targets(order)
    on_hold = order.status == OrderStatus.ON_HOLD
    # Leaving a hold goes through release, even when it returns to a confirmable state.
    confirm = (
        not on_hold and OrderStatus.CONFIRMED in targets and user.has_perm("orders.confirm_order")
    )
    return {
        "confirm": confirm,
        "confirm_blocker": services.confirmation_blocker(order) if confirm else "",
        "hold": OrderStatus.ON_HOLD in targets and user.has_perm("orders.hold_order"),
        "release": workflow.can_release(order) and user.has_perm("orders.hold_order"),
        "cancel": OrderStatus.CANCELLED in targets and user.has_perm("orders.cancel_order"),
        "edit": services.lines_editable(order) and user.has_perm("orders.change_order"),
        "place": order.status == OrderStatus.DRAFT
        and OrderStatus.PLACED in targets
        and user.has_perm("orders.add_order"),
        "correct": services.corrections_allowed(order) and user.has_perm("orders.change_order"),
        "note": user.has_perm("orders.add_orderevent"),
        "resource": services.resourcing_allowed(order) and user.has_perm("orders.resource_order"),
    }


def _order_or_404(number: str) -> Order:
    return get_object_or_404(Order, number=number)


def _render_order(
    request: HttpRequest, number: str, *, panel: str | None = "header", **extra: Any
) -> HttpResponse:
    """The page, or for htmx only ``panel`` (if any), from fresh state.

    ``extra`` adds an error or replaces an empty form with the bound one that failed.
    """
    order = order_for_detail(number)
    context = {
        "order": order,
        "actions": available_actions(request.user, order),
        # lazy: only the panels that show it query it
        "events": SimpleLazyObject(
            lambda: order_timeline(order, after=request.GET.get("after", ""))
        ),
        "hold_form": HoldForm(),
        "cancel_form": CancelForm(),
        "note_form": NoteForm(),
        "address_form": AddressCorrectionForm(initial=order.shipping_address),
        "promise_form": PromisedDateForm(initial={"promised_ship_date": order.promised_ship_date}),
        "shipping_form": ShippingChargeForm(initial={"shipping_total": order.shipping_total}),
        "sourcing": SimpleLazyObject(lambda: latest_sourcing(order)),
        "resource_form": ResourceForm(order=order),
        "domain_panels": panels.panels_for(request.user),
        "cancel_notices": panels.panels_for(request.user, slot="cancel"),
        **extra,
    }
    template = f"{TEMPLATE}#{panel}" if request.htmx and panel else TEMPLATE
    return render(request, template, context)


def _perform(
    request: HttpRequest,
    number: str,
    action: Callable[[], Any],
    *,
    success: str,
    panel: str = "header",
    form_name: str = "",
    form: forms.Form | None = None,
    field_prefix: str = "",
    notice: Callable[[Any], str] | None = None,
) -> HttpResponse:
    """Run a service call and answer with the changed panel, or with its error in place.

    A validation error naming one of the form's fields (after ``field_prefix``:
    ``shipping_address.city`` is the address form's ``city``) goes on that field; any other
    domain error (an illegal transition after someone else acted first) shows beside the
    actions. ``notice`` turns the service's result into what to tell the user next, if any.
    """
    try:
        result = action()
    except DomainError as error:
        field = getattr(error, "field", "").removeprefix(field_prefix)
        if form is not None and field in form.fields:
            form.add_error(field, error.message)
            return _render_order(request, number, panel=panel, **{form_name: form})
        if not request.htmx:
            messages.error(request, error.message)
            return redirect("orders:detail", number=number)
        return _render_order(request, number, panel=panel, error=error.message)
    next_step = notice(result) if notice else ""
    if not request.htmx:
        messages.success(request, success)
        if next_step:
            messages.info(request, next_step)
        return redirect("orders:detail", number=number)
    response = _render_order(request, number, panel=panel, next_step=next_step)
    if panel == "header":
        # Header actions change the lines (allocations) and the timeline: refresh them too.
        trigger_client_event(response, ORDER_CHANGED)
    return response


@staff_view("orders.view_order")
@require_GET
def order_detail(request: HttpRequest, number: str) -> HttpResponse:
    panel = request.GET.get("panel")
    return _render_order(request, number, panel=panel if panel in PANELS else None)


@staff_view("orders.confirm_order")
@require_POST
def order_confirm(request: HttpRequest, number: str) -> HttpResponse:
    order = _order_or_404(number)
    action = partial(services.confirm_order, order=order, actor=request.user)
    return _perform(request, number, action, success="Order confirmed.")


@staff_view("orders.hold_order")
@require_POST
def order_hold(request: HttpRequest, number: str) -> HttpResponse:
    order = _order_or_404(number)
    form = HoldForm(request.POST)
    if not form.is_valid():
        return _render_order(request, number, hold_form=form)
    action = partial(services.hold_order, order=order, actor=request.user, **form.cleaned_data)
    return _perform(
        request, number, action, success="Order put on hold.", form_name="hold_form", form=form
    )


@staff_view("orders.hold_order")
@require_POST
def order_release(request: HttpRequest, number: str) -> HttpResponse:
    order = _order_or_404(number)
    action = partial(services.release_hold, order=order, actor=request.user)
    return _perform(request, number, action, success="Hold released.")


@staff_view("orders.cancel_order")
@require_POST
def order_cancel(request: HttpRequest, number: str) -> HttpResponse:
    order = _order_or_404(number)
    form = CancelForm(request.POST)
    if not form.is_valid():
        return _render_order(request, number, cancel_form=form)
    action = partial(
        services.cancel_order, order=order, reason=form.cleaned_data["reason"], actor=request.user
    )
    return _perform(
        request, number, action, success="Order cancelled.", form_name="cancel_form", form=form
    )


@staff_view("orders.add_orderevent")
@require_POST
def order_note(request: HttpRequest, number: str) -> HttpResponse:
    order = _order_or_404(number)
    form = NoteForm(request.POST)
    if not form.is_valid():
        return _render_order(request, number, panel="timeline", note_form=form)
    action = partial(
        services.add_note, order=order, text=form.cleaned_data["text"], actor=request.user
    )
    return _perform(
        request,
        number,
        action,
        success="Note added.",
        panel="timeline",
        form_name="note_form",
        form=form,
    )


@staff_view("orders.add_order")
@require_POST
def order_place(request: HttpRequest, number: str) -> HttpResponse:
    order = _order_or_404(number)
    action = partial(services.submit_draft, order=order, actor=request.user)
    return _perform(request, number, action, success="Order placed.")


def _release_offer(order: Order) -> str:
    """After a correction, an order held for its address may be released (never by itself:
    the person who corrected it says whether it is right now)."""
    if not services.held_for_address(order):
        return ""
    return (
        f"{order.number} is still on hold for an incorrect address: "
        "release the hold if the address is right now."
    )


@staff_view("orders.change_order")
@require_POST
def order_correct_address(request: HttpRequest, number: str) -> HttpResponse:
    order = _order_or_404(number)
    form = AddressCorrectionForm(request.POST)
    if not form.is_valid():
        return _render_order(request, number, address_form=form)
    action = partial(
        services.correct_shipping_address, order=order, address=form.values(), actor=request.user
    )
    return _perform(
        request,
        number,
        action,
        success="Shipping address corrected.",
        form_name="address_form",
        form=form,
        field_prefix="shipping_address.",
        notice=_release_offer,
    )


def _correct_one_value(
    request: HttpRequest,
    number: str,
    *,
    form_class: type[forms.Form],
    form_name: str,
    service: Callable[..., object],
    field: str,
    success: str,
) -> HttpResponse:
    """A correction of one value of a placed order: validate the form, call the service with
    that value, answer with the header (or the form and its error in place)."""
    order = _order_or_404(number)
    form = form_class(request.POST)
    if not form.is_valid():
        return _render_order(request, number, **{form_name: form})
    action = partial(service, order=order, actor=request.user, **{field: form.cleaned_data[field]})
    return _perform(request, number, action, success=success, form_name=form_name, form=form)


@staff_view("orders.change_order")
@require_POST
def order_promised_date(request: HttpRequest, number: str) -> HttpResponse:
    return _correct_one_value(
        request,
        number,
        form_class=PromisedDateForm,
        form_name="promise_form",
        service=services.change_promised_ship_date,
        field="promised_ship_date",
        success="Promised ship date changed.",
    )


@staff_view("orders.change_order")
@require_POST
def order_shipping_charge(request: HttpRequest, number: str) -> HttpResponse:
    return _correct_one_value(
        request,
        number,
        form_class=ShippingChargeForm,
        form_name="shipping_form",
        service=services.change_shipping_charge,
        field="shipping_total",
        success="Shipping charge changed.",
    )
