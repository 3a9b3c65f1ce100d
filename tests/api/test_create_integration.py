"""``manage.py create_integration``: an integration and a token that works, printed once."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from api.models import Integration, IntegrationToken
from tests import factories

from .conftest import bearer

pytestmark = pytest.mark.django_db
ORDERS = "/api/v1/orders/"


def create(*args: str) -> list[str]:
    out = StringIO()
    call_command("create_integration", *args, stdout=out)
    return out.getvalue().splitlines()


@pytest.fixture
def owner():
    return factories.UserFactory(username="alice")


def test_it_creates_the_integration_and_prints_a_token_that_works(channel, owner):
    lines = create("Web shop", "--channel", "web", "--owner", "alice", "--scope", "orders:read")

    integration = Integration.objects.get(name="Web shop")
    assert (integration.channel, integration.owner) == (channel, owner)
    assert integration.scopes == ["orders:read"] and not integration.all_channels
    token = lines[-1]
    assert token.startswith(f"oms_{IntegrationToken.objects.get().prefix}_")
    assert "not shown again" in lines[0]
    assert bearer(token).get(ORDERS).status_code == 200
    assert bearer(token).post(ORDERS, {}, format="json").status_code == 403  # no orders:write


def test_new_token_issues_another_for_an_existing_integration(channel, owner):
    first = create("ERP", "--channel", "web", "--owner", "alice", "--all-channels")[-1]

    second = create("ERP", "--new-token")[-1]

    assert first != second
    assert Integration.objects.get().all_channels
    assert IntegrationToken.objects.count() == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--channel", "nope", "--owner", "alice"], "no sales channel"),
        (["--channel", "web", "--owner", "bob"], "no user bob"),
        (["--channel", "web"], "needs --channel and --owner"),
        (["--channel", "web", "--owner", "alice", "--scope", "orders:delete"], "Unknown scope"),
    ],
)
def test_bad_input_is_refused_and_creates_nothing(channel, owner, args, message):
    with pytest.raises(CommandError, match=message):
        create("Shop", *args)

    assert not Integration.objects.exists()


def test_a_taken_name_and_a_missing_integration_are_refused(channel, owner):
    create("Shop", "--channel", "web", "--owner", "alice")

    with pytest.raises(CommandError, match="already an integration named Shop"):
        create("Shop", "--channel", "web", "--owner", "alice")
    with pytest.raises(CommandError, match="no integration named Other"):
        create("Other", "--new-token")
