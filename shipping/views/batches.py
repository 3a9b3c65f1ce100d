"""Label batches: "Buy labels" on the shipments list makes one, its page shows the progress
(polled every second while the task works) and then the labels in one PDF."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from core.exceptions import DomainError
from core.parsing import parse_ascii_int
from core.permissions import staff_view

from ..models import LabelBatch
from ..services import batches

BUY_LABELS = ("shipping.view_shipment", "shipping.ship_orders")
POLL_SECONDS = 1


@staff_view(*BUY_LABELS)
@require_POST
def batch_create(request: HttpRequest) -> HttpResponse:
    parsed = (parse_ascii_int(value) for value in request.POST.getlist("ids"))
    ids = [pk for pk in parsed if pk is not None]
    try:
        batch = batches.create_label_batch(shipment_ids=ids, actor=request.user)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("shipping:shipment_list")
    messages.success(request, f"Buying {batch.total} label{'s' if batch.total != 1 else ''}.")
    if request.htmx:
        return HttpResponseClientRedirect(batch_url(batch))
    return redirect(batch_url(batch))


def batch_url(batch: LabelBatch) -> str:
    return reverse("shipping:batch_detail", args=[batch.pk])


@staff_view(*BUY_LABELS)
@require_GET
def batch_detail(request: HttpRequest, batch_id: int) -> HttpResponse:
    """The batch's page; its progress fragment alone for htmx's poll."""
    batch = get_object_or_404(LabelBatch.objects.select_related("created_by"), pk=batch_id)
    progress = batches.progress(batch)
    context = {
        "batch": batch,
        "progress": progress,
        "poll_seconds": POLL_SECONDS,
        "shipments": batch.shipments.select_related("order", "carrier", "service").order_by("pk")
        if progress.finished
        else [],
    }
    template = "shipping/shipments/batch.html"
    fragment = bool(request.htmx) and not request.htmx.history_restore_request
    return render(request, f"{template}#progress" if fragment else template, context)


@staff_view(*BUY_LABELS)
@require_GET
def batch_labels(request: HttpRequest, batch_id: int) -> HttpResponse:
    """All the batch's labels in one PDF, one a page."""
    batch = get_object_or_404(LabelBatch, pk=batch_id)
    response = HttpResponse(batches.combined_labels_pdf(batch), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="labels-batch-{batch.pk}.pdf"'
    return response
