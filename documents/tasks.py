"""Celery tasks: load ids, call a service. Each is safe to run twice: an invoice or credit note
is found by the key of the event that issued it, and a drawn document is not drawn again."""

from celery import shared_task

from orders.models import Order
from payments.models import Refund

from .models import Document

RETRIED = {
    "autoretry_for": (OSError,),  # the file storage unreachable or full
    "retry_backoff": True,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 8,
}


@shared_task(**RETRIED)
def issue_invoice(order_id: int) -> str:
    from . import services  # services queue these tasks

    order = Order.objects.filter(pk=order_id).first()
    if order is None:
        return "missing"
    return services.issue_invoice(order=order).number


@shared_task(**RETRIED)
def issue_credit_note(refund_id: int) -> str:
    from . import services

    refund = Refund.objects.filter(pk=refund_id).select_related("payment").first()
    if refund is None:
        return "missing"
    document = services.issue_credit_note(refund=refund)
    return document.number if document else "nothing invoiced"


@shared_task(**RETRIED)
def draw_document(document_id: int) -> str:
    from . import services

    document = Document.objects.filter(pk=document_id).first()
    if document is None:
        return "missing"
    return services.draw_document(document=document).sha256


@shared_task(**RETRIED)
def keep_shipped_labels(order_id: int) -> int:
    from . import services

    order = Order.objects.filter(pk=order_id).first()
    return len(services.keep_shipped_labels(order=order)) if order else 0


@shared_task(**RETRIED)
def keep_packing_slips(order_id: int) -> int:
    from . import services

    order = Order.objects.filter(pk=order_id).first()
    return len(services.keep_packing_slips(order=order)) if order else 0
