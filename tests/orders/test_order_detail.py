"""The order page: its panels, the actions on it, their errors in place, and who may do what."""

import json
import re
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from inventory.models import StockLevel
from notifications import tasks as notifications
from orders import services
from orders.exceptions import InvalidTransition, OrderValidationError, transition_refusal
from orders.models import HoldReason, OrderEvent, OrderStatus
from tests import factories
from tests.factories import place, stock

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
PAGE_QUERY_BUDGET = 10  # session, user, perms ×2, role groups, order, lines, allocations, events,
# payments (their transactions and refunds are prefetched only when there are payments)


@pytest.fixture
def split_product(warehouse, second_warehouse):
    """Two units at WH-A and two at WH-B, so an order of 3 is reserved at both."""
    product = factories.ProductFactory(sku="MUG-01", name="Blue mug", unit_price=Decimal("12.50"))
    stock(product, warehouse, 2)
    stock(product, second_warehouse, 2)
    return product


@pytest.fixture
def backorderable():
    return factories.ProductFactory(sku="TEE-99", name="Rare tee", allow_backorder=True)


@pytest.fixture
def order(channel, customer, split_product, backorderable, ny_tax):
    return place(
        channel=channel,
        customer=customer,
        items=[(split_product, 3), (backorderable, 1)],
        external_id="WEB-1001",
        shipping_total=Decimal("5.00"),
    )


def url(name: str, order) -> str:
    return reverse(f"orders:{name}", args=[order.number])


def triggered(response) -> set[str]:
    """The client events an htmx response fires (django-htmx sends them as a JSON object)."""
    return set(json.loads(response.headers.get("HX-Trigger", "{}")))


def reserved(product, location) -> int:
    return StockLevel.objects.get(product=product, location=location).reserved


# --- the page ------------------------------------------------------------------------------


def test_page_shows_header_lines_allocations_totals_customer_and_timeline(
    login_as, order, customer
):
    client = login_as("Customer service")

    response = client.get(url("detail", order))

    assert response.status_code == 200
    html = response.content.decode()
    assert order.number in html
    assert "WEB-1001" in html
    assert "Placed</span>" in html  # status badge
    assert "Backordered</span>" in html  # fulfilment badge
    assert reverse("inventory:product_detail", args=["MUG-01"]) in html
    assert "Blue mug" in html
    assert "2 @ WH-A, 1 @ WH-B" in html
    # 3 × 12.50 + 1 × 10.00 = 47.50; tax 8% = 3.80; + 5.00 shipping = 56.30
    assert "47.50 USD" in html
    assert "3.80 USD" in html
    assert "56.30 USD" in html
    assert reverse("customers:detail", args=[customer.pk]) in html
    assert customer.email in html
    assert "1 Main Street" in html
    assert "Order placed via" in html
    assert "Reserved 2 × MUG-01 at WH-A, 1 × MUG-01 at WH-B." in html
    assert "Backordered 1 × TEE-99." in html


def test_page_shows_the_actions_the_role_and_the_state_allow(login_as, order):
    client = login_as("Customer service")

    html = client.get(url("detail", order)).content.decode()

    assert url("confirm", order) in html
    assert 'commandfor="hold-dialog"' in html
    assert 'commandfor="cancel-dialog"' in html
    assert url("edit", order) in html
    assert url("note", order) in html
    assert url("release", order) not in html
    element_ids = re.findall(r'\sid="([^"]+)"', html)
    assert len(element_ids) == len(set(element_ids)), "the dialogs' form fields share ids"


def test_cancelled_order_shows_its_reason_and_no_actions(login_as, order):
    services.cancel_order(order=order, reason="Customer changed their mind")
    client = login_as("Manager")

    html = client.get(url("detail", order)).content.decode()

    assert "Customer changed their mind" in html
    for action in ("confirm", "release", "edit"):
        assert url(action, order) not in html
    assert "cancel-dialog" not in html
    assert "hold-dialog" not in html


@pytest.mark.parametrize("line_count", [2, 20])
def test_page_queries_do_not_grow_with_lines_or_events(
    login_as,
    channel,
    customer,
    warehouse,
    second_warehouse,
    django_assert_max_num_queries,
    line_count,
):
    # given an order whose lines are reserved at alternating locations, and many events
    # (short SKUs keep the one "Reserved …" event message within its 500 characters)
    products = [factories.ProductFactory(sku=f"P{n}") for n in range(line_count)]
    for number, product in enumerate(products):
        stock(product, (warehouse, second_warehouse)[number % 2], 5)
    order = place(channel=channel, customer=customer, items=[(p, 2) for p in products])
    staff = factories.UserFactory()
    for number in range(line_count):
        services.add_note(order=order, text=f"Note {number}", actor=staff)
    client = login_as("Manager")

    with django_assert_max_num_queries(PAGE_QUERY_BUDGET):
        response = client.get(url("detail", order))

    html = response.content.decode()
    assert html.count(">2 @ WH-A<") == html.count(">2 @ WH-B<") == line_count // 2
    assert html.count("<li>") == order.events.count() > line_count


