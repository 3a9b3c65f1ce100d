"""Production never takes cards on the simulated gateway by accident.

With OMS_ENV=production and no gateway configured, start-up (``PaymentsConfig.ready``, so every
manage.py command, the WSGI import and Celery) refuses, saying what to set. The simulated
checkout page answers only while the simulated gateway takes the card payments.
"""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from payments.gateways import check_gateway_settings
from payments.services import send_payment_link
from tests.payments.helpers import make_order

PROJECT_ROOT = Path(__file__).resolve().parents[2]
GATEWAY_VARIABLES = ("STRIPE_SECRET_KEY", "OMS_PAYMENT_GATEWAY", "OMS_ALLOW_SIMULATED_GATEWAY")
REFUSAL = "no payment gateway is configured"
WHAT_TO_SET = ("STRIPE_SECRET_KEY", "OMS_PAYMENT_GATEWAY=manual", "OMS_ALLOW_SIMULATED_GATEWAY=1")


def run_in_production(command: list[str], **variables: str) -> subprocess.CompletedProcess:
    """Run a Python command under production settings with only the given gateway variables."""
    env = {k: v for k, v in os.environ.items() if k not in GATEWAY_VARIABLES} | {
        "OMS_ENV": "production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "oms.example.com",
        **variables,
    }
    return subprocess.run(
        [sys.executable, *command],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_production_without_a_gateway_refuses_to_start_and_says_what_to_set():
    result = run_in_production(["manage.py", "check"])

    assert result.returncode != 0
    assert REFUSAL in result.stderr
    assert all(variable in result.stderr for variable in WHAT_TO_SET), result.stderr


def test_the_wsgi_application_refuses_too():
    result = run_in_production(["-c", "import oms.wsgi"])

    assert result.returncode != 0
    assert REFUSAL in result.stderr


@pytest.mark.parametrize(
    "variables",
    [
        {"STRIPE_SECRET_KEY": "sk_test_x"},
        {"OMS_PAYMENT_GATEWAY": "manual"},
        {"OMS_ALLOW_SIMULATED_GATEWAY": "1"},
    ],
    ids=["stripe", "manual", "simulated-opt-in"],
)
def test_production_starts_with_a_gateway_or_the_explicit_opt_in(variables):
    result = run_in_production(["manage.py", "check"], **variables)

    assert result.returncode == 0, result.stdout + result.stderr


def test_stripe_without_its_key_and_unknown_gateways_are_refused(settings):
    settings.PRODUCTION = True
    settings.STRIPE_SECRET_KEY = ""
    settings.OMS_PAYMENT_GATEWAY = "stripe"
    with pytest.raises(ImproperlyConfigured, match="needs STRIPE_SECRET_KEY"):
        check_gateway_settings()

    settings.OMS_PAYMENT_GATEWAY = "strpie"
    with pytest.raises(ImproperlyConfigured, match="not a payment gateway"):
        check_gateway_settings()


@pytest.mark.django_db
def test_the_simulated_checkout_page_is_gone_once_another_gateway_takes_cards(client, settings):
    settings.STRIPE_SECRET_KEY = ""
    settings.OMS_PAYMENT_GATEWAY = "simulated"
    payment = send_payment_link(order=make_order())
    url = reverse("payments:simulated_checkout", args=[payment.checkout_session_id])
    assert client.get(url).status_code == 200

    settings.OMS_PAYMENT_GATEWAY = "manual"

    assert client.get(url).status_code == 404
    assert client.post(url, {"card_number": "4242424242424242"}).status_code == 404
