"""Reading documents back: the PDF's text (pypdf) and its embedded Factur-X XML."""

import io

from facturx import get_xml_from_pdf
from lxml import etree
from pypdf import PdfReader

from documents.facturx_xml import NS


def pdf_bytes(document) -> bytes:
    with document.file.open("rb") as file:
        return file.read()


def pdf_text(document) -> str:
    reader = PdfReader(io.BytesIO(pdf_bytes(document)))
    return "\n".join(page.extract_text() for page in reader.pages)


def embedded_xml(document) -> bytes:
    filename, xml = get_xml_from_pdf(pdf_bytes(document), check_xsd=False)
    assert filename == "factur-x.xml"
    return xml


def xml_values(xml: bytes, path: str) -> list[str]:
    return [node.text for node in etree.fromstring(xml).xpath(path, namespaces=NS)]
