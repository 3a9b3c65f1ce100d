"""The back office in a real browser: sign in, filter the orders list, act on an order, take a
phone order, and see a refused action explain itself.

Each test reads as given / when / then. Data comes from the factories and the services, so
every order on screen went through the same code a real one does.
"""

import re
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.utils import timezone
from playwright.sync_api import Page, expect

from customers.models import Customer
from inventory.models import Location, Product, StockLevel
from orders import services
from orders.models import HoldReason, Order, OrderEvent, OrderStatus, SalesChannel
from tests import factories
from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.django_db(transaction=True)

ORDER_URL = re.compile(r"/orders/SO-\d{6}/$")

# sku, name, price
CATALOGUE = (
    ("CF-GRND-BURR", "Conical Burr Grinder, Matte Black", "129.00"),
    ("CF-KTL-GOOSE", "Gooseneck Kettle 1 L, Brushed Steel", "89.00"),
    ("CF-SCALE-TMR", "Brew Scale with Timer", "59.00"),
    ("CF-PRESS-8C", "French Press, 8 Cup", "39.00"),
    ("CF-DRIP-V60", "Ceramic Pour-over Dripper, Size 02", "24.00"),
    ("CF-TIN-500", "Airtight Coffee Canister 500 g", "22.00"),
    ("CF-BEAN-COL", "Colombia Huila Whole Beans 1 kg", "48.00"),
    ("CF-BEAN-ETH", "Ethiopia Yirgacheffe Whole Beans 250 g", "16.00"),
    ("CF-MUG-350", "Stoneware Mug 350 ml, Sand", "14.50"),
    ("CF-FILT-100", "Paper Filters, Pack of 100", "7.50"),
)

# name, e-mail, phone, (line1, city, region, postal code)
CUSTOMERS = (
    (
        "Eleanor Vance",
        "eleanor.vance@fastmail.com",
        "+1 718 555 0142",
        ("88 Berry Street, Apt 4B", "Brooklyn", "NY", "11249"),
    ),
    (
        "Marcus Okafor",
        "marcus.okafor@gmail.com",
        "+1 312 555 0187",
        ("1400 N Lake Shore Drive", "Chicago", "IL", "60610"),
    ),
    (
        "Priya Raman",
        "priya.raman@outlook.com",
        "+1 206 555 0119",
        ("2201 Western Avenue", "Seattle", "WA", "98121"),
    ),
    (
        "Tomás Herrera",
        "tomas.herrera@icloud.com",
        "+1 512 555 0163",
        ("907 E 6th Street", "Austin", "TX", "78702"),
    ),
    (
        "Hannah Keller",
        "hannah.keller@gmail.com",
        "+1 617 555 0175",
        ("35 Beacon Street", "Boston", "MA", "02108"),
    ),
    (
        "Daniel Whitfield",
        "d.whitfield@whitfieldlaw.com",
        "+1 212 555 0104",
        ("250 W 57th Street, Suite 1200", "New York", "NY", "10107"),
    ),
    (
        "Sofia Marchetti",
        "sofia.marchetti@yahoo.com",
        "+1 415 555 0136",
        ("1550 Valencia Street", "San Francisco", "CA", "94110"),
    ),
    (
        "Kenji Watanabe",
        "kenji.watanabe@proton.me",
        "+1 503 555 0158",
        ("1020 SW Taylor Street", "Portland", "OR", "97205"),
    ),
    (
        "Amara Nwosu",
        "amara.nwosu@gmail.com",
        "+1 404 555 0191",
        ("675 Ponce de Leon Ave NE", "Atlanta", "GA", "30308"),
    ),
    (
        "Lucas Berg",
        "lucas.berg@hey.com",
        "+1 303 555 0127",
        ("1701 Wynkoop Street", "Denver", "CO", "80202"),
    ),
    (
        "Grace Liu",
        "grace.liu@gmail.com",
        "+1 646 555 0113",
        ("120 E 23rd Street", "New York", "NY", "10010"),
    ),
    (
        "Oliver Grant",
        "oliver.grant@grantandco.com",
        "+1 215 555 0149",
        ("1818 Market Street", "Philadelphia", "PA", "19103"),
    ),
)

TAX_RATES = {"NY": "0.0800", "CA": "0.0725", "TX": "0.0625", "WA": "0.0650", "IL": "0.0625"}


