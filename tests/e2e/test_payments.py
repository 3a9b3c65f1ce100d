"""Payments in a real browser: a manager records a bank transfer and confirms the order, Finance
refunds part of it, and Customer service sees no refund button and is refused if it posts one.

Each step is checked on the page as it updates in place: the payments panel, the header's
payment badge and the timeline, with no reload.
"""

import importlib
import re
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from playwright.sync_api import Page, expect

from core.roles import CUSTOMER_SERVICE, FINANCE, MANAGER
from orders.models import OrderStatus
from orders.models import PaymentStatus as OrderPaymentStatus
from payments.models import Payment, PaymentStatus
from tests import factories
from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "pay-and-ship"
ROLE_MIGRATIONS = ("core.migrations.0003_roles", "payments.migrations.0002_payment_roles")


@pytest.fixture
def roles(transactional_db):
    """The staff groups as the migrations grant them (a transactional test flushes them)."""
    for module in ROLE_MIGRATIONS:
        for role, codes in importlib.import_module(module).ROLES.items():
            group, _ = Group.objects.get_or_create(name=role)
            for code in codes:
                app_label, codename = code.split(".")
                group.permissions.add(
                    Permission.objects.get(content_type__app_label=app_label, codename=codename)
                )


@pytest.fixture
def staff(roles):
    def user(username: str, role: str, first: str, last: str):
        return factories.UserFactory(
            username=username, role=role, first_name=first, last_name=last, password=PASSWORD
        )

    return {
        MANAGER: user("maria", MANAGER, "Maria", "Lopez"),
        FINANCE: user("fiona", FINANCE, "Fiona", "Chen"),
        CUSTOMER_SERVICE: user("sam", CUSTOMER_SERVICE, "Sam", "Carter"),
    }


@pytest.fixture
def order(transactional_db):
    """A phone order of 124.20 USD (2 × 57.50 + 8% tax) whose channel wants payment first."""
    channel = factories.SalesChannelFactory(
        code="phone",
        name="Phone",
        kind="phone",
        allow_unpaid_confirmation=False,
        deferred_payment_methods=[],
    )
    location = factories.LocationFactory(code="WH-EAST", name="East Coast DC")
    product = factories.ProductFactory(
        sku="CF-GRND-BURR", name="Conical Burr Grinder", unit_price=Decimal("57.50")
    )
    factories.stock(product, location, 10)
    factories.TaxRateFactory(country="US", region="NY", rate=Decimal("0.0800"))
    customer = factories.CustomerFactory(name="Eleanor Vance", email="eleanor@example.com")
    return factories.place(channel=channel, customer=customer, items=[(product, 2)])


@pytest.fixture
def watched(page: Page):
    """The page; no script error may happen on it."""
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    def console(message) -> None:
        # the browser asks for /favicon.ico by itself on the first page; the OMS has none
        if message.type == "error" and "favicon.ico" not in message.location.get("url", ""):
            errors.append(message.text)

    page.on("console", console)
    yield page
    assert errors == []


