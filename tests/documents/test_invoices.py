"""Invoices and credit notes: issued on the events, read back from the PDF, Factur-X inside."""

from decimal import Decimal

import pytest
from django.utils import timezone
from facturx import xml_check_xsd

from documents import selectors, services, tasks
from documents.models import Document, DocumentImmutable, Kind
from payments import services as payments
from tests.documents.conftest import order_to_invoice, pay
from tests.documents.helpers import embedded_xml, pdf_text, xml_values

pytestmark = pytest.mark.django_db

YEAR = timezone.localdate().year
TOTAL = "/rsm:CrossIndustryInvoice//ram:SpecifiedTradeSettlementHeaderMonetarySummation"


def invoices(order) -> list[Document]:
    return list(Document.objects.filter(order=order, kind=Kind.INVOICE))


def test_paying_issues_an_invoice_whose_pdf_shows_lines_tax_and_total(
    order, django_capture_on_commit_callbacks
):
    # given an order of 1 kettle at 39.50 and 3 mugs at 12.25, taxed 8 %, shipping 4.90
    assert order.total == Decimal("87.25")
    # when it is paid
    with django_capture_on_commit_callbacks(execute=True):
        pay(order)

    # then one invoice is issued, numbered, drawn and fingerprinted
    (invoice,) = invoices(order)
    assert invoice.number == f"INV-{YEAR}-000001"
    assert invoice.total == Decimal("87.25")
    assert len(invoice.sha256) == 64
    text = pdf_text(invoice)
    assert f"Invoice {invoice.number}" in text
    assert order.number in text
    for line in ("KETTLE-1 Copper kettle 1 39.50", "MUG-4 Stoneware mugs 3 12.25"):
        assert line in text
    assert "Tax 8 % 76.25 6.10" in text  # the lines at 8 %: taxable amount, tax
    assert "Tax 0 % 4.90 0.00" in text  # shipping is not taxed
    assert "Total 87.25 USD" in text
    assert "OMS Demo Shop Inc." in text and "Tax ID US-00-0000000" in text
    assert "Paid in full" in text


