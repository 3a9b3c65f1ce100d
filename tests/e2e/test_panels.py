"""In a real browser: the customer and product pages fill in what the orders app knows.

customers and inventory do not import orders; their pages load the orders app's panels with
htmx once they are shown. These tests prove the swaps land where they belong.
"""

from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from orders import services
from tests import factories
from tests.factories import place, stock

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def shop(channel, warehouse):
    """Ada bought twice (one order cancelled), Bob never; a lamp waits for stock."""
    mug = factories.ProductFactory(sku="MUG", unit_price=Decimal("12.50"))
    stock(mug, warehouse, 50)
    lamp = factories.ProductFactory(sku="LAMP", name="Desk lamp", allow_backorder=True)
    ada = factories.CustomerFactory(name="Ada Lovelace")
    bob = factories.CustomerFactory(name="Bob Idle")
    place(channel=channel, customer=ada, items=[(mug, 2)])
    waiting = place(channel=channel, customer=ada, items=[(lamp, 3)])
    services.cancel_order(
        order=place(channel=channel, customer=ada, items=[(mug, 4)]), reason="duplicate"
    )
    return {"ada": ada, "bob": bob, "waiting": waiting}


def test_the_customer_list_fills_in_orders_and_lifetime_value(signed_in: Page, live_server, shop):
    page = signed_in
    ada, bob = shop["ada"], shop["bob"]

    page.goto(f"{live_server.url}/customers/")

    expect(page.locator(f"#customer-{ada.pk}-orders")).to_have_text("2")
    expect(page.locator(f"#customer-{ada.pk}-value")).to_have_text(
        f"{25 + shop['waiting'].total:.2f} USD"
    )
    expect(page.locator(f"#customer-{bob.pk}-orders")).to_have_text("0")

    # a search swaps in a new table, which loads its own order columns
    page.locator("#id_q").fill("ada")
    expect(page.locator(f"#customer-{bob.pk}-orders")).to_have_count(0)
    expect(page.locator(f"#customer-{ada.pk}-orders")).to_have_text("2")


def test_the_customer_page_shows_totals_and_orders(signed_in: Page, live_server, shop):
    page = signed_in

    page.goto(f"{live_server.url}/customers/{shop['ada'].pk}/")

    expect(page.locator("#customer-totals")).to_contain_text("Lifetime value")
    expect(page.locator("#customer-totals")).to_contain_text("Average order value")
    expect(page.locator("#customer-orders")).to_contain_text("Orders · 3 orders")
    expect(page.locator("#customer-orders")).to_contain_text(shop["waiting"].number)


def test_the_product_page_shows_what_open_orders_wait_for(signed_in: Page, live_server, shop):
    page = signed_in

    page.goto(f"{live_server.url}/inventory/LAMP/")

    panel = page.locator("#product-backorders")
    expect(panel).to_contain_text("Backordered on open orders")
    expect(panel.locator(".stat .value")).to_have_text("3")
    expect(panel).to_contain_text(shop["waiting"].number)

    # stock arrives: the adjustment's stockChanged reloads the panel; the backorders are filled
    # by a task after the response (a worker's, or the request's end in eager mode), so the
    # page shows them filled once it has run
    page.locator("#adjust_location").select_option("WH-A")
    page.locator("#adjust_quantity").fill("5")
    page.locator("#adjust_reason").select_option("correction")
    page.get_by_role("button", name="Record adjustment").click()
    expect(page.locator("#adjust-panel")).to_contain_text("Recorded +5 × LAMP at WH-A")
    page.reload()
    expect(panel.locator(".stat .value")).to_have_text("0")
