"""Invoices and credit notes as PDF: the snapshot drawn by ``templates/documents/invoice.html``
with WeasyPrint as PDF/A-3b, then its Factur-X XML embedded by the ``factur-x`` library (which
checks the XML against the EN 16931 XSD and writes the PDF/A extension metadata)."""

from __future__ import annotations

from datetime import date

from django.template.loader import render_to_string

from .content import Content
from .facturx_xml import cii_xml

TEMPLATE = "documents/invoice.html"


def _day(iso: str) -> date | None:
    return date.fromisoformat(iso) if iso else None


def document_html(content: Content) -> str:
    return render_to_string(
        TEMPLATE,
        {
            "doc": content,
            "issued_on": _day(content["issued_on"]),
            "due_on": _day(content["terms"]["due_on"]),
        },
    )


def html_pdf(html: str) -> bytes:
    """The HTML as PDF/A-3b, the PDF/A part that may carry an embedded XML file."""
    from weasyprint import HTML  # imported lazily, as shipping.rendering explains

    return HTML(string=html).write_pdf(pdf_variant="pdf/a-3b")


def document_pdf(content: Content) -> bytes:
    """The invoice or credit note as a Factur-X PDF."""
    from facturx import generate_from_binary  # loads its XSDs on first use

    seller = content["seller"]["name"]
    return generate_from_binary(
        html_pdf(document_html(content)),
        cii_xml(content),
        flavor="factur-x",
        level="en16931",
        check_xsd=True,
        pdf_metadata={
            "author": seller,
            "keywords": f"Factur-X, {content['title']}",
            "title": f"{seller}: {content['title']} {content['number']}",
            "subject": f"{content['title']} {content['number']} of {content['issued_on']}, "
            f"order {content['order']['number']}",
        },
        lang="en-US",
    )
