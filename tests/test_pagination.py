"""Capped counts: long lists never COUNT(*) their whole table, and still page past the cap."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.pagination import CappedPaginator, count_label
from customers.models import Customer
from tests import factories

pytestmark = pytest.mark.django_db


def count_queries(queries) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]


@pytest.mark.parametrize(
    ("count", "label"),
    [(1, "1 customer"), (0, "0 customers"), (1000, "1,000 customers"), (1001, "1,000+ customers")],
)
def test_count_label_shows_the_cap_with_a_plus(count, label):
    assert count_label(count, noun="customer", cap=1000) == label


def test_first_page_counts_at_most_cap_plus_one_rows():
    factories.CustomerFactory.create_batch(6)
    paginator = CappedPaginator(Customer.objects.order_by("pk"), 2, cap=3)

    with CaptureQueriesContext(connection) as queries:
        page = paginator.get_page("1")

    assert paginator.count == 4 and paginator.capped
    assert paginator.count_label(noun="customer") == "3+ customers"
    assert page.has_next()
    (count,) = count_queries(queries)
    assert "LIMIT 4" in count


def test_a_page_past_the_cap_still_opens_and_knows_what_follows():
    customers = factories.CustomerFactory.create_batch(6)
    paginator = CappedPaginator(Customer.objects.order_by("pk"), 2, cap=1)

    page = paginator.get_page("3")

    assert [c.pk for c in page] == [c.pk for c in customers[4:]]
    assert not page.has_next()
    assert not paginator.capped and paginator.count == 6


@pytest.mark.parametrize("number", ["", "x", "²", "9" * 40])
def test_a_malformed_page_number_is_the_first_page(number):
    factories.CustomerFactory.create_batch(3)

    page = CappedPaginator(Customer.objects.order_by("pk"), 2).get_page(number)

    assert page.number in {1, 2}  # Django's own fallback for a page past the end is the last
