"""Every queue's count and first page read indexes, never a whole table: plans checked with
sequential scans priced out (as tests/backoffice/test_constant_cost.py does), so a "Seq Scan"
left in the plan means no index can answer."""

import pytest

from core.queues import all_queues
from queues.selectors import HOME_CAP
from tests.backoffice.test_constant_cost import plan_of

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


@pytest.mark.parametrize("slug", [queue.slug for queue in all_queues()])
def test_a_queues_count_and_first_page_are_read_on_indexes(slug):
    queue = next(queue for queue in all_queues() if queue.slug == slug)

    count = plan_of(queue.queryset().order_by().values("pk")[: HOME_CAP + 1])
    first_page = plan_of(queue.queryset().order_by("queue_since", "pk")[:51])

    assert "Seq Scan" not in count, count
    assert "Seq Scan" not in first_page, first_page