@dataclass
class Shop:
    """A small coffee-gear shop: three locations, four channels, a catalogue, customers."""

    clerk: object
    locations: dict[str, Location]
    channels: dict[str, SalesChannel]
    products: dict[str, Product]
    customers: list[Customer]
    orders: list[Order] = field(default_factory=list)

    def ship_to(self, customer: Customer) -> dict[str, str]:
        line1, city, region, postal_code = next(
            address for name, _, _, address in CUSTOMERS if name == customer.name
        )
        return factories.ship_to(
            name=customer.name,
            line1=line1,
            city=city,
            region=region,
            postal_code=postal_code,
            phone=customer.phone,
        )

    def place(self, *, channel: str, customer: Customer, items, hours_ago: float, **kwargs):
        order = factories.place(
            channel=self.channels[channel],
            customer=customer,
            items=[(self.products[sku], quantity) for sku, quantity in items],
            shipping_address=self.ship_to(customer),
            placed_at=timezone.now() - timedelta(hours=hours_ago),
            shipping_total=Decimal(kwargs.pop("shipping", "6.95")),
            actor=self.clerk,
            **kwargs,
        )
        self.orders.append(order)
        return order


@pytest.fixture
def shop(transactional_db) -> Shop:
    clerk = factories.UserFactory(username="maria.lopez", first_name="Maria", last_name="Lopez")
    locations = {
        "WH-EAST": factories.LocationFactory(
            code="WH-EAST", name="East Coast DC, Newark", city="Newark", region="NJ", priority=10
        ),
        "WH-WEST": factories.LocationFactory(
            code="WH-WEST", name="West Coast DC, Reno", city="Reno", region="NV", priority=20
        ),
        "ST-SOHO": factories.LocationFactory(
            code="ST-SOHO",
            name="SoHo Store",
            kind=Location.Kind.STORE,
            city="New York",
            region="NY",
            priority=50,
        ),
    }
    kinds = SalesChannel.Kind
    channels = {
        "web": factories.SalesChannelFactory(code="web", name="Web shop", kind=kinds.WEB),
        "amazon": factories.SalesChannelFactory(
            code="amazon", name="Amazon US", kind=kinds.MARKETPLACE
        ),
        "app": factories.SalesChannelFactory(code="app", name="Mobile app", kind=kinds.MOBILE_APP),
        "phone": factories.SalesChannelFactory(code="phone", name="Phone", kind=kinds.PHONE),
    }
    products = {}
    for sku, name, price in CATALOGUE:
        product = factories.ProductFactory(
            sku=sku, name=name, unit_price=Decimal(price), cost=Decimal(price) * Decimal("0.45")
        )
        products[sku] = product
        factories.stock(product, locations["WH-EAST"], 40)
        factories.stock(product, locations["WH-WEST"], 25)
        factories.stock(product, locations["ST-SOHO"], 6)
    for region, rate in TAX_RATES.items():
        factories.TaxRateFactory(country="US", region=region, rate=Decimal(rate))
    customers = [
        factories.CustomerFactory(name=name, email=email, phone=phone)
        for name, email, phone, _ in CUSTOMERS
    ]
    return Shop(clerk, locations, channels, products, customers)


@pytest.fixture
def back_office(signed_in: Page, django_user_model):
    """The signed-in page, for a staff member with a name; no script error may happen on it."""
    django_user_model.objects.filter(username="e2e").update(first_name="Sam", last_name="Carter")
    errors = []
    signed_in.on("pageerror", lambda error: errors.append(str(error)))
    signed_in.on(
        "console", lambda message: errors.append(message.text) if message.type == "error" else None
    )
    yield signed_in
    assert errors == []


def _backdate_timeline(order: Order, **ages: timedelta) -> None:
    """Give the order's events the times they would have had: ``confirmed=timedelta(hours=3)``."""
    now = timezone.now()
    for type_, age in ages.items():
        OrderEvent.objects.filter(order=order, type=type_).update(created_at=now - age)


