"""The pick screens: the queue per location (its queries do not grow with its rows), making a
pick list from it, the scan screen answering htmx and plain posts alike, a double Enter
picking once, short picks, closing, the printable PDF, and who may do what."""

import io
import re
from datetime import date

import pytest
from django.urls import reverse
from pypdf import PdfReader

from core.idempotency import FIELD, new_token
from orders.models import Allocation, Order, OrderStatus
from shipping import services
from shipping.models import PickList
from tests.factories import stock
from tests.shipping.flow import on_shelf

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def mug(warehouse):
    return on_shelf(warehouse, "MUG-1", "Mug", 500, "B-02", barcode="4006381333931")


@pytest.fixture
def tee(warehouse):
    return on_shelf(warehouse, "TEE-1", "T-shirt", 500, "A-01")


@pytest.fixture
def picker(login_as):
    return login_as("Warehouse")


def scan(client, pick_list, code, *, token=None, htmx=True):
    url = reverse("shipping:pick_list_scan", args=[pick_list.pk])
    data = {"code": code, FIELD: token or new_token()}
    return client.post(url, data, **(HTMX if htmx else {}))


def picked(order, product) -> int:
    return Allocation.objects.get(line__order=order, line__product=product).picked_quantity


# --- the queue -----------------------------------------------------------------------------


def test_the_queue_page_lists_the_units_to_pick_and_offers_a_pick_list(
    picker, warehouse, mug, tee, order_of
):
    order = order_of((mug, 2), (tee, 1), ship_by=date(2026, 12, 3))

    response = picker.get(reverse("shipping:pick_queue"), {"location": warehouse.pk})

    page = response.content.decode()
    assert response.status_code == 200
    assert "Ready to pick: 2 order lines" in page
    rows = re.findall(
        r"<tr>\s*<td class=\"nowrap\"><a href=\"[^\"]+\">(SO-\d+)</a></td>"
        r"\s*<td class=\"nowrap\">([^<]*)</td>\s*<td>([^<]+)</td>",
        page,
    )
    assert rows == [(order.number, "2026-12-03", "TEE-1"), (order.number, "2026-12-03", "MUG-1")]
    assert "Create pick list" in page
    assert '<a href="/shipping/shipments/" class="nav-link active">Fulfilment</a>' in page
    current = '<a href="/shipping/pick-queue/" class="active" aria-current="page">Pick queue</a>'
    assert current in page


def test_the_queue_page_costs_the_same_queries_for_5_or_50_orders(
    picker, warehouse, mug, order_of, django_assert_max_num_queries
):
    url = reverse("shipping:pick_queue")

    def queries_with(orders: int) -> int:
        while Order.objects.count() < orders:
            order_of((mug, 1))
        picker.get(url, {"location": warehouse.pk})  # warm the session and the user
        with django_assert_max_num_queries(12) as captured:
            response = picker.get(url, {"location": warehouse.pk})
        assert response.status_code == 200
        assert response.content.decode().count("MUG-1") == orders
        return len(captured)

    assert queries_with(5) == queries_with(50)


def test_making_a_pick_list_from_the_queue_opens_it(picker, warehouse, mug, order_of):
    orders = [order_of((mug, 1), ship_by=date(2026, 12, day)) for day in (4, 2, 3)]
    url = reverse("shipping:pick_list_create")

    response = picker.post(url, {"location": warehouse.pk, "max_orders": 2, FIELD: new_token()})

    pick_list = PickList.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("shipping:pick_list", args=[pick_list.pk])
    numbers = set(pick_list.lines.values_list("line__order__number", flat=True))
    assert numbers == {orders[1].number, orders[2].number}

    # with htmx the browser is sent there; an empty queue is said so in place
    response = picker.post(
        url, {"location": warehouse.pk, "max_orders": 5, FIELD: new_token()}, **HTMX
    )
    assert response["HX-Redirect"].startswith("/shipping/pick-lists/")
    response = picker.post(
        url, {"location": warehouse.pk, "max_orders": 5, FIELD: new_token()}, **HTMX
    )
    assert response.status_code == 200
    assert "Nothing is waiting to be picked at WH-A" in response.content.decode()


def test_a_double_click_on_create_makes_one_pick_list(picker, warehouse, mug, order_of):
    order_of((mug, 1))
    data = {"location": warehouse.pk, "max_orders": 5, FIELD: new_token()}
    url = reverse("shipping:pick_list_create")

    first, second = picker.post(url, data), picker.post(url, data)

    assert PickList.objects.count() == 1
    assert first["Location"] == second["Location"]


# --- the scan screen -----------------------------------------------------------------------


@pytest.fixture
def pick_list(warehouse, mug, tee, order_of):
    order = order_of((mug, 2), (tee, 1))
    return services.create_pick_list(location=warehouse, orders=[order])


def test_the_pick_list_page_has_an_autofocused_scan_field_and_the_progress(picker, pick_list):
    response = picker.get(reverse("shipping:pick_list", args=[pick_list.pk]))

    page = response.content.decode()
    assert re.search(r'<input id="scan-code" name="code"[^>]*autofocus', page)
    assert "0 of 3 units picked" in page
    # walk order: bin A-01 (the tee) before B-02 (the mugs)
    assert page.index("TEE-1") < page.index("MUG-1")


