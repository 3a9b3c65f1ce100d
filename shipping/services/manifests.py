"""End-of-day manifests: the parcels one carrier's driver takes from one location, listed on a
PDF the driver signs. Closing one takes every parcel of that carrier handed over there and on no
manifest yet (the partial index ``shipment_unmanifested_idx`` is exactly that set), so a parcel
is on one manifest only, however often "Close manifest" is clicked."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, QuerySet, Sum
from django.template.loader import render_to_string

from inventory.models import Location

from .. import rendering
from ..exceptions import FulfilmentQueueError
from ..models import Carrier, Manifest, Shipment, ShipmentStatus
from .common import Actor, file_all, saved_user


def unmanifested(location: Location | int) -> QuerySet[Shipment]:
    """The parcels handed over at the location that are on no manifest yet."""
    return Shipment.objects.filter(
        location=location, manifest__isnull=True, shipped_at__isnull=False
    ).exclude(status=ShipmentStatus.CANCELLED)


@dataclass(frozen=True)
class ReadyToManifest:
    carrier: Carrier
    parcels: int
    weight_grams: int

    @property
    def weight_kg(self) -> Decimal:
        return (Decimal(self.weight_grams) / 1000).quantize(Decimal("0.01"))


def ready_to_manifest(location: Location) -> list[ReadyToManifest]:
    """Per carrier, the parcels waiting for a manifest at the location (one grouped read)."""
    rows = (
        unmanifested(location)
        .values("carrier_id")
        .annotate(parcels=Count("pk"), weight=Sum("weight_grams"))
        .order_by("carrier_id")
    )
    counts = {row["carrier_id"]: row for row in rows}
    carriers = Carrier.objects.in_bulk(list(counts))
    ready = [
        ReadyToManifest(carriers[pk], row["parcels"], row["weight"] or 0)
        for pk, row in counts.items()
        if pk in carriers
    ]
    return sorted(ready, key=lambda entry: entry.carrier.name)


def manifest_html(manifest: Manifest) -> str:
    shipments = list(
        manifest.shipments.select_related("order", "service", "location").order_by(
            "tracking_number", "pk"
        )
    )
    for shipment in shipments:
        shipment.weight_kg = f"{shipment.weight_grams / 1000:.2f}"
    weight = sum(shipment.weight_grams for shipment in shipments)
    return render_to_string(
        "shipping/manifest.html",
        {
            "manifest": manifest,
            "ship_from": rendering.ship_from(shipments[0]) if shipments else None,
            "shipments": shipments,
            "total_parcels": len(shipments),
            "total_weight_kg": f"{weight / 1000:.2f}",
        },
    )


def manifest_pdf(manifest: Manifest) -> bytes:
    """The manifest as PDF: carrier, location, date, the parcels and a line for the driver."""
    from weasyprint import HTML  # lazily, as shipping.rendering does: a second at import

    return HTML(string=manifest_html(manifest)).write_pdf()


@transaction.atomic
def _take_parcels(carrier: Carrier, location: Location, actor: Actor) -> Manifest:
    parcels = list(
        unmanifested(location)
        .filter(carrier=carrier)
        .select_for_update(of=("self",))
        .order_by("pk")
        .only("id", "status", "tracking_number")
    )
    if not parcels:
        raise FulfilmentQueueError(
            f"No {carrier.name} parcel handed over at {location.code} waits for a manifest.",
            code="nothing_to_manifest",
        )
    manifest = Manifest.objects.create(
        carrier=carrier, location=location, created_by=saved_user(actor)
    )
    file_all(
        parcels,
        f"On manifest {manifest.pk} of {carrier.name} at {location.code}.",
        carrier,
        manifest=manifest,
    )
    return manifest


def close_manifest(*, carrier: Carrier, location: Location, actor: Actor = None) -> Manifest:
    """Put the carrier's handed-over parcels at the location on a new manifest, then draw its
    PDF (after the commit: no lock is held while WeasyPrint works; a manifest whose drawing
    failed is drawn when it is downloaded)."""
    manifest = _take_parcels(carrier, location, actor)
    manifest.pdf = manifest_pdf(manifest)
    manifest.save(update_fields=["pdf"])
    return manifest


def pdf_of(manifest: Manifest) -> bytes:
    """The stored PDF, drawn and stored now if it is missing."""
    if not manifest.pdf:
        manifest.pdf = manifest_pdf(manifest)
        Manifest.objects.filter(pk=manifest.pk).update(pdf=manifest.pdf)
    return bytes(manifest.pdf)