def sign_in(page: Page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(re.compile(r"/login/"))


def _mark_page(page: Page) -> None:
    page.evaluate("() => { window.__marker = 1; }")


def _assert_not_reloaded(page: Page) -> None:
    assert page.evaluate("() => window.__marker") == 1


def test_record_confirm_refund_and_no_refund_for_customer_service(
    watched: Page, live_server, staff, order
):
    page = watched
    order_url = f"{live_server.url}{reverse('orders:detail', args=[order.number])}"
    panel = page.locator("#order-payments")
    header = page.locator("#order-header")
    timeline = page.locator("#order-events")

    # --- a manager records a bank transfer, then confirms the order -------------------------
    sign_in(page, live_server, "maria")
    page.goto(order_url)
    _mark_page(page)
    expect(panel.get_by_role("heading", name="Payments")).to_be_visible()
    expect(panel.locator('[data-amount="balance"]')).to_have_text("124.20 USD")
    expect(header.locator(".badge", has_text="Unpaid")).to_be_visible()

    # Before any payment Confirm is not on offer: the header says what it waits for
    expect(header.get_by_role("button", name="Confirm")).to_be_disabled()
    expect(header.locator("#confirm-blocker")).to_contain_text("Awaiting payment of 124.20 USD")

    panel.get_by_role("button", name="Record payment…").click()
    dialog = page.locator("#record-payment-dialog")
    expect(dialog).to_be_visible()
    dialog.get_by_label("Method").select_option(label="Bank transfer")
    expect(dialog.get_by_label("Amount")).to_have_value("124.20")
    dialog.get_by_label("Reference").fill("TRF 2024-0118")
    dialog.get_by_role("button", name="Record payment").click()

    # the panel, the header badge and the timeline all update without a reload
    expect(panel.locator('[data-amount="captured"]')).to_have_text("124.20 USD")
    expect(panel.locator('[data-amount="balance"]')).to_have_text("0.00 USD")
    expect(panel.locator(".payment")).to_contain_text("TRF 2024-0118")
    expect(header.locator(".badge", has_text="Paid")).to_be_visible()
    expect(timeline).to_contain_text(
        "Received 124.20 USD by bank transfer (reference TRF 2024-0118)."
    )
    expect(page.locator("#record-payment-dialog")).not_to_be_visible()
    _assert_not_reloaded(page)

    header.get_by_role("button", name="Confirm").click()
    expect(header.locator(".badge", has_text="Confirmed")).to_be_visible()
    expect(header.get_by_role("alert")).to_have_count(0)
    _assert_not_reloaded(page)
    order.refresh_from_db()
    assert (order.status, order.payment_status) == (OrderStatus.CONFIRMED, OrderPaymentStatus.PAID)
    payment = Payment.objects.get(order=order)
    sign_out(page)

    # --- Finance refunds part of it ----------------------------------------------------------
    sign_in(page, live_server, "fiona")
    page.goto(order_url)
    _mark_page(page)
    panel.get_by_role("button", name="Refund…").click()
    refund = page.locator(f"#refund-dialog-{payment.pk}")
    expect(refund).to_be_visible()

    # more than was captured is refused inside the dialog
    refund.get_by_label("Amount").fill("200.00")
    refund.get_by_label("Reason").fill("Goodwill")
    refund.get_by_role("button", name="Refund").click()
    refund = page.locator(f"#refund-dialog-{payment.pk}")
    expect(refund.get_by_role("alert")).to_contain_text("At most 124.20 USD can be refunded")

    refund.get_by_label("Amount").fill("30.00")
    refund.get_by_label("Reason").fill("Grinder arrived scratched")
    refund.get_by_role("button", name="Refund").click()

    expect(panel.locator('[data-amount="refunded"]')).to_have_text("30.00 USD")
    expect(panel.locator(".refunds")).to_contain_text("Grinder arrived scratched")
    expect(header.locator(".badge", has_text="Partially refunded")).to_be_visible()
    expect(timeline).to_contain_text("Refunded 30.00 USD")
    _assert_not_reloaded(page)
    screenshot(page, "order-payments")
    payment.refresh_from_db()
    assert (payment.status, payment.refunded_amount) == (
        PaymentStatus.PARTIALLY_REFUNDED,
        Decimal("30.00"),
    )
    sign_out(page)

    # --- Customer service: no refund button, and 403 if it posts anyway -------------------
    sign_in(page, live_server, "sam")
    page.goto(order_url)
    expect(panel.get_by_role("button", name="Record payment…")).to_be_visible()
    expect(panel.get_by_role("button", name="Refund…")).to_have_count(0)
    expect(page.locator("dialog[id^=refund-dialog]")).to_have_count(0)

    token = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    response = page.request.post(
        f"{live_server.url}{reverse('payments:refund', args=[payment.pk])}",
        form={f"refund-{payment.pk}-amount": "10.00", f"refund-{payment.pk}-reason": "Try"},
        headers={"X-CSRFToken": token, "HX-Request": "true", "Referer": order_url},
    )
    assert response.status == 403
    payment.refresh_from_db()
    assert payment.refunded_amount == Decimal("30.00")
