"""Staff order entry (new order page, searches, live preview) and editing an order's lines."""

import html
import re
from decimal import Decimal

import pytest
from django import forms
from django.http import QueryDict
from django.urls import reverse

from core import idempotency
from core.exceptions import DomainError
from core.forms import add_domain_error
from customers.models import Address, Customer
from inventory.exceptions import InsufficientStock
from inventory.models import StockLevel
from inventory.selectors import available_to_sell
from orders import pricing, services
from orders.entry_forms import LineEditForm, OrderEntry
from orders.exceptions import OrderError, OrderValidationError
from orders.line_parser import parse_line_rows
from orders.models import (
    Allocation,
    FulfilmentStatus,
    HoldReason,
    Order,
    OrderEvent,
    OrderStatus,
    SalesChannel,
)
from tests import factories
from tests.factories import place, stock

pytestmark = pytest.mark.django_db

CREATE = reverse("orders:create")
PREVIEW = reverse("orders:create_preview")
HTMX = {"HX-Request": "true"}


@pytest.fixture
def phone():
    return factories.SalesChannelFactory(code="phone", name="Phone", kind=SalesChannel.Kind.PHONE)


@pytest.fixture
def mug(warehouse):
    product = factories.ProductFactory(sku="MUG", name="Mug", unit_price=Decimal("12.50"))
    stock(product, warehouse, 10)
    return product


@pytest.fixture
def tee(warehouse):
    product = factories.ProductFactory(sku="TEE", name="T-shirt", unit_price=Decimal("19.99"))
    stock(product, warehouse, 10)
    return product


def reserved(product) -> int:
    return sum(level.reserved for level in StockLevel.objects.filter(product=product))


def text(response) -> str:
    return html.unescape(response.content.decode())


def entry(channel, *, lines, customer=None, new=None, ship=None, **extra) -> dict:
    """The new-order form as the page posts it: lines as parallel ``sku``/``quantity`` lists,
    with the one-time token the page renders."""
    data = {
        idempotency.FIELD: idempotency.new_token(),
        "channel": channel.pk,
        "customer": customer.pk if customer else "",
        "sku": [product.sku if hasattr(product, "sku") else product for product, _ in lines],
        "quantity": [str(quantity) for _, quantity in lines],
    }
    data |= {f"new-{key}": value for key, value in (new or {}).items()}
    address = {
        "name": "Ada Lovelace",
        "line1": "1 Main Street",
        "city": "New York",
        "region": "NY",
        "postal_code": "10001",
        "country": "US",
    } | (ship or {})
    data |= {f"shipping-{key}": value for key, value in address.items()}
    return data | extra


ADA = {"email": "ada@example.com", "name": "Ada Lovelace", "phone": "+1 555 0100"}


# --- placing an order -----------------------------------------------------------------------


def test_phone_order_for_a_new_customer_creates_both_and_reserves_stock(
    login_as, phone, mug, tee, ny_tax
):
    client = login_as("Customer service")

    response = client.post(
        CREATE, entry(phone, new=ADA, lines=[(mug, 2), (tee, 1)], shipping_total="4.95")
    )

    order = Order.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("orders:detail", args=[order.number])
    assert (order.status, order.channel, order.email) == (OrderStatus.PLACED, phone, ADA["email"])
    assert order.fulfilment_status == FulfilmentStatus.ALLOCATED
    assert order.total == Decimal("53.54")  # 25.00 + 19.99 + 4.95 + 3.60 tax
    assert [(line.sku, line.quantity) for line in order.lines.all()] == [("MUG", 2), ("TEE", 1)]
    customer = Customer.objects.get(email="ada@example.com")
    assert order.customer == customer
    address = customer.addresses.get()
    assert (address.is_default, address.kind, address.city) == (True, "shipping", "New York")
    assert (reserved(mug), reserved(tee)) == (2, 1)
    placed = order.events.get(type=OrderEvent.Type.PLACED)
    assert placed.actor == client.user


def test_customer_search_finds_by_email_name_and_phone(login_as):
    factories.CustomerFactory(email="grace@navy.example", name="Grace Hopper", phone="555 0199")
    ada = factories.CustomerFactory(email="ada@engines.example", name="Ada Lovelace", phone="")
    client = login_as("Customer service")
    search = reverse("orders:create_customer_search")

    by_email = text(client.get(search, {"q": "ENGINES"}))
    by_name = text(client.get(search, {"q": "lovel"}))
    by_phone = text(client.get(search, {"q": "(555) 01-99"}))

    assert "Ada Lovelace" in by_email and "Grace Hopper" not in by_email
    assert "Ada Lovelace" in by_name and "Grace Hopper" not in by_name
    assert "Grace Hopper" in by_phone and "Ada Lovelace" not in by_phone
    assert f"?customer={ada.pk}" in by_email  # the button that picks the customer


