"""The day an order must leave (``Order.ship_by``): the promised date, else the channel's
handling days in business days after the local day it was placed."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from core.calendar import add_business_days, next_business_day_from
from orders import services
from tests import factories
from tests.factories import place, stock

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

FRIDAY = date(2026, 12, 4)


def test_business_days_skip_weekends():
    assert next_business_day_from(date(2026, 12, 5)) == date(2026, 12, 7)  # Sat → Mon
    assert add_business_days(FRIDAY, 1) == date(2026, 12, 7)
    assert add_business_days(FRIDAY, 3) == date(2026, 12, 9)
    assert add_business_days(FRIDAY, 0) == FRIDAY


@pytest.fixture
def mug(warehouse):
    product = factories.ProductFactory(sku="MUG")
    stock(product, warehouse, 10)
    return product


def friday_noon() -> datetime:
    return datetime(2026, 12, 4, 12, 0, tzinfo=ZoneInfo(timezone.get_current_timezone_name()))


def test_placed_order_ships_by_handling_days_after_placing(customer, mug):
    channel = factories.SalesChannelFactory(code="web", handling_days=2)
    order = place(channel=channel, customer=customer, items=[(mug, 1)], placed_at=friday_noon())
    order.refresh_from_db()
    assert order.ship_by == date(2026, 12, 8)  # Friday + 2 business days = Tuesday


def test_a_promised_date_is_the_ship_by(customer, channel, mug):
    promised = timezone.localdate() + timedelta(days=10)
    order = place(channel=channel, customer=customer, items=[(mug, 1)], promised_ship_date=promised)
    order.refresh_from_db()
    assert order.ship_by == promised


def test_changing_the_promise_moves_the_ship_by(customer, channel, mug):
    order = place(channel=channel, customer=customer, items=[(mug, 1)], placed_at=friday_noon())
    promised = timezone.localdate() + timedelta(days=5)
    services.change_promised_ship_date(order=order, promised_ship_date=promised)
    order.refresh_from_db()
    assert order.ship_by == promised
    services.change_promised_ship_date(order=order, promised_ship_date=None)
    order.refresh_from_db()
    assert order.ship_by == date(2026, 12, 7)  # back to placed + 1 business day


def test_a_draft_has_no_ship_by_until_submitted(customer, channel, mug):
    order = place(channel=channel, customer=customer, items=[(mug, 1)], draft=True)
    order.refresh_from_db()
    assert order.ship_by is None
    services.submit_draft(order=order)
    order.refresh_from_db()
    assert order.ship_by == add_business_days(timezone.localdate(order.placed_at), 1)
