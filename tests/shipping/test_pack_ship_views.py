"""The pack station and the ship screen as a packer uses them: scan the picked units into the
package (a wrong item refused on the spot), close it, choose the preselected quote, buy the
label (the task runs eagerly), print label and packing slip, hand it over or void it."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from inventory.models import StockMovement
from orders.models import Allocation, Order, OrderStatus
from shipping import services
from shipping.models import Box, Shipment, ShipmentStatus
from tests.shipping.flow import (
    assert_stock_adds_up,
    labelled,
    paid_order,
    pdf_text,
    product_in,
    warehouse_with_address,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def picked(tables, simulated_payments, django_capture_on_commit_callbacks):
    """A confirmed order of 2 mugs and 1 lamp at WH-EAST, picked; a small and a large box."""
    east = warehouse_with_address("WH-EAST")
    mug = product_in(east, "MUG-1", 10)
    lamp = product_in(east, "LAMP-1", 5)
    product_in(east, "VASE-1", 5)  # on the shelf, on no order of ours
    with django_capture_on_commit_callbacks(execute=True):
        order = paid_order([(mug, 2), (lamp, 1)])
    for allocation in Allocation.objects.filter(line__order=order):
        Allocation.objects.filter(pk=allocation.pk).update(picked_quantity=allocation.quantity)
    small = Box.objects.create(
        code="BOX-S", name="Small box", length_mm=230, width_mm=160, height_mm=100,
        tare_grams=120, max_weight_grams=5000,
    )  # fmt: skip
    Box.objects.create(
        code="BOX-L", name="Large box", length_mm=500, width_mm=400, height_mm=300, tare_grams=500
    )
    lines = {line.sku: line for line in order.lines.all()}
    return order, east, lines, small


def scan(client, order, data):
    return client.post(reverse("shipping:pack_scan", args=[order.number]), data, **HTMX)


def test_the_pack_station_opens_an_order_by_its_number(picked, login_as):
    order, *_ = picked
    client = login_as("Warehouse")
    page = client.get(reverse("shipping:pack_station"))
    assert b'name="order"' in page.content and b"autofocus" in page.content
    opened = client.get(reverse("shipping:pack_station"), {"order": order.number.lower()})
    assert opened["Location"] == reverse("shipping:pack", args=[order.number])
    missing = client.get(reverse("shipping:pack_station"), {"order": "SO-999999"})
    assert b"No order SO-999999." in missing.content


def test_scans_fill_the_package_and_close_it_into_a_shipment(picked, login_as):
    order, east, lines, small = picked
    mug, lamp = lines["MUG-1"], lines["LAMP-1"]
    client = login_as("Warehouse")
    page = client.get(reverse("shipping:pack", args=[order.number]))
    assert page.status_code == 200
    assert b'id="scan-code"' in page.content and b"autofocus" in page.content

    # a wrong item is refused on the spot; the field comes back empty and focused
    wrong = scan(client, order, {"location": east.pk, "code": "VASE-1"})
    assert wrong.status_code == 200
    assert b"VASE-1 is not on order" in wrong.content
    assert b'aria-invalid="true"' in wrong.content
    assert b'<input id="scan-code" name="code" type="text" autofocus' in wrong.content
    assert b'value="VASE-1"' not in wrong.content
    assert b"units-" not in wrong.content  # the package is still empty

    # two mugs and the lamp (by SKU in any case)
    one = scan(client, order, {"location": east.pk, "code": "mug-1"})
    assert f'name="units-{mug.pk}" value="1"'.encode() in one.content
    two = scan(client, order, {"location": east.pk, "code": "MUG-1", f"units-{mug.pk}": "1"})
    assert f'name="units-{mug.pk}" value="2"'.encode() in two.content
    # a third mug: both picked mugs are in the package already
    third = scan(client, order, {"location": east.pk, "code": "MUG-1", f"units-{mug.pk}": "2"})
    assert b"all picked units of this line are packed" in third.content
    package = {"location": east.pk, f"units-{mug.pk}": "2", f"units-{lamp.pk}": "1"}
    filled = scan(client, order, {**package, "code": "LAMP-1", f"units-{lamp.pk}": "0"})
    assert f'name="units-{lamp.pk}" value="1"'.encode() in filled.content
    # the weight is prefilled: 3 units of 400 g and the small box's 120 g
    assert b'value="1320"' in filled.content

    closed = client.post(
        reverse("shipping:pack_close", args=[order.number]),
        {**package, "box": small.pk, "weight_grams": "1350", "idempotency_token": token(filled)},
        **HTMX,
    )

    shipment = Shipment.objects.get(order=order)
    assert closed["HX-Redirect"] == reverse("shipping:ship", args=[shipment.pk])
    assert (shipment.box, shipment.weight_grams) == (small, 1350)
    assert dict(shipment.lines.values_list("line__sku", "quantity")) == {"MUG-1": 2, "LAMP-1": 1}
    # nothing picked is left to pack
    empty = client.get(reverse("shipping:pack", args=[order.number]))
    assert b"Close package" not in empty.content


def token(response) -> str:
    text = response.content.decode()
    start = text.index('name="idempotency_token" value="') + len('name="idempotency_token" value="')
    return text[start : text.index('"', start)]


def test_the_pack_screen_works_with_plain_posts(picked, login_as):
    order, east, lines, small = picked
    mug = lines["MUG-1"]
    client = login_as("Warehouse")
    added = client.post(
        reverse("shipping:pack_scan", args=[order.number]), {"location": east.pk, "code": "MUG-1"}
    )
    assert added.status_code == 200
    assert b"<html" in added.content  # the whole page, the package in its form
    closed = client.post(
        reverse("shipping:pack_close", args=[order.number]),
        {
            "location": east.pk,
            f"units-{mug.pk}": "1",
            "box": small.pk,
            "weight_grams": "",
            "idempotency_token": token(added),
        },
    )
    shipment = Shipment.objects.get(order=order)
    assert closed.status_code == 302
    assert closed["Location"] == reverse("shipping:ship", args=[shipment.pk])
    assert shipment.weight_grams == 400 + 120
    # the same form posted again (a double click) makes no second parcel
    again = client.post(
        reverse("shipping:pack_close", args=[order.number]),
        {
            "location": east.pk,
            f"units-{mug.pk}": "1",
            "box": small.pk,
            "idempotency_token": token(added),
        },
    )
    assert again.status_code == 302
    assert Shipment.objects.filter(order=order).count() == 1


@pytest.fixture
def packed(picked):
    order, east, lines, small = picked
    quantities = {line.pk: line.quantity for line in lines.values()}
    shipment = services.pack_parcel(order=order, location=east, quantities=quantities, box=small)
    return shipment


def test_the_quotes_preselect_the_cheapest_service_that_arrives_on_time(packed, tables, login_as):
    # given a promise the economy service (5 days) misses and the standard one (3 days) keeps
    standard = next(q for q in services.rate_shop(packed).quotes if q.service == tables.standard)
    Order.objects.filter(pk=packed.order_id).update(promised_ship_date=standard.estimated_delivery)
    client = login_as("Warehouse")

    page = client.get(reverse("shipping:ship", args=[packed.pk]))
    assert reverse("shipping:quotes", args=[packed.pk]).encode() in page.content
    fragment = client.get(reverse("shipping:quotes", args=[packed.pk]), **HTMX)

    html = fragment.content.decode()
    assert "<html" not in html
    checked = html[: html.index("checked")]
    assert checked.rindex(f'value="{tables.standard.pk}"') > checked.rfind(
        f'value="{tables.economy.pk}"'
    )
    rows = {row.split("</tr>")[0] for row in html.split("<tr")[2:]}
    economy = next(row for row in rows if f'value="{tables.economy.pk}"' in row)
    assert "late" in economy and "checked" not in economy
    express = next(row for row in rows if f'value="{tables.express.pk}"' in row)
    assert "late" not in express
    for text in ("Parcel Post", "Swift Express", "Economy", "Standard", "Express", "USD"):
        assert text in html


def test_buying_the_label_polls_until_it_is_there_then_ships(
    packed, tables, login_as, django_capture_on_commit_callbacks
):
    client = login_as("Warehouse")
    url = reverse("shipping:buy_label", args=[packed.pk])
    # the task is queued on commit; until it runs the panel polls the label status
    with django_capture_on_commit_callbacks(execute=False) as queued:
        waiting = client.post(url, {"service": tables.economy.pk}, **HTMX)
    assert len(queued) == 1
    assert b"every 2s" in waiting.content
    assert reverse("shipping:label_status", args=[packed.pk]).encode() in waiting.content
    assert b"Label PDF" not in waiting.content
    queued[0]()  # the label task runs

    done = client.get(reverse("shipping:label_status", args=[packed.pk]), **HTMX)
    assert b"every 2s" not in done.content
    for link in ("label_pdf", "label_zpl", "packing_slip", "hand_over", "void_label"):
        assert reverse(f"shipping:{link}", args=[packed.pk]).encode() in done.content
    shipment = Shipment.objects.get(pk=packed.pk)
    assert shipment.status == ShipmentStatus.LABEL_CREATED

    label = client.get(reverse("shipping:label_pdf", args=[packed.pk]))
    assert label["Content-Type"] == "application/pdf"
    assert label["Content-Disposition"] == (
        f'inline; filename="label-{shipment.tracking_number}.pdf"'
    )
    assert label.content.startswith(b"%PDF")
    zpl = client.get(reverse("shipping:label_zpl", args=[packed.pk]))
    assert zpl.content.decode().startswith("^XA")

    # when it is handed over, the order ships: the ledger records the sale
    with django_capture_on_commit_callbacks(execute=True):
        handed = client.post(reverse("shipping:hand_over", args=[packed.pk]), **HTMX)
    assert b"Handed over to the carrier" in handed.content
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.IN_TRANSIT
    assert shipment.order.status == OrderStatus.SHIPPED
    sales = dict(
        StockMovement.objects.filter(reason="sale").values_list("product__sku", "quantity")
    )
    assert sales == {"MUG-1": -2, "LAMP-1": -1}
    assert_stock_adds_up()
    # it has left: no void, no hand-over any more
    assert reverse("shipping:void_label", args=[packed.pk]).encode() not in handed.content


def test_a_refused_label_shows_why_and_offers_the_quotes_again(packed, login_as):
    Shipment.objects.filter(pk=packed.pk).update(
        label_requested_at=timezone.now() - timedelta(minutes=5),
        label_error="Address not found.",
    )
    client = login_as("Warehouse")
    page = client.get(reverse("shipping:ship", args=[packed.pk]))
    assert b"refused the label: Address not found." in page.content
    assert b"every 2s" not in page.content
    assert reverse("shipping:quotes", args=[packed.pk]).encode() in page.content


def test_voiding_puts_the_units_back_to_pack_again(
    packed, login_as, django_capture_on_commit_callbacks
):
    labelled(packed, django_capture_on_commit_callbacks)
    client = login_as("Warehouse")
    response = client.post(reverse("shipping:void_label", args=[packed.pk]))
    assert response.status_code == 302
    packed.refresh_from_db()
    assert packed.status == ShipmentStatus.CANCELLED
    assert sum(services.packable_units(packed.order, packed.location).values()) == 3
    assert not StockMovement.objects.filter(reason="sale").exists()
    assert_stock_adds_up()


def test_the_packing_slip_lists_this_parcels_units(packed, login_as, settings):
    settings.OMS_SHOP = settings.OMS_SHOP | {"name": "Acme Homewares"}
    client = login_as("Warehouse")
    response = client.get(reverse("shipping:packing_slip", args=[packed.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'inline; filename="packing-slip-{packed.order.number}-{packed.pk}.pdf"'
    )
    text = pdf_text(response.content)
    for printed in (packed.order.number, "MUG-1", "LAMP-1", "Acme Homewares", "Small box"):
        assert printed in text
    assert "VASE-1" not in text


def test_the_ship_screen_runs_a_bounded_number_of_queries(
    packed, login_as, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    labelled(packed, django_capture_on_commit_callbacks)
    client = login_as("Warehouse")
    client.get(reverse("shipping:ship", args=[packed.pk]))  # session and permissions warm
    with django_assert_max_num_queries(7):
        response = client.get(reverse("shipping:ship", args=[packed.pk]))
    assert response.status_code == 200


def test_customer_service_and_finance_see_the_parcel_but_do_not_pack_or_ship(packed, login_as):
    for role in ("Customer service", "Finance"):
        client = login_as(role)
        page = client.get(reverse("shipping:ship", args=[packed.pk]))
        assert page.status_code == 200
        assert b"Buy label" not in page.content
        assert reverse("shipping:quotes", args=[packed.pk]).encode() not in page.content
        order = packed.order.number
        assert client.get(reverse("shipping:pack", args=[order])).status_code == 403
        assert client.post(reverse("shipping:buy_label", args=[packed.pk])).status_code == 403
        assert client.post(reverse("shipping:void_label", args=[packed.pk])).status_code == 403


def test_the_pack_screen_runs_a_bounded_number_of_queries(
    picked, login_as, django_assert_max_num_queries
):
    order, east, lines, _ = picked
    client = login_as("Warehouse")
    url = reverse("shipping:pack", args=[order.number])
    client.get(url)  # session and permissions warm
    package = {f"units-{line.pk}": "1" for line in lines.values()}
    with django_assert_max_num_queries(18):
        response = client.post(
            reverse("shipping:pack_scan", args=[order.number]),
            {"location": east.pk, "code": "MUG-1", **package},
            **HTMX,
        )
    assert b"Added 1 \xc3\x97 MUG-1" in response.content


def test_a_lost_label_task_may_be_asked_again_and_a_voided_label_is_not_printed(
    packed, tables, login_as, django_capture_on_commit_callbacks
):
    client = login_as("Warehouse")
    with django_capture_on_commit_callbacks(execute=False):  # the task is lost with its worker
        client.post(reverse("shipping:buy_label", args=[packed.pk]), {"service": tables.economy.pk})
    Shipment.objects.filter(pk=packed.pk).update(
        label_requested_at=timezone.now() - timedelta(minutes=5)
    )
    page = client.get(reverse("shipping:ship", args=[packed.pk]))
    assert b"Ask again" in page.content
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("shipping:buy_label", args=[packed.pk]), {"service": tables.economy.pk})
    assert Shipment.objects.get(pk=packed.pk).status == ShipmentStatus.LABEL_CREATED

    client.post(reverse("shipping:void_label", args=[packed.pk]))
    refused = client.get(reverse("shipping:label_pdf", args=[packed.pk]))
    assert refused["Location"] == reverse("shipping:ship", args=[packed.pk])
    page = client.get(refused["Location"])
    assert b"label was voided" in page.content
    assert b"Label PDF" not in page.content
