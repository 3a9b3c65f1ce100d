from decimal import Decimal

import pytest
from django.core import mail
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext

from importer.models import ImportJob
from inventory.models import StockLevel, StockMovement
from orders.models import CustomerOrderTotals, Order, OrderEvent, OrderLine
from tests import factories

from .helpers import ORDER_HEADERS, csv_of, import_now, job_for, order_rows

pytestmark = pytest.mark.django_db
Status = ImportJob.Status


def test_one_bad_row_in_ten_thousand_writes_nothing_and_is_named(catalogue):
    rows = order_rows(10_000, **{k: catalogue[k] for k in ("emails", "skus")})
    bad = list(rows[5])
    bad[ORDER_HEADERS.index("sku")] = "MUG-9"
    rows[5] = tuple(bad)  # spreadsheet row 7: the header is row 1

    job = job_for("orders", csv_of(ORDER_HEADERS, rows))

    assert job.status == Status.INVALID
    assert job.total_rows == 10_000
    assert job.errors == [{"row": 7, "column": "sku", "message": "unknown SKU 'MUG-9'"}]

    job = import_now(job)  # the real run checks again and refuses the whole file
    assert job.status == Status.FAILED
    assert job.errors[0]["row"] == 7
    assert not Order.objects.exists()
    assert not OrderLine.objects.exists()


def test_the_fixed_file_imports_every_row(catalogue):
    rows = order_rows(10_000, **{k: catalogue[k] for k in ("emails", "skus")})
    user = factories.UserFactory(role="Manager")

    job = job_for("orders", csv_of(ORDER_HEADERS, rows), user=user)
    assert job.status == Status.READY, job.errors[:3]
    job = import_now(job)

    assert job.status == Status.DONE
    assert job.processed_rows == 10_000
    assert OrderLine.objects.count() == 10_000
    assert Order.objects.count() == 3334
    order = Order.objects.get(number="LEGACY-0")
    # 3 lines of 2 × 12.50, 1.00 off and 2.00 tax each, and 4.95 shipping
    assert (order.subtotal, order.discount_total, order.tax_total, order.shipping_total) == (
        Decimal("75.00"),
        Decimal("3.00"),
        Decimal("6.00"),
        Decimal("4.95"),
    )
    assert order.total == Decimal("82.95")
    assert order.status == "delivered"
    assert order.fulfilment_status == "shipped"
    assert order.external_id == "W-0"
    assert all(line.quantity_shipped == 2 for line in order.lines.all())
    event = OrderEvent.objects.get(order=order)
    assert event.data["import_job"] == job.pk
    assert event.actor == user
    assert OrderEvent.objects.count() == Order.objects.count()
    totals = CustomerOrderTotals.objects.get(customer=order.customer, currency=order.currency)
    theirs = Order.objects.filter(customer=order.customer)
    assert totals.order_count == theirs.count()
    assert totals.lifetime_value == theirs.aggregate(value=Sum("total"))["value"]


def test_historical_orders_reserve_no_stock_and_send_no_email(
    catalogue, django_capture_on_commit_callbacks
):
    rows = order_rows(30, **{k: catalogue[k] for k in ("emails", "skus")})
    movements = StockMovement.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        job = import_now(job_for("orders", csv_of(ORDER_HEADERS, rows)))

    assert job.status == Status.DONE
    assert list(StockLevel.objects.values_list("on_hand", "reserved").distinct()) == [(50, 0)]
    assert StockMovement.objects.count() == movements
    assert mail.outbox == []


def test_duplicate_order_numbers_are_reported(catalogue):
    rows = order_rows(6, **{k: catalogue[k] for k in ("emails", "skus")})
    rows.append(rows[0])  # LEGACY-0 (rows 2–4) again at row 8, after LEGACY-1 (rows 5–7)

    job = job_for("orders", csv_of(ORDER_HEADERS, rows))

    assert job.status == Status.INVALID
    assert job.errors == [
        {
            "row": 8,
            "column": "number",
            "message": "order LEGACY-0 is already in rows 2–4: a duplicate number, or its "
            "lines are not in adjacent rows",
        }
    ]


def test_the_systems_own_numbers_are_refused(catalogue):
    rows = order_rows(1, **{k: catalogue[k] for k in ("emails", "skus")})
    rows = [("SO-000001", *rows[0][1:])]

    job = job_for("orders", csv_of(ORDER_HEADERS, rows))

    assert [(e["row"], e["column"]) for e in job.errors] == [(2, "number")]
    assert not Order.objects.exists()


def test_a_number_already_in_the_database_is_reported(catalogue):
    rows = order_rows(3, **{k: catalogue[k] for k in ("emails", "skus")})
    import_now(job_for("orders", csv_of(ORDER_HEADERS, rows)))

    job = job_for("orders", csv_of(ORDER_HEADERS, rows))

    assert {(e["row"], e["column"]) for e in job.errors} == {(2, "number"), (2, "external_id")}
    assert "LEGACY-0 already exists" in job.errors[0]["message"]


def test_bad_cells_are_each_named_by_row_and_column(catalogue):
    rows = order_rows(3, **{k: catalogue[k] for k in ("emails", "skus")})
    headers = ORDER_HEADERS
    broken = list(rows[1])
    broken[headers.index("quantity")] = "two"
    rows[1] = tuple(broken)
    wrong = list(rows[2])
    wrong[headers.index("status")] = "placed"
    rows[2] = tuple(wrong)
    rows.append(
        ("X-1", "nosuch", "nobody@example.com", "2024-01-01", "completed", "MUG-1", "1", "5")
    )

    job = job_for(
        "orders", csv_of(headers, [(*row, *[""] * (len(headers) - len(row))) for row in rows])
    )

    found = {(error["row"], error["column"]) for error in job.errors}
    assert found == {(3, "quantity"), (4, "status"), (5, "channel"), (5, "customer_email")}


def test_query_count_does_not_grow_with_the_rows(catalogue):
    def queries_for(count: int) -> int:
        Order.objects.all().delete()
        rows = order_rows(count, **{k: catalogue[k] for k in ("emails", "skus")})
        job = job_for("orders", csv_of(ORDER_HEADERS, rows))
        with CaptureQueriesContext(connection) as context:
            assert import_now(job).status == Status.DONE
        return len(context.captured_queries)

    small, large = queries_for(99), queries_for(999)
    assert large == small
    assert large < 25
