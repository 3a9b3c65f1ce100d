"""In a real browser: the back office on a phone, and under the production Content Security Policy.

The policy forbids inline script and eval; these tests enforce it on the live server (development
only reports it) and fail on any violation or other console error while staff use the order page
and take an order on New order. axe-core checks every page they load (tests/e2e/conftest.py).
"""

from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from tests import factories
from tests.factories import place, stock

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def order(channel, warehouse, customer):
    mug = factories.ProductFactory(sku="MUG-350", name="Stoneware mug", unit_price=Decimal("14.50"))
    stock(mug, warehouse, 40)
    return place(channel=channel, customer=customer, items=[(mug, 2)])


@pytest.fixture
def console_errors(signed_in: Page):
    """Every console error and uncaught script error on the page, CSP violations among them."""
    errors: list[str] = []
    signed_in.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    signed_in.on("pageerror", lambda error: errors.append(str(error)))
    return errors


@pytest.fixture
def enforced_policy(settings):
    settings.SECURE_CSP = settings.CONTENT_SECURITY_POLICY
    settings.SECURE_CSP_REPORT_ONLY = {}


def test_on_a_phone_the_menu_folds_away_and_orders_open(signed_in: Page, live_server, order):
    page = signed_in
    page.set_viewport_size({"width": 390, "height": 844})

    # Given the orders list on a 390 px screen
    page.goto(f"{live_server.url}/orders/")

    # Then the sidebar waits behind the Menu button and nothing is wider than the screen
    menu = page.get_by_role("button", name="Menu")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(page.locator("#sidebar")).to_be_hidden()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    # When the menu is opened, the sections are there to pick
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(page.locator("#sidebar").get_by_role("link", name="Orders")).to_be_visible()
    menu.click()
    expect(page.locator("#sidebar")).to_be_hidden()

    # And the search is usable: it finds the order, Escape clears it
    search = page.locator("#global-search")
    search.fill(order.number)
    expect(page.locator("#search-results")).to_contain_text(order.number)
    search.press("Escape")
    expect(search).to_have_value("")
    expect(page.locator("#search-results")).to_be_empty()

    # When an order is opened from the list, its page fits the screen
    page.get_by_role("link", name=order.number, exact=True).first.click()
    expect(page.get_by_role("heading", name=order.number)).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


@pytest.mark.usefixtures("enforced_policy")
def test_the_order_page_runs_under_the_policy(signed_in: Page, live_server, order, console_errors):
    page = signed_in

    page.goto(f"{live_server.url}/orders/{order.number}/")
    response = page.request.get(f"{live_server.url}/orders/{order.number}/")

    # The policy is enforced, and the page's panels (loaded by htmx) still arrive
    assert "script-src 'self'" in response.headers["content-security-policy"]
    expect(page.locator("#order-payments")).to_contain_text("Payments")
    assert console_errors == []


@pytest.mark.usefixtures("enforced_policy")
def test_new_order_previews_under_the_policy(signed_in: Page, live_server, order, console_errors):
    page = signed_in

    page.goto(f"{live_server.url}/orders/new/")
    page.get_by_label("Add a product").fill("MUG")
    page.locator("#product-results tbody tr", has_text="MUG-350").get_by_role(
        "button", name="Add"
    ).click()

    # The preview totals come in with no console error and no policy violation
    expect(page.locator("#line-0-total")).to_have_text("14.50")
    page.get_by_label("Quantity of MUG-350").fill("3")
    page.get_by_label("Quantity of MUG-350").press("Tab")
    expect(page.locator("#line-0-total")).to_have_text("43.50")

    # A quantity the preview refuses is explained on the line, not thrown at the console
    page.get_by_label("Quantity of MUG-350").fill("0")
    page.get_by_label("Quantity of MUG-350").press("Tab")
    expect(page.locator("#line-0-notes")).not_to_be_empty()
    page.locator("#shipping-total").fill("-5")
    page.locator("#shipping-total").press("Tab")
    expect(page.locator("#order-summary")).to_be_visible()
    assert console_errors == []


def test_every_dashboard_section_and_detail_page_passes_axe(
    signed_in: Page, live_server, order, console_errors
):
    """The sidebar's sections and the pages behind them; each load is audited by axe-core."""
    page = signed_in
    page.goto(f"{live_server.url}/")
    sections = page.locator("#sidebar nav a").evaluate_all("links => links.map(a => a.href)")
    assert len(sections) >= 5  # home, orders, customers, inventory, finance at least
    details = [
        f"/orders/{order.number}/",
        "/orders/new/",
        f"/customers/{order.customer.pk}/",
        f"/inventory/{order.lines.first().sku}/",
    ]
    for url in [*sections, *(f"{live_server.url}{path}" for path in details)]:
        if "/admin/" in url:
            continue  # Django's own admin: not a dashboard page
        response = page.goto(url)
        assert response.ok, url
    assert console_errors == []
