"""The ship screen of one parcel: live quotes (loaded by htmx: carriers are called, so the page
does not wait for them), "Buy label" (a task buys it; the panel polls until the label is there
or refused), the label and packing slip downloads, hand-over and void. A click & collect
parcel gets "Ready for pickup" and "Collected by …" instead.

Every action posts to its own URL and answers htmx with the whole shipment panel, re-read, so
the buttons always match the state that won; a plain post is redirected to the page.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from core.exceptions import DomainError
from core.parsing import parse_ascii_int
from core.permissions import staff_view

from .. import rendering, services
from ..exceptions import InvalidShipmentState
from ..models import Shipment, ShipmentStatus
from ..services.shipments import label_in_flight

VIEW = "shipping.view_shipment"
SHIP = "shipping.ship_orders"
PAGE = "shipping/ship/ship.html"
QUOTES = "shipping/ship/quotes.html"
POLL_SECONDS = 2
# A label asked for this long ago that no task has taken up (its worker lost): ask again.
STALLED_AFTER = timedelta(minutes=1)
# Not left yet: the parcel can be cancelled (its label voided) and its units packed again.
VOIDABLE = frozenset(
    {ShipmentStatus.LABEL_PENDING, ShipmentStatus.LABEL_CREATED, ShipmentStatus.READY_FOR_PICKUP}
)


def _shipment(shipment_id: int) -> Shipment:
    """The shipment with what the screen shows (the label bytes are loaded by the downloads)."""
    return get_object_or_404(
        Shipment.objects.select_related(
            "order", "location", "carrier", "service", "box", "order__pickup_location"
        ).defer("label_pdf", "label_zpl"),
        pk=shipment_id,
    )


def _state(shipment: Shipment) -> dict[str, bool]:
    """What the parcel is waiting for: the screen's buttons follow from it."""
    pending = shipment.status == ShipmentStatus.LABEL_PENDING
    requested = shipment.label_requested_at is not None
    waiting = pending and requested and not shipment.label_error and not shipment.is_pickup
    return {
        "choose_service": pending and not shipment.is_pickup and not waiting,
        "waiting_for_label": waiting,
        "in_flight": waiting and label_in_flight(shipment),
        "stalled": waiting
        and not label_in_flight(shipment)
        and shipment.label_requested_at < timezone.now() - STALLED_AFTER,
        "labelled": bool(shipment.tracking_number)
        and not shipment.is_pickup
        and shipment.status != ShipmentStatus.CANCELLED,
        "can_hand_over": shipment.status == ShipmentStatus.LABEL_CREATED,
        "can_void": shipment.status in VOIDABLE,
        "can_put_out": shipment.is_pickup and pending,
        "can_collect": shipment.status == ShipmentStatus.READY_FOR_PICKUP,
    }


def _render(request: HttpRequest, shipment_id: int, **extra: Any) -> HttpResponse:
    shipment = _shipment(shipment_id)
    context = {
        "shipment": shipment,
        "order": shipment.order,
        "lines": shipment.lines.select_related("line").order_by("pk"),
        "state": _state(shipment),
        "may_ship": request.user.has_perm(SHIP),
        "may_pack": request.user.has_perm("shipping.pack_orders"),
        "poll_seconds": POLL_SECONDS,
        **extra,
    }
    template = f"{PAGE}#shipment" if request.htmx else PAGE
    return render(request, template, context)


@staff_view(VIEW)
@require_GET
def ship_screen(request: HttpRequest, shipment_id: int) -> HttpResponse:
    return _render(request, shipment_id)


@staff_view(VIEW)
@require_GET
def label_status(request: HttpRequest, shipment_id: int) -> HttpResponse:
    """The shipment panel, polled while its label is being bought."""
    return _render(request, shipment_id)


@staff_view(SHIP)
@require_GET
def ship_quotes(request: HttpRequest, shipment_id: int) -> HttpResponse:
    """Every service's quote for the parcel, cheapest first; the cheapest that arrives by the
    promised date is preselected (else the fastest)."""
    shipment = _shipment(shipment_id)
    shop, quotes_error = None, ""
    try:
        shop = services.rate_shop(shipment)
    except DomainError as error:
        quotes_error = error.message
    if not request.htmx:  # without JavaScript: the ship screen with its quotes
        return _render(request, shipment_id, shop=shop, quotes_error=quotes_error)
    return render(
        request, QUOTES, {"shipment": shipment, "shop": shop, "quotes_error": quotes_error}
    )


