"""Tokens, scopes, staff sessions and the rate limit: on the orders endpoints in detail, and on
every API endpoint the URL resolver lists (so those added later are held to them too)."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from api.models import IntegrationToken, Scope
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


# --- every endpoint, as the URL resolver lists them (those added later included) ------------

CONVERTER = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")
WRITES = ("post", "put", "patch", "delete")


def api_endpoints() -> list[tuple[str, str, list[str]]]:
    """(name, url, methods) of every API view but the public docs: the URL with a made-up value
    for each parameter (authentication, scopes and the throttle come before any lookup)."""
    endpoints = []
    for route in routes():
        if not route.name.startswith("api:") or route.name in PUBLIC:
            continue
        kwargs = {
            found["name"]: 1 if found["converter"] in ("int", "path_int") else "X-1"
            for found in CONVERTER.finditer(route.route)
        }
        view = route.view.cls
        methods = [m for m in view.http_method_names if m not in ("options", "head")]
        methods = [method for method in methods if hasattr(view, method)]
        endpoints.append((route.name, reverse(route.name, kwargs=kwargs), methods))
    return endpoints


def call(client, method: str, url: str):
    return getattr(client, method)(url, {}, format="json") if method in WRITES else client.get(url)


def test_every_api_endpoint_without_a_token_is_401():
    endpoints = api_endpoints()
    assert {name for name, *_ in endpoints} >= {"api:orders", "api:order", "api:order_cancel"}
    for path in ("api:schema", "api:docs", "api:redoc"):
        assert APIClient().get(reverse(path)).status_code == 200, path

    for name, url, methods in endpoints:
        for method in {*methods, "get", "post"}:
            assert call(APIClient(), method, url).status_code == 401, (name, method)


def test_every_api_endpoint_refuses_a_token_without_its_scope(api_client_for):
    client = api_client_for(scopes=[])

    for name, url, methods in api_endpoints():
        for method in methods:
            response = call(client, method, url)
            assert response.status_code == 403, (name, method)
            assert response.json()["code"] == "missing_scope", (name, method)


@pytest.mark.parametrize("kind", ["read", "write"])
def test_reads_need_a_read_scope_and_writes_a_write_scope(api_client_for, kind):
    """A token with every scope of the other kind is refused: no write takes a read scope
    (nor a read a write scope)."""
    other = "write" if kind == "read" else "read"
    client = api_client_for(scopes=[s for s in Scope.values if s.endswith(f":{other}")])

    for name, url, methods in api_endpoints():
        for method in methods:
            if (method in WRITES) == (kind == "write"):
                response = call(client, method, url)
                assert response.status_code == 403, (name, method)
                assert response.json()["code"] == "missing_scope", (name, method)


def test_a_staff_session_never_writes_through_any_endpoint(client):
    client.force_login(factories.UserFactory(username="root", is_superuser=True))

    for name, url, methods in api_endpoints():
        for method in set(methods) & set(WRITES):
            response = getattr(client, method)(url, {}, content_type="application/json")
            assert response.status_code == 403, (name, method)
            assert response.json()["code"] == "read_only_session", (name, method)


def test_every_api_endpoint_is_throttled_per_token_with_retry_after(api, settings):
    settings.OMS_API_RATE = "1/min"
    api.get(ORDERS)  # the token's one request this minute

    for name, url, methods in api_endpoints():
        for method in methods:
            response = call(api, method, url)
            assert response.status_code == 429, (name, method)
            assert int(response["Retry-After"]) > 0, (name, method)