# The orders list: channel, items and what happened to each order after it was placed.
LIST_ORDERS = (
    ("web", [("CF-GRND-BURR", 1), ("CF-BEAN-ETH", 2)], "placed"),
    ("amazon", [("CF-FILT-100", 3)], "placed"),
    ("app", [("CF-MUG-350", 4)], "confirmed"),
    ("web", [("CF-KTL-GOOSE", 1), ("CF-DRIP-V60", 1), ("CF-FILT-100", 2)], "placed"),
    ("phone", [("CF-BEAN-COL", 2)], "on_hold"),
    ("amazon", [("CF-PRESS-8C", 1)], "confirmed"),
    ("web", [("CF-SCALE-TMR", 1), ("CF-DRIP-V60", 1)], "processing"),
    ("amazon", [("CF-TIN-500", 2), ("CF-BEAN-ETH", 1)], "cancelled"),
    ("web", [("CF-BEAN-ETH", 3)], "shipped"),
    ("app", [("CF-GRND-BURR", 1)], "placed"),
    ("web", [("CF-MUG-350", 2), ("CF-BEAN-COL", 1)], "confirmed"),
    ("amazon", [("CF-KTL-GOOSE", 1)], "shipped"),
    ("phone", [("CF-GRND-BURR", 1), ("CF-SCALE-TMR", 1), ("CF-BEAN-ETH", 2)], "placed"),
    ("web", [("CF-FILT-100", 5)], "processing"),
    ("app", [("CF-PRESS-8C", 1), ("CF-BEAN-COL", 1)], "placed"),
    ("amazon", [("CF-DRIP-V60", 2)], "on_hold"),
    ("web", [("CF-TIN-500", 1)], "cancelled"),
    ("web", [("CF-KTL-GOOSE", 1), ("CF-SCALE-TMR", 1)], "confirmed"),
    ("amazon", [("CF-MUG-350", 6)], "placed"),
    ("phone", [("CF-BEAN-COL", 4)], "shipped"),
    ("web", [("CF-GRND-BURR", 1), ("CF-FILT-100", 1)], "processing"),
    ("app", [("CF-BEAN-ETH", 2), ("CF-MUG-350", 2)], "placed"),
    ("amazon", [("CF-SCALE-TMR", 1)], "confirmed"),
    ("web", [("CF-PRESS-8C", 1), ("CF-BEAN-ETH", 1)], "placed"),
    ("web", [("CF-DRIP-V60", 1), ("CF-FILT-100", 2), ("CF-MUG-350", 2)], "placed"),
)


def _move_to(order: Order, status: str, actor) -> None:
    if status == "on_hold":
        services.hold_order(
            order=order,
            reason=HoldReason.FRAUD_RISK,
            note="Billing and shipping countries differ.",
            actor=actor,
        )
        return
    if status == "cancelled":
        services.cancel_order(order=order, reason="Customer ordered twice.", actor=actor)
        return
    steps = ("confirmed", "processing", "shipped")
    for step in steps[: steps.index(status) + 1]:
        move = {
            "confirmed": services.confirm_order,
            "processing": services.start_processing,
            "shipped": services.ship_order,
        }[step]
        order = move(order=order, actor=actor)


def _fill_orders_list(shop: Shop) -> None:
    """Twenty-five orders over the last four days, most recent last in LIST_ORDERS."""
    for index, (channel, items, status) in enumerate(LIST_ORDERS):
        customer = shop.customers[(index * 5) % len(shop.customers)]
        external_id = {
            "amazon": f"114-{3920417 + index * 7919:07d}-{5521000 + index * 131:07d}",
            "web": f"W{100480 + index}",
            "app": f"APP-{88210 + index}",
        }.get(channel, "")
        order = shop.place(
            channel=channel,
            customer=customer,
            items=items,
            hours_ago=(len(LIST_ORDERS) - index) * 3.7,
            external_id=external_id,
        )
        if status != "placed":
            _move_to(order, status, shop.clerk)


def _reserved(products) -> int:
    levels = StockLevel.objects.filter(product__in=products)
    return levels.aggregate(units=Sum("reserved"))["units"] or 0


def _mark_page(page: Page) -> None:
    """A flag that only survives if the page is never reloaded."""
    page.evaluate("() => { window.__marker = 1; }")


def _assert_not_reloaded(page: Page) -> None:
    assert page.evaluate("() => window.__marker") == 1


def _add_product(page: Page, *, search: str, sku: str) -> None:
    """Find a product on the new-order page and add it with the Add button of its row."""
    page.get_by_label("Add a product").fill(search)
    hit = page.locator("#product-results tbody tr", has_text=sku)
    hit.get_by_role("button", name="Add").click()


