"""The warehouse in a browser, driven as a keyboard-wedge scanner drives it: the code is typed
into the scan field and Enter pressed. Pick, pack, buy the label, hand over, and read the
parcel's tracking timeline once the carrier's scan arrives."""

# ruff: noqa: F401, F811 (fixtures imported from tests.shipping.flow, used as arguments)

import re

import pytest
from django.db import models
from django.utils import timezone
from playwright.sync_api import Page, expect

from shipping import services
from shipping.models import Box, Shipment
from tests.shipping.conftest import Tables
from tests.shipping.flow import (
    paid_order,
    product_in,
    scan,
    simulated_payments,
    warehouse_with_address,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def order_to_fulfil(simulated_payments):
    """A paid, confirmed order of 2 mugs (by barcode) and a tee (by SKU) held at WH-EAST."""
    Tables()
    Box.objects.create(
        code="M", name="Medium", length_mm=300, width_mm=250, height_mm=150, tare_grams=180
    )
    east = warehouse_with_address("WH-EAST")
    mug = product_in(east, "MUG-1", 10)
    mug.barcode = "4006381333931"
    mug.save(update_fields=["barcode"])
    tee = product_in(east, "TEE-1", 5)
    return paid_order([(mug, 2), (tee, 1)])


def scan_into(page: Page, code: str, *, last: bool = False) -> None:
    """Type as a scanner does, where the focus is; the answer clears and refocuses the field
    (after the last unit of a pick list the list is done and the field goes)."""
    field = page.get_by_label("Scan or type a barcode or SKU")
    expect(field).to_be_focused()
    page.keyboard.type(code)
    page.keyboard.press("Enter")
    if last:
        expect(field).to_have_count(0)
    else:
        expect(field).to_have_value("")


def test_a_packer_picks_packs_and_ships_by_scanning(signed_in: Page, live_server, order_to_fulfil):
    page = signed_in
    order = order_to_fulfil

    # pick: a pick list from the queue, each unit scanned; a wrong item is refused on the spot
    page.goto(f"{live_server.url}/shipping/pick-queue/")
    expect(page.get_by_text(order.number).first).to_be_visible()
    page.get_by_role("button", name=re.compile("pick list", re.I)).first.click()
    expect(page.get_by_label("Scan or type a barcode or SKU")).to_be_visible()
    scan_into(page, "NOT-A-THING")
    expect(
        page.get_by_role("alert").or_(page.locator(".inline-error, .message-error"))
    ).to_be_visible()
    scan_into(page, "4006381333931")
    scan_into(page, "4006381333931")
    scan_into(page, "tee-1", last=True)
    expect(page.get_by_text(re.compile(r"3 of 3"))).to_be_visible()

    # pack: open the order by its number, scan the units into the package, close it
    page.goto(f"{live_server.url}/shipping/pack/")
    page.get_by_label("Scan or type the order number").fill(order.number)
    page.keyboard.press("Enter")
    for code in ("4006381333931", "TEE-1", "4006381333931"):
        scan_into(page, code)
    page.get_by_role("button", name=re.compile("close package", re.I)).click()

    # ship: the quotes arrive with the cheapest on-time service chosen; buy, then hand over
    expect(page.get_by_role("button", name="Buy label")).to_be_visible()
    page.get_by_role("button", name="Buy label").click()
    expect(page.get_by_role("link", name="Label PDF")).to_be_visible(timeout=20_000)
    page.get_by_role("button", name="Hand over / Ship").click()
    shipment = Shipment.objects.get(order=order)
    expect(page.get_by_text(shipment.tracking_number).first).to_be_visible()

    # track: the carrier's scan shows on the parcel's timeline, with its tracking link
    services.apply_tracking(
        shipment=shipment, updates=[scan(shipment, "out_for_delivery", timezone.now())]
    )
    page.goto(f"{live_server.url}/shipping/shipments/{shipment.pk}/")
    expect(page.get_by_role("link", name=shipment.tracking_number)).to_have_attribute(
        "href", re.compile("parcelpost.example/track")
    )
    timeline = page.get_by_role("region", name="Tracking")
    expect(timeline).to_contain_text("Newark, NJ")
    expect(page.get_by_role("link", name="Label PDF")).to_be_visible()


def test_a_fast_scanner_loses_no_scan(signed_in: Page, live_server, order_to_fulfil):
    """Codes scanned faster than the answers come back are each counted once, in turn."""
    page = signed_in
    order = order_to_fulfil
    pick_list = services.create_pick_list(location=order.lines.first().allocations.get().location)
    page.goto(f"{live_server.url}/shipping/pick-lists/{pick_list.pk}/")
    field = page.get_by_label("Scan or type a barcode or SKU")
    expect(field).to_be_focused()
    for code in ("4006381333931", "4006381333931", "TEE-1"):
        page.keyboard.type(code)
        page.keyboard.press("Enter")  # no waiting for the answer, as a scanner does not wait
    expect(page.get_by_role("heading", name=re.compile(r"3 of 3 units picked"))).to_be_visible()
    assert pick_list.lines.filter(picked=models.F("quantity")).count() == 2
