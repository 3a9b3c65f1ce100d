"""Exception queues: age and SLA colour, owners and "mine", who sees which queue, and pages
whose cost does not grow with the queue."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from core.queues import Colour, all_queues, get_queue
from notifications.models import Notification
from orders import services as orders
from orders.models import HoldReason, Order
from queues import selectors
from queues.models import Assignment, AssignmentEvent
from shipping.models import AtRisk
from tests import factories
from tests.factories import place, stock

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
FAILED = "failed-notifications"


def failed_message(n: int = 0) -> Notification:
    return Notification.objects.create(
        kind="order_received",
        recipient=f"someone{n}@example.com",
        status=Notification.Status.FAILED,
        error="Mailbox unavailable",
        dedupe_key=f"queue-test-{n}",
    )


def assign_url(slug: str, pk: int) -> str:
    return reverse(f"queues:{slug}-assign", args=[pk])


@pytest.fixture
def product(warehouse):
    product = factories.ProductFactory(sku="Q-MUG", unit_price=Decimal("10.00"))
    stock(product, warehouse, 100)
    return product


@pytest.fixture
def held(channel, customer, product):
    return orders.hold_order(
        order=place(channel=channel, customer=customer, items=[(product, 1)]),
        reason=HoldReason.FRAUD_RISK,
    )


def test_every_domain_registered_its_queues():
    slugs = {queue.slug for queue in all_queues()}

    assert slugs == {
        "late-shipments",
        "at-risk",
        "holds",
        "capture-due",
        "refunds-due",
        "unreconciled",
        "late-backorders",
        "short-picks",
        FAILED,
    }


# --- age and SLA -----------------------------------------------------------------------------


def test_an_items_sla_colour_changes_with_its_age():
    queue = get_queue(FAILED)  # amber from 2 h, red from 24 h
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        failed_message()

    def colour_at(later: timedelta) -> tuple[Colour, str]:
        with time_machine.travel(start + later, tick=False):
            (row,) = selectors.page(queue).rows
            return row.colour, row.age_label

    assert colour_at(timedelta(minutes=30)) == (Colour.GREEN, "30 min")
    assert colour_at(timedelta(hours=3)) == (Colour.AMBER, "3 h")
    assert colour_at(timedelta(days=1, hours=2)) == (Colour.RED, "1 d 2 h")


def test_the_thresholds_can_be_set_per_queue_in_settings(settings):
    settings.OMS_QUEUE_SLA = {FAILED: {"amber_hours": 10, "red_hours": 20}}
    with time_machine.travel(timezone.now() - timedelta(hours=3), tick=False):
        failed_message()

    (row,) = selectors.page(get_queue(FAILED)).rows

    assert row.colour == Colour.GREEN


def test_the_page_shows_the_colour_in_words_too(login_as):
    with time_machine.travel(timezone.now() - timedelta(days=2), tick=False):
        failed_message()

    html = login_as("Customer service").get(reverse(f"queues:{FAILED}")).content.decode()

    assert "badge-danger" in html and "Overdue" in html


def test_a_hold_ages_from_when_it_was_put_on_hold(channel, customer, product):
    start = timezone.now()
    with time_machine.travel(start - timedelta(days=5), tick=False):
        order = place(channel=channel, customer=customer, items=[(product, 1)])
    with time_machine.travel(start - timedelta(hours=30), tick=False):
        orders.hold_order(order=order, reason=HoldReason.INCORRECT_ADDRESS)

    with time_machine.travel(start, tick=False):
        (row,) = selectors.page(get_queue("holds")).rows

    assert row.item == order and row.age_label == "1 d 6 h" and row.colour == Colour.AMBER


def test_a_late_shipment_is_in_its_queue_from_the_day_after_its_ship_by_date(
    channel, customer, product
):
    order = place(channel=channel, customer=customer, items=[(product, 1)])
    queue = get_queue("late-shipments")
    Order.objects.filter(pk=order.pk).update(ship_by=timezone.localdate())
    assert not selectors.page(queue).rows

    Order.objects.filter(pk=order.pk).update(ship_by=timezone.localdate() - timedelta(days=2))

    (row,) = selectors.page(queue).rows
    assert row.item == order and row.colour == Colour.RED


def test_the_queue_is_paged_by_keyset_oldest_first(login_as):
    now = timezone.now()
    messages = []
    for n in range(3):
        with time_machine.travel(now - timedelta(hours=10 - n), tick=False):
            messages.append(failed_message(n))
    queue = get_queue(FAILED)

    first = selectors.page(queue, per_page=2)
    second = selectors.page(queue, per_page=2, after=first.next_cursor)
    back = selectors.page(queue, per_page=2, before=second.previous_cursor)

    assert [row.item for row in first] == messages[:2]
    assert [row.item for row in second] == messages[2:] and not second.next_cursor
    assert [row.item for row in back] == messages[:2]
    assert [row.item for row in selectors.page(queue, after="nonsense|x")] == messages


# --- owners ----------------------------------------------------------------------------------


def test_take_an_item_then_it_is_mine_and_the_change_is_logged(login_as):
    message = failed_message()
    client = login_as("Customer service")
    url = reverse(f"queues:{FAILED}")

    response = client.post(assign_url(FAILED, message.pk), {"owner": "me"}, headers=HTMX)

    assert response.status_code == 200
    assert client.user.get_username() in response.content.decode()
    assignment = Assignment.objects.get()
    assert (assignment.object_id, assignment.owner, assignment.assigned_by) == (
        message.pk,
        client.user,
        client.user,
    )
    event = AssignmentEvent.objects.get()
    assert (event.owner, event.previous_owner, event.actor) == (client.user, None, client.user)
    assert client.get(url, {"mine": "1"}).context["page"].rows[0].item == message
    other = login_as("Manager")
    assert other.get(url, {"mine": "1"}).context["page"].rows == []


def test_give_an_item_back(login_as):
    message = failed_message()
    client = login_as("Customer service")
    client.post(assign_url(FAILED, message.pk), {"owner": "me"}, headers=HTMX)

    client.post(assign_url(FAILED, message.pk), {"owner": ""}, headers=HTMX)

    assert not Assignment.objects.exists()
    assert AssignmentEvent.objects.count() == 2
    assert AssignmentEvent.objects.first().owner is None


def test_only_a_manager_gives_items_to_someone_else(login_as):
    message = failed_message()
    colleague = factories.UserFactory(role="Customer service")
    agent = login_as("Customer service")

    refused = agent.post(assign_url(FAILED, message.pk), {"owner": colleague.pk}, headers=HTMX)

    assert "not give them to others" in refused.content.decode()
    assert not Assignment.objects.exists()
    manager = login_as("Manager")
    manager.post(assign_url(FAILED, message.pk), {"owner": colleague.pk}, headers=HTMX)
    assert Assignment.objects.get().owner == colleague


def test_an_item_goes_only_to_someone_who_may_see_its_queue(login_as):
    message = failed_message()  # the Warehouse sees no customer messages
    picker = factories.UserFactory(role="Warehouse")
    manager = login_as("Manager")

    response = manager.post(assign_url(FAILED, message.pk), {"owner": picker.pk}, headers=HTMX)

    assert "may not see" in response.content.decode()
    assert not Assignment.objects.exists()


def test_an_item_that_left_the_queue_is_not_assigned(login_as, held):
    orders.release_hold(order=held)
    client = login_as("Customer service")

    response = client.post(assign_url("holds", held.pk), {"owner": "me"}, headers=HTMX)

    assert response.status_code == 200 and "left the queue" in response.content.decode()
    assert not Assignment.objects.exists()


def test_at_risk_items_keep_their_own_owner(login_as, held):
    item = AtRisk.objects.create(
        order=held, kind=AtRisk.Kind.LATE_TO_SHIP, reason="test", deadline=timezone.localdate()
    )
    client = login_as("Customer service")

    client.post(assign_url("at-risk", item.pk), {"owner": "me"}, headers=HTMX)

    item.refresh_from_db()
    assert item.owner == client.user and not Assignment.objects.exists()
    page = client.get(reverse("queues:at-risk"), {"mine": "1"})
    rows = page.context["page"].rows
    assert [row.item for row in rows] == [item] and rows[0].owner == client.user
    assert "Give back" not in page.content.decode()  # resolved on the At risk page instead
    assert f'href="{reverse("shipping:at_risk_list")}">Full list' in page.content.decode()


# --- who sees what ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "allowed", "denied"),
    [
        ("Finance", {"refunds-due", "capture-due", "unreconciled"}, {"short-picks"}),
        ("Warehouse", {"late-shipments", "short-picks", "at-risk"}, {"refunds-due", FAILED}),
        ("Customer service", {"holds", FAILED}, {"capture-due", "short-picks"}),
    ],
)
def test_each_role_opens_its_queues_and_gets_403_elsewhere(login_as, role, allowed, denied):
    client = login_as(role)

    for slug in allowed:
        assert client.get(reverse(f"queues:{slug}")).status_code == 200, slug
    for slug in denied:
        assert client.get(reverse(f"queues:{slug}")).status_code == 403, slug
    index = client.get(reverse("queues:index")).content.decode()
    assert all(reverse(f"queues:{slug}") in index for slug in allowed)
    assert not any(reverse(f"queues:{slug}") in index for slug in denied)


# --- cost ------------------------------------------------------------------------------------


@pytest.mark.parametrize("slug", [queue.slug for queue in all_queues()])
def test_each_queue_page_takes_a_fixed_number_of_queries(
    login_as, held, slug, django_assert_max_num_queries
):
    for n in range(3):
        failed_message(n)
    client = login_as(None)

    with django_assert_max_num_queries(12):
        response = client.get(reverse(f"queues:{slug}"))

    assert response.status_code == 200


def test_a_queue_pages_queries_do_not_grow_with_its_items(
    login_as, channel, customer, product, django_assert_max_num_queries
):
    client = login_as("Customer service")
    url = reverse(f"queues:{FAILED}")

    def queries_with(items: int) -> int:
        for n in range(Notification.objects.count(), items):
            message = failed_message(n)
            Assignment.objects.create(
                content_type_id=selectors.ContentType.objects.get_for_model(Notification).pk,
                object_id=message.pk,
                queue=FAILED,
                owner=client.user,
            )
        with django_assert_max_num_queries(12) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    assert queries_with(1) == queries_with(8)


def test_an_htmx_page_of_the_queue_is_the_table_alone(login_as):
    failed_message()

    response = login_as("Customer service").get(reverse(f"queues:{FAILED}"), headers=HTMX)

    html = response.content.decode()
    assert html.lstrip().startswith('<div id="queue-table"') and "<html" not in html


def test_without_htmx_an_assignment_comes_back_to_the_queue_with_its_message(login_as):
    message = failed_message()
    colleague = factories.UserFactory(role="Customer service")
    client = login_as("Customer service")

    response = client.post(assign_url(FAILED, message.pk), {"owner": colleague.pk}, follow=True)

    assert response.redirect_chain == [(reverse(f"queues:{FAILED}"), 302)]
    assert "not give them to others" in response.content.decode()