# --- 1. signing in --------------------------------------------------------------------------


def test_sign_in_through_the_form(page: Page, live_server, django_user_model):
    # Given a staff member with an account
    django_user_model.objects.create_superuser(
        "grace", "grace@staff.example", "c0ffee-and-orders", first_name="Grace", last_name="Hopper"
    )
    page.goto(f"{live_server.url}/login/")
    expect(page.get_by_role("heading", name="OMS")).to_be_visible()

    # When she types a wrong password
    page.get_by_label("Username").fill("grace")
    page.get_by_label("Password").fill("tea-and-orders")
    page.get_by_role("button", name="Sign in").click()

    # Then the form says so and she stays on the sign-in page
    expect(page.locator(".login .error")).to_contain_text("enter a correct username and password")
    expect(page).to_have_url(re.compile(r"/login/$"))
    expect(page.get_by_label("Username")).to_have_value("grace")

    # When she types the right one
    page.get_by_label("Password").fill("c0ffee-and-orders")
    page.get_by_role("button", name="Sign in").click()

    # Then she lands on the dashboard, which greets her by name
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    expect(page.locator(".topbar .user")).to_have_text("Grace Hopper")
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


# --- 2. filtering the orders list -----------------------------------------------------------


def test_filter_the_orders_list_in_place(back_office: Page, live_server, shop):
    page = back_office
    # Given 25 orders from four channels, in every state of their life
    _fill_orders_list(shop)
    confirmed = Order.objects.filter(status=OrderStatus.CONFIRMED)
    confirmed_numbers = set(confirmed.values_list("number", flat=True))
    assert len(confirmed_numbers) == 5

    # When the list opens
    page.goto(f"{live_server.url}/orders/")
    rows = page.locator("#order-table tbody tr")

    # Then every order shows, newest first
    expect(rows).to_have_count(len(LIST_ORDERS))
    expect(page.locator("#order-table .toolbar strong")).to_have_text("25 orders")
    newest = Order.objects.latest("placed_at")
    expect(rows.first).to_contain_text(newest.number)
    screenshot(page, "orders-list")

    # When only confirmed orders are asked for
    _mark_page(page)
    page.locator("#id_status").select_option("confirmed")

    # Then the address bar keeps the filter and only confirmed orders remain, without a reload
    expect(page).to_have_url(re.compile(r"[?&]status=confirmed(&|$)"))
    assert "status=" in page.url
    expect(rows).to_have_count(len(confirmed_numbers))
    expect(page.locator("#order-table .toolbar strong")).to_have_text("5 orders")
    for number in confirmed_numbers:
        expect(rows.filter(has_text=number)).to_have_count(1)
    expect(rows.locator(".badge", has_text="Confirmed")).to_have_count(len(confirmed_numbers))
    expect(rows.filter(has_text="Placed")).to_have_count(0)
    _assert_not_reloaded(page)

    # When the channel narrows it further
    page.locator("#id_channel").select_option(label="Amazon US")

    # Then only the confirmed Amazon orders are left
    amazon = set(confirmed.filter(channel__code="amazon").values_list("number", flat=True))
    assert len(amazon) == 2
    expect(page).to_have_url(re.compile(r"channel=amazon"))
    expect(rows).to_have_count(len(amazon))
    for number in amazon:
        expect(rows.filter(has_text=number)).to_contain_text("Amazon US")
    _assert_not_reloaded(page)


# --- 3. cancelling an order -----------------------------------------------------------------