def test_picking_a_customer_prefills_their_default_addresses(login_as, customer):
    factories.AddressFactory(customer=customer, line1="1 Ship Street", city="Buffalo")
    factories.AddressFactory(
        customer=customer, kind=Address.Kind.BILLING, line1="9 Bill Road", city="Albany"
    )
    client = login_as("Customer service")

    response = client.get(
        CREATE, {"customer": customer.pk}, headers=HTMX | {"HX-Target": "customer-section"}
    )

    body = text(response)
    assert response.status_code == 200
    assert f'name="customer" value="{customer.pk}"' in body
    assert customer.email in body
    assert 'name="shipping-line1" value="1 Ship Street"' in body
    assert 'name="billing-line1" value="9 Bill Road"' in body
    assert "<html" not in body  # only the customer section
    assert "customerChanged" in response["HX-Trigger-After-Settle"]


def test_order_for_an_existing_customer_over_htmx_redirects_with_hx_redirect(
    login_as, phone, customer, mug
):
    client = login_as("Customer service")
    customers_before = Customer.objects.count()

    response = client.post(CREATE, entry(phone, customer=customer, lines=[(mug, 1)]), headers=HTMX)

    order = Order.objects.get()
    assert response.status_code == 200
    assert response["HX-Redirect"] == reverse("orders:detail", args=[order.number])
    assert order.customer == customer
    assert Customer.objects.count() == customers_before


def test_short_stock_names_the_sku_and_writes_neither_order_nor_customer(login_as, phone, mug, tee):
    client = login_as("Customer service")

    response = client.post(CREATE, entry(phone, new=ADA, lines=[(tee, 1), (mug, 11)]))

    body = text(response)
    assert response.status_code == 200
    # said once, next to the MUG line, not again on top in other words
    assert body.count("Not enough stock") == 1
    assert "MUG: Not enough stock: 11 wanted, only 10 available." in body
    assert not Order.objects.exists()
    assert not Customer.objects.exists()
    assert (reserved(mug), reserved(tee)) == (0, 0)


def test_a_bad_country_is_shown_on_the_country_field(login_as, phone, mug):
    client = login_as("Customer service")

    response = client.post(CREATE, entry(phone, new=ADA, lines=[(mug, 1)], ship={"country": "U1"}))

    body = text(response)
    assert response.status_code == 200
    assert 'id="id_shipping-country_error"' in body
    assert "U1 is not a country code: use the two-letter ISO 3166 code" in body
    assert not Order.objects.exists()
    assert not Customer.objects.exists()


def test_an_unknown_sku_names_the_line(login_as, phone, mug):
    client = login_as("Customer service")

    response = client.post(CREATE, entry(phone, new=ADA, lines=[(mug, 1), ("XYZ", 2)]))

    assert response.status_code == 200
    assert "Line 2: unknown SKU 'XYZ'." in text(response)
    assert not Order.objects.exists()


def test_a_price_that_is_not_an_amount_names_the_line(login_as, phone, mug):
    client = login_as("Customer service")

    response = client.post(CREATE, entry(phone, new=ADA, lines=[(mug, 1)], unit_price=["12,50"]))

    assert "Line 1: unit price '12,50' is not an amount." in text(response)
    assert not Order.objects.exists()


def test_an_email_already_taken_is_shown_on_the_new_customer_email(login_as, phone, mug):
    factories.CustomerFactory(email="ADA@example.com")
    client = login_as("Customer service")

    response = client.post(CREATE, entry(phone, new=ADA, lines=[(mug, 1)]), headers=HTMX)

    body = text(response)
    assert response.status_code == 200
    assert 'id="id_new-email_error"' in body
    assert "already exists" in body
    assert body.lstrip().startswith('<form id="order-form"')  # the form fragment, re-rendered
    assert not Order.objects.exists()


def test_only_manual_channels_are_offered(login_as, phone):
    web = factories.SalesChannelFactory(code="web", name="Web shop", kind=SalesChannel.Kind.WEB)
    client = login_as("Customer service")

    body = text(client.get(CREATE))

    assert f'<option value="{phone.pk}"' in body
    assert f'<option value="{web.pk}"' not in body


@pytest.mark.parametrize("role", ["Warehouse", "Finance"])
def test_roles_without_add_order_are_refused(login_as, role, phone, mug):
    client = login_as(role)

    assert client.get(CREATE).status_code == 403
    assert client.post(CREATE, entry(phone, new=ADA, lines=[(mug, 1)])).status_code == 403
    assert client.post(PREVIEW, {}).status_code == 403
    assert not Order.objects.exists()


