"""The customers endpoints: search as the dashboard does, read one with their addresses and
totals, create and change them through the customer services."""

from decimal import Decimal

import pytest

from customers.models import Address, Customer
from tests import factories
from tests.factories import place, ship_to, stock

pytestmark = pytest.mark.django_db
CUSTOMERS = "/api/v1/customers/"


def new_customer(**overrides):
    return {"email": "Ada@Example.com", "name": "Ada Lovelace", "phone": "+44 20 7946 0018"} | (
        overrides
    )


@pytest.fixture
def ada():
    customer = factories.CustomerFactory(email="ada@example.com", name="Ada Lovelace")
    factories.AddressFactory(customer=customer, city="London", country="GB", region="")
    return customer


@pytest.fixture
def grace():
    return factories.CustomerFactory(
        email="grace@navy.example", name="Grace Hopper", phone="+1 555 0199", company="US Navy"
    )


def test_the_list_searches_like_the_dashboard_and_pages_by_cursor(
    api, ada, grace, django_assert_max_num_queries
):
    for index in range(3):
        factories.CustomerFactory(email=f"other{index}@example.com", name=f"Other {index}")

    def found(**params):
        return [row["email"] for row in api.get(CUSTOMERS, params).json()["results"]]

    assert found(q="lovelace") == ["ada@example.com"]
    assert found(q="grace@") == ["grace@navy.example"]  # the start of an e-mail
    assert found(q="0199") == ["grace@navy.example"]  # part of a phone
    assert found(q="navy") == ["grace@navy.example"]  # part of the company
    assert found(country="GB") == ["ada@example.com"]  # their default address's
    with django_assert_max_num_queries(6):
        page = api.get(CUSTOMERS, {"page_size": 2}).json()
    assert [row["name"] for row in page["results"]] == ["Other 2", "Other 1"]  # newest first
    rest = api.get(page["next"]).json()
    assert [row["name"] for row in rest["results"]] == ["Other 0", "Grace Hopper"]


def test_an_invalid_filter_is_422_naming_it(api, ada):
    response = api.get(CUSTOMERS, {"country": "XX"})

    assert response.status_code == 422
    assert response.json()["field"] == "country"


def test_the_detail_has_addresses_and_order_totals_in_bounded_queries(
    api, ada, channel, warehouse, django_assert_max_num_queries
):
    product = factories.ProductFactory(sku="MUG", unit_price=Decimal("12.50"))
    stock(product, warehouse, 10)
    orders = [place(channel=channel, customer=ada, items=[(product, n)]) for n in (1, 3)]

    with django_assert_max_num_queries(6):
        body = api.get(f"{CUSTOMERS}{ada.pk}/").json()

    assert body["email"] == "ada@example.com"
    assert [address["city"] for address in body["addresses"]] == ["London"]
    assert body["addresses"][0]["is_default"] is True
    assert body["order_count"] == 2
    [totals] = body["totals"]
    assert (totals["currency"], totals["order_count"]) == ("USD", 2)
    assert Decimal(totals["lifetime_value"]) == sum(order.total for order in orders)


def test_an_unknown_customer_is_404(api):
    assert api.get(f"{CUSTOMERS}999999/").status_code == 404
    assert api.patch(f"{CUSTOMERS}999999/", {"name": "X"}, format="json").status_code == 404


def test_creating_a_customer_with_a_default_address(api):
    response = api.post(CUSTOMERS, new_customer(address=ship_to()), format="json")

    assert response.status_code == 201, response.json()
    customer = Customer.objects.get()
    assert response.json()["id"] == customer.pk
    assert response.json()["order_count"] == 0
    address = customer.addresses.get()
    assert address.is_default and address.city == "New York"


def test_creating_is_idempotent_by_key(api):
    headers = {"Idempotency-Key": "crm-ada"}
    first = api.post(CUSTOMERS, new_customer(), format="json", headers=headers)

    second = api.post(CUSTOMERS, new_customer(), format="json", headers=headers)

    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert Customer.objects.count() == 1


def test_an_email_already_on_file_in_any_case_is_422_on_email(api, ada):
    response = api.post(CUSTOMERS, new_customer(email="ADA@example.com"), format="json")

    assert response.status_code == 422
    problem = response.json()
    assert (problem["code"], problem["field"]) == ("duplicate_email", "email")
    assert Customer.objects.count() == 1