@pytest.mark.parametrize(
    ("panel", "present", "absent"),
    [
        ("lines", 'id="order-lines"', 'id="order-header"'),
        ("timeline", 'id="order-timeline"', 'id="order-lines"'),
        ("events", 'id="order-events"', 'id="order-timeline"'),
        ("customer", 'id="order-customer"', 'id="order-events"'),
        ("header", 'id="order-header"', 'id="order-customer"'),
    ],
)
def test_htmx_panel_request_returns_only_that_fragment(login_as, order, panel, present, absent):
    client = login_as("Manager")

    response = client.get(url("detail", order), {"panel": panel}, **HTMX)

    html = response.content.decode()
    assert response.status_code == 200
    assert present in html
    assert absent not in html
    assert "<html" not in html


def test_htmx_navigation_without_a_panel_gets_the_whole_page(login_as, order):
    client = login_as("Manager")

    html = client.get(url("detail", order), {"panel": "nonsense"}, **HTMX).content.decode()

    assert "<html" in html
    assert 'id="order-header"' in html
    assert 'id="order-customer"' in html


# --- actions -------------------------------------------------------------------------------


def test_confirm_via_htmx_returns_the_header_with_a_trigger_and_writes_an_event(login_as, order):
    client = login_as("Customer service")

    response = client.post(url("confirm", order), **HTMX)

    assert response.status_code == 200
    assert triggered(response) == {"orderChanged"}
    html = response.content.decode()
    assert 'id="order-header"' in html
    assert "Confirmed</span>" in html
    assert 'id="order-lines"' not in html
    order.refresh_from_db()
    assert order.status == OrderStatus.CONFIRMED
    event = order.events.get(type=OrderEvent.Type.CONFIRMED)
    assert event.actor == client.user


def test_confirm_without_htmx_redirects_back_with_a_message(login_as, order):
    client = login_as("Customer service")

    response = client.post(url("confirm", order))

    assert response.status_code == 302
    assert response.url == url("detail", order)
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["Order confirmed."]
    order.refresh_from_db()
    assert order.status == OrderStatus.CONFIRMED


def test_cancel_with_reason_releases_the_stock_and_shows_it(
    login_as, order, split_product, warehouse, second_warehouse
):
    assert (reserved(split_product, warehouse), reserved(split_product, second_warehouse)) == (2, 1)
    client = login_as("Customer service")

    response = client.post(url("cancel", order), {"reason": "Duplicate order"}, **HTMX)

    assert response.status_code == 200
    assert triggered(response) == {"orderChanged"}
    html = response.content.decode()
    assert "Cancelled</span>" in html
    assert "Duplicate order" in html
    assert (reserved(split_product, warehouse), reserved(split_product, second_warehouse)) == (0, 0)
    order.refresh_from_db()
    assert (order.status, order.cancel_reason) == (OrderStatus.CANCELLED, "Duplicate order")
    event = order.events.get(type=OrderEvent.Type.CANCELLED)
    assert "3 reserved unit(s) returned to stock" in event.message
    lines = client.get(url("detail", order), {"panel": "lines"}, **HTMX).content.decode()
    assert "@ WH-" not in lines


def test_cancel_without_reason_shows_the_field_error_and_changes_nothing(
    login_as, order, split_product, warehouse
):
    client = login_as("Customer service")
    events_before = order.events.count()

    response = client.post(url("cancel", order), {"reason": "  "}, **HTMX)

    assert response.status_code == 200
    assert triggered(response) == set()
    html = response.content.decode()
    assert '<dialog id="cancel-dialog" aria-labelledby="cancel-title" open>' in html
    assert "This field is required." in html
    order.refresh_from_db()
    assert order.status == OrderStatus.PLACED
    assert order.events.count() == events_before
    assert reserved(split_product, warehouse) == 2


def test_cancel_without_reason_and_without_htmx_renders_the_page_with_the_error(login_as, order):
    client = login_as("Customer service")

    response = client.post(url("cancel", order), {"reason": ""})

    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" in html
    assert "This field is required." in html
    order.refresh_from_db()
    assert order.status == OrderStatus.PLACED


def test_illegal_action_shows_the_domain_error_in_place(login_as, order):
    # given someone else cancelled the order while this page was open
    services.cancel_order(order=order, reason="Fraud")
    client = login_as("Customer service")

    response = client.post(url("confirm", order), **HTMX)

    assert response.status_code == 200
    assert triggered(response) == set()
    html = response.content.decode()
    assert 'class="inline-error"' in html
    assert f"{order.number} is cancelled: it cannot be confirmed." in html
    assert "Cancelled</span>" in html  # the fresh state, not the stale one
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert not order.events.filter(type=OrderEvent.Type.CONFIRMED).exists()


