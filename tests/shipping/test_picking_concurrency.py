"""Pickers at once on PostgreSQL: scans of one list queue up on its lock, so two scans of the
last unit pick it once; two people making pick lists at once never batch the same units."""

import pytest

from orders.models import Allocation
from shipping import services
from shipping.exceptions import AlreadyPicked, NothingToPick, PickListClosed
from shipping.models import PickList, PickListLine
from tests import factories
from tests.factories import confirmed, stock
from tests.orders.test_concurrency import run_concurrently

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_scans_of_the_last_unit_pick_it_once(channel, customer, warehouse):
    mug = factories.ProductFactory(sku="MUG-1")
    stock(mug, warehouse, 5)
    order = confirmed(channel=channel, customer=customer, items=[(mug, 1)])
    pick_list = services.create_pick_list(location=warehouse, orders=[order])

    def pick(index: int) -> str:
        try:
            services.scan_pick(pick_list=pick_list, code="MUG-1")
        except (AlreadyPicked, PickListClosed):
            return "refused"
        return "picked"

    assert sorted(run_concurrently(4, pick)) == ["picked", "refused", "refused", "refused"]
    assert Allocation.objects.get(line__order=order).picked_quantity == 1


def test_pick_lists_made_at_once_share_no_units(channel, customer, warehouse):
    mug = factories.ProductFactory(sku="MUG-1")
    stock(mug, warehouse, 50)
    for _ in range(6):
        confirmed(channel=channel, customer=customer, items=[(mug, 1)])

    def make(index: int) -> str:
        try:
            services.create_pick_list(location=warehouse, max_orders=4)
        except NothingToPick:
            return "nothing"
        return "made"

    assert sorted(run_concurrently(3, make)) == ["made", "made", "nothing"]
    lines = PickListLine.objects.values_list("line_id", flat=True)
    assert len(lines) == len(set(lines)) == 6
    assert PickList.objects.count() == 2
