"""Invoice numbers on PostgreSQL: gapless and unique when many are issued at once.

Each thread has its own database connection, as each worker would (as in
tests/orders/test_concurrency.py)."""

import pytest
from django.db import transaction
from django.utils import timezone

from documents import services
from documents.models import Document, DocumentCounter, Kind
from tests import factories
from tests.documents.conftest import order_to_invoice
from tests.orders.test_concurrency import run_concurrently

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

YEAR = timezone.localdate().year


@pytest.fixture
def orders(channel, warehouse):
    return [
        order_to_invoice(channel=channel, customer=factories.CustomerFactory(), warehouse=warehouse)
        for _ in range(8)
    ]


def test_invoices_issued_at_once_are_numbered_without_gaps_or_duplicates(orders):
    numbers = run_concurrently(
        len(orders), lambda i: services.issue_invoice(order=orders[i]).number
    )

    expected = {f"INV-{YEAR}-{n:06d}" for n in range(1, len(orders) + 1)}
    assert set(numbers) == expected
    assert set(Document.objects.values_list("number", flat=True)) == expected
    assert DocumentCounter.objects.get(kind=Kind.INVOICE, year=YEAR).value == len(orders)


def test_one_order_issued_from_many_workers_at_once_gets_one_invoice(orders):
    order = orders[0]

    numbers = run_concurrently(6, lambda _: services.issue_invoice(order=order).number)

    assert set(numbers) == {f"INV-{YEAR}-000001"}
    assert Document.objects.count() == 1


def test_an_issue_that_rolls_back_gives_its_number_back(orders):
    class Abandoned(Exception):
        pass

    with pytest.raises(Abandoned), transaction.atomic():
        services.issue_invoice(order=orders[0])
        raise Abandoned

    assert services.issue_invoice(order=orders[1]).number == f"INV-{YEAR}-000001"