def test_anonymous_users_go_to_the_login_page(client):
    response = client.get(CREATE)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# --- live preview and searches --------------------------------------------------------------


def test_preview_prices_and_taxes_an_ny_order(login_as, phone, mug, tee, ny_tax):
    client = login_as("Customer service")

    response = client.post(
        PREVIEW, entry(phone, lines=[(mug, 2), (tee, 1)], shipping_total="5.00"), headers=HTMX
    )

    body = text(response)
    assert response.status_code == 200
    assert body.lstrip().startswith('<div id="order-lines"')
    assert "44.99 USD" in body  # subtotal: 2 × 12.50 + 19.99
    assert "Tax (8%)" in body
    assert "3.60 USD" in body  # 2.00 + 1.60
    assert "53.59 USD" in body  # total
    assert not Order.objects.exists()


def test_a_typed_change_refreshes_totals_and_line_cells_but_not_the_inputs(
    login_as, phone, mug, ny_tax
):
    client = login_as("Customer service")

    response = client.post(
        PREVIEW, entry(phone, lines=[(mug, 3)]), headers=HTMX | {"HX-Target": "order-summary"}
    )

    body = text(response)
    assert body.lstrip().startswith('<dl id="order-summary"')
    assert '<td id="line-0-total" class="num" hx-swap-oob="true">37.50</td>' in body
    assert 'id="line-0-notes"' in body
    assert "40.50 USD" in body  # 37.50 + 3.00 tax
    assert 'name="quantity"' not in body


def test_preview_warns_about_backorders_and_short_stock(login_as, phone, warehouse):
    cap = factories.ProductFactory(sku="CAP", allow_backorder=True)
    hat = factories.ProductFactory(sku="HAT")
    stock(cap, warehouse, 2)
    stock(hat, warehouse, 1)
    client = login_as("Customer service")

    body = text(client.post(PREVIEW, entry(phone, lines=[(cap, 5), (hat, 3)])))

    assert "CAP: Only 2 available; 3 will be backordered." in body
    assert "HAT: Not enough stock: 3 wanted, only 1 available." in body


def test_preview_adds_and_removes_rows(login_as, phone, mug, tee):
    client = login_as("Customer service")

    added = text(client.post(PREVIEW, entry(phone, lines=[(mug, 1)], add_sku="TEE")))
    again = text(client.post(PREVIEW, entry(phone, lines=[(mug, 1), (tee, 1)], add_sku="MUG")))
    removed = text(client.post(PREVIEW, entry(phone, lines=[(mug, 1), (tee, 1)], remove_row="0")))

    assert 'name="sku" value="TEE"' in added
    assert 'id="product-search" hx-swap-oob="true"' in added  # search box cleared for the next
    assert 'id="line-0-quantity" name="quantity" type="number" min="1" step="1" value="2"' in again
    assert 'value="MUG"' not in removed and 'name="sku" value="TEE"' in removed


def test_product_search_shows_availability_per_location(login_as, mug, warehouse, second_warehouse):
    stock(mug, second_warehouse, 3)
    factories.ProductFactory(sku="MUGGY", is_active=False)
    client = login_as("Customer service")

    body = text(client.get(reverse("orders:create_product_search"), {"q": "mu"}))

    assert "WH-A 10 · WH-B 3" in body
    assert "MUGGY" not in body  # not for sale
    assert 'name="add_sku" value="MUG"' in body


@pytest.mark.parametrize("count", [3, 30])
def test_product_search_queries_do_not_grow_with_the_results(
    login_as, warehouse, second_warehouse, count, django_assert_max_num_queries
):
    for number in range(count):
        product = factories.ProductFactory(sku=f"BULK-{number:02d}")
        stock(product, warehouse, 5)
        stock(product, second_warehouse, 1)
    client = login_as("Customer service")

    with django_assert_max_num_queries(7):
        response = client.get(reverse("orders:create_product_search"), {"q": "bulk"})

    assert text(response).count("WH-A 5 · WH-B 1") == min(count, 20)


# --- editing lines (page) -------------------------------------------------------------------


@pytest.fixture
def order(channel, customer, mug):
    return place(channel=channel, customer=customer, items=[(mug, 3)])


def test_edit_page_changes_a_quantity_and_re_reserves(login_as, order, mug, tee):
    client = login_as("Customer service")
    line = order.lines.get()
    url = reverse("orders:edit", args=[order.number])
    assert f'name="quantity-{line.pk}"' in text(client.get(url))

    response = client.post(url, {f"quantity-{line.pk}": "5", "sku": ["TEE", ""], "quantity": "2"})

    assert response.status_code == 302
    assert response["Location"] == reverse("orders:detail", args=[order.number])
    assert [(line.sku, line.quantity) for line in order.lines.all()] == [("MUG", 5), ("TEE", 2)]
    assert (reserved(mug), reserved(tee)) == (5, 2)
    event = order.events.get(type="lines_changed")
    assert event.actor == client.user
    assert event.data["changes"] == [
        {"sku": "MUG", "from": 3, "to": 5},
        {"sku": "TEE", "from": 0, "to": 2},
    ]