def test_a_scan_answers_htmx_with_the_line_highlighted_and_a_fresh_field(picker, pick_list, mug):
    order = pick_list.lines.first().line.order

    response = scan(picker, pick_list, "4006381333931")

    page = response.content.decode()
    assert response.status_code == 200
    assert page.lstrip().startswith('<div id="pick-panel">')  # only the panel
    line = pick_list.lines.get(product=mug)
    assert re.search(rf'<tr id="pick-line-{line.pk}" class="picked-row" aria-current="true">', page)
    assert "just picked" in page
    assert "1 of 3 units picked" in page
    assert f"Picked 1 × MUG-1 for {order.number} from B-02" in page
    assert re.search(r'<input id="scan-code" name="code"[^>]*autofocus', page)
    assert 'value="4006381333931"' not in page  # the field comes back empty
    assert picked(order, mug) == 1
    order.refresh_from_db()
    assert order.status == OrderStatus.PROCESSING


def test_a_wrong_item_is_refused_on_the_spot(picker, pick_list, mug):
    order = pick_list.lines.first().line.order

    response = scan(picker, pick_list, "CAP-<b>1</b>")

    page = response.content.decode()
    assert response.status_code == 200
    assert 'role="alert"' in page
    assert "CAP-&lt;b&gt;1&lt;/b&gt; is not on " in page
    assert "0 of 3 units picked" in page
    assert picked(order, mug) == 0


def test_a_double_enter_picks_one_unit(picker, pick_list, mug):
    order = pick_list.lines.first().line.order
    token = new_token()

    first = scan(picker, pick_list, "MUG-1", token=token)
    second = scan(picker, pick_list, "MUG-1", token=token)

    assert picked(order, mug) == 1
    assert "Picked 1 × MUG-1" in first.content.decode()
    assert "That scan was already counted" in second.content.decode()
    assert "1 of 3 units picked" in second.content.decode()


def test_a_different_code_sent_with_the_last_scans_form_is_asked_again(picker, pick_list, tee):
    token = new_token()
    scan(picker, pick_list, "MUG-1", token=token)

    response = scan(picker, pick_list, "TEE-1", token=token)

    assert (
        "TEE-1 came before the last scan was answered: scan it again." in response.content.decode()
    )
    order = pick_list.lines.first().line.order
    assert picked(order, tee) == 0


def test_without_javascript_a_scan_redirects_to_the_list_with_the_line_marked(
    picker, pick_list, tee
):
    response = scan(picker, pick_list, "tee-1", htmx=False)

    line = pick_list.lines.get(product=tee)
    assert response.status_code == 302
    assert response["Location"] == (
        reverse("shipping:pick_list", args=[pick_list.pk]) + f"?picked={line.pk}"
    )
    page = picker.get(response["Location"]).content.decode()
    assert "Picked 1 × TEE-1" in page
    assert f'<tr id="pick-line-{line.pk}" class="picked-row"' in page


def test_a_short_pick_from_the_screen_re_sources_the_units(
    picker, pick_list, mug, second_warehouse
):
    stock(mug, second_warehouse, 5)
    line = pick_list.lines.get(product=mug)
    url = reverse("shipping:pick_list_short", args=[pick_list.pk])
    data = {"line": line.pk, "quantity": 2, "reason": "Damaged", FIELD: new_token()}

    response = picker.post(url, data, **HTMX)
    again = picker.post(url, data, **HTMX)  # the same form twice: one short pick

    assert "2 × MUG-1 short" in response.content.decode()
    assert "already recorded" in again.content.decode()
    line.refresh_from_db()
    assert line.short == 2
    held = Allocation.objects.filter(line=line.line).values_list("location__code", "quantity")
    assert dict(held) == {"WH-B": 2}


def test_completing_by_hand_and_cancelling(picker, pick_list):
    complete = reverse("shipping:pick_list_complete", args=[pick_list.pk])
    response = picker.post(complete)
    assert response.status_code == 302
    pick_list.refresh_from_db()
    assert pick_list.status == PickList.Status.DONE

    cancel = reverse("shipping:pick_list_cancel", args=[pick_list.pk])
    response = picker.post(cancel, **HTMX)
    assert "is done" in response.content.decode()
    pick_list.refresh_from_db()
    assert pick_list.status == PickList.Status.DONE
    # a closed list offers no scan field
    page = picker.get(reverse("shipping:pick_list", args=[pick_list.pk])).content.decode()
    assert 'id="scan-code"' not in page


def test_the_printed_pick_list_walks_bins_and_batches_orders_by_sku(
    picker, warehouse, mug, tee, order_of
):
    first = order_of((mug, 2), (tee, 1))
    second = order_of((mug, 1))
    pick_list = services.create_pick_list(location=warehouse, orders=[first, second])

    response = picker.get(reverse("shipping:pick_list_print", args=[pick_list.pk]))

    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    text = "".join(page.extract_text() for page in reader.pages)
    assert text.index("A-01") < text.index("B-02")
    mug_row = text[text.index("MUG-1") :]
    assert f"{first.number} × 2" in mug_row and f"{second.number} × 1" in mug_row
    assert f"Pick list {pick_list}" in text
    assert "4 units for 2 orders" in text


# --- who may ---------------------------------------------------------------------------------


def test_customer_service_sees_the_pick_list_but_cannot_pick(login_as, pick_list, mug):
    client = login_as("Customer service")
    page = client.get(reverse("shipping:pick_list", args=[pick_list.pk])).content.decode()
    assert "0 of 3 units picked" in page
    assert 'id="scan-code"' not in page

    assert scan(client, pick_list, "MUG-1").status_code == 403
    assert not Allocation.objects.filter(picked_quantity__gt=0).exists()