def test_bad_input_is_422_naming_each_field(api):
    response = api.post(
        CUSTOMERS,
        {"email": "not-an-email", "address": ship_to() | {"city": ""}},
        format="json",
    )

    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    fields = {error["field"] for error in response.json()["errors"]}
    assert fields == {"email", "name", "address.city"}


def test_a_bad_country_is_refused_by_the_service_with_nothing_written(api):
    response = api.post(CUSTOMERS, new_customer(address=ship_to(country="XX")), format="json")

    assert response.status_code == 422
    assert response.json()["field"] == "address.country"
    assert not Customer.objects.exists()


def test_changing_name_phone_and_default_address(api, ada):
    old = ada.addresses.get()

    response = api.patch(
        f"{CUSTOMERS}{ada.pk}/",
        {"name": "Augusta Ada King", "phone": "", "address": ship_to(city="Paris", country="FR")},
        format="json",
    )

    assert response.status_code == 200, response.json()
    ada.refresh_from_db()
    assert (ada.name, ada.phone, ada.email) == ("Augusta Ada King", "", "ada@example.com")
    new = ada.addresses.get(is_default=True)
    assert (new.city, new.country) == ("Paris", "FR")
    old.refresh_from_db()
    assert not old.is_default  # still on file
    assert [a["city"] for a in response.json()["addresses"]] == ["Paris", "London"]


def test_a_change_sends_only_what_changes(api, grace):
    response = api.patch(f"{CUSTOMERS}{grace.pk}/", {"company": "Yale"}, format="json")

    assert response.status_code == 200
    grace.refresh_from_db()
    assert (grace.name, grace.phone, grace.company) == ("Grace Hopper", "+1 555 0199", "Yale")


def test_marketing_consent_is_recorded_when_given_and_cleared_when_withdrawn(api, ada):
    url = f"{CUSTOMERS}{ada.pk}/"

    given = api.patch(url, {"marketing_consent": True}, format="json").json()[
        "marketing_consent_at"
    ]
    again = api.patch(url, {"marketing_consent": True}, format="json").json()[
        "marketing_consent_at"
    ]
    withdrawn = api.patch(url, {"marketing_consent": False}, format="json").json()

    assert given is not None
    assert again == given  # when they first agreed, while it stands
    assert withdrawn["marketing_consent_at"] is None
    ada.refresh_from_db()
    assert ada.marketing_consent_at is None


def test_a_refused_change_writes_nothing(api, ada):
    response = api.patch(
        f"{CUSTOMERS}{ada.pk}/",
        {"name": "Ada", "address": ship_to(country="XX")},
        format="json",
    )

    assert response.status_code == 422
    assert response.json()["field"] == "address.country"
    ada.refresh_from_db()
    assert ada.name == "Ada Lovelace"
    assert Address.objects.get().city == "London"


def test_scopes_read_and_write(api_client_for, ada):
    stock_only = api_client_for(scopes=["orders:read"], name="erp")
    reader = api_client_for(scopes=["customers:read"], name="crm")

    assert stock_only.get(CUSTOMERS).status_code == 403
    assert reader.get(CUSTOMERS).status_code == 200
    refused = reader.post(CUSTOMERS, new_customer(email="new@example.com"), format="json")
    assert refused.status_code == 403
    assert refused.json()["code"] == "missing_scope"
    assert reader.patch(f"{CUSTOMERS}{ada.pk}/", {"name": "X"}, format="json").status_code == 403
    assert not Customer.objects.filter(email="new@example.com").exists()


def test_staff_sessions_read_with_the_customer_permission_and_never_write(client, ada):
    client.force_login(factories.UserFactory(role="Customer service"))
    assert client.get(f"{CUSTOMERS}{ada.pk}/").status_code == 200
    created = client.post(CUSTOMERS, new_customer(email="n@example.com"), "application/json")
    assert created.status_code == 403
    changed = client.patch(f"{CUSTOMERS}{ada.pk}/", {"name": "X"}, "application/json")
    assert changed.status_code == 403

    client.force_login(factories.UserFactory(role="Warehouse"))  # sees no customer records
    assert client.get(CUSTOMERS).status_code == 403