def test_edit_page_shows_short_stock_in_place_and_changes_nothing(login_as, order, mug):
    client = login_as("Customer service")
    line = order.lines.get()

    response = client.post(
        reverse("orders:edit", args=[order.number]), {f"quantity-{line.pk}": "50"}, headers=HTMX
    )

    body = text(response)
    assert response.status_code == 200
    assert body.lstrip().startswith('<form id="edit-form"')
    assert body.count("Not enough stock") == 1  # once, next to the line
    assert "MUG: Not enough stock: 50 wanted, only 10 available." in body
    line.refresh_from_db()
    assert (line.quantity, reserved(mug)) == (3, 3)


def test_edit_page_names_a_bad_quantity_and_an_unknown_sku(login_as, order):
    client = login_as("Customer service")
    line = order.lines.get()

    response = client.post(
        reverse("orders:edit", args=[order.number]),
        {f"quantity-{line.pk}": "two", "sku": ["", "NOPE"], "quantity": ["1", "1"]},
    )

    body = text(response)
    assert "MUG: quantity must be a whole number (0 removes the line)." in body
    assert "New line 1: unknown SKU 'NOPE'." in body
    assert not order.events.filter(type="lines_changed").exists()


def test_edit_page_of_an_order_in_processing_offers_no_changes(login_as, order):
    services.start_processing(order=services.confirm_order(order=order))
    client = login_as("Customer service")
    url = reverse("orders:edit", args=[order.number])

    page = text(client.get(url))
    refused = text(client.post(url, {f"quantity-{order.lines.get().pk}": "1"}))

    assert "its lines can no longer be changed" in page
    assert "Save changes" not in page
    assert "is processing: its lines can no longer be changed." in refused
    assert order.lines.get().quantity == 3


def test_edit_needs_change_order(login_as, order):
    client = login_as("Warehouse")

    assert client.get(reverse("orders:edit", args=[order.number])).status_code == 403


# --- update_order_lines (service) -----------------------------------------------------------


@pytest.fixture
def staff():
    return factories.UserFactory()


@pytest.fixture
def two_lines(channel, customer, mug, tee, ny_tax):
    return place(channel=channel, customer=customer, items=[(mug, 3), (tee, 2)])


def lines_of(order) -> dict[str, int]:
    return {line.sku: line.quantity for line in order.lines.all()}


def assert_totals_add_up(order):
    lines = list(order.lines.all())
    assert order.subtotal == sum(line.line_total for line in lines)
    assert order.tax_total == sum(line.tax_amount for line in lines)
    assert order.total == (
        order.subtotal - order.discount_total + order.shipping_total + order.tax_total
    )


def test_raising_a_quantity_reserves_more_and_reprices(two_lines, mug, tee, staff):
    mug_line = two_lines.lines.get(sku="MUG")

    order = services.update_order_lines(order=two_lines, quantities={mug_line.pk: 5}, actor=staff)

    order.refresh_from_db()
    assert lines_of(order) == {"MUG": 5, "TEE": 2}
    assert (reserved(mug), reserved(tee)) == (5, 2)
    assert order.subtotal == Decimal("102.48")  # 5 × 12.50 + 2 × 19.99
    assert order.tax_total == Decimal("8.20")  # 5.00 + 3.20
    assert_totals_add_up(order)
    event = order.events.get(type="lines_changed")
    assert event.actor == staff
    assert event.message == "Lines changed: MUG 3 → 5. Total 83.68 → 110.68 USD."
    assert event.data["changes"] == [{"sku": "MUG", "from": 3, "to": 5}]


def test_lowering_and_removing_lines_gives_stock_back(two_lines, mug, tee):
    mug_line, tee_line = two_lines.lines.order_by("sku")

    order = services.update_order_lines(
        order=two_lines, quantities={mug_line.pk: 1, tee_line.pk: 0}
    )

    order.refresh_from_db()
    assert lines_of(order) == {"MUG": 1}
    assert (reserved(mug), reserved(tee)) == (1, 0)
    assert order.total == Decimal("13.50")  # 12.50 + 1.00 tax
    assert_totals_add_up(order)
    assert "removed TEE" in order.events.get(type="lines_changed").message


