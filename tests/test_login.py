"""Login protection (django-axes) and password reset by e-mail.

Failed sign-ins are counted per username and address; at the limit that pair is locked out,
even with the right password, until the cool-off passes or an administrator unlocks it. The
attempts live in the database, so each test starts with none (the test's transaction is
rolled back)."""

import re

import pytest
from axes.models import AccessAttempt
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db

LOGIN_URL = reverse("login")
HOME_URL = reverse("backoffice:home")
PASSWORD = "password"  # tests.factories.UserFactory's
LOCKED_OUT = "Too many failed sign-ins; try again in 30 minutes or ask an administrator."


@pytest.fixture
def user():
    return factories.UserFactory(username="pat", email="pat@staff.example")


def sign_in(client, password: str, *, username: str = "pat", address: str = "10.0.0.1"):
    return client.post(LOGIN_URL, {"username": username, "password": password}, REMOTE_ADDR=address)


def fail(client, times: int, **kwargs) -> None:
    """Sign in with a wrong password ``times`` times; the one that reaches the limit locks."""
    for _ in range(times):
        sign_in(client, "wrong", **kwargs)


def signed_in(response) -> bool:
    return response.status_code == 302 and response.url == reverse("backoffice:home")


def test_the_right_password_signs_in(client, user):
    assert signed_in(sign_in(client, PASSWORD))


def test_after_the_limit_of_failures_even_the_right_password_is_refused(client, user, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert sign_in(client, "wrong").status_code == 200  # the form, with its error
    locked = sign_in(client, "wrong")

    response = sign_in(client, PASSWORD)

    assert locked.status_code == 429
    assert response.status_code == 429
    assert LOCKED_OUT in response.content.decode()
    assert 'name="username"' in response.content.decode()  # still the login page
    assert client.get(HOME_URL).status_code == 302  # not signed in


def test_one_failure_short_of_the_limit_still_signs_in_and_starts_the_count_again(
    client, user, settings
):
    fail(client, settings.AXES_FAILURE_LIMIT - 1)
    assert signed_in(sign_in(client, PASSWORD))
    client.logout()

    fail(client, settings.AXES_FAILURE_LIMIT - 1)

    assert signed_in(sign_in(client, PASSWORD))


def test_the_lockout_is_per_username_and_address(client, user, settings):
    other = factories.UserFactory(username="sam")
    fail(client, settings.AXES_FAILURE_LIMIT)

    assert signed_in(sign_in(client, PASSWORD, address="10.0.0.2"))  # pat elsewhere
    client.logout()
    assert signed_in(sign_in(client, PASSWORD, username=other.username))  # sam here


def test_the_limit_comes_from_the_settings(client, user, settings):
    settings.AXES_FAILURE_LIMIT = 2
    fail(client, 1)

    assert sign_in(client, "wrong").status_code == 429


def test_the_axes_reset_command_unlocks(client, user, settings):
    fail(client, settings.AXES_FAILURE_LIMIT)

    call_command("axes_reset", verbosity=0)

    assert signed_in(sign_in(client, PASSWORD))


def test_an_administrator_unlocks_in_the_admin(client, user, settings, login_as):
    fail(client, settings.AXES_FAILURE_LIMIT)
    attempt = AccessAttempt.objects.get(username="pat")
    admin = login_as(None)
    changelist = reverse("admin:axes_accessattempt_changelist")
    assert "pat" in admin.get(changelist).content.decode()

    response = admin.post(
        changelist, {"action": "delete_selected", "_selected_action": [attempt.pk], "post": "yes"}
    )

    assert response.status_code == 302
    assert not AccessAttempt.objects.exists()
    admin.logout()
    assert signed_in(sign_in(client, PASSWORD))


def test_a_password_reset_e_mail_sets_a_new_password(client, user):
    response = client.post(reverse("password_reset"), {"email": user.email})
    assert response.status_code == 302
    assert response.url == reverse("password_reset_done")
    assert "Check your e-mail" in client.get(response.url).content.decode()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [user.email]
    assert message.subject == "Reset your OMS password"
    link = re.search(r"https?://[^/\s]+(/password-reset/\S+/)", message.body).group(1)

    form = client.get(link, follow=True)  # Django swaps the token into the session first
    assert "Choose a new password" in form.content.decode()
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "a new long secret", "new_password2": "a new long secret"},
        follow=True,
    )

    assert "Password changed" in done.content.decode()
    assert signed_in(sign_in(client, "a new long secret"))


def test_a_password_reset_for_an_unknown_address_sends_nothing_and_says_the_same(client, user):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.com"})

    assert response.url == reverse("password_reset_done")
    assert mail.outbox == []


def test_a_used_or_forged_reset_link_says_it_is_not_valid(client, user):
    url = reverse("password_reset_confirm", kwargs={"uidb64": "MQ", "token": "forged"})

    assert "This link is not valid any more" in client.get(url).content.decode()


def test_the_reset_pages_show_for_a_signed_in_user_too(login_as):
    html = login_as("Warehouse").get(reverse("password_reset")).content.decode()

    assert "Reset your password" in html
    assert 'name="email"' in html


def test_the_login_page_links_to_the_password_reset(client):
    assert reverse("password_reset") in client.get(LOGIN_URL).content.decode()
