"""What placing an order costs: its queries, the stock statement that comes last and checks the
plan, stock under many buyers of one SKU, and the order e-mail sent after the response."""

import threading
from decimal import Decimal

import pytest
from django.core import mail
from django.db import connections, transaction
from django.urls import reverse

from core import deferred, idempotency
from inventory import services as inventory
from inventory.exceptions import InsufficientStock
from inventory.models import StockLevel
from notifications import tasks as notifications
from notifications.models import Notification
from orders.models import Allocation, FulfilmentStatus, Order, OrderEvent, OrderLine
from orders.signals import order_event_recorded
from tests import factories
from tests.factories import place, stock
from tests.orders.test_concurrency import run_concurrently

# --- queries --------------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db
def test_placing_three_lines_takes_ten_queries_and_locks_stock_last(
    channel, customer, warehouse, ny_tax, django_assert_num_queries
):
    products = [factories.ProductFactory() for _ in range(3)]
    for product in products:
        stock(product, warehouse, 10)

    # Outside the transaction: the order number, the tax rate and the stock rows at the
    # fulfilment locations, with those locations' columns (read, not locked). Inside it (a
    # savepoint here, as the test holds the transaction): the order, its lines, allocations
    # and events, one INSERT each, and the one statement that locks and reserves the stock.
    with django_assert_num_queries(10) as captured:
        order = place(channel=channel, customer=customer, items=[(p, 2) for p in products])

    statements = [query["sql"] for query in captured.captured_queries]
    assert "FOR UPDATE" in statements[-2] and statements[-1].startswith("RELEASE SAVEPOINT")
    assert not any("FOR UPDATE" in sql for sql in statements[:-2])
    assert order.fulfilment_status == FulfilmentStatus.ALLOCATED
    assert [level.reserved for level in StockLevel.objects.order_by("product_id")] == [2, 2, 2]
    assert Allocation.objects.filter(line__order=order).count() == 3
    types = list(order.events.order_by("pk").values_list("type", flat=True))
    assert types == [OrderEvent.Type.STOCK_RESERVED, OrderEvent.Type.PLACED]


# --- the one stock statement ----------------------------------------------------------------


@pytest.mark.django_db
def test_reserving_several_rows_is_all_or_nothing(warehouse, second_warehouse):
    mug = factories.ProductFactory(sku="MUG")
    tee = factories.ProductFactory(sku="TEE")
    stock(mug, warehouse, 5)
    stock(tee, second_warehouse, 1)

    with pytest.raises(InsufficientStock) as refused, transaction.atomic():
        inventory.reserve_many(
            [(mug, warehouse, 2), (tee, second_warehouse, 1), (mug, warehouse, 4)]
        )

    assert refused.value.shortages == [("MUG", 6, 5)]
    assert [level.reserved for level in StockLevel.objects.all()] == [0, 0]

    inventory.reserve_many([(mug, warehouse, 2), (tee, second_warehouse, 1), (mug, warehouse, 3)])

    levels = {
        level.product.sku: (level.on_hand, level.reserved) for level in StockLevel.objects.all()
    }
    assert levels == {"MUG": (5, 5), "TEE": (1, 1)}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_stock_taken_while_an_order_is_written_sends_it_to_the_locked_plan(
    channel, customer, warehouse, second_warehouse
):
    # given 10 units at the first warehouse and 10 at the second
    product = factories.ProductFactory(sku="HOT")
    stock(product, warehouse, 10)
    stock(product, second_warehouse, 10)
    rival = factories.CustomerFactory()
    taken = []

    def buy_eight() -> None:
        try:
            place(channel=channel, customer=rival, items=[(product, 8)])
        finally:
            connections.close_all()

    def take_eight_first(order, **_):
        """Another buyer's order for 8 commits while ours is written, before ours reserves."""
        if taken:
            return
        taken.append(order.pk)
        buyer = threading.Thread(target=buy_eight)
        buyer.start()
        buyer.join()

    order_event_recorded.connect(take_eight_first, sender=OrderEvent.Type.PLACED)
    try:
        # when our order for 5 planned the first warehouse's 10 but 8 of them went meanwhile
        order = place(channel=channel, customer=customer, items=[(product, 5)])
    finally:
        order_event_recorded.disconnect(take_eight_first, sender=OrderEvent.Type.PLACED)

    # then it is placed again under lock: the first warehouse has 2 left, so one shipment of
    # all 5 from the second
    allocations = sorted(
        (a.location.code, a.quantity) for a in Allocation.objects.filter(line__order=order)
    )
    assert allocations == [("WH-B", 5)]
    levels = {level.location.code: level.reserved for level in StockLevel.objects.all()}
    assert levels == {"WH-A": 8, "WH-B": 5}
    assert Order.objects.count() == 2
    assert not Order.objects.filter(pk=taken[0]).exists()  # the first attempt rolled back
    assert order.events.filter(type=OrderEvent.Type.PLACED).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_eight_threads_buying_one_sku_never_take_more_than_is_there(channel, warehouse):
    product = factories.ProductFactory(sku="HOT")
    stock(product, warehouse, 25)
    customers = [factories.CustomerFactory() for _ in range(8)]

    def buy(index: int) -> int:
        """Orders of 1 to 3 units until one is refused; returns the units bought."""
        bought = 0
        for attempt in range(10):
            quantity = (index + attempt) % 3 + 1
            try:
                place(channel=channel, customer=customers[index], items=[(product, quantity)])
            except InsufficientStock:
                return bought
            bought += quantity
        return bought

    bought = run_concurrently(8, buy)

    level = StockLevel.objects.get(product=product, location=warehouse)
    assert (level.on_hand, level.reserved <= level.on_hand) == (25, True)
    assert (
        level.reserved
        == sum(bought)
        == sum(OrderLine.objects.values_list("quantity_allocated", flat=True))
    )
    assert sum(bought) > 22  # every buyer stopped only when fewer units were left than asked
    assert sum(Allocation.objects.values_list("quantity", flat=True)) == sum(bought)


