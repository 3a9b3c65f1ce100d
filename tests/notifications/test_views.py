"""The Communications panel on the order page, the Notifications page of failures, a message as
sent and the templates previewed with a sample order: who may open them, bounded queries."""

import pytest
from django.urls import reverse

from core.idempotency import FIELD, new_token
from notifications.models import Kind, Notification
from orders.panels import panels_for
from tests import factories
from tests.factories import place, stock

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def order(channel, customer, warehouse, mailoutbox, django_capture_on_commit_callbacks):
    product = factories.ProductFactory(name="Blue mug")
    stock(product, warehouse, 5)
    with django_capture_on_commit_callbacks(execute=True):
        return place(channel=channel, customer=customer, items=[(product, 1)])


def fail(notification: Notification, error: str = "SMTPServerDisconnected: down") -> None:
    Notification.objects.filter(pk=notification.pk).update(status="failed", error=error)


def many_failed(order, count: int) -> None:
    (template,) = order.notifications.all()
    Notification.objects.bulk_create(
        Notification(
            order=order,
            kind=Kind.ORDER_CONFIRMED,
            recipient=template.recipient,
            subject=f"failed {n}",
            status="failed",
            error="down",
            dedupe_key=f"test:{n}",
        )
        for n in range(count)
    )


@pytest.mark.parametrize(
    ("role", "status"),
    [("Manager", 200), ("Customer service", 200), ("Finance", 200), ("Warehouse", 403)],
)
def test_the_panel_is_for_those_who_see_customer_messages(login_as, order, role, status):
    client = login_as(role)
    response = client.get(reverse("notifications:order_panel", args=[order.number]), **HTMX)
    assert response.status_code == status
    shown = [panel.key for panel in panels_for(client.user)]
    assert ("communications" in shown) is (status == 200)


def test_the_panel_lists_every_message_with_its_status_in_bounded_queries(
    login_as, order, django_assert_max_num_queries
):
    client = login_as("Customer service")
    many_failed(order, 30)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("notifications:order_panel", args=[order.number]), **HTMX)
    body = response.content.decode()
    assert f"We have received your order {order.number}" in body
    assert body.count("Retry</button>") == 30 and body.count("Resend</button>") == 1


def test_resend_from_the_panel_is_a_new_attempt_and_needs_the_permission(
    login_as, order, mailoutbox, django_capture_on_commit_callbacks
):
    (sent,) = order.notifications.all()
    url = reverse("notifications:resend", args=[sent.pk])
    form = {FIELD: new_token(), "from": "panel"}

    assert login_as("Finance").post(url, form, **HTMX).status_code == 403
    client = login_as("Customer service")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, form, **HTMX)
        client.post(url, form, **HTMX)  # a double click

    assert response.status_code == 200
    assert "queued again" in response.content.decode()
    assert len(mailoutbox) == 2
    assert order.notifications.filter(resend_of=sent).count() == 1


def test_the_notifications_page_lists_failures_by_keyset(
    login_as, order, django_assert_max_num_queries
):
    many_failed(order, 60)
    client = login_as("Manager")
    with django_assert_max_num_queries(8):
        first = client.get(reverse("notifications:list"))
    assert first.status_code == 200
    page = first.context["page"]
    assert len(page.rows) == 50 and page.next_cursor
    rest = client.get(reverse("notifications:list"), {"after": page.next_cursor}, **HTMX)
    assert len(rest.context["page"].rows) == 10
    assert "Notifications" in [s["label"] for s in first.context["nav_sections"]]


def test_the_notifications_page_is_closed_to_the_warehouse(login_as):
    assert login_as("Warehouse").get(reverse("notifications:list")).status_code == 403


def test_a_message_shows_exactly_what_was_sent(login_as, order, mailoutbox):
    (sent,) = order.notifications.all()
    client = login_as("Customer service")

    page = client.get(reverse("notifications:message", args=[sent.pk]))
    html = client.get(reverse("notifications:message_html", args=[sent.pk]))

    assert mailoutbox[0].body.splitlines()[0] in page.content.decode()
    assert html.content.decode() == mailoutbox[0].alternatives[0][0]
    assert html["X-Frame-Options"] == "SAMEORIGIN"


@pytest.mark.parametrize("kind", Kind.values)
def test_every_template_previews_with_a_sample_order(login_as, kind):
    client = login_as("Customer service")
    page = client.get(reverse("notifications:preview", args=[kind]))
    html = client.get(reverse("notifications:preview_html", args=[kind]))
    assert (page.status_code, html.status_code) == (200, 200)
    assert "SO-000123" in page.content.decode() or kind == Kind.STAFF_LOW_STOCK


def test_an_unknown_template_is_404(login_as):
    client = login_as("Manager")
    assert client.get(reverse("notifications:preview", args=["nosuch"])).status_code == 404
    assert client.get(reverse("notifications:previews")).status_code == 200
