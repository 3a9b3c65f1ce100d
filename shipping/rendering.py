"""The shipping label, drawn by us whatever the carrier: a 4×6 inch PDF (WeasyPrint, from
``templates/shipping/label.html``) and the same label in ZPL for thermal printers. Both carry
ship-from, ship-to, the service, the weight and the tracking number as a Code 128 barcode.
And the packing slip that goes in the box (``templates/shipping/packing_slip.html``)."""

from __future__ import annotations

import base64
import io
from typing import Any

from barcode import Code128
from barcode.writer import SVGWriter
from django.conf import settings
from django.template.loader import render_to_string

from .models import Shipment

# Code 128 bars: 0.33 mm modules (13 mil, what scanners read from a thermal label), 22 mm tall.
BARCODE_OPTIONS = {"module_width": 0.33, "module_height": 22.0, "quiet_zone": 3.0}
ZPL_DOTS_PER_INCH = 203
_ZPL_CONTROL = str.maketrans({"^": " ", "~": " "})


def barcode_svg(value: str) -> str:
    """The Code 128 barcode of ``value`` as an SVG document (no human-readable text: the
    label prints the number itself, as selectable text)."""
    output = io.BytesIO()
    options = BARCODE_OPTIONS | {"write_text": False}
    Code128(value, writer=SVGWriter()).write(output, options=options)
    return output.getvalue().decode()


def data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def ship_from(shipment: Shipment) -> dict[str, str]:
    location = shipment.location
    return {
        "name": location.name,
        "line1": location.line1,
        "line2": "",
        "city": location.city,
        "region": location.region,
        "postal_code": location.postal_code,
        "country": location.country,
    }


def _context(shipment: Shipment) -> dict[str, Any]:
    return {
        "shipment": shipment,
        "ship_from": ship_from(shipment),
        "ship_to": shipment.order.shipping_address,
        "service": shipment.service,
        "weight_kg": f"{shipment.weight_grams / 1000:.2f}",
        "barcode": data_uri(barcode_svg(shipment.tracking_number)),
    }


def label_html(shipment: Shipment) -> str:
    return render_to_string("shipping/label.html", _context(shipment))


def label_pdf(shipment: Shipment) -> bytes:
    """The 4×6 label as PDF; the shipment must have its tracking number."""
    from weasyprint import HTML  # imported when a label is drawn: it parses its stylesheets
    # on import, a second of start-up every web and worker process would otherwise pay

    return HTML(string=label_html(shipment)).write_pdf()


def _zpl_text(value: Any) -> str:
    """Field data with ZPL's command characters taken out."""
    return str(value or "").translate(_ZPL_CONTROL)


def _address_lines(address: dict[str, Any]) -> list[str]:
    place = " ".join(
        part
        for part in (address.get("city"), address.get("region"), address.get("postal_code"))
        if part
    )
    lines = [address.get("name"), address.get("line1"), address.get("line2"), place]
    return [_zpl_text(line) for line in [*lines, address.get("country")] if line]


def label_zpl(shipment: Shipment) -> str:
    """The label in ZPL II for a 203 dpi 4×6 printer; the barcode is ``^BC`` (Code 128)."""
    width, height = 4 * ZPL_DOTS_PER_INCH, 6 * ZPL_DOTS_PER_INCH
    commands = ["^XA", "^CI28", f"^PW{width}", f"^LL{height}", "^FO30,30^A0N,24,24^FDFROM:^FS"]
    y = 60
    for line in _address_lines(ship_from(shipment)):
        commands.append(f"^FO30,{y}^A0N,24,24^FD{line}^FS")
        y += 28
    y += 20
    commands.append(f"^FO30,{y}^GB{width - 60},3,3^FS")
    y += 20
    commands.append(f"^FO30,{y}^A0N,28,28^FDSHIP TO:^FS")
    y += 40
    for line in _address_lines(shipment.order.shipping_address):
        commands.append(f"^FO60,{y}^A0N,40,40^FD{line}^FS")
        y += 48
    y += 20
    commands.append(f"^FO30,{y}^GB{width - 60},3,3^FS")
    y += 30
    service = _zpl_text(shipment.service)
    commands.append(f"^FO30,{y}^A0N,36,36^FD{service}^FS")
    commands.append(f"^FO30,{y + 44}^A0N,28,28^FDWeight {shipment.weight_grams / 1000:.2f} kg^FS")
    commands.append(f"^FO30,{y + 80}^A0N,28,28^FDRef {_zpl_text(shipment.order.number)}^FS")
    tracking = _zpl_text(shipment.tracking_number)
    commands += [
        f"^FO60,{height - 330}^BY3^BCN,200,Y,N,N^FD{tracking}^FS",
        "^XZ",
    ]
    return "\n".join(commands) + "\n"


def packing_slip_html(shipment: Shipment) -> str:
    """The slip that goes in the box: who it is from and for, and what is in THIS parcel."""
    order = shipment.order
    return render_to_string(
        "shipping/packing_slip.html",
        {
            "shipment": shipment,
            "order": order,
            "lines": shipment.lines.select_related("line").order_by("pk"),
            "shop_name": settings.OMS_SHOP["name"] or shipment.location.name,
            "shop_address": settings.OMS_SHOP["address"],
            "ship_from": ship_from(shipment),
            "ship_to": order.shipping_address,
            "barcode": data_uri(barcode_svg(order.number)),
        },
    )


def packing_slip_pdf(shipment: Shipment) -> bytes:
    from weasyprint import HTML  # imported lazily, as for the label

    return HTML(string=packing_slip_html(shipment)).write_pdf()
