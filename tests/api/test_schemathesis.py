"""A bounded property-based run (schemathesis) over every operation of the schema, against a
live server: whatever it sends, the API answers without a server error, and every response it
documents matches the schema. Each operation runs twice: with generated path parameters (mostly
unknown items) and with those of items that exist (an order, a product with stock, a customer,
a shipment, a payment, a location; a new order for each move of an order), so reads of real
items and moves of a real order are exercised too.

The server is pytest-django's ``live_server`` (a thread of this process, its own database
connection), so the data is committed (``transactional_db``) and flushed afterwards."""

import pytest
import schemathesis
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from api.services import issue_token
from payments.services import authorize_payment
from shipping.services import create_shipment
from tests import factories

from .conftest import make_integration

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
CHECKS = [not_a_server_error, response_schema_conformance]
GENERATED_EXAMPLES = 6  # per operation, with generated path parameters
EXISTING_EXAMPLES = 4  # per operation, on the items that exist


@pytest.fixture
def existing(channel, warehouse, settings) -> dict[str, object]:
    """The items the run may find, by the first segment of the paths that address them."""
    settings.STRIPE_SECRET_KEY = ""
    settings.OMS_PAYMENT_GATEWAY = "simulated"
    product = factories.ProductFactory(sku="LIVE-1")
    factories.stock(product, warehouse, 500)
    customer = factories.CustomerFactory()
    shipped = factories.confirmed(channel=channel, customer=customer, items=[(product, 1)])
    payment = authorize_payment(order=shipped, payment_method="4242424242424242")
    shipment = create_shipment(order=shipped, location=warehouse)
    return {
        "orders": shipped,
        "products": product,
        "customers": customer,
        "shipments": shipment,
        "payments": payment,
        "locations": warehouse,
    }


def new_order(existing: dict[str, object]) -> dict[str, object]:
    """``existing`` with a new placed order: each move (cancel, hold…) gets its own."""
    order = existing["orders"]
    product = existing["products"]
    return existing | {
        "orders": factories.place(
            channel=order.channel, customer=order.customer, items=[(product, 1)]
        )
    }


def existing_path_parameters(operation, existing: dict[str, object]) -> dict[str, str] | None:
    """Values naming existing items for every path parameter of ``operation``, or None when one
    of them is not known here (the operation then runs with generated values only)."""
    segments = [part for part in operation.path.split("/") if part and not part.startswith("{")]
    resource = existing.get(segments[2]) if len(segments) > 2 else None  # api, v1, <resource>
    values = {
        parameter.name: existing_value(parameter.name, resource, existing)
        for parameter in operation.path_parameters
    }
    if not values or any(value in (None, "") for value in values.values()):
        return None
    return {name: str(value) for name, value in values.items()}


def existing_value(name: str, resource, existing: dict[str, object]):
    """``{sku}`` a product's SKU, ``{code}`` / ``{location}`` the location's code, ``{id}`` /
    ``{pk}`` the id of the path's resource (``/customers/{id}/``), ``{<resource>_id}`` the id of
    that resource's item, anything else the resource's attribute (an order's ``{number}``)."""
    if name == "sku":
        return existing["products"].sku
    if name in ("code", "location"):
        return existing["locations"].code
    if name.endswith("_id"):
        resource, name = existing.get(f"{name.removesuffix('_id')}s"), "pk"
    return getattr(resource, "pk" if name == "id" else name, None)


def run(strategy, headers: dict[str, str], examples: int) -> list[int]:
    """The status codes of ``examples`` generated calls, each checked."""
    statuses = []

    @given(case=strategy)
    @hypothesis_settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def survives(case):
        response = case.call_and_validate(headers=headers, checks=CHECKS, timeout=30)
        statuses.append(response.status_code)

    survives()
    return statuses


# schemathesis.pytest.from_fixture does not work with pytest 9 (it sets a private node id),
# so each operation's strategy is driven by Hypothesis here.
def test_the_live_api_survives_generated_requests(live_server, channel, existing, settings):
    settings.OMS_API_RATE = "100000/min"
    settings.OMS_DEFER_EAGER_TASKS = False  # tasks run inside the request that queues them
    plain = issue_token(integration=make_integration(channel, all_channels=True)).plain
    headers = {"Authorization": f"Bearer {plain}"}
    schema = schemathesis.openapi.from_url(f"{live_server.url}/api/v1/schema/?format=json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 6

    found = {}  # "GET /api/v1/orders/{number}/" → statuses on the existing item
    for operation in operations:
        run(operation.as_strategy(), headers, GENERATED_EXAMPLES)
        moves = operation.method.upper() == "POST" and operation.path_parameters
        items = new_order(existing) if moves else existing
        if parameters := existing_path_parameters(operation, items):
            strategy = operation.as_strategy(path_parameters=parameters)
            found[operation.label] = run(strategy, headers, EXISTING_EXAMPLES)
    assert len(found) >= 5  # the order's read, cancel, hold, release and confirm at least
    reads = [label for label, statuses in found.items() if label.startswith("GET")]
    assert reads and all(200 in found[label] for label in reads), found
