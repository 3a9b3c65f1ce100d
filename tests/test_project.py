"""Project-wide checks: migrations in step with models, production settings hardened."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

PROJECT_ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.django_db
def test_no_missing_migrations():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def run_under_production_settings(*args: str) -> subprocess.CompletedProcess:
    # Playwright's tests allow async-unsafe ORM calls in this process; production must not.
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"} | {
        "OMS_ENV": "production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "oms.example.com",
        "STRIPE_SECRET_KEY": "sk_test_x",  # production refuses the simulated gateway
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_check_deploy_is_clean_under_production_settings():
    result = run_under_production_settings("check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_enforces_a_content_security_policy_without_inline_script():
    # The manifest storage needs collectstatic; the plain storage renders the same page without it.
    fetch_login_page = (
        "from django.conf import settings; from django.test import Client, override_settings; "
        "storages = settings.STORAGES | {'staticfiles': "
        "{'BACKEND': 'django.contrib.staticfiles.storage.StaticFilesStorage'}}; "
        "override_settings(STORAGES=storages).enable(); "
        "response = Client().get('/login/', secure=True, headers={'host': 'oms.example.com'}); "
        "print(response.status_code); print(response.headers['Content-Security-Policy'])"
    )
    result = run_under_production_settings("shell", "-c", fetch_login_page)
    assert result.returncode == 0, result.stdout + result.stderr
    status, policy = result.stdout.strip().splitlines()[-2:]
    assert status == "200"
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["script-src"] == "'self'"
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy


def test_production_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SECRET_KEY"}
    env["OMS_ENV"] = "production"
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


@pytest.mark.django_db
def test_healthz_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_roles_exist_with_permissions():
    from django.contrib.auth.models import Group

    from core.roles import ROLES

    groups = {group.name: group for group in Group.objects.filter(name__in=ROLES)}
    assert set(groups) == set(ROLES)
    manager = set(groups["Manager"].permissions.values_list("codename", flat=True))
    assert {"confirm_order", "cancel_order", "adjust_stock"} <= manager
    service = set(groups["Customer service"].permissions.values_list("codename", flat=True))
    assert "adjust_stock" not in service