def test_cancel_an_order_from_its_page(back_office: Page, live_server, shop):
    page = back_office
    # Given a confirmed web order of three lines, with a note from customer service
    customers = {customer.name: customer for customer in shop.customers}
    shop.place(
        channel="amazon",
        customer=customers["Marcus Okafor"],
        items=[("CF-PRESS-8C", 1)],
        hours_ago=30,
    )
    shop.place(
        channel="app", customer=customers["Priya Raman"], items=[("CF-MUG-350", 2)], hours_ago=9
    )
    order = shop.place(
        channel="web",
        customer=customers["Eleanor Vance"],
        items=[("CF-GRND-BURR", 1), ("CF-BEAN-ETH", 2), ("CF-FILT-100", 3)],
        hours_ago=5,
        external_id="W100532",
        shipping="8.95",
        notes="Leave with the doorman if nobody answers.",
    )
    order = services.confirm_order(order=order, actor=shop.clerk)
    services.add_note(
        order=order,
        text="Customer called: gift wrap the grinder, no invoice in the parcel.",
        actor=shop.clerk,
    )
    _backdate_timeline(
        order,
        stock_reserved=timedelta(hours=5, seconds=2),
        placed=timedelta(hours=5, seconds=1),
        email_sent=timedelta(hours=5),
        confirmed=timedelta(hours=3, minutes=12),
        note=timedelta(minutes=42),
    )
    products = [shop.products[sku] for sku in ("CF-GRND-BURR", "CF-BEAN-ETH", "CF-FILT-100")]
    assert _reserved(products) == 6

    # When it is opened from the orders list
    page.goto(f"{live_server.url}/orders/")
    page.get_by_role("link", name=order.number, exact=True).click()
    expect(page).to_have_url(f"{live_server.url}/orders/{order.number}/")
    header = page.locator("#order-header")
    status_badge = header.locator(".page-head .badge").first

    # Then the whole order shows: status, lines, customer and what happened so far
    expect(status_badge).to_have_text("Confirmed")
    expect(page.locator("#order-lines tbody tr")).to_have_count(3)
    expect(page.locator("#order-customer")).to_contain_text("Eleanor Vance")
    events = page.locator("#order-events li")
    expect(events.first).to_contain_text("gift wrap the grinder")
    expect(events.filter(has_text="Order confirmed.")).to_have_count(1)
    expect(events.filter(has_text="Reserved 1 × CF-GRND-BURR at WH-EAST")).to_have_count(1)
    expect(events.filter(has_text="Order placed via Web shop")).to_have_count(1)
    # (a taller window, so the picture holds the timeline and customer below the lines too)
    page.set_viewport_size({"width": 1280, "height": 1360})
    screenshot(page, "order-detail")
    page.set_viewport_size({"width": 1280, "height": 860})

    # When it is cancelled with a reason through the dialog
    _mark_page(page)
    header.get_by_role("button", name="Cancel order…").click()
    dialog = page.get_by_role("dialog", name=f"Cancel {order.number}")
    expect(dialog).to_be_visible()
    reason = "Customer found the grinder cheaper locally and asked us to cancel"
    dialog.get_by_label("Reason").fill(reason)
    dialog.get_by_role("button", name="Cancel order").click()

    # Then the page shows it cancelled, and the timeline says why, all in place
    expect(status_badge).to_have_text("Cancelled")
    expect(dialog).to_have_count(0)
    expect(header).to_contain_text(reason)
    cancelled = events.filter(has_text=f"Cancelled: {reason}.")
    expect(cancelled).to_have_count(1)
    expect(cancelled).to_contain_text("6 reserved unit(s) returned to stock")
    expect(cancelled.locator(".meta")).to_contain_text("e2e")
    expect(page.locator("#order-lines")).not_to_contain_text("@ WH-EAST")  # nothing reserved
    expect(header.get_by_role("button", name="Cancel order…")).to_have_count(0)
    expect(page).to_have_url(f"{live_server.url}/orders/{order.number}/")
    _assert_not_reloaded(page)

    # And its stock is back on sale
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert order.cancel_reason == reason
    assert _reserved(products) == 0


# --- 4. a phone order for a new customer ----------------------------------------------------