def test_the_invoice_carries_factur_x_xml_that_validates(order, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        pay(order)
    (invoice,) = invoices(order)

    xml = embedded_xml(invoice)

    assert xml_check_xsd(xml, flavor="factur-x", level="en16931") is True
    assert xml_values(xml, "//rsm:ExchangedDocument/ram:ID") == [invoice.number]
    assert xml_values(xml, "//rsm:ExchangedDocument/ram:TypeCode") == ["380"]
    assert xml_values(xml, f"{TOTAL}/ram:GrandTotalAmount") == ["87.25"]
    assert xml_values(xml, f"{TOTAL}/ram:TaxTotalAmount") == ["6.10"]
    assert xml_values(xml, f"{TOTAL}/ram:DuePayableAmount") == ["0.00"]
    assert xml_values(xml, "//ram:BuyerOrderReferencedDocument/ram:IssuerAssignedID") == [
        order.number
    ]
    assert xml_values(xml, "//ram:SpecifiedTradeProduct/ram:Name") == [
        "Copper kettle",
        "Stoneware mugs",
    ]


def test_an_event_delivered_twice_issues_one_invoice(order, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        pay(order, amount=Decimal("50.00"))
        pay(order, amount=Decimal("37.25"))  # a second receipt: the same order's invoice
    tasks.issue_invoice(order.pk)  # and the task redelivered by the broker

    (invoice,) = invoices(order)
    assert invoice.number == f"INV-{YEAR}-000001"


def test_an_unpaid_invoice_states_its_terms_and_due_date(settings, order):
    settings.OMS_INVOICE_PAYMENT_DAYS = 14
    invoice = services.draw_document(document=services.issue_invoice(order=order))

    text = pdf_text(invoice)
    due = timezone.localdate() + timezone.timedelta(days=14)
    assert "Payable within 14 days" in text
    assert f"Due date: {due:%Y-%m-%d}" in text
    assert xml_values(embedded_xml(invoice), f"{TOTAL}/ram:DuePayableAmount") == ["87.25"]


def test_on_shipment_setting_capture_issues_no_invoice(
    settings, order, django_capture_on_commit_callbacks
):
    settings.OMS_INVOICE_ON = "shipment"
    with django_capture_on_commit_callbacks(execute=True):
        pay(order)
    assert invoices(order) == []


def test_a_refund_issues_a_credit_note_against_the_invoice(
    order, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        payment = pay(order)
    with django_capture_on_commit_callbacks(execute=True):
        refund = payments.create_refund(
            payment=payment, amount=Decimal("20.00"), reason="Chipped mug"
        )
    tasks.issue_credit_note(refund.pk)  # delivered twice: still one credit note

    (invoice,) = invoices(order)
    (credit,) = Document.objects.filter(kind=Kind.CREDIT_NOTE)
    assert (credit.number, credit.corrects, credit.refund) == (f"CN-{YEAR}-000001", invoice, refund)
    assert credit.total == Decimal("20.00")
    # shared as the invoice's gross: 82.35 of 87.25 at 8 %, 4.90 at 0 %
    assert [(row["rate"], row["basis"], row["tax"]) for row in credit.content["tax_rows"]] == [
        ("0", "1.12", "0.00"),
        ("8", "17.48", "1.40"),
    ]
    text = pdf_text(credit)
    assert f"Credit note {credit.number}" in text
    assert f"Corrects invoice {invoice.number}" in text
    assert "Total 20.00 USD" in text
    xml = embedded_xml(credit)
    assert xml_check_xsd(xml, flavor="factur-x", level="en16931") is True
    assert xml_values(xml, "//rsm:ExchangedDocument/ram:TypeCode") == ["381"]
    assert xml_values(xml, "//ram:InvoiceReferencedDocument/ram:IssuerAssignedID") == [
        invoice.number
    ]
    assert selectors.uncredited(invoice) == Decimal("67.25")


def test_a_refund_before_any_invoice_issues_no_credit_note(settings, order):
    settings.OMS_INVOICE_ON = "shipment"
    payment = pay(order)
    refund = payments.create_refund(payment=payment, amount=Decimal("5.00"), reason="Goodwill")

    assert services.issue_credit_note(refund=refund) is None
    assert not Document.objects.exists()


def test_reissuing_credits_the_invoice_in_full_and_issues_a_new_one(order):
    first = services.issue_invoice(order=order)

    credit, second = services.reissue_invoice(order=order)

    assert (credit.kind, credit.corrects, credit.total) == (Kind.CREDIT_NOTE, first, first.total)
    assert second.number == f"INV-{YEAR}-000002"
    assert selectors.latest_document(order, Kind.INVOICE) == second
    assert selectors.uncredited(first) == 0
    # the event's invoice stays the first one: a late capture issues nothing more
    assert services.issue_invoice(order=order) == first


def test_an_issued_invoice_cannot_be_changed_or_deleted(order):
    invoice = services.draw_document(document=services.issue_invoice(order=order))

    invoice.total = Decimal("1.00")
    with pytest.raises(DocumentImmutable):
        invoice.save()
    with pytest.raises(DocumentImmutable):
        invoice.save(update_fields=["total"])
    with pytest.raises(DocumentImmutable):  # its PDF is drawn once
        invoice.save(update_fields=["file", "sha256"])
    with pytest.raises(DocumentImmutable):
        invoice.delete()
    invoice.refresh_from_db()
    assert invoice.total == Decimal("87.25")
    invoice.sent_at = timezone.now()
    invoice.save(update_fields=["sent_at"])  # when it was e-mailed may be recorded


def test_drawing_twice_keeps_the_first_pdf(order):
    invoice = services.issue_invoice(order=order)
    drawn = services.draw_document(document=invoice)
    again = services.draw_document(document=Document.objects.get(pk=invoice.pk))

    assert again.file.name == drawn.file.name
    assert again.sha256 == drawn.sha256


def test_the_document_issued_signal_hands_over_the_drawn_invoice(order):
    from documents.signals import document_issued

    received = []

    def on_issued(sender, document, **kwargs):
        received.append((document.number, bool(document.file)))

    document_issued.connect(on_issued)
    try:
        invoice = services.draw_document(document=services.issue_invoice(order=order))
        services.draw_document(document=invoice)  # drawn already: not announced again
    finally:
        document_issued.disconnect(on_issued)
    assert received == [(invoice.number, True)]


def test_a_company_buyer_with_untaxed_lines_validates(
    channel, warehouse, django_capture_on_commit_callbacks
):
    from tests import factories

    customer = factories.CustomerFactory(company="Northwind Traders")
    order = order_to_invoice(
        channel=channel,
        customer=customer,
        warehouse=warehouse,
        shipping="0.00",
        billing_address={
            "name": "Accounts payable",
            "line1": "5 Quay",
            "city": "Hamburg",
            "postal_code": "20457",
            "country": "DE",
        },
    )
    invoice = services.draw_document(document=services.issue_invoice(order=order))

    xml = embedded_xml(invoice)
    assert xml_check_xsd(xml, flavor="factur-x", level="en16931") is True
    assert xml_values(xml, "//ram:BuyerTradeParty/ram:Name") == ["Northwind Traders"]
    assert [row["rate"] for row in invoice.content["tax_rows"]] == ["0"]


def test_the_first_sending_is_recorded(order):
    invoice = services.issue_invoice(order=order)
    first = timezone.now() - timezone.timedelta(hours=1)

    services.mark_sent(document=invoice, sent_at=first)
    services.mark_sent(document=Document.objects.get(pk=invoice.pk))  # sent again later

    invoice.refresh_from_db()
    assert invoice.sent_at == first


def test_invoice_terms_issue_the_invoice_to_pay_by_at_once(
    order, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        payments.set_payment_terms(order=order, method="invoice_terms")

    (invoice,) = invoices(order)
    assert (
        invoice.content["terms"]["due_on"]
        == (timezone.localdate() + timezone.timedelta(days=30)).isoformat()
    )
    assert "Payable within 30 days" in pdf_text(invoice)


def test_the_database_refuses_changing_an_issued_invoice_behind_the_model(order):
    from django.db import IntegrityError, transaction

    invoice = services.draw_document(document=services.issue_invoice(order=order))
    issued = Document.objects.filter(pk=invoice.pk)

    for change in ({"total": Decimal("1.00")}, {"number": "INV-X"}, {"file": "other.pdf"}):
        with pytest.raises(IntegrityError), transaction.atomic():
            issued.update(**change)
    with pytest.raises(IntegrityError), transaction.atomic():
        issued.delete()
    issued.update(sent_at=timezone.now())  # recording the sending stays allowed
    assert issued.get().total == Decimal("87.25")
