"""Issuing documents. An invoice or credit note is issued in two steps:

1. ``issue_invoice`` / ``issue_credit_note``: in one short transaction, lock the order, take the
   next number of the kind's counter for the year (locked until the commit, so numbers are
   gapless: a rolled-back issue gives its number back) and store the snapshot of what the
   document says. An event delivered twice finds the document by its ``key`` and stops.
2. ``draw_document`` (a task, after the commit): draw the PDF from the snapshot, store it (a
   storage that may be remote, so never under the counter's lock), then announce the document
   (``signals.document_issued``: notifications attaches it to the e-mail). A document whose
   drawing was lost or deferred (``drawing_on_demand``) is drawn when it is first downloaded.

A correction is never an edit: ``reissue_invoice`` credits the current invoice in full and
issues a new one from the order as it is now.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from core.exceptions import DomainError
from orders.models import Order
from payments.models import Refund
from payments.selectors import payment_summary
from shipping.models import Shipment
from shipping.rendering import packing_slip_pdf

from . import content, rendering, selectors, signals, tasks
from .models import NUMBER_PREFIXES, Document, DocumentCounter, Kind

Actor = AbstractBaseUser | None


class CannotReissue(DomainError):
    def __init__(self, message: str, code: str = "cannot_reissue"):
        super().__init__(message, code)


class NothingToCredit(DomainError):
    def __init__(self, message: str = "There is no invoice left to credit.", code="nothing"):
        super().__init__(message, code)


def invoice_key(order: Order) -> str:
    return f"invoice:{order.pk}"


def refund_key(refund: Refund) -> str:
    return f"refund:{refund.pk}"


def _saved(actor: Actor):
    return actor if actor is not None and getattr(actor, "pk", None) else None


def next_number(kind: str, year: int) -> str:
    """The next number of ``kind`` in ``year`` (INV-2026-000001). Call it inside the
    transaction that stores the document: the counter row stays locked until it commits."""
    DocumentCounter.objects.get_or_create(kind=kind, year=year)
    counter = DocumentCounter.objects.select_for_update().get(kind=kind, year=year)
    counter.value += 1
    counter.save(update_fields=["value"])
    return f"{NUMBER_PREFIXES[kind]}-{year}-{counter.value:06d}"


def _lock_order(order_id: int) -> Order:
    return (
        Order.objects.select_for_update(of=("self",))
        .select_related("customer")
        .prefetch_related("lines")
        .get(pk=order_id)
    )


_on_demand: ContextVar[bool] = ContextVar("documents_drawn_on_demand", default=False)


@contextmanager
def drawing_on_demand() -> Iterator[None]:
    """Documents issued inside are numbered and stored now and drawn when first downloaded.

    For history being written in bulk (the demo's months of orders): drawing hundreds of PDFs
    nobody opens would be most of the seeding time. Like any document, one is announced
    (``document_issued``, which e-mails an invoice) when it is drawn."""
    token = _on_demand.set(True)
    try:
        yield
    finally:
        _on_demand.reset(token)


def _store(order: Order, kind: str, number: str, body: content.Content, **fields) -> Document:
    document = Document.objects.create(
        order=order,
        kind=kind,
        number=number,
        content=body,
        currency=body["currency"],
        total=Decimal(body["totals"]["total"]),
        **fields,
    )
    if not _on_demand.get():
        tasks.draw_document.delay_on_commit(document.pk)
    return document


def _new_invoice(order: Order, *, key: str, actor: Actor) -> Document:
    """Number and store the invoice of the locked ``order`` as it is now."""
    payments = list(order.payments.all())
    summary = payment_summary(order, payments)
    agreed_due = min((p.due_date for p in payments if p.due_date), default=None)
    issued_on = timezone.localdate()
    number = next_number(Kind.INVOICE, issued_on.year)
    body = content.invoice_content(
        order,
        lines=order.lines.all(),
        number=number,
        issued_on=issued_on,
        paid=summary.net_paid,
        agreed_due=agreed_due,
    )
    return _store(order, Kind.INVOICE, number, body, key=key, created_by=_saved(actor))


def issue_invoice(*, order: Order, actor: Actor = None) -> Document:
    """The order's invoice, issued once however often the capture or shipment is reported."""
    with transaction.atomic():
        order = _lock_order(order.pk)
        if existing := Document.objects.filter(key=invoice_key(order)).first():
            return existing
        return _new_invoice(order, key=invoice_key(order), actor=actor)


def _credit(
    invoice: Document, *, amount: Decimal, reason: str, key: str, refund, actor: Actor
) -> Document:
    issued_on = timezone.localdate()
    number = next_number(Kind.CREDIT_NOTE, issued_on.year)
    body = content.credit_content(
        invoice.content, number=number, issued_on=issued_on, amount=amount, reason=reason
    )
    return _store(
        invoice.order,
        Kind.CREDIT_NOTE,
        number,
        body,
        key=key,
        corrects=invoice,
        refund=refund,
        created_by=_saved(actor),
    )


def issue_credit_note(*, refund: Refund, actor: Actor = None) -> Document | None:
    """The credit note of a refund, against the order's current invoice, for at most what
    that invoice still holds; None when nothing was invoiced (a refund before an invoice
    issued on shipment gives back money that was never invoiced)."""
    with transaction.atomic():
        order = _lock_order(refund.payment.order_id)
        if existing := Document.objects.filter(key=refund_key(refund)).first():
            return existing
        invoice = selectors.latest_document(order, Kind.INVOICE)
        if invoice is None:
            return None
        amount = min(refund.amount, selectors.uncredited(invoice))
        if amount <= 0:
            return None
        reason = f"Refund: {refund.reason}" if refund.reason else "Refund"
        return _credit(
            invoice,
            amount=amount,
            reason=reason,
            key=refund_key(refund),
            refund=refund,
            actor=actor,
        )


def reissue_invoice(*, order: Order, actor: Actor = None) -> tuple[Document, Document]:
    """Credit what the current invoice still holds and invoice the order again as it is now
    (a corrected address, changed lines). Returns (credit note, new invoice)."""
    with transaction.atomic():
        order = _lock_order(order.pk)
        invoice = selectors.latest_document(order, Kind.INVOICE)
        if invoice is None:
            raise NothingToCredit("This order has no invoice yet.")
        amount = selectors.uncredited(invoice)
        if amount <= 0:
            raise NothingToCredit("This invoice is credited in full already.")
        credit = _credit(
            invoice,
            amount=amount,
            reason="Cancelled and re-issued",
            key="",
            refund=None,
            actor=actor,
        )
        return credit, _new_invoice(order, key="", actor=actor)


def _attach(document: Document, data: bytes) -> bool:
    """Write the file to storage (outside any lock: it may be remote), then set it on the row
    only if the row has none yet; False (and the file removed) when another worker won."""
    storage = document.file.storage
    name = storage.save(
        document.file.field.generate_filename(document, document.filename), ContentFile(data)
    )
    sha256 = hashlib.sha256(data).hexdigest()
    if not Document.objects.filter(pk=document.pk, file="").update(file=name, sha256=sha256):
        storage.delete(name)
        return False
    document.file.name, document.sha256 = name, sha256
    return True


def reissue_document(*, document: Document, actor: Actor = None) -> Document:
    """A new copy of a kept shipping label or packing slip, from the shipment as it is now (the
    slip is drawn again). Invoices and credit notes are never re-issued this way:
    ``reissue_invoice`` credits and invoices anew."""
    if document.is_legal or document.shipment_id is None:
        raise CannotReissue("Only a kept shipping document can be issued again.")
    if document.kind == Kind.PACKING_SLIP:
        data = packing_slip_pdf(_slip_shipments().get(pk=document.shipment_id))
    else:
        label = Shipment.objects.only("label_pdf").get(pk=document.shipment_id).label_pdf
        if not label:
            raise CannotReissue("The parcel has no label any more.", code="no_label")
        data = bytes(label)
    copy = Document.objects.create(
        order_id=document.order_id,
        kind=document.kind,
        shipment_id=document.shipment_id,
        content_type=document.content_type,
        created_by=_saved(actor),
    )
    _attach(copy, data)
    signals.document_issued.send(sender=Document, document=copy)
    return copy


def draw_document(*, document: Document) -> Document:
    """Draw the PDF of an issued document and store it, once; then announce the document
    (whoever draws it first: the task, or a download that came before it)."""
    if document.file:
        return document
    if _attach(document, rendering.document_pdf(document.content)):
        signals.document_issued.send(sender=Document, document=document)
        return document
    return Document.objects.get(pk=document.pk)


def drawn(document: Document) -> Document | None:
    """The document with its file, drawn now if its drawing was lost or left for later
    (``drawing_on_demand``); None for a kept copy (a label, a slip) whose file never got
    stored: it has no snapshot to draw from."""
    if document.file:
        return document
    if not document.content:
        return None
    return draw_document(document=document)


def mark_sent(*, document: Document, sent_at: datetime | None = None) -> Document:
    """Record that the document went to the customer (the first time only)."""
    document.sent_at = document.sent_at or sent_at or timezone.now()
    Document.objects.filter(pk=document.pk, sent_at__isnull=True).update(sent_at=document.sent_at)
    return document


def keep_shipped_labels(*, order: Order) -> list[Document]:
    """Keep the label of each parcel of ``order`` handed to the carrier, once per parcel
    (shipping draws it when the label is bought and keeps it in the shipment's row)."""
    shipments = (
        Shipment.objects.filter(order=order, shipped_at__isnull=False)
        .exclude(label_pdf=b"")
        .exclude(documents__kind=Kind.SHIPPING_LABEL)
        .only("pk", "order_id", "label_pdf")
    )
    return [
        keep_shipping_document(
            shipment=shipment, kind=Kind.SHIPPING_LABEL, data=bytes(shipment.label_pdf)
        )
        for shipment in shipments
    ]


def _slip_shipments() -> QuerySet[Shipment]:
    """Shipments with what their packing slip prints (its lines are read by the drawing)."""
    return Shipment.objects.select_related("order", "location", "box").defer(
        "label_pdf", "label_zpl"
    )


def keep_packing_slips(*, order: Order) -> list[Document]:
    """Keep the packing slip of each parcel of ``order`` that left (handed to the carrier or
    collected), once per parcel: drawn by shipping as it prints it for the box, with no lock
    held (WeasyPrint takes a while) and with the parcel's contents as they left."""
    shipments = _slip_shipments().filter(order=order, shipped_at__isnull=False)
    return [
        keep_shipping_document(
            shipment=shipment, kind=Kind.PACKING_SLIP, data=packing_slip_pdf(shipment)
        )
        for shipment in shipments.exclude(documents__kind=Kind.PACKING_SLIP)
    ]


def keep_shipping_document(
    *, shipment: Shipment, kind: str, data: bytes, content_type: str = "application/pdf"
) -> Document:
    """Keep a slip or label shipping drew for ``shipment``, once per shipment and kind."""
    document, created = Document.objects.get_or_create(
        key=f"{kind}:{shipment.pk}",
        defaults={
            "order_id": shipment.order_id,
            "kind": kind,
            "shipment": shipment,
            "content_type": content_type,
        },
    )
    if created and _attach(document, data):
        signals.document_issued.send(sender=Document, document=document)
    return document


# --- what other domains' events ask for (documents.receivers) ------------------------------


def invoice_due(*, order: Order, trigger: str) -> None:
    """Money was captured (``trigger="capture"``) or a parcel left (``"shipment"``): queue the
    order's invoice if that is the moment the settings issue it."""
    if trigger == settings.OMS_INVOICE_ON:
        tasks.issue_invoice.delay_on_commit(order.pk)


def parcel_shipped(*, order: Order) -> None:
    """A parcel of ``order`` left: its invoice may be due, and its label and packing slip are
    kept (two tasks: a slip that fails to draw is retried without copying the label again)."""
    invoice_due(order=order, trigger="shipment")
    tasks.keep_shipped_labels.delay_on_commit(order.pk)
    tasks.keep_packing_slips.delay_on_commit(order.pk)


def credit_note_due(*, refund_id: int) -> None:
    tasks.issue_credit_note.delay_on_commit(refund_id)