def test_adding_a_line_reserves_it_and_totals_cover_every_line(channel, customer, mug, tee, ny_tax):
    order = place(channel=channel, customer=customer, items=[(mug, 2)])

    order = services.update_order_lines(
        order=order,
        quantities={},
        additions=[services.LineRequest(product=tee, quantity=1, discount=Decimal("1.99"))],
    )

    order.refresh_from_db()
    assert lines_of(order) == {"MUG": 2, "TEE": 1}
    assert reserved(tee) == 1
    assert order.subtotal == Decimal("44.99")
    assert order.discount_total == Decimal("1.99")
    assert_totals_add_up(order)
    assert order.fulfilment_status == FulfilmentStatus.ALLOCATED


def test_a_raised_quantity_is_reserved_across_locations_by_priority(
    channel, customer, warehouse, second_warehouse
):
    bowl = factories.ProductFactory(sku="BOWL")
    stock(bowl, warehouse, 3)
    stock(bowl, second_warehouse, 5)
    order = place(channel=channel, customer=customer, items=[(bowl, 2)])
    line = order.lines.get()

    services.update_order_lines(order=order, quantities={line.pk: 6})

    allocations = {a.location.code: a.quantity for a in Allocation.objects.filter(line=line)}
    assert allocations == {"WH-A": 3, "WH-B": 3}
    levels = {level.location.code: level.reserved for level in StockLevel.objects.all()}
    assert levels == {"WH-A": 3, "WH-B": 3}


def test_short_stock_refuses_the_edit_and_changes_nothing(two_lines, mug, tee):
    mug_line, tee_line = two_lines.lines.order_by("sku")
    before = (two_lines.total, two_lines.events.count())

    with pytest.raises(InsufficientStock) as caught:
        services.update_order_lines(
            order=two_lines,
            quantities={mug_line.pk: 1, tee_line.pk: 11},
            additions=[services.LineRequest(product=mug, quantity=1)],
        )

    assert caught.value.shortages == [("TEE", 11, 10)]
    two_lines.refresh_from_db()
    assert lines_of(two_lines) == {"MUG": 3, "TEE": 2}
    assert (reserved(mug), reserved(tee)) == (3, 2)
    assert Allocation.objects.count() == 2
    assert (two_lines.total, two_lines.events.count()) == before


def test_a_backorderable_product_is_backordered_beyond_stock(channel, customer, warehouse):
    cap = factories.ProductFactory(sku="CAP", allow_backorder=True)
    stock(cap, warehouse, 4)
    order = place(channel=channel, customer=customer, items=[(cap, 2)])
    line = order.lines.get()

    order = services.update_order_lines(order=order, quantities={line.pk: 7})

    line.refresh_from_db()
    assert (line.quantity_allocated, line.quantity_backordered) == (4, 3)
    assert order.fulfilment_status == FulfilmentStatus.BACKORDERED
    assert reserved(cap) == 4


def test_a_draft_is_repriced_but_reserves_nothing(channel, customer, mug):
    draft = place(channel=channel, customer=customer, items=[(mug, 1)], draft=True)
    line = draft.lines.get()

    order = services.update_order_lines(order=draft, quantities={line.pk: 4})

    assert order.status == OrderStatus.DRAFT
    assert order.subtotal == Decimal("50.00")
    assert reserved(mug) == 0


def test_a_held_order_can_be_edited(order, mug):
    held = services.hold_order(order=order, reason=HoldReason.CUSTOMER_REQUEST)
    line = held.lines.get()

    services.update_order_lines(order=held, quantities={line.pk: 1})

    assert reserved(mug) == 1


def test_lines_are_locked_once_processing_starts(order, mug):
    order = services.confirm_order(order=order)
    order = services.start_processing(order=order)
    line = order.lines.get()

    with pytest.raises(OrderError) as caught:
        services.update_order_lines(order=order, quantities={line.pk: 1})

    assert caught.value.code == "lines_locked"
    assert reserved(mug) == 3
    assert not services.lines_editable(order)


def test_a_processing_order_put_on_hold_stays_locked(order):
    order = services.confirm_order(order=order)
    order = services.start_processing(order=order)
    order = services.hold_order(order=order, reason=HoldReason.CUSTOMER_REQUEST)

    with pytest.raises(OrderError):
        services.update_order_lines(order=order, quantities={order.lines.get().pk: 1})


@pytest.mark.parametrize(
    ("quantity", "field"),
    [(-1, "quantities[{pk}]"), (0, "lines")],
)
def test_bad_quantities_are_refused(order, quantity, field):
    line = order.lines.get()

    with pytest.raises(OrderValidationError) as caught:
        services.update_order_lines(order=order, quantities={line.pk: quantity})

    assert caught.value.field == field.format(pk=line.pk)
    line.refresh_from_db()
    assert line.quantity == 3


