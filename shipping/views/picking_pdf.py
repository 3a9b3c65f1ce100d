"""The printable pick list: one row per bin and SKU in walk order, with the orders that take
units of it, and the list's number as a Code 128 barcode (``shipping.rendering``'s) that the
pack bench can scan."""

from dataclasses import dataclass, field

from django.template.loader import render_to_string

from .. import rendering, selectors
from ..models import PickList


@dataclass
class PickStop:
    """One stop of the walk: a product in a bin, the units to take and for which orders."""

    bin: str
    sku: str
    name: str
    units: int = 0
    orders: list[tuple[str, int]] = field(default_factory=list)


def pick_stops(pick_list: PickList) -> list[PickStop]:
    """The list's lines batched by bin and SKU, in walk order; only units still to pick."""
    stops: dict[tuple[str, str], PickStop] = {}
    for line in selectors.pick_list_lines(pick_list):
        if not line.to_pick:
            continue
        key = (line.bin, line.product.sku)
        stop = stops.setdefault(key, PickStop(line.bin, line.product.sku, line.product.name))
        stop.units += line.to_pick
        stop.orders.append((line.line.order.number, line.to_pick))
    return list(stops.values())


def pick_list_html(pick_list: PickList) -> str:
    stops = pick_stops(pick_list)
    return render_to_string(
        "shipping/picking/pick_list_pdf.html",
        {
            "pick_list": pick_list,
            "stops": stops,
            "units": sum(stop.units for stop in stops),
            "order_count": len({number for stop in stops for number, _ in stop.orders}),
            "barcode": rendering.data_uri(rendering.barcode_svg(str(pick_list))),
        },
    )


def pick_list_pdf(pick_list: PickList) -> bytes:
    from weasyprint import HTML  # lazily, as shipping.rendering does: a second at import

    return HTML(string=pick_list_html(pick_list)).write_pdf()
