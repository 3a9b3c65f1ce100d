"""The order page's Documents panel, downloads and re-issuing, by role."""

import pytest
import time_machine
from django.urls import reverse

from core.idempotency import new_token
from documents import services, signals
from documents.models import Document, Kind
from documents.selectors import DRAWING_WINDOW
from tests.documents.helpers import pdf_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def invoice(order):
    return services.draw_document(document=services.issue_invoice(order=order))


def panel_url(order) -> str:
    return reverse("documents:order_panel", args=[order.number])


def test_the_order_page_loads_the_documents_panel_by_url(login_as, order):
    client = login_as("Customer service")
    response = client.get(reverse("orders:detail", args=[order.number]))
    assert f'hx-get="{panel_url(order)}"' in response.content.decode()


def test_customer_service_lists_and_downloads_but_does_not_reissue(login_as, invoice):
    client = login_as("Customer service")

    response = client.get(panel_url(invoice.order))
    page = response.content.decode()
    assert invoice.number in page
    assert reverse("documents:download", args=[invoice.pk]) in page
    assert "Re-issue" not in page

    download = client.get(reverse("documents:download", args=[invoice.pk]))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert f'filename="{invoice.number}.pdf"' in download["Content-Disposition"]
    assert b"".join(download.streaming_content) == pdf_bytes(invoice)

    posted = client.post(
        reverse("documents:reissue", args=[invoice.order.number]),
        {"idempotency_token": new_token()},
    )
    assert posted.status_code == 403


def test_warehouse_sees_no_documents(login_as, invoice):
    client = login_as("Warehouse")
    assert client.get(panel_url(invoice.order)).status_code == 403
    assert client.get(reverse("documents:download", args=[invoice.pk])).status_code == 403


def test_finance_reissues_once_however_often_the_form_is_posted(login_as, invoice):
    client = login_as("Finance")
    assert "Re-issue invoice" in client.get(panel_url(invoice.order)).content.decode()
    form = {"idempotency_token": new_token()}
    url = reverse("documents:reissue", args=[invoice.order.number])

    first = client.post(url, form)
    again = client.post(url, form)  # a double click

    assert first.status_code == again.status_code == 200
    credit = Document.objects.get(kind=Kind.CREDIT_NOTE)
    new = Document.objects.filter(kind=Kind.INVOICE).exclude(pk=invoice.pk).get()
    assert f"Credit note {credit.number} and new invoice {new.number} issued." in (
        again.content.decode()
    )
    assert credit.corrects == invoice and credit.created_by == client.user
    assert Document.objects.count() == 3


def test_finance_issues_the_invoice_of_an_unpaid_order_by_hand(login_as, order):
    client = login_as("Finance")
    assert "Issue invoice" in client.get(panel_url(order)).content.decode()

    response = client.post(
        reverse("documents:issue", args=[order.number]), {"idempotency_token": new_token()}
    )

    invoice = Document.objects.get(kind=Kind.INVOICE)
    assert f"Invoice {invoice.number} issued." in response.content.decode()
    assert invoice.key == services.invoice_key(order)  # the capture later finds it


def test_a_document_being_drawn_shows_so_and_the_panel_polls(login_as, order):
    services.issue_invoice(order=order)  # its drawing task runs after the commit
    panel = login_as("Finance").get(panel_url(order)).content.decode()
    assert "Drawing…" in panel and "every 3s" in panel


def test_a_document_left_undrawn_is_drawn_when_downloaded_and_announced_once(
    login_as, order, django_capture_on_commit_callbacks
):
    """A lost drawing task, or history issued with ``drawing_on_demand``: the download draws."""
    announced = []

    def note(document, **kwargs) -> None:
        announced.append(document.pk)

    signals.document_issued.connect(note)
    try:
        with django_capture_on_commit_callbacks(execute=True), services.drawing_on_demand():
            pending = services.issue_invoice(order=order)
        client = login_as("Finance")
        with time_machine.travel(pending.created_at + DRAWING_WINDOW):
            panel = client.get(panel_url(order)).content.decode()
            first = client.get(reverse("documents:download", args=[pending.pk]))
            again = client.get(reverse("documents:download", args=[pending.pk]))
    finally:
        signals.document_issued.disconnect(note)

    assert "Drawing…" not in panel and "every 3s" not in panel
    assert first.status_code == again.status_code == 200
    assert b"".join(first.streaming_content).startswith(b"%PDF")
    assert announced == [pending.pk]


def test_the_panel_reads_a_bounded_number_of_queries(
    login_as, order, django_assert_max_num_queries
):
    services.issue_invoice(order=order)
    services.reissue_invoice(order=order)
    services.reissue_invoice(order=order)
    assert Document.objects.count() == 5  # three invoices, two credit notes
    client = login_as("Finance")
    client.get(panel_url(order))  # the session and permissions cached
    # session, user, order, documents (with issuer and corrected invoice), what is credited
    with django_assert_max_num_queries(8):
        response = client.get(panel_url(order))
    assert response.status_code == 200


def test_the_admin_cannot_change_an_invoice(admin_client, invoice):
    url = reverse("admin:documents_document_change", args=[invoice.pk])
    response = admin_client.get(url)
    assert response.status_code == 200
    assert invoice.number in response.content.decode()
    response = admin_client.post(url, {"number": "INV-HACKED"})
    assert response.status_code == 403
    invoice.refresh_from_db()
    assert invoice.number.startswith("INV-")
