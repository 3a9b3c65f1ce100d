"""The edit page in the browser works as New order does: product search, live totals, and a
SKU added again increases its line (issue 8, point 8)."""

from decimal import Decimal

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from tests import factories
from tests.factories import place, stock


@pytest.fixture
def order(transactional_db):
    warehouse = factories.LocationFactory(code="WH-A")
    mug = factories.ProductFactory(sku="MUG-01", name="Blue mug", unit_price=Decimal("12.50"))
    tee = factories.ProductFactory(sku="TEE-01", name="Grey tee", unit_price=Decimal("20.00"))
    stock(mug, warehouse, 20)
    stock(tee, warehouse, 20)
    channel = factories.SalesChannelFactory(code="web")
    return place(channel=channel, customer=factories.CustomerFactory(), items=[(mug, 2)])


def test_edit_lines_with_search_live_totals_and_one_line_per_sku(
    signed_in: Page, live_server, order
):
    page = signed_in
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    line = order.lines.get()
    page.goto(f"{live_server.url}{reverse('orders:edit', args=[order.number])}")

    # When a quantity is typed, the line total and the totals follow without saving
    page.get_by_label("Quantity of MUG-01").fill("4")
    page.get_by_label("Quantity of MUG-01").press("Tab")
    expect(page.locator(f"#line-total-{line.pk}")).to_have_text("50.00 USD")
    expect(page.locator("#edit-totals dl dd").first).to_have_text("50.00 USD")

    # When a product is found and added, it is a new line
    page.get_by_label("Add a product").fill("grey tee")
    page.locator("#product-results").get_by_role("button", name="Add").click()
    expect(page.locator("#edit-form input[name=sku][value='TEE-01']")).to_have_count(1)
    expect(page.locator("#edit-totals dl dd").first).to_have_text("70.00 USD")

    # When the SKU already on the order is added (typed in lower case), its line grows
    page.get_by_label("Add a product").fill("mug-01")
    page.locator("#product-results").get_by_role("button", name="Add").click()
    expect(page.get_by_label("Quantity of MUG-01")).to_have_value("5")

    page.get_by_role("button", name="Save changes").click()
    expect(page).to_have_url(f"{live_server.url}{reverse('orders:detail', args=[order.number])}")
    assert {(line.sku, line.quantity) for line in order.lines.all()} == {
        ("MUG-01", 5),
        ("TEE-01", 1),
    }
    assert errors == []
