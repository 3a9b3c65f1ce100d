"""The Factur-X (ZUGFeRD 2) XML of an invoice or credit note: UN/CEFACT Cross Industry Invoice
at the EN 16931 profile, built from the document's snapshot (``documents.content``).

Element order follows the Factur-X EN 16931 XSD, which ``facturx.generate_from_binary`` checks.
Tax is written as VAT (the only type EN 16931 knows): category S at a rate above zero, Z at 0 %;
shipping is a document-level charge at 0 %.
"""

from decimal import Decimal

from lxml import etree
from lxml.builder import ElementMaker

from .content import Content

NS = {
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
    "qdt": "urn:un:unece:uncefact:data:standard:QualifiedDataType:100",
}
EN16931 = "urn:cen.eu:en16931:2017"
TYPE_CODES = {"Invoice": "380", "Credit note": "381"}
UNIT = "C62"  # "one": a unit of the product

RSM = ElementMaker(namespace=NS["rsm"], nsmap=NS)
RAM = ElementMaker(namespace=NS["ram"])
UDT = ElementMaker(namespace=NS["udt"])
QDT = ElementMaker(namespace=NS["qdt"])
ADDRESS_FIELDS = (
    (RAM.PostcodeCode, "postal_code"),
    (RAM.LineOne, "line1"),
    (RAM.LineTwo, "line2"),
    (RAM.CityName, "city"),
)


def _date(iso: str, maker: ElementMaker = UDT) -> etree._Element:
    return maker.DateTimeString(iso.replace("-", ""), format="102")


def _category(rate: str) -> str:
    return "S" if Decimal(rate) > 0 else "Z"


def _tax(rate: str) -> list[etree._Element]:
    return [RAM.TypeCode("VAT"), RAM.CategoryCode(_category(rate)), RAM.RateApplicablePercent(rate)]


def _party(
    tag: str, party: dict[str, str], *, fallback_country: str, tax_id: str = ""
) -> etree._Element:
    address = [make(party[key]) for make, key in ADDRESS_FIELDS if party.get(key)]
    address.append(RAM.CountryID(party.get("country", "").upper()[:2] or fallback_country))
    if party.get("region"):
        address.append(RAM.CountrySubDivisionName(party["region"]))
    children = [RAM.Name(party.get("company") or party.get("name") or "—")]
    children.append(RAM.PostalTradeAddress(*address))
    if party.get("email"):
        children.append(RAM.URIUniversalCommunication(RAM.URIID(party["email"], schemeID="EM")))
    if tax_id:
        children.append(RAM.SpecifiedTaxRegistration(RAM.ID(tax_id, schemeID="VA")))
    return RAM(tag, *children)


def _line(index: int, line: dict) -> etree._Element:
    settlement = [RAM.ApplicableTradeTax(*_tax(line["tax_rate"]))]
    if Decimal(line["discount"]):
        settlement.append(
            RAM.SpecifiedTradeAllowanceCharge(
                RAM.ChargeIndicator(UDT.Indicator("false")),
                RAM.ActualAmount(line["discount"]),
                RAM.Reason("Discount"),
            )
        )
    settlement.append(
        RAM.SpecifiedTradeSettlementLineMonetarySummation(RAM.LineTotalAmount(line["net"]))
    )
    product = [RAM.SellerAssignedID(line["sku"])] if line["sku"] else []
    return RAM.IncludedSupplyChainTradeLineItem(
        RAM.AssociatedDocumentLineDocument(RAM.LineID(str(index))),
        RAM.SpecifiedTradeProduct(*product, RAM.Name(line["name"])),
        RAM.SpecifiedLineTradeAgreement(
            RAM.NetPriceProductTradePrice(RAM.ChargeAmount(line["unit_price"]))
        ),
        RAM.SpecifiedLineTradeDelivery(RAM.BilledQuantity(str(line["quantity"]), unitCode=UNIT)),
        RAM.SpecifiedLineTradeSettlement(*settlement),
    )


def _settlement(content: Content) -> etree._Element:
    totals, currency = content["totals"], content["currency"]
    children = [RAM.InvoiceCurrencyCode(currency)]
    children.extend(
        RAM.ApplicableTradeTax(
            RAM.CalculatedAmount(row["tax"]),
            RAM.TypeCode("VAT"),
            RAM.BasisAmount(row["basis"]),
            RAM.CategoryCode(_category(row["rate"])),
            RAM.RateApplicablePercent(row["rate"]),
        )
        for row in content["tax_rows"]
    )
    if Decimal(totals["shipping"]):
        children.append(
            RAM.SpecifiedTradeAllowanceCharge(
                RAM.ChargeIndicator(UDT.Indicator("true")),
                RAM.ActualAmount(totals["shipping"]),
                RAM.Reason("Shipping"),
                RAM.CategoryTradeTax(*_tax("0")),
            )
        )
    terms = [RAM.Description(content["terms"]["text"])]
    if content["terms"]["due_on"]:
        terms.append(RAM.DueDateDateTime(_date(content["terms"]["due_on"])))
    children.append(RAM.SpecifiedTradePaymentTerms(*terms))
    summation = [RAM.LineTotalAmount(totals["lines"])]
    if Decimal(totals["shipping"]):
        summation.append(RAM.ChargeTotalAmount(totals["shipping"]))
    summation += [
        RAM.TaxBasisTotalAmount(totals["basis"]),
        RAM.TaxTotalAmount(totals["tax"], currencyID=currency),
        RAM.GrandTotalAmount(totals["total"]),
        RAM.TotalPrepaidAmount(totals["paid"]),
        RAM.DuePayableAmount(totals["due"]),
    ]
    children.append(RAM.SpecifiedTradeSettlementHeaderMonetarySummation(*summation))
    if corrects := content.get("corrects"):
        children.append(
            RAM.InvoiceReferencedDocument(
                RAM.IssuerAssignedID(corrects["number"]),
                RAM.FormattedIssueDateTime(_date(corrects["issued_on"], QDT)),
            )
        )
    return RAM.ApplicableHeaderTradeSettlement(*children)


def cii_xml(content: Content) -> bytes:
    """The document as Factur-X EN 16931 XML (UTF-8 bytes)."""
    seller = content["seller"]
    country = seller["country"].upper()[:2]
    header = [RAM.ID(content["number"]), RAM.TypeCode(TYPE_CODES[content["title"]])]
    header.append(RAM.IssueDateTime(_date(content["issued_on"])))
    if content.get("reason"):
        header.append(RAM.IncludedNote(RAM.Content(content["reason"])))
    agreement = RAM.ApplicableHeaderTradeAgreement(
        _party("SellerTradeParty", seller, fallback_country=country, tax_id=seller["tax_id"]),
        _party("BuyerTradeParty", content["buyer"], fallback_country=country),
        RAM.BuyerOrderReferencedDocument(RAM.IssuerAssignedID(content["order"]["number"])),
    )
    root = RSM.CrossIndustryInvoice(
        RSM.ExchangedDocumentContext(
            RAM.GuidelineSpecifiedDocumentContextParameter(RAM.ID(EN16931))
        ),
        RSM.ExchangedDocument(*header),
        RSM.SupplyChainTradeTransaction(
            *(_line(index, line) for index, line in enumerate(content["lines"], start=1)),
            agreement,
            RAM.ApplicableHeaderTradeDelivery(),
            _settlement(content),
        ),
    )
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")
