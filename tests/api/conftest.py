import pytest
from rest_framework.test import APIClient

from api.models import Integration, Scope
from api.services import issue_token
from tests import factories

ALL_SCOPES = list(Scope.values)


def make_integration(channel, *, scopes=ALL_SCOPES, name="shop", **kwargs) -> Integration:
    owner = factories.UserFactory(username=f"{name}-owner")
    return Integration.objects.create(
        name=name, channel=channel, scopes=list(scopes), owner=owner, **kwargs
    )


def bearer(plain: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {plain}")
    return client


@pytest.fixture
def integration(channel):
    return make_integration(channel)


@pytest.fixture
def token(integration):
    return issue_token(integration=integration)


@pytest.fixture
def api(token):
    """A client calling with a token that has every scope."""
    return bearer(token.plain)


@pytest.fixture
def api_client_for(channel):
    """``api_client_for(scopes=[...])``: a client with a token of those scopes."""

    def make(*, scopes=ALL_SCOPES, name="limited", **kwargs) -> APIClient:
        integration = make_integration(channel, scopes=scopes, name=name, **kwargs)
        return bearer(issue_token(integration=integration).plain)

    return make