def test_illegal_action_without_htmx_redirects_with_the_error_message(login_as, order):
    services.cancel_order(order=order, reason="Fraud")
    client = login_as("Customer service")

    response = client.post(url("confirm", order))

    assert response.status_code == 302
    messages = [str(m) for m in get_messages(response.wsgi_request)]
    assert messages == [f"{order.number} is cancelled: it cannot be confirmed."]


def test_hold_then_release_returns_to_the_prior_state(login_as, order):
    services.confirm_order(order=order)
    client = login_as("Warehouse")

    held = client.post(
        url("hold", order),
        {"reason": HoldReason.INCORRECT_ADDRESS, "note": "No such street"},
        **HTMX,
    )

    assert held.status_code == 200
    assert triggered(held) == {"orderChanged"}
    html = held.content.decode()
    assert "On hold</span>" in html
    assert "Incorrect address" in html
    assert "No such street" in html
    assert client.user.get_username() in html  # held by
    assert url("release", order) in html
    order.refresh_from_db()
    assert (order.status, order.held_by) == (OrderStatus.ON_HOLD, client.user)

    released = client.post(url("release", order), **HTMX)

    assert released.status_code == 200
    assert "Confirmed</span>" in released.content.decode()
    order.refresh_from_db()
    assert (order.status, order.hold_reason) == (OrderStatus.CONFIRMED, "")
    types = set(order.events.values_list("type", flat=True))
    assert {OrderEvent.Type.HELD, OrderEvent.Type.HOLD_RELEASED} <= types


def test_on_hold_order_offers_release_but_not_confirm(login_as, order):
    services.hold_order(order=order, reason=HoldReason.FRAUD_RISK)
    client = login_as("Customer service")

    html = client.get(url("detail", order)).content.decode()

    assert url("release", order) in html
    assert url("confirm", order) not in html
    assert "High fraud risk" in html


def test_hold_for_other_without_a_note_puts_the_service_error_on_the_note(login_as, order):
    client = login_as("Customer service")

    response = client.post(url("hold", order), {"reason": HoldReason.OTHER, "note": ""}, **HTMX)

    assert response.status_code == 200
    html = response.content.decode()
    assert '<dialog id="hold-dialog" aria-labelledby="hold-title" open>' in html
    assert "Say why the order is held." in html
    order.refresh_from_db()
    assert order.status == OrderStatus.PLACED


def test_hold_with_an_unknown_reason_is_a_form_error(login_as, order):
    client = login_as("Customer service")

    response = client.post(url("hold", order), {"reason": "bored"}, **HTMX)

    assert response.status_code == 200
    assert "Select a valid choice." in response.content.decode()
    order.refresh_from_db()
    assert order.status == OrderStatus.PLACED


def test_add_note_creates_a_note_event_shown_first_in_the_timeline(login_as, order):
    client = login_as("Finance")

    response = client.post(url("note", order), {"text": "Customer called about invoice"}, **HTMX)

    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="order-timeline"' in html
    assert 'id="order-header"' not in html
    first_event = html.split('id="order-events"', 1)[1].split("</li>", 1)[0]
    assert "Customer called about invoice" in first_event
    assert client.user.get_username() in first_event
    note = order.events.get(type=OrderEvent.Type.NOTE)
    assert (note.message, note.actor) == ("Customer called about invoice", client.user)


def test_empty_note_is_a_form_error_and_writes_nothing(login_as, order):
    client = login_as("Manager")

    response = client.post(url("note", order), {"text": "   "}, **HTMX)

    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert not order.events.filter(type=OrderEvent.Type.NOTE).exists()


# --- access --------------------------------------------------------------------------------


def test_warehouse_cannot_cancel_and_does_not_see_the_button(
    login_as, order, split_product, warehouse
):
    client = login_as("Warehouse")

    page = client.get(url("detail", order)).content.decode()
    response = client.post(url("cancel", order), {"reason": "Because"}, **HTMX)

    assert "cancel-dialog" not in page
    assert url("confirm", order) not in page
    assert "hold-dialog" in page
    assert response.status_code == 403
    order.refresh_from_db()
    assert order.status == OrderStatus.PLACED
    assert reserved(split_product, warehouse) == 2


def test_finance_can_view_but_only_hold_and_note(login_as, order):
    client = login_as("Finance")

    response = client.get(url("detail", order))

    assert response.status_code == 200
    html = response.content.decode()
    assert order.number in html
    assert url("edit", order) not in html
    assert url("confirm", order) not in html
    assert url("note", order) in html


