"""Read queries over documents, shared by the order page, the tasks and notifications."""

from datetime import timedelta
from decimal import Decimal

from django.db.models import Sum
from django.utils import timezone

from core.money import ZERO
from orders.models import Order

from .models import Document, Kind

# How long a document without its file counts as being drawn by its task (the panel polls).
DRAWING_WINDOW = timedelta(minutes=5)


def being_drawn(document: Document) -> bool:
    """Its task is likely still drawing it. Older and still without a file (the task was lost,
    or it was issued with ``services.drawing_on_demand``), it is drawn on download instead."""
    return not document.file and document.created_at > timezone.now() - DRAWING_WINDOW


def latest_document(order: Order, kind: str) -> Document | None:
    """The order's newest document of ``kind`` (the invoice an e-mail attaches), or None."""
    return Document.objects.filter(order=order, kind=kind).order_by("-created_at", "-pk").first()


def documents_for_order(order: Order) -> list[Document]:
    """Every document of the order, newest first, with who issued it and what it corrects."""
    return list(
        Document.objects.filter(order=order)
        .select_related("created_by", "corrects")
        .order_by("-created_at", "-pk")
    )


def uncredited(invoice: Document) -> Decimal:
    """What of ``invoice`` no credit note has taken back yet."""
    credited = Document.objects.filter(corrects=invoice, kind=Kind.CREDIT_NOTE).aggregate(
        total=Sum("total")
    )["total"]
    return (invoice.total or ZERO) - (credited or ZERO)
