"""In a real browser on a phone: the customer opens the order-status page from the link in the
e-mail they were sent, under the production Content Security Policy, with no login."""

import re
from decimal import Decimal

import pytest
from django.conf import settings as django_settings
from playwright.sync_api import Page, expect

from tests import factories
from tests.factories import place, stock

pytestmark = pytest.mark.django_db(transaction=True)
LINK = re.compile(r"Check your order at any time: (\S+)")


def test_the_link_in_the_email_opens_the_order_on_a_phone(
    page: Page, live_server, settings, channel, customer, warehouse, mailoutbox
):
    settings.SECURE_CSP = settings.CONTENT_SECURITY_POLICY
    settings.SECURE_CSP_REPORT_ONLY = {}
    mug = factories.ProductFactory(sku="MUG-350", name="Stoneware mug", unit_price=Decimal("14.50"))
    stock(mug, warehouse, 5)
    order = place(channel=channel, customer=customer, items=[(mug, 2)])  # commits: e-mailed
    (mail,) = mailoutbox
    (url,) = LINK.findall(mail.body)
    url = url.replace(django_settings.OMS_SITE_URL.rstrip("/"), live_server.url)
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(url)

    expect(page.get_by_role("heading", name=f"Order {order.number}")).to_be_visible()
    expect(page.get_by_text("Received", exact=True)).to_be_visible()
    expect(page.get_by_text("We received your order.")).to_be_visible()
    expect(page.get_by_text("2 × Stoneware mug")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert page.locator("#sidebar").count() == 0  # no staff layout, no login asked
    assert errors == []
