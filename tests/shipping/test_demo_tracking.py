"""Demo tracking: the built-in carrier's parcels move one step at a time through the same path
as its webhooks, so a demo order ends delivered; nothing moves before its time or twice, and
nothing at all with the setting off."""

from datetime import timedelta

import pytest
from django.utils import timezone

from orders.models import OrderStatus
from shipping import services, tasks
from shipping.models import Shipment, ShipmentStatus
from tests.shipping.flow import shipped_mug, status_of

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

STEP = timedelta(minutes=10)


@pytest.fixture
def demo(settings):
    settings.OMS_DEMO_TRACKING = True
    settings.OMS_DEMO_TRACKING_STEP_MINUTES = 10


@pytest.fixture
def shipped(tables, simulated_payments, django_capture_on_commit_callbacks) -> Shipment:
    return shipped_mug(django_capture_on_commit_callbacks)


def test_a_demo_order_ends_delivered_one_step_at_a_time(demo, shipped):
    start = timezone.now()

    assert services.advance_demo_tracking(now=start) == 0  # too soon
    assert services.advance_demo_tracking(now=start + STEP) == 1
    assert status_of(shipped) == ShipmentStatus.OUT_FOR_DELIVERY
    assert services.advance_demo_tracking(now=start + STEP) == 0  # this step is done

    assert services.advance_demo_tracking(now=start + 2 * STEP) == 1

    shipment = Shipment.objects.get(pk=shipped.pk)
    assert shipment.status == ShipmentStatus.DELIVERED
    assert shipment.order.status == OrderStatus.DELIVERED
    scans = shipment.tracking_events.filter(source="carrier").values_list("status", flat=True)
    assert list(scans)[-2:] == ["out_for_delivery", "delivered"]
    assert services.advance_demo_tracking(now=start + 3 * STEP) == 0


def test_nothing_moves_with_demo_tracking_off(settings, shipped):
    settings.OMS_DEMO_TRACKING = False

    assert tasks.advance_demo_tracking() == 0
    assert status_of(shipped) == ShipmentStatus.IN_TRANSIT


def test_the_periodic_tasks_are_scheduled():
    from django.conf import settings

    schedule = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "shipping.tasks.sweep_at_risk" in schedule
    assert ("shipping.tasks.advance_demo_tracking" in schedule) == settings.OMS_DEMO_TRACKING
