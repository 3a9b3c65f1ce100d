"""Addresses stay well-formed (issue 8, point 6): ISO 3166 countries from django-countries,
errors in plain words on the field they are about, and no silent 0.00 tax."""

from decimal import Decimal

import pytest

from customers.models import Customer
from customers.services import CustomerValidationError, create_customer
from orders import pricing
from orders.exceptions import OrderValidationError
from orders.forms import AddressForm
from orders.models import Order
from orders.services import LineRequest, address_snapshot
from tests import factories
from tests.factories import place, ship_to
from tests.orders.test_order_entry import ADA, CREATE, HTMX, PREVIEW, entry, text

pytestmark = pytest.mark.django_db


@pytest.fixture
def phone():
    return factories.SalesChannelFactory(code="phone", name="Phone")


@pytest.fixture
def mug(warehouse):
    product = factories.ProductFactory(sku="MUG", unit_price=Decimal("10.00"))
    factories.stock(product, warehouse, 10)
    return product


def test_a_country_outside_iso_3166_is_refused_on_the_country_field():
    with pytest.raises(OrderValidationError) as refused:
        address_snapshot(ship_to(country="ZZ"), "shipping_address")
    assert refused.value.field == "shipping_address.country"
    assert refused.value.message.startswith("ZZ is not a country code")


def test_a_real_country_is_kept_upper_case():
    assert address_snapshot(ship_to(country="de"), "shipping_address")["country"] == "DE"


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ("name", "Name is required."),
        ("line1", "Address line 1 is required."),
        ("city", "City is required."),
        ("country", "Country is required."),
    ],
)
def test_a_missing_field_is_named_in_plain_words_on_that_field(missing, message):
    with pytest.raises(OrderValidationError) as refused:
        address_snapshot(ship_to(**{missing: "  "}), "billing_address")
    assert (refused.value.field, refused.value.message) == (f"billing_address.{missing}", message)


def test_an_order_to_zz_is_not_placed(channel, customer, mug):
    with pytest.raises(OrderValidationError):
        place(
            channel=channel,
            customer=customer,
            items=[(mug, 1)],
            shipping_address=ship_to(country="ZZ"),
        )
    assert not Order.objects.exists()


def test_the_new_order_page_puts_country_is_required_on_the_country_field(login_as, phone, mug):
    client = login_as("Customer service")

    response = client.post(CREATE, entry(phone, new=ADA, lines=[(mug, 1)], ship={"country": ""}))

    body = text(response)
    assert 'id="id_shipping-country_error"' in body
    assert "Country is required." in body
    assert "shipping_address:" not in body
    assert not Order.objects.exists()


def test_the_preview_says_when_no_tax_rate_is_set_up(login_as, phone, mug, ny_tax):
    client = login_as("Customer service")

    response = client.post(
        PREVIEW, entry(phone, lines=[(mug, 1)], ship={"country": "DE", "region": ""}), headers=HTMX
    )

    assert "No tax rate set up for Germany (DE): tax 0.00" in text(response)


def test_the_preview_names_no_missing_rate_when_one_applies(login_as, phone, mug, ny_tax):
    response = login_as("Customer service").post(
        PREVIEW, entry(phone, lines=[(mug, 1)]), headers=HTMX
    )
    assert "No tax rate" not in text(response)


def test_a_quote_to_a_code_that_is_no_country_says_so(mug):
    quote = pricing.quote_order(
        lines=[LineRequest(product=mug, quantity=1)],
        shipping_address={"country": "ZZ"},
        shipping_total=Decimal("0"),
    )
    assert quote.tax_notice == (
        "No tax rate for ZZ, which is not an ISO 3166 country code: tax 0.00"
    )


def test_a_quote_without_a_country_yet_says_nothing(mug):
    quote = pricing.quote_order(
        lines=[LineRequest(product=mug, quantity=1)], shipping_address={}, shipping_total=0
    )
    assert quote.tax_notice == ""


def test_the_country_placeholder_does_not_look_like_a_value():
    widget = AddressForm().fields["country"].widget
    assert widget.attrs["placeholder"] == "e.g. US"


@pytest.mark.parametrize(
    ("country", "message"), [("ZZ", "ZZ is not a country code"), ("", "Country is required.")]
)
def test_a_customer_address_takes_only_iso_3166_countries(country, message):
    with pytest.raises(CustomerValidationError, match=message) as refused:
        create_customer(email="ada@example.com", name="Ada", address=ship_to(country=country))
    assert refused.value.field == "address.country"
    assert not Customer.objects.exists()
