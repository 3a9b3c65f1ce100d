"""The order state machine: legal paths, illegal transitions, holds, cancellation."""

from datetime import timedelta

import pytest
from django.utils import timezone

from inventory.models import StockLevel, StockMovement
from orders import services, workflow
from orders.exceptions import InvalidTransition, OrderError, OrderValidationError
from orders.models import (
    FulfilmentStatus,
    HoldReason,
    Order,
    OrderEvent,
    OrderStatus,
    PaymentStatus,
)
from tests import factories
from tests.factories import place, stock

pytestmark = pytest.mark.django_db


@pytest.fixture
def product(warehouse):
    product = factories.ProductFactory()
    stock(product, warehouse, 10)
    return product


@pytest.fixture
def order(channel, customer, product):
    return place(channel=channel, customer=customer, items=[(product, 3)])


def test_happy_path_to_completion_ships_stock_out_through_the_ledger(order, product, warehouse):
    staff = factories.UserFactory()
    for step in (services.confirm_order, services.start_processing, services.ship_order):
        order = step(order=order, actor=staff)
    assert order.status == OrderStatus.SHIPPED
    level = StockLevel.objects.get(product=product, location=warehouse)
    assert (level.on_hand, level.reserved) == (7, 0)
    sale = StockMovement.objects.get(reason=StockMovement.Reason.SALE)
    assert (sale.quantity, sale.reference) == (-3, order.number)

    order = services.mark_delivered(order=order, actor=staff)
    order = services.complete_order(order=order, actor=staff)

    assert order.status == OrderStatus.COMPLETED
    types = list(order.events.order_by("pk").values_list("type", flat=True))
    assert types[-5:] == ["confirmed", "processing", "shipped", "delivered", "completed"]
    assert order.events.filter(actor=staff).count() == 5


@pytest.mark.parametrize(
    ("service", "kwargs"),
    [
        (services.start_processing, {}),
        (services.mark_delivered, {}),
        (services.complete_order, {}),
        (services.submit_draft, {}),
    ],
)
def test_illegal_transitions_raise_the_domain_error(order, service, kwargs):
    with pytest.raises(InvalidTransition) as refused:
        service(order=order, **kwargs)
    assert refused.value.code == "invalid_transition"
    assert order.number in str(refused.value)
    order.refresh_from_db()
    assert order.status == OrderStatus.PLACED


def test_a_cancelled_order_cannot_be_confirmed_or_cancelled_again(order):
    services.cancel_order(order=order, reason="Customer changed their mind")
    with pytest.raises(InvalidTransition):
        services.confirm_order(order=order)
    with pytest.raises(InvalidTransition):
        services.cancel_order(order=order, reason="again")


def test_every_state_has_a_transition_entry():
    assert set(workflow.TRANSITIONS) == set(OrderStatus.values)


def test_hold_returns_to_the_state_it_left(order):
    order = services.confirm_order(order=order)
    staff = factories.UserFactory()

    held = services.hold_order(
        order=order, reason=HoldReason.INCORRECT_ADDRESS, note="No flat number", actor=staff
    )
    assert (held.status, held.hold_reason, held.held_by) == (
        OrderStatus.ON_HOLD,
        HoldReason.INCORRECT_ADDRESS,
        staff,
    )
    with pytest.raises(InvalidTransition):
        services.start_processing(order=held)

    released = services.release_hold(order=held, actor=staff)
    assert released.status == OrderStatus.CONFIRMED
    assert (released.hold_reason, released.status_before_hold, released.held_by) == ("", "", None)
    messages = list(released.events.order_by("pk").values_list("message", flat=True))
    assert "Put on hold: Incorrect address. No flat number" in messages
    assert "Hold released; back to confirmed." in messages


def test_hold_needs_a_known_reason_and_other_needs_a_note(order):
    with pytest.raises(OrderValidationError):
        services.hold_order(order=order, reason="bored")
    with pytest.raises(OrderValidationError, match="Say why"):
        services.hold_order(order=order, reason=HoldReason.OTHER, note=" ")
    with pytest.raises(OrderError, match="not on hold"):
        services.release_hold(order=order)


