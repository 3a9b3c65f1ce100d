"""The pack station: open an order (typed or scanned number), scan its picked units into the
package being filled, choose the box, check the weight, and close the package into a shipment.

The package being filled lives in the form itself (one hidden ``units-<line id>`` input per
line), so nothing is written until "Close package": a scan only asks ``match_scan`` which line
the code adds to. htmx swaps the panel in place, with the scan field cleared and focused again;
without JavaScript every button is a plain post that renders the same page.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from core.exceptions import DomainError
from core.idempotency import run_posted
from core.parsing import clean_text, parse_ascii_int
from core.permissions import staff_view
from inventory.models import Location
from orders.models import Allocation, Order

from .. import services
from ..exceptions import ShipmentQuantityError
from ..models import Box

PACK = "shipping.pack_orders"
STATION = "shipping/packing/station.html"
PAGE = "shipping/packing/pack.html"
SESSION_LOCATION = "shipping.pack_location"
UNITS_PREFIX = "units-"
MAX_UNITS = 100_000  # per line: more than any order holds, less than a mistyped barcode


def _order_or_404(number: str) -> Order:
    return get_object_or_404(Order.objects.select_related("pickup_location"), number=number)


def _locations(order: Order) -> list[Location]:
    """Where the order holds units: the locations it can be packed at."""
    return list(Location.objects.filter(allocations__line__order=order).distinct().order_by("code"))


def _location(request: HttpRequest, data: QueryDict, choices: list[Location]) -> Location | None:
    """The location asked for, else the one this user packed at last, else the first."""
    by_id = {location.pk: location for location in choices}
    wanted = parse_ascii_int(data.get("location", ""))
    if wanted is None:
        wanted = request.session.get(SESSION_LOCATION)
    location = by_id.get(wanted) or (choices[0] if choices else None)
    if location is not None:
        request.session[SESSION_LOCATION] = location.pk
    return location


def _package(data: QueryDict, line_ids: set[int]) -> dict[int, int]:
    """line id → units, from the form's hidden inputs (lines of the order only)."""
    package = {}
    for key, value in data.items():
        line_id = (
            parse_ascii_int(key.removeprefix(UNITS_PREFIX))
            if key.startswith(UNITS_PREFIX)
            else None
        )
        units = parse_ascii_int(value, max_digits=6)
        if line_id in line_ids and units and units <= MAX_UNITS:
            package[line_id] = units
    return package


def _estimate(rows: list[dict[str, Any]], box: Box | None) -> int:
    contents = sum(row["line"].product.weight_grams * row["in_package"] for row in rows)
    return contents + (box.tare_grams if box else 0) if contents else 0


def _default_box(boxes: list[Box], contents: int) -> Box | None:
    """The smallest box that takes the content's weight."""
    for box in boxes:
        if box.max_weight_grams is None or contents <= box.max_weight_grams:
            return box
    return boxes[-1] if boxes else None


def _render(
    request: HttpRequest,
    order: Order,
    data: QueryDict,
    *,
    package: dict[int, int] | None = None,
    locations: list[Location] | None = None,
    error: str = "",
    error_field: str = "",
    notice: str = "",
) -> HttpResponse:
    """The pack page (for htmx, its panel) from fresh state and the package posted."""
    locations = _locations(order) if locations is None else locations
    location = _location(request, data, locations)
    lines = list(order.lines.select_related("product").order_by("pk"))
    package = _package(data, {line.pk for line in lines}) if package is None else package
    free = services.packable_units(order, location) if location else {}
    held: dict[int, tuple[int, int]] = {}
    if location:
        for line_id, quantity, picked in Allocation.objects.filter(
            line__order=order, location=location
        ).values_list("line_id", "quantity", "picked_quantity"):
            held[line_id] = (quantity, picked)
    rows = [
        {
            "line": line,
            "allocated": held.get(line.pk, (0, 0))[0],
            "picked": held.get(line.pk, (0, 0))[1],
            "packable": free.get(line.pk, 0),
            "in_package": package.get(line.pk, 0),
            "left": free.get(line.pk, 0) - package.get(line.pk, 0),
        }
        for line in lines
        if line.pk in held or line.pk in package
    ]
    boxes = list(Box.objects.filter(is_active=True))
    contents = _estimate(rows, None)
    box_id = parse_ascii_int(data.get("box", ""))
    box = next((b for b in boxes if b.pk == box_id), None) or _default_box(boxes, contents)
    estimate = _estimate(rows, box)
    weight = data.get("weight_grams", "").strip()
    if not weight or weight == data.get("weight_estimate", ""):
        weight = str(estimate) if estimate else ""  # not changed by hand: follow the package
    context = {
        "order": order,
        "locations": locations,
        "location": location,
        "rows": rows,
        "package_units": sum(package.values()),
        "boxes": boxes,
        "box": box,
        "weight": weight,
        "estimate": estimate or "",
        "error": error,
        "error_field": error_field,
        "notice": notice,
        "is_pickup": location is not None and order.pickup_location_id == location.pk,
    }
    template = f"{PAGE}#panel" if request.htmx else PAGE
    return render(request, template, context)