def _act(
    request: HttpRequest, shipment_id: int, action: Callable[[Shipment], Any], success: str
) -> HttpResponse:
    """Run one service call on the shipment; answer with the panel, or its error in place."""
    shipment = get_object_or_404(Shipment, pk=shipment_id)
    try:
        action(shipment)
    except DomainError as error:
        if not request.htmx:
            messages.error(request, error.message)
            return redirect("shipping:ship", shipment_id=shipment_id)
        return _render(request, shipment_id, error=error.message, error_field=error.field)
    if not request.htmx:
        messages.success(request, success)
        return redirect("shipping:ship", shipment_id=shipment_id)
    return _render(request, shipment_id, notice=success)


def _buy(request: HttpRequest, shipment: Shipment) -> None:
    service_id = parse_ascii_int(request.POST.get("service", ""))
    if service_id is None:
        raise InvalidShipmentState("Choose a service.", code="no_service", field="service")
    # Quote again: a live rate (EasyPost) is only good for a while, and prices may have moved.
    shop = services.rate_shop(shipment)
    quote = next((q for q in shop.quotes if q.service.pk == service_id), None)
    if quote is None:
        raise InvalidShipmentState(
            "That service no longer quotes for this parcel: choose another.",
            code="bad_quote",
            field="service",
        )
    services.buy_label(shipment=shipment, quote=quote, actor=request.user)


def _step(action: Callable[[HttpRequest, Shipment], Any], success: str) -> Callable:
    """A ship-screen button: a POST that runs ``action`` on the shipment through ``_act``."""

    @staff_view(SHIP)
    @require_POST
    def view(request: HttpRequest, shipment_id: int) -> HttpResponse:
        return _act(request, shipment_id, lambda shipment: action(request, shipment), success)

    return view


buy_label = _step(_buy, "Label ordered.")
hand_over = _step(
    lambda request, shipment: services.ship(shipment=shipment, actor=request.user),
    "Handed over to the carrier: the order has shipped these units.",
)
void_label = _step(
    lambda request, shipment: services.void_label(shipment=shipment, actor=request.user),
    "Parcel cancelled: its units wait for another parcel.",
)
ready_for_pickup = _step(
    lambda request, shipment: services.mark_ready_for_pickup(shipment=shipment, actor=request.user),
    "Ready for pickup: the customer may come for it.",
)
collect = _step(
    lambda request, shipment: services.collect(
        shipment=shipment,
        collected_by=request.POST.get("collected_by", "")[:500],
        actor=request.user,
    ),
    "Collected: the order has shipped these units.",
)


# --- downloads -------------------------------------------------------------------------------


def _inline(content: bytes | memoryview | str, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


def _no_label(request: HttpRequest, shipment: Shipment) -> HttpResponse | None:
    """Back to the ship screen when there is no label to print (not yet, or voided)."""
    if shipment.status == ShipmentStatus.CANCELLED:
        messages.error(request, "This parcel's label was voided: it must not be used.")
    elif not shipment.tracking_number:
        messages.error(request, "This parcel has no label yet.")
    else:
        return None
    return redirect("shipping:ship", shipment_id=shipment.pk)


def _label_download(field: str, content_type: str, extension: str) -> Callable:
    """The label's ``field`` (its PDF, its ZPL) to print, or back to the ship screen."""

    @staff_view(VIEW)
    @require_GET
    def view(request: HttpRequest, shipment_id: int) -> HttpResponse:
        shipment = get_object_or_404(
            Shipment.objects.only("pk", "status", "tracking_number", field), pk=shipment_id
        )
        if refused := _no_label(request, shipment):
            return refused
        return _inline(  # HttpResponse takes the PDF's memoryview as it is
            getattr(shipment, field), content_type, f"label-{shipment.tracking_number}.{extension}"
        )

    return view


label_pdf = _label_download("label_pdf", "application/pdf", "pdf")
label_zpl = _label_download("label_zpl", "text/plain; charset=utf-8", "zpl")


@staff_view(VIEW)
@require_GET
def packing_slip(request: HttpRequest, shipment_id: int) -> HttpResponse:
    shipment = _shipment(shipment_id)
    return _inline(
        rendering.packing_slip_pdf(shipment),
        "application/pdf",
        f"packing-slip-{shipment.order.number}-{shipment.pk}.pdf",
    )
