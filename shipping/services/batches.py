"""Label batches: labels for many parcels bought by one task, each with its preselected quote
(the cheapest that arrives in time, as the shipment page would preselect it).

The batch keeps no counters of its own: its progress is counted from its shipments (labelled,
refused, still waiting), so a reload shows where the task is and a task run twice finds the
labelled ones done. A parcel that cannot be labelled is marked with why (``label_error``) and
the batch goes on with the next one.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from pypdf import PdfWriter

from .. import tasks
from ..exceptions import CarrierError, FulfilmentQueueError, InvalidShipmentState, ShippingError
from ..models import LabelBatch, Shipment, ShipmentStatus
from .common import Actor, file_all, lock_shipment, saved_user
from .labels import buy_label, issue_label, rate_shop

logger = logging.getLogger(__name__)

MAX_BATCH = 200  # labels one task buys; more are another batch


@dataclass(frozen=True)
class Progress:
    total: int
    done: int
    failed: int

    @property
    def pending(self) -> int:
        return max(self.total - self.done - self.failed, 0)

    @property
    def finished(self) -> bool:
        return self.pending == 0

    @property
    def percent(self) -> int:
        return 100 if not self.total else round(100 * (self.done + self.failed) / self.total)


def progress(batch: LabelBatch) -> Progress:
    """Counted from the batch's shipments in one query: labelled (or further), refused."""
    counts = batch.shipments.aggregate(
        done=Count("pk", filter=~Q(status__in=[ShipmentStatus.LABEL_PENDING])),
        failed=Count("pk", filter=Q(status=ShipmentStatus.LABEL_PENDING) & ~Q(label_error="")),
    )
    return Progress(total=batch.total, done=counts["done"], failed=counts["failed"])


def _eligible(shipment: Shipment) -> bool:
    return (
        shipment.status == ShipmentStatus.LABEL_PENDING
        and shipment.label_requested_at is None
        and (shipment.label_batch_id is None or shipment.label_batch.finished_at is not None)
    )


@transaction.atomic
def create_label_batch(*, shipment_ids: Iterable[int], actor: Actor = None) -> LabelBatch:
    """A batch of the selected parcels still waiting for a label, none of them in an unfinished
    batch or with a label being bought; its task is queued once the batch is committed."""
    ids = sorted(set(shipment_ids))
    if not ids:
        raise FulfilmentQueueError("Select the parcels to buy labels for.", field="ids")
    if len(ids) > MAX_BATCH:
        raise FulfilmentQueueError(
            f"At most {MAX_BATCH} labels a batch; {len(ids)} were selected.", field="ids"
        )
    shipments = list(
        Shipment.objects.select_for_update(of=("self",))
        .select_related("label_batch")
        .filter(pk__in=ids)
        .order_by("pk")
    )
    chosen = [shipment for shipment in shipments if _eligible(shipment)]
    if not chosen:
        raise FulfilmentQueueError(
            "None of the selected parcels waits for a label (bought, being bought, or in "
            "another batch).",
            field="ids",
        )
    batch = LabelBatch.objects.create(created_by=saved_user(actor), total=len(chosen))
    file_all(chosen, f"Label to be bought in batch {batch.pk}.", label_batch=batch, label_error="")
    tasks.create_label_batch.delay_on_commit(batch.pk)
    return batch


def _refuse(shipment: Shipment, message: str) -> None:
    """Mark the parcel as one the batch could not label (shown on it and in the counts)."""
    with transaction.atomic():
        shipment = lock_shipment(shipment)
        if shipment.status == ShipmentStatus.LABEL_PENDING and not shipment.label_error:
            shipment.label_error = message[:500]
            shipment.save(update_fields=["label_error", "updated_at"])


def _label_one(shipment: Shipment) -> None:
    """Buy the parcel's label with its preselected quote: the carrier calls (quotes, label)
    are made with no lock held, as ``buy_label`` and ``issue_label`` do."""
    if shipment.label_requested_at is None:
        shop = rate_shop(shipment)
        if shop.best is None:
            why = "; ".join(shop.unavailable) or "no carrier quotes this parcel"
            _refuse(shipment, f"No quote: {why}.")
            return
        # queues the single-label task too; whichever runs first buys it, the other stops
        buy_label(shipment=shipment, quote=shop.best)
    try:
        issue_label(shipment=shipment)
    except InvalidShipmentState as error:
        if error.code != "in_progress":  # in progress: the single-label task is buying it
            raise


def run_label_batch(batch: LabelBatch) -> Progress:
    """The batch task's work: each waiting parcel labelled in turn, a failure recorded on its
    parcel and the next one tried. Safe to run again: labelled and refused parcels are skipped."""
    waiting = batch.shipments.filter(status=ShipmentStatus.LABEL_PENDING, label_error="")
    for shipment in waiting.order_by("pk"):
        try:
            _label_one(shipment)
        except CarrierError as error:
            _refuse(shipment, error.message)
        except ShippingError as error:
            logger.warning("batch %s: shipment %s not labelled: %s", batch.pk, shipment.pk, error)
            _refuse(shipment, error.message)
    result = progress(batch)
    if result.finished and batch.finished_at is None:
        LabelBatch.objects.filter(pk=batch.pk, finished_at__isnull=True).update(
            finished_at=timezone.now()
        )
    return result


def combined_labels_pdf(batch: LabelBatch) -> bytes:
    """Every label of the batch in one PDF, one label a page, to print in one go: the stored
    PDFs joined as they are (nothing is drawn again)."""
    labelled = batch.shipments.exclude(label_pdf=b"").order_by("pk")
    writer = PdfWriter()
    for pdf in labelled.values_list("label_pdf", flat=True).iterator(chunk_size=20):
        writer.append(io.BytesIO(bytes(pdf)))
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()
