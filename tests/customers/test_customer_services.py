"""create_customer: validation, case-insensitive e-mail uniqueness, the default address."""

import pickle

import pytest

from customers.models import Address, Customer
from customers.services import CustomerValidationError, create_customer
from tests import factories

pytestmark = pytest.mark.django_db

NEW_YORK = {
    "line1": " 1 Main Street ",
    "city": "New York",
    "region": "NY",
    "postal_code": "10001",
    "country": "us",
}


def test_creates_the_customer_and_a_default_shipping_address():
    customer = create_customer(
        email=" ada@example.com ",
        name="Ada Lovelace",
        phone="+1 555 0100",
        company="Analytical Engines",
        address=NEW_YORK,
    )

    customer.refresh_from_db()
    assert (customer.email, customer.name, customer.company) == (
        "ada@example.com",
        "Ada Lovelace",
        "Analytical Engines",
    )
    address = customer.addresses.get()
    assert address.kind == Address.Kind.SHIPPING
    assert address.is_default
    assert (address.name, address.line1, address.country) == ("Ada Lovelace", "1 Main Street", "US")


def test_without_an_address_only_the_customer_is_created():
    customer = create_customer(email="grace@example.com", name="Grace Hopper")

    assert Customer.objects.filter(pk=customer.pk).exists()
    assert not customer.addresses.exists()


def test_an_email_already_used_in_another_case_is_refused():
    factories.CustomerFactory(email="Ada@Example.com")

    with pytest.raises(CustomerValidationError) as caught:
        create_customer(email="ada@EXAMPLE.com", name="Someone Else", address=NEW_YORK)

    assert caught.value.field == "email"
    assert caught.value.code == "duplicate_email"
    assert "ada@EXAMPLE.com" in caught.value.message
    assert Customer.objects.count() == 1
    assert not Address.objects.exists()


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"email": "not-an-email", "name": "Ada"}, "email"),
        ({"email": "", "name": "Ada"}, "email"),
        ({"email": "ada@example.com", "name": "  "}, "name"),
        (
            {"email": "ada@example.com", "name": "Ada", "address": NEW_YORK | {"country": "USA"}},
            "address.country",
        ),
        (
            {"email": "ada@example.com", "name": "Ada", "address": NEW_YORK | {"city": ""}},
            "address.city",
        ),
    ],
)
def test_invalid_input_names_the_field_and_writes_nothing(kwargs, field):
    with pytest.raises(CustomerValidationError) as caught:
        create_customer(**kwargs)

    assert caught.value.field == field
    assert not Customer.objects.exists()
    assert not Address.objects.exists()


def test_the_error_survives_pickling_for_celery():
    error = CustomerValidationError("Name: required", field="name", code="invalid_customer")

    copy = pickle.loads(pickle.dumps(error))  # noqa: S301 - our own object

    assert (copy.message, copy.field, copy.code) == ("Name: required", "name", "invalid_customer")
