"""The Scheduled reports pages: Managers only; create (once per form), edit, the delivery log,
send now; and the admin's change form keeps the next send in step."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from core import idempotency
from core.roles import CUSTOMER_SERVICE, FINANCE, MANAGER, WAREHOUSE
from digests.models import ReportRun, ReportSubscription
from tests.digests.conftest import SLUG

pytestmark = pytest.mark.django_db

WEDNESDAY = datetime(2026, 12, 2, 9, 30, tzinfo=UTC)


def form_data(user, **changes) -> dict:
    return {
        "name": "Monday sales",
        "report_slug": SLUG,
        "query": "compare=on&channel=",
        "frequency": "weekly",
        "weekday": "0",
        "day_of_month": "1",
        "time_of_day": "08:00",
        "timezone": "Europe/Berlin",
        "format": "pdf",
        "recipient_users": [str(user.pk)],
        "is_active": "on",
        idempotency.FIELD: idempotency.new_token(),
    } | changes


@pytest.mark.parametrize("role", [CUSTOMER_SERVICE, WAREHOUSE, FINANCE])
def test_only_managers_open_the_pages(login_as, role, make_subscription):
    subscription = make_subscription(now=WEDNESDAY)
    client = login_as(role)

    for url in (
        reverse("digests:list"),
        reverse("digests:create"),
        reverse("digests:detail", args=[subscription.pk]),
        reverse("digests:edit", args=[subscription.pk]),
    ):
        assert client.get(url).status_code == 403, url
    assert client.post(reverse("digests:send_now", args=[subscription.pk])).status_code == 403
    assert not ReportRun.objects.exists()


def test_a_manager_creates_a_weekly_digest_once_per_form(login_as):
    client = login_as(MANAGER)
    data = form_data(client.user)

    with time_machine.travel(WEDNESDAY, tick=False):
        first = client.post(reverse("digests:create"), data)
        again = client.post(reverse("digests:create"), data)

    (subscription,) = ReportSubscription.objects.all()
    assert first.status_code == again.status_code == 302
    assert (
        first["Location"] == again["Location"] == reverse("digests:detail", args=[subscription.pk])
    )
    assert subscription.owner == client.user
    assert subscription.filters == {"compare": ["on"]}
    assert subscription.next_run_at == datetime(2026, 12, 7, 7, 0, tzinfo=UTC)
    assert list(subscription.recipient_users.all()) == [client.user]


def test_filters_the_report_does_not_take_are_refused(login_as):
    client = login_as(MANAGER)

    response = client.post(
        reverse("digests:create"), form_data(client.user, query="channel=999999")
    )

    assert response.status_code == 200
    assert "The filters do not fit the report" in str(response.context["form"].errors["query"])
    assert not ReportSubscription.objects.exists()


def test_a_subscription_needs_a_recipient(login_as):
    client = login_as(MANAGER)

    response = client.post(reverse("digests:create"), form_data(client.user, recipient_users=[]))

    assert "Choose at least one recipient or role." in response.context["form"].non_field_errors()


def test_changing_the_schedule_moves_the_next_send(login_as, make_subscription):
    subscription = make_subscription(now=WEDNESDAY)
    client = login_as(MANAGER)
    data = form_data(client.user, frequency="daily", time_of_day="18:30")

    with time_machine.travel(WEDNESDAY, tick=False):
        response = client.post(reverse("digests:edit", args=[subscription.pk]), data)

    assert response.status_code == 302
    subscription.refresh_from_db()
    assert subscription.next_run_at == datetime(2026, 12, 2, 17, 30, tzinfo=UTC)
    assert subscription.owner.username == "mia"  # the editor does not take it over


def test_send_now_sends_it_and_the_delivery_log_shows_it(
    login_as, make_subscription, django_capture_on_commit_callbacks
):
    subscription = make_subscription(now=WEDNESDAY)
    client = login_as(MANAGER)
    url = reverse("digests:send_now", args=[subscription.pk])

    with time_machine.travel(WEDNESDAY, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            first = client.post(url)
        again = client.post(url, follow=True)

    assert len(mail.outbox) == 1
    assert first.status_code == 302
    assert "It was sent this minute already." in again.content.decode()
    assert "Sending now" in again.content.decode()  # the first post's message, shown now
    (run,) = again.context["page"]
    assert (run.status, run.trigger, run.requested_by) == ("sent", "manual", client.user)
    assert "mia@staff.example" in again.content.decode()


def test_the_list_reads_in_a_few_queries(
    login_as, make_subscription, django_assert_max_num_queries
):
    for name in ("A", "B", "C"):
        make_subscription(now=WEDNESDAY, name=name)
    client = login_as(MANAGER)

    with django_assert_max_num_queries(8):
        response = client.get(reverse("digests:list"))

    assert response.status_code == 200
    assert [s.name for s in response.context["subscriptions"]] == ["A", "B", "C"]


def test_the_admin_edits_a_subscription_and_keeps_its_next_send(login_as, make_subscription):
    subscription = make_subscription(now=WEDNESDAY)
    client = login_as(None)
    url = reverse("admin:digests_reportsubscription_change", args=[subscription.pk])
    data = form_data(subscription.owner, name="Renamed", owner=str(subscription.owner.pk))

    assert client.get(url).status_code == 200
    with time_machine.travel(WEDNESDAY, tick=False):
        response = client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    subscription.refresh_from_db()
    assert subscription.name == "Renamed"
    assert subscription.next_run_at == datetime(2026, 12, 7, 7, 0, tzinfo=UTC)
