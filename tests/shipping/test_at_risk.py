"""The at-risk sweep opens each cause once (late to ship, late delivery, carrier exception),
resolves items whose cause is gone, reads in bulk; the queue screen takes, gives and resolves."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.roles import CUSTOMER_SERVICE, FINANCE, WAREHOUSE
from orders import services as order_services
from orders.models import Order, OrderEvent
from shipping import services
from shipping.exceptions import FulfilmentQueueError
from shipping.models import AtRisk, Shipment
from shipping.services.risk import AUTOMATIC
from tests import factories
from tests.factories import place, stock
from tests.shipping.flow import labelled, paid_order, product_in, scan, warehouse_with_address

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

Kind = AtRisk.Kind


def late_order(channel, customer, product, *, days_late: int = 1, units: int = 3) -> Order:
    order = place(channel=channel, customer=customer, items=[(product, units)])
    Order.objects.filter(pk=order.pk).update(
        ship_by=timezone.localdate() - timedelta(days=days_late)
    )
    return Order.objects.get(pk=order.pk)


@pytest.fixture
def mug(warehouse):
    product = factories.ProductFactory(sku="MUG-RISK", weight_grams=300)
    stock(product, warehouse, 500)
    return product


@pytest.fixture
def shipped_pair(tables, simulated_payments, django_capture_on_commit_callbacks):
    """Two parcels handed over: one past its estimated delivery, one held up at the carrier."""
    east = warehouse_with_address("WH-EAST")
    cup = product_in(east, "CUP-1", 10)
    parcels = []
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            order = paid_order([(cup, 1)])
        shipment = labelled(
            services.create_shipment(order=order, location=east),
            django_capture_on_commit_callbacks,
        )
        with django_capture_on_commit_callbacks(execute=True):
            parcels.append(services.ship(shipment=shipment))
    late, held = parcels
    Shipment.objects.filter(pk=late.pk).update(
        estimated_delivery=timezone.localdate() - timedelta(days=2)
    )
    services.apply_tracking(shipment=held, updates=[scan(held, "exception", timezone.now())])
    return Shipment.objects.get(pk=late.pk), Shipment.objects.get(pk=held.pk)


def open_items():
    return AtRisk.objects.filter(resolved_at__isnull=True)


def test_each_kind_is_opened_once_with_a_reason_and_a_note_on_the_order(
    channel, customer, mug, shipped_pair
):
    order = late_order(channel, customer, mug)
    late, held = shipped_pair

    first = services.sweep_at_risk()
    again = services.sweep_at_risk()

    assert (first.opened, again.opened, again.resolved) == (3, 0, 0)
    kinds = {(item.order_id, item.shipment_id, item.kind) for item in open_items()}
    assert kinds == {
        (order.pk, None, Kind.LATE_TO_SHIP),
        (late.order_id, late.pk, Kind.LATE_DELIVERY),
        (held.order_id, held.pk, Kind.CARRIER_EXCEPTION),
    }
    item = open_items().get(kind=Kind.LATE_TO_SHIP)
    ship_by = order.ship_by
    assert item.reason == f"3 units not picked, ship-by {ship_by.day} {ship_by:%b}"
    assert item.deadline == ship_by
    notes = OrderEvent.objects.filter(order=order, type=OrderEvent.Type.NOTE)
    assert [event.data["at_risk"] for event in notes] == [Kind.LATE_TO_SHIP]


def test_an_order_not_yet_due_is_not_at_risk(channel, customer, mug):
    order = place(channel=channel, customer=customer, items=[(mug, 1)])
    Order.objects.filter(pk=order.pk).update(ship_by=timezone.localdate() + timedelta(days=1))

    assert services.sweep_at_risk().opened == 0


def test_items_are_resolved_when_their_cause_goes(channel, customer, mug, shipped_pair, client):
    order = late_order(channel, customer, mug)
    late, held = shipped_pair
    services.sweep_at_risk()

    order_services.cancel_order(order=order, reason="customer asked")
    at = timezone.now()
    services.apply_tracking(shipment=late, updates=[scan(late, "delivered", at)])
    services.apply_tracking(
        shipment=held, updates=[scan(held, "in_transit", at + timedelta(minutes=1))]
    )
    sweep = services.sweep_at_risk()

    assert (sweep.opened, sweep.resolved) == (0, 3)
    assert not open_items().exists()
    resolutions = dict(AtRisk.objects.values_list("kind", "resolution"))
    assert resolutions[Kind.LATE_TO_SHIP] == AUTOMATIC + "The order is cancelled."
    assert resolutions[Kind.LATE_DELIVERY] == AUTOMATIC + "The parcel is delivered."
    assert resolutions[Kind.CARRIER_EXCEPTION] == AUTOMATIC + "The parcel is in transit."


def test_the_sweep_reads_in_bulk_whatever_the_number_of_orders(channel, customer, mug):
    def queries_for(count: int) -> int:
        AtRisk.objects.all().delete()
        Order.objects.all().update(ship_by=timezone.localdate() + timedelta(days=30))
        for _ in range(count):
            late_order(channel, customer, mug, units=1)
        with CaptureQueriesContext(connection) as queries:
            assert (
                services.sweep_at_risk().opened
                == Order.objects.filter(ship_by__lt=timezone.localdate()).count()
            )
        return len(queries)

    assert queries_for(2) == queries_for(12)


def test_a_person_resolving_it_is_not_undone_until_the_deadline_moves(channel, customer, mug):
    order = late_order(channel, customer, mug)
    services.sweep_at_risk()
    item = open_items().get()
    agent = factories.UserFactory(role=CUSTOMER_SERVICE)

    services.resolve_at_risk(item=item, note="Customer told: ships Friday.", actor=agent)
    assert services.sweep_at_risk().opened == 0

    Order.objects.filter(pk=order.pk).update(ship_by=order.ship_by - timedelta(days=1))
    assert services.sweep_at_risk().opened == 1


def test_taking_giving_and_resolving(channel, customer, mug):
    late_order(channel, customer, mug)
    services.sweep_at_risk()
    item = open_items().get()
    packer = factories.UserFactory(role=WAREHOUSE)
    finance = factories.UserFactory(role=FINANCE)

    services.assign_at_risk(item=item, owner=packer, actor=packer)
    with pytest.raises(FulfilmentQueueError):
        services.assign_at_risk(item=item, owner=finance, actor=packer)
    with pytest.raises(FulfilmentQueueError) as empty:
        services.resolve_at_risk(item=item, note="  ", actor=packer)
    assert empty.value.field == "note"
    services.resolve_at_risk(item=item, note="Picked and shipped by hand.", actor=packer)
    with pytest.raises(FulfilmentQueueError):
        services.resolve_at_risk(item=item, note="again", actor=packer)

    item.refresh_from_db()
    assert (item.owner, item.resolution) == (packer, "Picked and shipped by hand.")


def test_the_queue_screen_takes_gives_and_resolves(channel, customer, mug, login_as):
    order = late_order(channel, customer, mug)
    services.sweep_at_risk()
    item = open_items().get()
    client = login_as(CUSTOMER_SERVICE)
    colleague = factories.UserFactory(role=WAREHOUSE, username="packer")

    page = client.get(reverse("shipping:at_risk_list"))
    assert page.status_code == 200
    assert order.number in page.text and "not picked" in page.text

    client.post(reverse("shipping:at_risk_take", args=[item.pk]))
    assert AtRisk.objects.get(pk=item.pk).owner == client.user
    client.post(reverse("shipping:at_risk_assign", args=[item.pk]), {"owner": colleague.pk})
    assert AtRisk.objects.get(pk=item.pk).owner == colleague
    response = client.post(
        reverse("shipping:at_risk_resolve", args=[item.pk]), {"note": "Rebooked the courier."}
    )
    assert response.status_code == 302
    assert AtRisk.objects.get(pk=item.pk).resolution == "Rebooked the courier."
    assert "Nothing at risk" in client.get(reverse("shipping:at_risk_list")).text


def test_the_queue_lists_a_page_in_a_bounded_number_of_queries(
    channel, customer, mug, login_as, django_assert_max_num_queries
):
    for _ in range(8):
        late_order(channel, customer, mug, units=1)
    services.sweep_at_risk()
    client = login_as(CUSTOMER_SERVICE)

    with django_assert_max_num_queries(12):
        response = client.get(reverse("shipping:at_risk_list"))
    assert response.text.count("not picked") == 8
