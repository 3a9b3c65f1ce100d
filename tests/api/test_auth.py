"""Tokens, scopes, staff sessions and the rate limit."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from api.models import IntegrationToken
from api.services import revoke_token
from core.permissions import routes
from tests import factories

from .conftest import bearer
from .helpers import order_payload

pytestmark = pytest.mark.django_db
ORDERS = "/api/v1/orders/"
PUBLIC = {"api:schema", "api:docs", "api:redoc"}


def test_no_token_is_401_with_the_scheme_to_use():
    response = APIClient().get(ORDERS)

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "not_authenticated"


@pytest.mark.parametrize("header", ["Bearer oms_000000000000_nope", "Bearer garbage"])
def test_an_unknown_or_malformed_token_is_401(header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)

    assert client.get(ORDERS).status_code == 401


def test_a_revoked_token_is_401(token):
    revoke_token(token=token.token)

    response = bearer(token.plain).get(ORDERS)

    assert response.status_code == 401
    assert response.json()["detail"] == "The token has been revoked."


def test_a_token_of_an_inactive_integration_is_401(token, integration):
    integration.is_active = False
    integration.save()

    assert bearer(token.plain).get(ORDERS).status_code == 401


def test_the_secret_is_not_stored(token):
    stored = IntegrationToken.objects.get()

    secret = token.plain.rsplit("_", 1)[1]
    assert secret not in stored.secret_hash
    assert token.plain.startswith(f"oms_{stored.prefix}_")


def test_last_used_is_written_at_most_once_a_minute(api, token):
    api.get(ORDERS)
    first = IntegrationToken.objects.get().last_used_at
    api.get(ORDERS)
    assert IntegrationToken.objects.get().last_used_at == first

    IntegrationToken.objects.update(last_used_at=timezone.now() - timedelta(minutes=2))
    api.get(ORDERS)
    assert IntegrationToken.objects.get().last_used_at > first


def test_a_token_without_orders_write_may_read_but_not_place(api_client_for):
    client = api_client_for(scopes=["orders:read"])

    assert client.get(ORDERS).status_code == 200
    response = client.post(ORDERS, order_payload(), format="json")

    assert response.status_code == 403
    assert response.json()["code"] == "missing_scope"
    assert "orders:write" in response.json()["detail"]


def test_a_token_without_orders_read_may_not_list(api_client_for):
    response = api_client_for(scopes=["stock:read"]).get(ORDERS)

    assert response.status_code == 403
    assert "orders:read" in response.json()["detail"]


def test_staff_sessions_read_by_their_permissions_and_never_write(client, channel):
    client.force_login(factories.UserFactory(role="Customer service"))
    assert client.get(ORDERS).status_code == 200

    response = client.post(ORDERS, order_payload(), content_type="application/json")
    assert response.status_code == 403

    client.force_login(factories.UserFactory(username="nobody"))  # staff without permissions
    assert client.get(ORDERS).status_code == 403


# Each test's token has a new random prefix, so its count in the shared cache starts at zero.
def test_too_many_requests_is_429_with_retry_after(api, settings):
    settings.OMS_API_RATE = "2/min"

    statuses = [api.get(ORDERS).status_code for _ in range(3)]

    assert statuses == [200, 200, 429]
    response = api.get(ORDERS)
    assert int(response["Retry-After"]) > 0
    assert response.json()["code"] == "throttled"


def test_the_rate_is_per_token(api, api_client_for, settings):
    settings.OMS_API_RATE = "1/min"
    other = api_client_for(name="other")

    assert api.get(ORDERS).status_code == 200
    assert api.get(ORDERS).status_code == 429
    assert other.get(ORDERS).status_code == 200


def test_every_api_endpoint_without_a_token_is_401(channel, warehouse):
    product = factories.ProductFactory()
    factories.stock(product, warehouse, 1)
    order = factories.place(
        channel=channel, customer=factories.CustomerFactory(), items=[(product, 1)]
    )
    api_routes = [route for route in routes() if route.name.startswith("api:")]
    assert {route.name for route in api_routes} > PUBLIC
    for route in api_routes:
        if route.name in PUBLIC:
            assert APIClient().get(reverse(route.name)).status_code == 200, route.name
            continue
        kwargs = {name: order.number for name in route.kwarg_names}
        url = reverse(route.name, kwargs=kwargs)
        assert APIClient().get(url).status_code == 401, route.name
        assert APIClient().post(url, {}, format="json").status_code == 401, route.name