def test_anonymous_is_sent_to_the_login_page(client, order):
    response = client.get(url("detail", order))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_unknown_order_is_404(login_as):
    client = login_as("Manager")

    assert client.get(reverse("orders:detail", args=["SO-999999"])).status_code == 404
    assert client.post(reverse("orders:confirm", args=["SO-999999"]), **HTMX).status_code == 404


def test_actions_only_accept_post(login_as, order):
    client = login_as("Manager")

    assert client.get(url("confirm", order)).status_code == 405
    order.refresh_from_db()
    assert order.status == OrderStatus.PLACED


def test_draft_shows_placed_as_not_yet(login_as, channel, customer, split_product):
    draft = place(channel=channel, customer=customer, items=[(split_product, 1)], draft=True)
    client = login_as("Customer service")

    html = client.get(url("detail", draft)).content.decode()

    assert "not yet (draft)" in html
    assert url("edit", draft) in html


# --- words people read (issue 8, point 9) -----------------------------------------------------


def test_refusals_name_the_states_in_words(order):
    services.hold_order(order=order, reason=HoldReason.CUSTOMER_REQUEST)

    with pytest.raises(InvalidTransition) as again:
        services.hold_order(order=order, reason=HoldReason.FRAUD_RISK)
    services.cancel_order(order=order, reason="Fraud")
    with pytest.raises(InvalidTransition) as confirm_cancelled:
        services.confirm_order(order=order)

    assert again.value.message == f"{order.number} is already on hold."
    assert (
        confirm_cancelled.value.message == f"{order.number} is cancelled: it cannot be confirmed."
    )


def test_every_status_and_move_has_words():
    for status in OrderStatus.values:
        assert "_" not in transition_refusal("SO-1", status, OrderStatus.CONFIRMED)
        assert "_" not in transition_refusal("SO-1", OrderStatus.PLACED, status)


def test_hold_dialog_has_no_preselected_reason(login_as, order):
    client = login_as("Customer service")

    html = client.get(url("detail", order)).content.decode()
    response = client.post(url("hold", order), {"reason": "", "note": ""}, **HTMX)

    select = re.search(r'<select name="reason"[^>]*>\s*<option value="" selected>', html)
    assert select and "required" in select[0]
    assert "This field is required." in response.content.decode()
    order.refresh_from_db()
    assert order.status == OrderStatus.PLACED


def test_hold_without_a_reason_is_refused_by_the_service_too(order):
    with pytest.raises(OrderValidationError, match=r"Choose a hold reason\.") as refused:
        services.hold_order(order=order, reason="")

    assert refused.value.field == "reason"


@pytest.fixture
def unpaid_order(customer, split_product, ny_tax):
    channel = factories.SalesChannelFactory(code="pay-first", allow_unpaid_confirmation=False)
    return place(channel=channel, customer=customer, items=[(split_product, 1)])


def test_confirm_is_primary_only_when_it_can_succeed(login_as, order, unpaid_order):
    client = login_as("Customer service")

    ready = client.get(url("detail", order)).content.decode()
    waiting = client.get(url("detail", unpaid_order)).content.decode()

    assert '<button class="btn btn-primary" type="submit">Confirm</button>' in ready
    assert "confirm-blocker" not in ready
    assert url("confirm", unpaid_order) not in waiting
    assert (
        '<button class="btn" type="button" disabled aria-describedby="confirm-blocker">' in waiting
    )
    assert f"Awaiting payment of {unpaid_order.total} USD" in waiting


def test_asking_what_confirmation_waits_for_keeps_the_page_bounded(
    login_as, unpaid_order, django_assert_max_num_queries
):
    client = login_as("Manager")

    # the order page's budget, plus payments' answer to "may it be confirmed?" (one call)
    with django_assert_max_num_queries(PAGE_QUERY_BUDGET + 2):
        response = client.get(url("detail", unpaid_order))

    assert "Awaiting payment of" in response.content.decode()


def test_placed_email_says_received_and_confirmation_sends_the_confirmed_email(
    order, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        notifications.notify_event(order.events.get(type=OrderEvent.Type.PLACED).pk)
    with django_capture_on_commit_callbacks(execute=True):
        services.confirm_order(order=order)

    placed, confirmed = mailoutbox
    assert placed.subject == f"We have received your order {order.number}"
    assert "received" in placed.body and "confirmed" not in placed.subject
    assert "is confirmed" not in placed.body
    assert confirmed.subject == f"Your order {order.number} is confirmed"
    assert order.number in confirmed.body
    # once: a second run of the task (a redelivery) sends nothing more
    confirmation = order.events.get(type=OrderEvent.Type.CONFIRMED)
    assert notifications.notify_event.delay(confirmation.pk).result == 0
    assert len(mailoutbox) == 2