def test_a_cancelled_order_gives_its_stock_back(order, product, warehouse):
    services.hold_order(order=order, reason=HoldReason.FRAUD_RISK)

    cancelled = services.cancel_order(order=order, reason="Fraud confirmed")

    level = StockLevel.objects.get(product=product, location=warehouse)
    assert (level.on_hand, level.reserved) == (10, 0)
    line = cancelled.lines.get()
    assert (line.quantity_allocated, line.quantity_backordered) == (0, 0)
    assert not line.allocations.exists()
    assert cancelled.fulfilment_status == FulfilmentStatus.UNFULFILLED
    assert cancelled.hold_reason == ""
    event = cancelled.events.get(type=OrderEvent.Type.CANCELLED)
    assert event.data == {"reason": "Fraud confirmed", "released": 3}


def test_cancel_needs_a_reason(order):
    with pytest.raises(OrderValidationError, match="reason"):
        services.cancel_order(order=order, reason="  ")


def test_partial_shipment_then_backorder_fill_then_full_shipment(
    channel, customer, warehouse, django_capture_on_commit_callbacks
):
    product = factories.ProductFactory(allow_backorder=True)
    stock(product, warehouse, 1)
    order = place(channel=channel, customer=customer, items=[(product, 3)])
    services.confirm_order(order=order)
    services.start_processing(order=order)

    order = services.ship_order(order=order)
    assert order.status == OrderStatus.PARTIALLY_SHIPPED
    assert order.fulfilment_status == FulfilmentStatus.PARTIALLY_SHIPPED

    with django_capture_on_commit_callbacks(execute=True):
        stock(product, warehouse, 5)
    order = services.ship_order(order=order)

    assert order.status == OrderStatus.SHIPPED
    line = order.lines.get()
    assert (line.quantity_shipped, line.quantity_allocated, line.quantity_backordered) == (3, 0, 0)


def test_stale_drafts_and_unpaid_orders_are_cancelled_and_paid_ones_kept(
    channel, customer, product
):
    old = timezone.now() - timedelta(hours=80)
    unpaid = place(channel=channel, customer=customer, items=[(product, 1)], placed_at=old)
    paid = place(channel=channel, customer=customer, items=[(product, 1)], placed_at=old)
    Order.objects.filter(pk=paid.pk).update(payment_status=PaymentStatus.PAID)
    recent = place(channel=channel, customer=customer, items=[(product, 1)])
    draft = place(channel=channel, customer=customer, items=[(product, 1)], draft=True)
    Order.objects.filter(pk=draft.pk).update(created_at=old)

    cancelled = services.cancel_stale_orders(older_than=timedelta(hours=72))

    assert sorted(cancelled) == sorted([unpaid.number, draft.number])
    statuses = dict(Order.objects.values_list("number", "status"))
    assert statuses[paid.number] == statuses[recent.number] == OrderStatus.PLACED
    assert StockLevel.objects.get(product=product).reserved == 2
    assert services.cancel_stale_orders(older_than=timedelta(hours=72)) == []


def test_only_release_leaves_a_hold(order):
    """Confirming a held order that was placed must not slip past the hold."""
    held = services.hold_order(order=order, reason=HoldReason.CUSTOMER_REQUEST)
    services.release_hold(order=held)
    confirmed = services.confirm_order(order=order)
    held = services.hold_order(order=confirmed, reason=HoldReason.CUSTOMER_REQUEST)

    with pytest.raises(InvalidTransition):
        services.confirm_order(order=held)
    with pytest.raises(InvalidTransition):
        services.start_processing(order=held)
    assert not workflow.can_release(confirmed)
    assert workflow.can_release(held)


def test_an_order_with_many_lines_gets_a_readable_shortened_event(channel, customer, warehouse):
    products = [factories.ProductFactory(sku=f"LONG-SKU-NUMBER-{i:03d}") for i in range(40)]
    for product in products:
        stock(product, warehouse, 5)

    order = place(channel=channel, customer=customer, items=[(p, 1) for p in products])

    event = order.events.get(type=OrderEvent.Type.STOCK_RESERVED)
    assert len(event.message) == 500 and event.message.endswith("…")
    assert len(event.data["allocations"]) == 40
