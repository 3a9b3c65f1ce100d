"""The table rows the product page, its backorders panel and the customer orders panel build
in Python (core/rows.py): what people typed comes out escaped, and the links stay."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from inventory import services as inventory
from inventory.models import StockMovement
from tests import factories
from tests.factories import place, stock

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
TYPED = '<img src=x onerror="alert(1)">'
ESCAPED = "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;"


def test_ledger_and_stock_rows_escape_what_was_typed_and_link_order_numbers(login_as):
    room = factories.LocationFactory(code="BACK", name=f"Back room {TYPED}")
    product = factories.ProductFactory(sku="LAMP")
    inventory.adjust_stock(
        product=product,
        location=room,
        quantity=3,
        reason=StockMovement.Reason.RETURN,
        reference="SO-000777",
        note=f"Came back {TYPED}",
    )
    inventory.receive_stock(product=product, location=room, quantity=2, reference=f"PO {TYPED}")

    html = login_as("Warehouse").get(reverse("inventory:product_detail", args=["LAMP"]))
    html = html.content.decode()

    assert TYPED not in html
    assert f'<span class="muted">Back room {ESCAPED}</span>' in html  # the stock row
    assert f"<td>Came back {ESCAPED}</td>" in html
    assert f'<td class="nowrap">PO {ESCAPED}</td>' in html  # not an order number: text
    assert '<td class="nowrap"><a href="/orders/SO-000777/">SO-000777</a></td>' in html
    assert '<td class="num">+3</td>' in html
    assert "<td>Return</td>" in html
    assert "<td>system</td>" in html  # no user recorded the movement


def test_backorder_rows_escape_the_customer_name_and_link_the_order(login_as, channel, warehouse):
    lamp = factories.ProductFactory(sku="LAMP", allow_backorder=True)
    stock(lamp, warehouse, 1)
    customer = factories.CustomerFactory(name=f"Eve {TYPED}")
    order = place(channel=channel, customer=customer, items=[(lamp, 3)])

    response = login_as("Warehouse").get(
        reverse("orders:product_backorders", args=["LAMP"]), headers=HTMX
    )

    html = response.content.decode()
    assert TYPED not in html
    assert f"<td>Eve {ESCAPED}</td>" in html
    assert f'<td><a href="/orders/{order.number}/">{order.number}</a></td>' in html
    assert '<td class="num">2</td>' in html


def test_backordered_units_count_the_lines_beyond_those_shown(
    login_as, channel, customer, warehouse
):
    lamp = factories.ProductFactory(sku="LAMP", allow_backorder=True)
    now = timezone.now()
    for days in range(12):
        place(
            channel=channel,
            customer=customer,
            items=[(lamp, 2)],
            placed_at=now - timedelta(days=days),
        )

    response = login_as("Warehouse").get(
        reverse("orders:product_backorders", args=["LAMP"]), headers=HTMX
    )

    assert response.context["backordered"] == 24
    assert len(response.context["waiting"]) == 10


def test_customer_order_rows_link_the_order_with_its_badges_and_total(
    login_as, channel, customer, warehouse
):
    lamp = factories.ProductFactory(sku="LAMP", unit_price=Decimal("12.50"))
    stock(lamp, warehouse, 10)
    order = place(channel=channel, customer=customer, items=[(lamp, 2)])

    response = login_as("Customer service").get(
        reverse("orders:customer_orders", args=[customer.pk]), headers=HTMX
    )

    html = response.content.decode()
    assert f'<td><a href="/orders/{order.number}/">{order.number}</a></td>' in html
    assert '<td><span class="badge badge-info">Placed</span></td>' in html
    assert f'<td class="num">{order.total:,.2f} {order.currency}</td>' in html


def test_a_panel_skips_the_sidebar_that_only_whole_pages_show(
    login_as, customer, django_assert_max_num_queries
):
    client = login_as("Customer service")
    groups = 'FROM "auth_group" INNER JOIN "auth_user_groups"'  # the role beside the name

    with django_assert_max_num_queries(20) as page:
        client.get(reverse("customers:detail", args=[customer.pk]))
    with django_assert_max_num_queries(20) as panel:
        client.get(reverse("orders:customer_orders", args=[customer.pk]), headers=HTMX)

    assert any(groups in query["sql"] for query in page.captured_queries)
    assert not any(groups in query["sql"] for query in panel.captured_queries)


def test_the_orders_panel_of_a_customer_without_orders_says_so(login_as, customer):
    response = login_as("Customer service").get(
        reverse("orders:customer_orders", args=[customer.pk]), headers=HTMX
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "No orders yet." in html
    assert "· 0 orders" in html


def select_options(html: str, element_id: str) -> list[tuple[str, str, bool]]:
    """(value, label, selected) of the options of the select with that id."""
    select = re.search(rf'<select [^>]*id="{element_id}"[^>]*>(.*?)</select>', html, re.S)
    options = re.findall(r'<option value="([^"]*)"( selected)?>([^<]*)</option>', select[1])
    return [(value, label, bool(selected)) for value, selected, label in options]


def test_the_location_selects_offer_what_their_fields_would_and_keep_the_choice(
    login_as, warehouse
):
    closed = factories.LocationFactory(code="OLD", name="Old depot", is_active=False)
    product = factories.ProductFactory(sku="LAMP")
    stock(product, warehouse, 1)
    url = reverse("inventory:product_detail", args=["LAMP"])

    html = login_as("Warehouse").get(url, {"location": "OLD"}).content.decode()

    assert select_options(html, "id_location") == [  # the ledger filter: every location
        ("", "All locations", False),
        (warehouse.code, str(warehouse), False),
        (closed.code, str(closed), True),
    ]
    assert select_options(html, "adjust_location") == [  # adjustments: active ones only
        ("", "Choose a location", True),
        (warehouse.code, str(warehouse), False),
    ]
