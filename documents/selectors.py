"""Read queries over documents, shared by the order page, the tasks and notifications."""

from decimal import Decimal

from django.db.models import Sum

from core.money import ZERO
from orders.models import Order

from .models import Document, Kind


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
