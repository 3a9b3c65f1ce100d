"""The Webhooks page: create (secret shown once), pause and resume, the delivery log and
redelivery."""

import pytest
from django.urls import reverse

from core.roles import MANAGER
from tests import factories
from webhooks.models import Delivery, Subscription
from webhooks.services.publishing import enqueue

pytestmark = pytest.mark.django_db


def test_a_manager_creates_a_webhook_and_sees_its_secret_once(login_as, endpoint):
    client = login_as(MANAGER)
    response = client.post(
        reverse("webhooks:list"),
        {"url": endpoint.url, "events": ["order.placed", "stock.changed"]},
    )
    assert response.status_code == 200
    subscription = Subscription.objects.get()
    assert subscription.owner == client.user
    assert subscription.events == ["order.placed", "stock.changed"]
    assert subscription.secret.startswith("whsec_")
    assert subscription.secret in response.content.decode()
    for url in (reverse("webhooks:list"), reverse("webhooks:detail", args=[subscription.pk])):
        page = client.get(url)
        assert page.status_code == 200
        assert subscription.secret not in page.content.decode()


def test_a_private_address_is_refused_on_the_form(login_as, settings):
    settings.WEBHOOKS_ALLOWED_HOSTS = []
    client = login_as(MANAGER)
    response = client.post(
        reverse("webhooks:list"), {"url": "http://127.0.0.1/hooks", "events": ["order.placed"]}
    )
    assert response.status_code == 200
    assert "non-public address" in response.content.decode()
    assert not Subscription.objects.exists()


def test_pause_resume_and_redeliver_from_the_log(
    login_as, endpoint, django_capture_on_commit_callbacks
):
    client = login_as(MANAGER)
    subscription = Subscription.objects.create(
        url=endpoint.url, events=["stock.changed"], secret="whsec_x", owner=client.user
    )
    enqueue("stock.changed", "manual-1", lambda: {"n": 1})
    delivery = Delivery.objects.get()
    assert delivery.status == "succeeded"

    page = client.get(reverse("webhooks:detail", args=[subscription.pk])).content.decode()
    assert "manual-1" in page and "Succeeded" in page and " ms" in page

    client.post(reverse("webhooks:pause", args=[subscription.pk]))
    subscription.refresh_from_db()
    assert not subscription.is_active and subscription.paused_reason
    response = client.post(reverse("webhooks:redeliver", args=[delivery.pk]), follow=True)
    assert "Resume the webhook" in response.content.decode()
    assert len(endpoint.requests) == 1

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("webhooks:resume", args=[subscription.pk]))
        client.post(reverse("webhooks:redeliver", args=[delivery.pk]))
    delivery.refresh_from_db()
    assert delivery.status == "succeeded" and delivery.attempt_count == 2
    assert len(endpoint.requests) == 2


def test_the_delivery_log_reads_a_page_in_a_fixed_number_of_queries(
    login_as, django_assert_max_num_queries
):
    client = login_as(MANAGER)
    subscription = Subscription.objects.create(
        url="https://hooks.example/", events=["order.placed"], secret="s", owner=client.user
    )
    Delivery.objects.bulk_create(
        Delivery(
            subscription=subscription,
            event_type="order.placed",
            event_id=f"e{n}",
            payload={},
            retry_until=subscription.created_at,
        )
        for n in range(60)
    )
    url = reverse("webhooks:detail", args=[subscription.pk])
    with django_assert_max_num_queries(8):
        response = client.get(url)
    assert response.status_code == 200
    assert len(response.context["page"]) == 50 and response.context["page"].next_cursor
    with django_assert_max_num_queries(8):
        older = client.get(url, {"after": response.context["page"].next_cursor})
    assert len(older.context["page"]) == 10
    fragment = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert fragment.startswith('<div id="delivery-log"') or 'id="delivery-log"' in fragment[:80]
    assert "<html" not in fragment


def test_other_roles_may_not_open_the_page(login_as):
    for role in ("Customer service", "Warehouse", "Finance"):
        assert login_as(role).get(reverse("webhooks:list")).status_code == 403
    assert factories.UserFactory(role=MANAGER).has_perm("webhooks.manage_subscription")


def test_the_admin_redelivers_and_refuses_a_private_address(
    login_as, endpoint, settings, django_capture_on_commit_callbacks
):
    client = login_as(None)
    subscription = Subscription.objects.create(
        url=endpoint.url, events=["stock.changed"], secret="whsec_x", owner=client.user
    )
    enqueue("stock.changed", "admin-1", lambda: {})
    delivery = Delivery.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:webhooks_delivery_changelist"),
            {"action": "redeliver", "_selected_action": [delivery.pk]},
        )
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert delivery.attempt_count == 2 and len(endpoint.requests) == 2

    settings.WEBHOOKS_ALLOWED_HOSTS = []
    response = client.post(
        reverse("admin:webhooks_subscription_change", args=[subscription.pk]),
        {"url": "http://10.0.0.5/hook", "events": '["stock.changed"]'},
    )
    assert response.status_code == 200 and "non-public address" in response.content.decode()
    subscription.refresh_from_db()
    assert subscription.url == endpoint.url
