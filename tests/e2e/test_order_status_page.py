"""In a real browser on a phone: the customer opens the order-status page from the link in the
e-mail we sent them about their parcel, with no login, under the production Content Security
Policy; the page shows the status, the timeline and the carrier's tracking link, and nothing
is wider than the screen. (Every page a browser test loads is also checked with axe-core.)"""

# ruff: noqa: F401, F811 (fixtures imported from tests.shipping.flow, used as arguments)

import re

import pytest
from playwright.sync_api import Page, expect

from tests.shipping.conftest import Tables
from tests.shipping.flow import shipped_mug, simulated_payments

pytestmark = pytest.mark.django_db(transaction=True)
LINK = re.compile(r"Check your order at any time: (\S+)")
PHONE = {"width": 390, "height": 844}


def test_the_link_in_the_email_opens_the_order_on_a_phone(
    page: Page,
    live_server,
    settings,
    simulated_payments,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    settings.SECURE_CSP = settings.CONTENT_SECURITY_POLICY
    settings.SECURE_CSP_REPORT_ONLY = {}
    settings.OMS_SITE_URL = live_server.url  # the links in our e-mails point at this server
    Tables()
    shipment = shipped_mug(django_capture_on_commit_callbacks)
    order = shipment.order
    mails = [mail for mail in mailoutbox if order.number in mail.subject + mail.body]
    assert mails, "no e-mail about the order was sent"
    urls = LINK.findall(mails[-1].body)
    assert urls, "the e-mail carries no order-status link"
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)

    page.set_viewport_size(PHONE)
    page.goto(urls[0])

    expect(page.get_by_role("heading", level=1, name=f"Order {order.number}")).to_be_visible()
    expect(page.locator(".status-now")).to_have_text("On its way")
    timeline = page.get_by_role("region", name="What has happened")
    expect(timeline.get_by_text("We received your order.")).to_be_visible()
    expect(timeline.get_by_text("A parcel left us.")).to_be_visible()
    track = page.get_by_role("link", name=re.compile(r"^Track with"))
    expect(track).to_be_visible()
    expect(track).to_have_attribute("href", shipment.tracking_url)
    expect(page.get_by_text(shipment.tracking_number)).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert page.locator("#sidebar").count() == 0  # no staff layout, no login asked
    assert errors == []