# --- the order e-mail after the response ----------------------------------------------------


@pytest.fixture
def order(channel, customer, warehouse):
    product = factories.ProductFactory()
    stock(product, warehouse, 5)
    return place(channel=channel, customer=customer, items=[(product, 1)])


@pytest.fixture
def email(order, django_capture_on_commit_callbacks) -> Notification:
    """The order's "received" e-mail, logged; sending it is left to each test."""
    with django_capture_on_commit_callbacks():
        notifications.notify_event.delay(order.events.get(type=OrderEvent.Type.PLACED).pk)
    return Notification.objects.get(order=order)


@pytest.mark.django_db
def test_outside_a_request_an_eager_task_runs_at_once(email, mailoutbox):
    assert notifications.send_notification.delay(email.pk).result is True
    assert len(mailoutbox) == 1


@pytest.mark.django_db
def test_in_a_request_an_eager_task_waits_for_the_response_to_close(order, email, mailoutbox):
    deferred.start_collecting()  # request_started
    notifications.send_notification.delay(email.pk)

    assert mailoutbox == []
    assert not order.events.filter(type=OrderEvent.Type.EMAIL_SENT).exists()

    deferred.run_collected()  # request_finished
    assert len(mailoutbox) == 1
    assert order.events.get(type=OrderEvent.Type.EMAIL_SENT).data["notification"] == email.pk

    notifications.send_notification.delay(email.pk)  # no longer collecting: at once, a no-op
    assert len(mailoutbox) == 1


@pytest.mark.django_db
def test_collected_tasks_are_handed_back_unrun(email, mailoutbox):
    with deferred.collected_tasks() as collected:
        notifications.send_notification.delay(email.pk)

    assert (len(collected), mailoutbox) == (1, [])
    collected[0]()
    assert len(mailoutbox) == 1


class OutboxAtResponse:
    """Outermost middleware: notes how many e-mails were sent when the response was ready."""

    seen: list[int] = []

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        self.seen.append(len(mail.outbox))
        return response


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_order_email_is_sent_after_the_order_page_responds(
    login_as, channel, warehouse, settings, mailoutbox
):
    settings.MIDDLEWARE = [f"{__name__}.OutboxAtResponse", *settings.MIDDLEWARE]
    OutboxAtResponse.seen = []
    mug = factories.ProductFactory(sku="MUG", unit_price=Decimal("12.50"))
    stock(mug, warehouse, 10)
    client = login_as()
    form = {
        idempotency.FIELD: idempotency.new_token(),
        "channel": factories.SalesChannelFactory(code="phone", kind="phone").pk,
        "sku": ["MUG"],
        "quantity": ["2"],
        "new-email": "ada@example.com",
        "new-name": "Ada Lovelace",
    } | {
        f"shipping-{key}": value
        for key, value in {
            "name": "Ada Lovelace",
            "line1": "1 Main Street",
            "city": "New York",
            "country": "US",
        }.items()
    }

    response = client.post(reverse("orders:create"), form)

    assert response.status_code == 302
    assert OutboxAtResponse.seen == [0]  # nothing sent while the request was handled
    assert len(mailoutbox) == 1  # sent once the response was closed, before the client returned
    assert Order.objects.get().number in mailoutbox[0].subject