def test_a_line_of_another_order_is_refused(order, channel, customer, mug):
    other = place(channel=channel, customer=customer, items=[(mug, 1)])
    stranger = other.lines.get()

    with pytest.raises(OrderValidationError) as caught:
        services.update_order_lines(order=order, quantities={stranger.pk: 2})

    assert caught.value.field == f"quantities[{stranger.pk}]"


def test_a_discount_larger_than_the_new_line_total_is_refused(channel, customer, mug):
    order = services.place_order(
        channel=channel,
        customer=customer,
        lines=[services.LineRequest(product=mug, quantity=3, discount=Decimal("20.00"))],
        shipping_address=factories.ship_to(),
    )
    line = order.lines.get()

    with pytest.raises(OrderValidationError, match="discount"):
        services.update_order_lines(order=order, quantities={line.pk: 1})


def test_an_unchanged_submission_writes_nothing(order):
    line = order.lines.get()
    events = order.events.count()

    services.update_order_lines(order=order, quantities={line.pk: 3})

    assert order.events.count() == events


# --- the line parser ------------------------------------------------------------------------


def posted(**lists) -> QueryDict:
    data = QueryDict(mutable=True)
    for key, values in lists.items():
        data.setlist(key, values)
    return data


def test_the_parser_numbers_the_rows_that_name_a_sku_and_names_each_bad_field(mug, tee):
    data = posted(
        sku=["MUG", "", "XYZ", "TEE"],
        quantity=["2", "1", "two", "1"],
        unit_price=["", "", "", "1,50"],
        discount=["0.5", "", "", ""],
    )

    rows = parse_line_rows(data)

    assert [row.label for row in rows] == ["Line 1", "Line 2", "Line 3"]
    assert rows[0].errors == {}
    assert rows[0].request == services.LineRequest(mug, 2, None, Decimal("0.50"))
    assert rows[1].errors == {
        "sku": ["Line 2: unknown SKU 'XYZ'."],
        "quantity": ["Line 2: quantity must be a whole number from 1 to 100,000."],
    }
    assert rows[2].errors == {"unit_price": ["Line 3: unit price '1,50' is not an amount."]}
    assert rows[1].request is None and rows[2].request is None


@pytest.mark.parametrize("text", ["0", "-1", "+2", "1e3", "٣", "2.0", "1000000"])
def test_the_parser_refuses_quantities_that_are_not_plain_whole_numbers(mug, text):
    (row,) = parse_line_rows(posted(sku=["MUG"], quantity=[text]))

    assert list(row.errors) == ["quantity"]


@pytest.mark.parametrize("text", ["-1", "1e3", "NaN", "12.505", "١٢", " 1 2", "1234567890123"])
def test_the_parser_refuses_amounts_that_are_not_plain_amounts(mug, text):
    (row,) = parse_line_rows(posted(sku=["MUG"], quantity=["1"], discount=[text]))

    assert row.errors == {"discount": [f"Line 1: discount '{text.strip()}' is not an amount."]}


def test_the_parser_reads_prices_to_the_cent(mug):
    (row,) = parse_line_rows(posted(sku=["MUG"], quantity=["3"], unit_price=["9.5"]))

    assert row.request.unit_price == Decimal("9.50")


# --- domain errors land on the field they name ----------------------------------------------


def test_a_domain_error_lands_on_the_form_field_or_the_row_its_field_names(phone, mug, tee):
    data = QueryDict(mutable=True)
    data.update({"channel": str(phone.pk), "new-email": "ada@example.com"})
    data.setlist("sku", ["MUG", "TEE", "MUG"])
    data.setlist("quantity", ["1", "1", "1"])
    page = OrderEntry(data)
    assert page.is_valid()

    for field, message in [
        ("lines[2].quantity", "third row quantity"),
        ("lines[1]", "second row"),
        ("shipping_address.country", "bad country"),
        ("address.city", "bad city"),
        ("billing_address", "incomplete bill-to"),
        ("email", "taken"),
        ("shipping_total", "negative shipping"),
        ("lines[7].quantity", "no such row"),
        ("lines", "no lines"),
        ("", "short stock"),
    ]:
        page.add_domain_error(OrderValidationError(message, field))

    assert page.rows[2].errors == {"quantity": ["third row quantity"]}
    assert page.rows[1].errors == {"": ["second row"]}
    assert page.rows[0].errors == {}
    assert page.shipping.errors == {"country": ["bad country"], "city": ["bad city"]}
    assert page.billing.non_field_errors() == ["incomplete bill-to"]
    assert page.new_customer.errors == {"email": ["taken"]}
    assert page.header.errors["shipping_total"] == ["negative shipping"]
    assert page.header.non_field_errors() == ["no such row", "no lines", "short stock"]


