"""One item in every queue: each page lists it with its link, in a fixed number of queries,
and the home page counts it."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from core.queues import all_queues
from notifications.models import Notification
from orders import services as orders
from orders.models import HoldReason, Order, OrderEvent, PaymentStatus
from payments.models import Gateway, Method, Payment
from payments.models import PaymentStatus as Status
from queues import selectors
from shipping.models import AtRisk, PickList, PickListLine
from tests import factories
from tests.factories import place, stock

pytestmark = pytest.mark.django_db


def payment(order: Order, status: str, **amounts) -> Payment:
    return Payment.objects.create(
        order=order,
        gateway=Gateway.SIMULATED,
        method=Method.CARD,
        status=status,
        amount=order.total,
        currency=order.currency,
        authorized_at=timezone.now() - timedelta(days=6),
        **amounts,
    )


@pytest.fixture
def one_of_each(channel, customer, warehouse):
    """An item for every queue, each a separate order, keyed by the queue's slug."""
    product = factories.ProductFactory(sku="EACH-1", unit_price=Decimal("10.00"))
    stock(product, warehouse, 100)
    backorderable = factories.ProductFactory(sku="EACH-BACK", allow_backorder=True)

    def order(item=product) -> Order:
        return place(channel=channel, customer=customer, items=[(item, 1)])

    past = timezone.localdate() - timedelta(days=3)
    late = order()
    Order.objects.filter(pk=late.pk).update(ship_by=past)
    backordered = order(backorderable)
    Order.objects.filter(pk=backordered.pk).update(ship_by=past)
    at_risk = order()
    item = AtRisk.objects.create(
        order=at_risk, kind=AtRisk.Kind.LATE_TO_SHIP, reason="no stock", deadline=past
    )
    held = orders.hold_order(order=order(), reason=HoldReason.FRAUD_RISK)
    authorized = order()
    capture = payment(
        authorized,
        Status.AUTHORIZED,
        authorized_amount=authorized.total,
        authorization_expires_at=timezone.now() + timedelta(hours=2),
    )
    refund = order()
    Order.objects.filter(pk=refund.pk).update(payment_status=PaymentStatus.REFUND_DUE)
    OrderEvent.objects.create(order=refund, type=OrderEvent.Type.REFUND_DUE, message="owed")
    payment(refund, Status.CAPTURED, authorized_amount=refund.total, captured_amount=refund.total)
    short = order()
    payment(short, Status.CAPTURED, authorized_amount=Decimal("5.00"), captured_amount=Decimal("5"))
    pick_list = PickList.objects.create(location=warehouse)
    PickListLine.objects.create(
        pick_list=pick_list, line=order().lines.get(), product=product, quantity=1, short=1
    )
    message = Notification.objects.create(
        kind="order_received", recipient="a@example.com", status="failed", dedupe_key="each"
    )
    return {
        "late-shipments": late,
        "late-backorders": backordered,
        "at-risk": item,
        "holds": held,
        "capture-due": capture,
        "refunds-due": refund,
        "unreconciled": short,
        "short-picks": pick_list,
        "failed-notifications": message,
    }


@pytest.mark.parametrize("slug", [queue.slug for queue in all_queues()])
def test_each_queue_lists_its_item_with_a_link(
    login_as, one_of_each, slug, django_assert_max_num_queries
):
    client = login_as(None)

    with django_assert_max_num_queries(12):
        response = client.get(reverse(f"queues:{slug}"))

    rows = response.context["page"].rows
    assert one_of_each[slug] in [row.item for row in rows]
    row = next(row for row in rows if row.item == one_of_each[slug])
    assert f'href="{row.url}"' in response.content.decode()
    assert client.get(row.url).status_code == 200


def test_the_home_page_counts_every_queue_of_the_role(login_as, one_of_each):
    counts = {entry.queue.slug: entry.count for entry in selectors.counts(list(all_queues()))}

    assert counts["holds"] == 1 and counts["short-picks"] == 1
    assert counts["late-shipments"] >= 2  # the late order and the late backorder
    assert counts["unreconciled"] == 1 and counts["refunds-due"] == 1
    assert counts["capture-due"] == 1 and counts["failed-notifications"] == 1
