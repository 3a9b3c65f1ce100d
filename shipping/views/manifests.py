"""End-of-day manifests: what waits for one per carrier at a location, "Close manifest", and
the manifests' PDFs."""

from django.contrib import messages
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from core.csv_export import csv_export, exports
from core.exceptions import DomainError
from core.parsing import clean_text, parse_ascii_int
from core.permissions import staff_view
from inventory.models import Location

from ..models import Carrier, Manifest
from ..services import manifests

VIEW_MANIFESTS = "shipping.view_manifest"
CLOSE_MANIFESTS = (VIEW_MANIFESTS, "shipping.ship_orders")
RECENT_MANIFESTS = 20


def _location(code: str) -> Location | None:
    """The location of ``code``, or the first active one (for a code that is no location's)."""
    locations = Location.objects.filter(is_active=True)
    code = clean_text(code, max_length=Location._meta.get_field("code").max_length)
    return (code and locations.filter(code=code).first()) or locations.first()


def _manifests_of(location: Location | None) -> QuerySet[Manifest]:
    """The location's manifests, newest first."""
    return Manifest.objects.filter(location=location) if location else Manifest.objects.none()


@staff_view(VIEW_MANIFESTS)
@require_GET
def manifest_list(request: HttpRequest) -> HttpResponse:
    location = _location(request.GET.get("location", ""))
    context = {
        "locations": Location.objects.filter(is_active=True).only("code", "name"),
        "location": location,
        "ready": manifests.ready_to_manifest(location) if location else [],
        "recent": _manifests_of(location)
        .select_related("carrier", "created_by")
        .defer("pdf")[:RECENT_MANIFESTS],
    }
    return render(request, "shipping/shipments/manifests.html", context)


MANIFEST_COLUMNS = (
    ("manifest", "pk"),
    ("location", "location__code"),
    ("carrier", "carrier__name"),
    ("closed_at", "created_at"),
    ("closed_by", "created_by__username"),
    ("parcels", Count("shipments")),
)


@staff_view(VIEW_MANIFESTS)
@require_GET
@exports("shipping:manifest_list")
def manifest_export(request: HttpRequest) -> HttpResponse:
    """Every manifest of the location, not only the recent ones the page shows."""
    manifests_there = _manifests_of(_location(request.GET.get("location", "")))
    return csv_export(request, manifests_there, name="manifests", columns=MANIFEST_COLUMNS)


@staff_view(*CLOSE_MANIFESTS)
@require_POST
def manifest_close(request: HttpRequest) -> HttpResponse:
    carrier_id = parse_ascii_int(request.POST.get("carrier", ""))
    location_id = parse_ascii_int(request.POST.get("location", ""))
    carrier = Carrier.objects.filter(pk=carrier_id).first() if carrier_id else None
    location = Location.objects.filter(pk=location_id).first() if location_id else None
    back = reverse("shipping:manifest_list")
    if carrier is None or location is None:
        messages.error(request, "Choose the carrier and the location to close a manifest for.")
        return redirect(back)
    back += f"?location={location.code}"
    try:
        manifest = manifests.close_manifest(carrier=carrier, location=location, actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(back)
    messages.success(
        request, f"Manifest {manifest.pk} of {carrier.name} closed: print it for the driver."
    )
    return redirect(back)


@staff_view(VIEW_MANIFESTS)
@require_GET
def manifest_pdf(request: HttpRequest, manifest_id: int) -> HttpResponse:
    manifest = get_object_or_404(
        Manifest.objects.select_related("carrier", "location"), pk=manifest_id
    )
    response = HttpResponse(manifests.pdf_of(manifest), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="manifest-{manifest.pk}.pdf"'
    return response