def test_a_service_error_on_a_line_marks_that_rows_input(login_as, phone, mug, tee):
    client = login_as("Customer service")

    response = client.post(
        CREATE, entry(phone, new=ADA, lines=[(mug, 1), (tee, 1)], discount=["", "25"])
    )

    body = text(response)
    assert "Line 2 (TEE): discount must be between 0 and the line total." in body
    assert (
        'id="line-1-discount" name="discount" inputmode="decimal" value="25" placeholder="0.00"'
        ' aria-label="Discount on TEE" aria-invalid="true" aria-describedby="line-1-notes"'
    ) in body
    assert body.count('aria-invalid="true"') == 1
    assert not Order.objects.exists()


def test_an_edit_error_on_a_line_id_lands_on_that_line(order):
    line = order.lines.get()
    form = LineEditForm(order, posted(**{f"quantity-{line.pk}": ["1"]}))

    form.add_domain_error(OrderValidationError("too small", f"quantities[{line.pk}]"))
    form.add_domain_error(OrderValidationError("not on this order", "quantities[0]"))

    assert form.rows[0].errors == ["too small"]
    assert form.errors == ["not on this order"]


def test_add_domain_error_works_for_any_django_form():
    class PaymentForm(forms.Form):
        amount = forms.DecimalField()

    form = PaymentForm({"amount": "5"})
    assert form.is_valid()

    add_domain_error(form, DomainError("Above the balance due.", field="amount"))
    add_domain_error(form, DomainError("The order is cancelled."))

    assert form.errors == {
        "amount": ["Above the balance due."],
        "__all__": ["The order is cancelled."],
    }


# --- one price for preview and order; one "available to sell" -------------------------------


def summary_figures(body: str) -> dict[str, str]:
    summary = body[body.index('<dl id="order-summary"') :]
    summary = summary[: summary.index("</dl>")]
    return dict(
        re.findall(r"<dt>(\w+)[^<]*</dt><dd class=\"num\">(?:<strong>)?−?([\d.]+)", summary)
    )


def test_the_preview_shows_exactly_what_placing_the_order_charges(
    login_as, phone, mug, tee, ny_tax
):
    factories.TaxRateFactory(country="US", region="", rate=Decimal("0.0500"))
    client = login_as("Manager")  # who may override the price
    data = entry(
        phone,
        new=ADA,
        lines=[(mug, 3), (tee, 7)],
        unit_price=["11.99", ""],
        discount=["2.55", "0.07"],
        shipping_total="4.95",
        ship={"region": "ny "},
    )

    preview = summary_figures(text(client.post(PREVIEW, data, headers=HTMX)))
    client.post(CREATE, data)

    order = Order.objects.get()
    assert preview == {
        "Subtotal": str(order.subtotal),
        "Discounts": str(order.discount_total),
        "Shipping": str(order.shipping_total),
        "Tax": str(order.tax_total),
        "Total": str(order.total),
    }
    assert order.total == Decimal("192.09")  # 35.97 + 139.93 − 2.62 + 4.95 + 13.86 tax (NY 8%)


def test_quote_order_is_what_place_order_saves(channel, customer, mug, tee, ny_tax):
    lines = [
        services.LineRequest(product=mug, quantity=3, discount=Decimal("1.11")),
        services.LineRequest(product=tee, quantity=1, unit_price=Decimal("18.00")),
    ]

    quote = pricing.quote_order(
        lines=lines, shipping_address=factories.ship_to(), shipping_total=Decimal("5")
    )
    order = services.place_order(
        channel=channel,
        customer=customer,
        lines=lines,
        shipping_address=factories.ship_to(),
        shipping_total=Decimal("5"),
    )

    order.refresh_from_db()
    totals = quote.totals
    assert (totals.subtotal, totals.discount_total, totals.tax_total, totals.total) == (
        order.subtotal,
        order.discount_total,
        order.tax_total,
        order.total,
    )
    saved = [(line.line_total, line.tax_amount) for line in order.lines.order_by("pk")]
    assert saved == [(line.line_total, line.tax_amount) for line in quote.lines]


def test_entry_offers_only_the_stock_that_sourcing_can_reserve(login_as, phone, warehouse):
    store = factories.LocationFactory(code="SHOP", can_ship=False)
    closed = factories.LocationFactory(code="OLD", is_active=False)
    vase = factories.ProductFactory(sku="VASE")
    for location, units in [(warehouse, 2), (store, 5), (closed, 5)]:
        stock(vase, location, units)
    client = login_as("Customer service")

    search = text(client.get(reverse("orders:create_product_search"), {"q": "vase"}))
    preview = text(client.post(PREVIEW, entry(phone, lines=[(vase, 3)])))
    refused = text(client.post(CREATE, entry(phone, new=ADA, lines=[(vase, 3)])))

    assert available_to_sell([vase.pk]) == {vase.pk: 2}
    assert re.search(r'"availability">\s*WH-A 2\s*</td>', search)
    assert "SHOP" not in search and "OLD" not in search
    assert "VASE: Not enough stock: 3 wanted, only 2 available." in preview
    assert refused.count("VASE: Not enough stock: 3 wanted, only 2 available.") == 1
    assert not Order.objects.exists()


