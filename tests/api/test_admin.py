"""Issuing and revoking tokens in the admin: the plain token is shown once, never stored."""

import pytest
from django.urls import reverse

from api.models import IntegrationToken
from tests import factories

from .conftest import bearer

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(factories.UserFactory(username="root", is_superuser=True))
    return client


def test_issuing_a_token_shows_it_once_and_it_works(admin_client, integration):
    response = admin_client.post(
        reverse("admin:api_integration_changelist"),
        {"action": "issue_tokens", "_selected_action": [integration.pk]},
        follow=True,
    )

    [message] = [str(m) for m in response.context["messages"]]
    plain = message.split(": ", 1)[1].split(" ")[0]
    token = IntegrationToken.objects.get()
    assert plain.startswith(f"oms_{token.prefix}_")
    assert plain in response.content.decode()
    assert plain.split("_")[-1] not in token.secret_hash
    assert bearer(plain).get("/api/v1/orders/").status_code == 200
    page = admin_client.get(reverse("admin:api_integration_change", args=[integration.pk]))
    assert plain not in page.content.decode()


def test_adding_a_token_in_the_admin_issues_one(admin_client, integration):
    response = admin_client.post(
        reverse("admin:api_integrationtoken_add"), {"integration": integration.pk}, follow=True
    )

    token = IntegrationToken.objects.get()
    assert f"oms_{token.prefix}_" in response.content.decode()


def test_revoking_in_the_admin(admin_client, token):
    admin_client.post(
        reverse("admin:api_integrationtoken_changelist"),
        {"action": "revoke", "_selected_action": [token.token.pk]},
    )

    assert bearer(token.plain).get("/api/v1/orders/").status_code == 401


def test_an_unknown_order_is_a_404_problem(api):
    response = api.get("/api/v1/orders/SO-404/")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "not_found"