def test_take_a_phone_order_for_a_new_customer(back_office: Page, live_server, shop):
    page = back_office
    grinder, beans = shop.products["CF-GRND-BURR"], shop.products["CF-BEAN-COL"]
    email = "nadia.petrova@gmail.com"

    # Given the new-order page
    page.goto(f"{live_server.url}/orders/")
    page.get_by_role("link", name="New order").click()
    expect(page.get_by_role("heading", name="New order")).to_be_visible()
    expect(page.locator("#id_channel")).to_have_value(str(shop.channels["phone"].pk))

    # When the caller is not found
    page.get_by_label("Find a customer").fill(email)
    expect(page.locator("#customer-results")).to_contain_text("No customer matches")

    # And is entered as a new customer, with the address to ship to
    page.locator("#id_new-email").fill(email)
    page.locator("#id_new-name").fill("Nadia Petrova")
    page.locator("#id_new-phone").fill("+1 718 555 0177")
    page.locator("#id_shipping-name").fill("Nadia Petrova")
    page.locator("#id_shipping-line1").fill("245 Bedford Avenue")
    page.locator("#id_shipping-city").fill("Brooklyn")
    page.locator("#id_shipping-region").fill("NY")
    page.locator("#id_shipping-postal_code").fill("11211")
    page.locator("#id_shipping-country").fill("US")
    page.locator("#id_shipping-country").press("Tab")

    # And two products are found and added
    lines = page.locator("#order-lines input[name=sku]")
    _add_product(page, search="burr grinder", sku=grinder.sku)
    expect(lines).to_have_count(1)
    expect(page.get_by_label("Add a product")).to_have_value("")
    _add_product(page, search=beans.sku, sku=beans.sku)
    expect(lines).to_have_count(2)

    # Then the totals appear as the lines go in
    summary = page.locator("#order-summary")
    expect(page.locator("#line-0-total")).to_have_text("129.00")
    expect(page.locator("#line-1-total")).to_have_text("48.00")
    expect(summary).to_contain_text("177.00 USD")
    expect(summary).to_contain_text("Tax (8%)")

    # When the caller wants three bags of beans and pays for shipping
    page.get_by_label(f"Quantity of {beans.sku}").fill("3")
    page.get_by_label(f"Quantity of {beans.sku}").press("Tab")
    expect(page.locator("#line-1-total")).to_have_text("144.00")
    page.locator("#shipping-total").fill("9.95")
    page.locator("#shipping-total").press("Tab")

    # Then the totals follow: 273.00 of goods, 9.95 shipping, 8% tax on the goods
    expect(summary).to_contain_text("273.00 USD")
    expect(summary).to_contain_text("9.95 USD")
    expect(summary).to_contain_text("21.84 USD")  # 10.32 + 11.52
    expect(summary.locator("strong")).to_have_text("304.79 USD")

    # When the order is placed
    page.get_by_role("button", name="Place order").click()

    # Then its page opens, placed
    expect(page).to_have_url(ORDER_URL)
    expect(page.locator("#order-header .page-head .badge").first).to_have_text("Placed")
    expect(page.locator(".messages")).to_contain_text("placed.")
    expect(page.locator("#order-customer")).to_contain_text("Nadia Petrova")

    # And the customer, the two lines and the reserved stock are in the database
    customer = Customer.objects.get(email=email)
    assert customer.name == "Nadia Petrova"
    assert customer.addresses.get().city == "Brooklyn"
    order = Order.objects.get(number=page.url.rstrip("/").rsplit("/", 1)[-1])
    assert order.customer == customer
    assert order.channel.code == "phone"
    assert order.status == OrderStatus.PLACED
    assert order.total == Decimal("304.79")
    assert {(line.sku, line.quantity) for line in order.lines.all()} == {
        (grinder.sku, 1),
        (beans.sku, 3),
    }
    assert _reserved([grinder]) == 1
    assert _reserved([beans]) == 3


# --- 5. a refused action --------------------------------------------------------------------


def test_a_refused_action_shows_why(back_office: Page, live_server, shop):
    page = back_office
    # Given a placed order open in the browser
    customer = shop.customers[3]
    order = shop.place(
        channel="web",
        customer=customer,
        items=[("CF-KTL-GOOSE", 1), ("CF-SCALE-TMR", 1)],
        hours_ago=2,
        external_id="W100611",
    )
    url = f"{live_server.url}/orders/{order.number}/"
    page.goto(url)
    header = page.locator("#order-header")
    expect(header.locator(".page-head .badge").first).to_have_text("Placed")
    _mark_page(page)

    # And meanwhile a colleague cancels it
    services.cancel_order(order=order, reason="Duplicate of W100610.", actor=shop.clerk)

    # When Confirm is clicked on the stale page
    header.get_by_role("button", name="Confirm", exact=True).click()

    # Then the refusal shows beside the actions, with the order's real state, in place
    error = header.locator(".inline-error")
    expect(error).to_contain_text(f"{order.number} is cancelled: it cannot be confirmed.")
    expect(header.locator(".page-head .badge").first).to_have_text("Cancelled")
    expect(header.get_by_role("button", name="Confirm", exact=True)).to_have_count(0)
    expect(page).to_have_url(url)
    _assert_not_reloaded(page)
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