# --- the edit page is as good as New order (issue 8, point 8) ---------------------------------


def test_new_order_takes_skus_in_any_case_and_adding_one_again_increases_its_line(
    login_as, phone, mug, tee
):
    client = login_as("Customer service")

    typed = text(client.post(PREVIEW, entry(phone, lines=[("mug", 2)])))
    again = text(client.post(PREVIEW, entry(phone, lines=[("MUG", 1), (tee, 1)], add_sku="mug")))

    assert "unknown SKU" not in typed
    assert 'name="sku" value="MUG"' in typed  # as the catalogue spells it
    assert 'id="line-0-quantity" name="quantity" type="number" min="1" step="1" value="2"' in again
    assert again.count('name="sku" value="MUG"') == 1


def test_edit_takes_skus_in_any_case(login_as, order, tee):
    client = login_as("Customer service")
    line = order.lines.get()

    response = client.post(
        reverse("orders:edit", args=[order.number]),
        {f"quantity-{line.pk}": "3", "sku": ["tee"], "quantity": ["2"]},
    )

    assert response.status_code == 302
    assert [(line.sku, line.quantity) for line in order.lines.all()] == [("MUG", 3), ("TEE", 2)]


def test_edit_adding_a_sku_already_on_the_order_increases_that_line(login_as, order, mug):
    client = login_as("Customer service")
    line = order.lines.get()

    response = client.post(
        reverse("orders:edit", args=[order.number]),
        {f"quantity-{line.pk}": "3", "sku": ["mug", "MUG"], "quantity": ["2", "1"]},
    )

    assert response.status_code == 302
    assert [(line.sku, line.quantity) for line in order.lines.all()] == [("MUG", 6)]
    assert reserved(mug) == 6


def test_edit_adding_a_new_sku_twice_makes_one_line(order, warehouse):
    stock(factories.ProductFactory(sku="BOWL", unit_price=Decimal("8.00")), warehouse, 10)
    data = QueryDict(mutable=True)
    data.setlist("sku", ["BOWL", "bowl"])
    data.setlist("quantity", ["1", "2"])

    form = LineEditForm(order, data)

    assert form.is_valid()
    assert [(r.product.sku, r.quantity) for r in form.addition_requests()] == [("BOWL", 3)]


def test_edit_product_search_adds_through_the_edit_form(login_as, order, tee):
    client = login_as("Customer service")
    url = reverse("orders:edit", args=[order.number])
    line = order.lines.get()

    results = text(client.get(url, {"q": "tee"}, headers=HTMX))
    added = text(client.post(url, {f"quantity-{line.pk}": "3", "add_sku": "TEE"}, headers=HTMX))
    more = text(client.post(url, {f"quantity-{line.pk}": "3", "add_sku": "mug"}, headers=HTMX))

    assert 'name="add_sku" value="TEE"' in results
    assert f'hx-post="{url}"' in results and 'hx-target="#edit-form"' in results
    assert 'name="sku" value="TEE"' in added  # a new line, not saved yet
    assert f'name="quantity-{line.pk}" type="number" min="0" step="1" value="4"' in more
    assert order.lines.count() == 1


def test_edit_page_shows_live_totals_without_saving(login_as, order, tee, ny_tax):
    client = login_as("Customer service")
    url = reverse("orders:edit", args=[order.number])
    line = order.lines.get()
    htmx = HTMX | {"HX-Target": "edit-totals"}

    response = client.post(
        url, {f"quantity-{line.pk}": "4", "sku": ["TEE"], "quantity": ["1"]}, headers=htmx
    )

    body = text(response)
    assert body.lstrip().startswith('<div id="edit-totals"')
    assert "69.99 USD" in body  # subtotal: 4 × 12.50 + 19.99
    assert f'<td id="line-total-{line.pk}" class="num" hx-swap-oob="true">50.00 USD</td>' in body
    line.refresh_from_db()
    assert line.quantity == 3 and not order.lines.filter(sku="TEE").exists()


def test_edit_short_stock_is_said_once_per_shortage(login_as, order, mug):
    client = login_as("Customer service")
    line = order.lines.get()

    body = text(
        client.post(
            reverse("orders:edit", args=[order.number]),
            {f"quantity-{line.pk}": "8", "sku": ["MUG"], "quantity": ["5"]},
            headers=HTMX,
        )
    )

    assert body.count("Not enough stock") == 1
    assert "MUG: Not enough stock: 13 wanted, only 10 available." in body
