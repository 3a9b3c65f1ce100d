"""What makes a large import fast keeps every guarantee: each order's cells are read once per
order yet every bad row is still named, lookups in chunks find every key, the writes by COPY
and by ``bulk_create`` (the SQLite demo's path) store the same rows, and progress is reported
batch by batch."""

import gc

import pytest
from django.db import connection, models
from django.test.utils import CaptureQueriesContext, isolate_apps

from importer.kinds import KINDS, base, copying
from importer.kinds import orders as orders_kind
from importer.kinds.base import Problems, bulk_work, read_rows
from importer.models import ImportJob
from orders.models import Order, OrderEvent, OrderLine
from tests import factories

from .helpers import ORDER_HEADERS, csv_of, import_now, job_for, order_rows

pytestmark = pytest.mark.django_db
Status = ImportJob.Status


def rows_for(catalogue, count: int) -> list[list[str]]:
    made = order_rows(count, emails=catalogue["emails"], skus=catalogue["skus"])
    return [list(row) for row in made]


def cell(row: list[str], column: str, value: str) -> None:
    row[ORDER_HEADERS.index(column)] = value


def test_an_order_cell_repeated_bad_on_every_line_is_named_on_every_row(catalogue):
    rows = rows_for(catalogue, 6)
    for row in rows[:3]:  # LEGACY-0, rows 2–4
        cell(row, "placed_at", "yesterday")

    job = job_for("orders", csv_of(ORDER_HEADERS, rows))

    assert [(e["row"], e["column"]) for e in job.errors] == [(n, "placed_at") for n in (2, 3, 4)]
    assert len({e["message"] for e in job.errors}) == 1


def test_a_line_whose_order_cells_differ_from_its_first_row_is_named(catalogue):
    rows = rows_for(catalogue, 6)
    cell(rows[1], "shipping", "5.95")  # row 3, the second line of LEGACY-0

    job = job_for("orders", csv_of(ORDER_HEADERS, rows))

    assert job.errors == [
        {"row": 3, "column": "shipping", "message": "differs from row 2 of order LEGACY-0"}
    ]


def test_a_bad_amount_is_named_on_every_row_that_has_it(catalogue):
    rows = rows_for(catalogue, 6)
    cell(rows[0], "unit_price", "12,50")
    cell(rows[4], "unit_price", "12,50")
    cell(rows[5], "tax", "999999999999")

    job = job_for("orders", csv_of(ORDER_HEADERS, rows))

    assert [(e["row"], e["column"]) for e in job.errors] == [
        (2, "unit_price"),
        (6, "unit_price"),
        (7, "tax"),
    ]
    assert (
        job.errors[0]["message"]
        == job.errors[1]["message"]
        == ("'12,50' is not an amount such as 12.50")
    )
    assert job.errors[2]["message"].startswith("Tax must be an amount from 0.00 to ")


def test_lookups_go_in_chunks_of_keys_and_find_every_key(catalogue, monkeypatch):
    monkeypatch.setattr(base, "LOOKUP_CHUNK", 2)
    rows = rows_for(catalogue, 15)  # 5 orders, 5 customers, 3 SKUs
    rows[0][ORDER_HEADERS.index("sku")] = "mug-1"  # SKUs match ignoring case

    job = job_for("orders", csv_of(ORDER_HEADERS, rows))
    assert job.status == Status.READY, job.errors
    with CaptureQueriesContext(connection) as context:
        job = import_now(job)

    assert job.status == Status.DONE
    assert Order.objects.count() == 5
    lookups = [q["sql"] for q in context.captured_queries if "= ANY(" in q["sql"]]
    # numbers 3 chunks, external ids 3, SKUs 2, e-mails 3
    assert len(lookups) == 11


def test_the_bulk_create_path_writes_what_copy_writes(catalogue, monkeypatch):
    user = factories.UserFactory(role="Manager")

    def imported(prefix: str, *, vendor: str) -> list:
        rows = rows_for(catalogue, 9)
        for row in rows:
            cell(row, "number", prefix + row[0])
            cell(row, "external_id", prefix + row[ORDER_HEADERS.index("external_id")])
        job = job_for("orders", csv_of(ORDER_HEADERS, rows), user=user)
        with monkeypatch.context() as patch, CaptureQueriesContext(connection) as context:
            patch.setattr(connection, "vendor", vendor)  # the SQLite demo takes bulk_create
            job = import_now(job)
        assert job.status == Status.DONE
        inserts = [q for q in context.captured_queries if q["sql"].startswith("INSERT INTO")]
        assert len(inserts) == (3 if vendor == "sqlite" else 0)  # COPY goes past Django
        found = Order.objects.filter(number__startswith=prefix).order_by("number")
        return [
            (
                {k: v for k, v in order.items() if k not in ("id", "number", "external_id")},
                list(
                    OrderLine.objects.filter(order_id=order["id"])
                    .order_by("id")
                    .values_list(*orders_kind.LINE_TABLE[1:])
                ),
                [
                    (event.type, event.actor_id, event.data["rows"], event.message[-12:])
                    for event in OrderEvent.objects.filter(order_id=order["id"])
                ],
            )
            for order in found.values(*orders_kind.ORDER_TABLE, "id", "never_split", "notes")
        ]

    copied = imported("C-", vendor="postgresql")
    created = imported("B-", vendor="sqlite")

    assert created == copied
    assert len(copied) == 3
    assert copied[0][0]["fulfilment_status"] == "shipped"
    assert copied[0][2] == [("note", user.pk, [2, 4], "as Delivered")]


def test_progress_is_reported_after_each_batch_of_orders(catalogue, monkeypatch):
    monkeypatch.setattr(orders_kind, "BATCH_ORDERS", 2)
    kind = KINDS["orders"]
    content = csv_of(ORDER_HEADERS, rows_for(catalogue, 15))
    rows = read_rows(content, required=kind.required, optional=kind.optional)
    plan = kind.check(rows, Problems())
    job = ImportJob.objects.create(kind="orders", file_name="o.csv", content=content)
    seen: list[int] = []

    kind.write(plan, job=job, progress=seen.append)

    assert seen == [6, 12, 15]
    assert OrderLine.objects.count() == 15


def test_a_default_made_per_row_must_be_given():
    with isolate_apps("importer"):

        class Stamped(models.Model):  # noqa: DJ008
            token = models.CharField(max_length=10, default=lambda: "fresh")

            class Meta:
                app_label = "importer"

        with pytest.raises(ValueError, match=r"Stamped\.token needs a value per row"):
            copying.insert(Stamped, ["id"], [(1,)])


def test_bulk_work_pauses_the_cyclic_collector_and_always_restores_it():
    assert gc.isenabled()
    with bulk_work():
        assert not gc.isenabled()
    assert gc.isenabled()

    with pytest.raises(RuntimeError), bulk_work():
        raise RuntimeError
    assert gc.isenabled()

    gc.disable()
    try:
        with bulk_work():
            pass
        assert not gc.isenabled()  # left as it was found
    finally:
        gc.enable()
