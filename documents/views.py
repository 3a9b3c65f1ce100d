"""The order page's Documents panel, document downloads and the re-issue action.

Permissions are checked here, per URL: Customer service reads and downloads; Finance and
Managers also issue and re-issue (``documents.issue_document``), and get the buttons.
"""

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET, require_POST

from core.exceptions import DomainError
from core.idempotency import run_posted
from core.permissions import staff_view
from orders.models import Order

from . import selectors, services
from .models import Document, Kind

VIEW = "documents.view_document"
ISSUE = "documents.issue_document"
PANEL_TEMPLATE = "documents/order_panel.html"


def _order(number: str) -> Order:
    return get_object_or_404(Order.objects.only("id", "number"), number=number)


def _panel(request: HttpRequest, order: Order, *, error: str = "", notice: str = ""):
    documents = selectors.documents_for_order(order)
    for document in documents:
        document.drawing = selectors.being_drawn(document)
    invoice = next((d for d in documents if d.kind == Kind.INVOICE), None)
    may_issue = request.user.has_perm(ISSUE)
    context = {
        "order": order,
        "documents": documents,
        "may_issue": may_issue and invoice is None,
        "may_copy": may_issue,
        "may_reissue": may_issue and invoice is not None and selectors.uncredited(invoice) > 0,
        "drawing": any(document.drawing for document in documents),
        "error": error,
        "notice": notice,
    }
    return render(request, PANEL_TEMPLATE, context)


@staff_view(VIEW)
@require_GET
def order_panel(request: HttpRequest, number: str) -> HttpResponse:
    return _panel(request, _order(number))


@staff_view(VIEW)
@require_GET
def download(request: HttpRequest, document_id: int) -> FileResponse:
    document = get_object_or_404(Document, pk=document_id)
    document = services.drawn(document)
    if document is None:
        raise Http404("This document's file was never stored.")
    return FileResponse(
        document.file.open("rb"), content_type=document.content_type, filename=document.filename
    )


def _act(request: HttpRequest, number: str, action: str, success: str) -> HttpResponse:
    order = _order(number)

    def work() -> dict:
        if action == "reissue":
            credit, invoice = services.reissue_invoice(order=order, actor=request.user)
            return {"credit_note": credit.number, "invoice": invoice.number}
        return {"invoice": services.issue_invoice(order=order, actor=request.user).number}

    try:
        result = run_posted(request, scope=f"documents.{action}:{number}", work=work).result
    except DomainError as error:
        return _panel(request, order, error=error.message)
    return _panel(request, order, notice=success.format(**result))


@staff_view(ISSUE)
@require_POST
def reissue_copy(request: HttpRequest, document_id: int) -> HttpResponse:
    """Issue a kept shipping label again (a new document; the old one stays)."""
    document = get_object_or_404(Document.objects.select_related("order"), pk=document_id)
    order = document.order

    def work() -> dict:
        return {"copy": services.reissue_document(document=document, actor=request.user).pk}

    try:
        run_posted(request, scope=f"documents.copy:{document.pk}", work=work)
    except DomainError as error:
        return _panel(request, order, error=error.message)
    return _panel(request, order, notice=f"{document.get_kind_display()} issued again.")


@staff_view(ISSUE)
@require_POST
def issue(request: HttpRequest, number: str) -> HttpResponse:
    return _act(request, number, "issue", "Invoice {invoice} issued.")


@staff_view(ISSUE)
@require_POST
def reissue(request: HttpRequest, number: str) -> HttpResponse:
    return _act(
        request, number, "reissue", "Credit note {credit_note} and new invoice {invoice} issued."
    )