@staff_view(PACK)
@require_GET
def pack_station(request: HttpRequest) -> HttpResponse:
    """Type or scan an order number to pack it."""
    typed = clean_text(request.GET.get("order", ""), max_length=40)
    error = ""
    if typed:
        order = Order.objects.filter(number__iexact=typed).only("number").first()
        if order is not None:
            return redirect("shipping:pack", number=order.number)
        error = f"No order {typed}."
    elif typed is None:
        error = "That is not an order number."
    return render(request, STATION, {"error": error, "typed": typed or ""})


@staff_view(PACK)
@require_GET
def pack_order(request: HttpRequest, number: str) -> HttpResponse:
    return _render(request, _order_or_404(number), request.GET, package={})


@staff_view(PACK)
@require_POST
def pack_scan(request: HttpRequest, number: str) -> HttpResponse:
    """Add the scanned unit to the package (or take one out: ``remove`` = line id; or only
    show the package again: ``refresh``, when another box is chosen)."""
    order = _order_or_404(number)
    data = request.POST
    lines = set(order.lines.values_list("pk", flat=True))
    package = _package(data, lines)
    removed = parse_ascii_int(data.get("take_out", ""))
    if removed in package:
        package[removed] -= 1
        return _render(request, order, data, package=package, notice="One unit taken out.")
    if data.get("refresh"):  # another box chosen: its tare changes the weight
        return _render(request, order, data, package=package)
    locations = _locations(order)
    location = _location(request, data, locations)
    if location is None:
        return _render(request, order, data, package=package, error="Nothing to pack here.")
    try:
        line = services.match_scan(order, location, data.get("code", ""), package)
    except DomainError as error:
        return _render(
            request,
            order,
            data,
            package=package,
            locations=locations,
            error=error.message,
            error_field="code",
        )
    package[line.pk] = package.get(line.pk, 0) + 1
    return _render(
        request,
        order,
        data,
        package=package,
        locations=locations,
        notice=f"Added 1 × {line.sku}.",
    )


def _form_error(message: str, field: str) -> DomainError:
    return ShipmentQuantityError(message, code="invalid", field=field)


def _optional_int(data: QueryDict, name: str) -> int | None:
    text = data.get(name, "").strip()
    if not text:
        return None
    number = parse_ascii_int(text, max_digits=7)
    if number is None:
        raise _form_error(f"{name.replace('_', ' ')}: a whole number, please.", name)
    return number


@staff_view(PACK)
@require_POST
def pack_close(request: HttpRequest, number: str) -> HttpResponse:
    """Close the package: it becomes a shipment, and the packer goes on to its ship screen."""
    order = _order_or_404(number)
    data = request.POST
    package = _package(data, set(order.lines.values_list("pk", flat=True)))
    location = _location(request, data, _locations(order))
    box = Box.objects.filter(pk=parse_ascii_int(data.get("box", "")) or 0).first()
    try:
        if location is None:
            raise _form_error("Nothing to pack here.", "location")
        if box is None:
            raise _form_error("Choose the box.", "box")
        weight = _optional_int(data, "weight_grams")
        if weight is not None and str(weight) == data.get("weight_estimate", ""):
            weight = None  # not weighed by hand: the service adds the tare of the box chosen
        dims = {name: _optional_int(data, name) for name in ("length_mm", "width_mm", "height_mm")}
        outcome = run_posted(
            request,
            scope=f"shipping.pack:{order.pk}",
            work=lambda: {
                "shipment": services.pack_parcel(
                    order=order,
                    location=location,
                    quantities=package,
                    box=box,
                    weight_grams=weight,
                    actor=request.user,
                    **dims,
                ).pk
            },
        )
    except DomainError as error:
        return _render(
            request, order, data, package=package, error=error.message, error_field=error.field
        )
    url = reverse("shipping:ship", args=[outcome.result["shipment"]])
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
