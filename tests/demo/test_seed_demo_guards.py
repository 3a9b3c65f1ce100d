"""seed_demo's guards: never under production settings, never over someone's password."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from tests import factories

pytestmark = pytest.mark.django_db


def seed(**options) -> str:
    """Reference data, logins and stock only: the guards do not need orders."""
    out = StringIO()
    call_command("seed_demo", orders=0, customers=0, stdout=out, **options)
    return out.getvalue()


def test_it_refuses_to_run_under_production_settings(settings):
    # given production settings (OMS_ENV=production)
    settings.PRODUCTION = True

    # when seed_demo is run, even when asked to reset the demo logins
    with pytest.raises(CommandError, match="refuses to run with OMS_ENV=production"):
        seed(reset_demo_logins=True)

    # then nothing was written: no admin/admin, no demo data
    assert not get_user_model().objects.exists()


def test_an_existing_account_with_a_demo_name_keeps_its_password():
    # given someone's own account that happens to be called "admin"
    factories.UserFactory(username="admin", password="their own secret")

    output = seed()

    # then it keeps its password; the logins that did not exist get their demo password
    users = get_user_model().objects
    assert users.get(username="admin").check_password("their own secret")
    assert not users.get(username="admin").check_password("admin")
    assert users.get(username="manager").check_password("manager")
    assert "admin      Alex Morgan      superuser  (existing account: own password kept)" in output


def test_reset_demo_logins_sets_existing_accounts_back_to_the_demo_password():
    factories.UserFactory(username="admin", password="their own secret")

    output = seed(reset_demo_logins=True)

    assert get_user_model().objects.get(username="admin").check_password("admin")
    assert "password kept" not in output
