from decimal import Decimal

import pytest

from customers.models import Customer
from importer.models import ImportJob
from inventory.models import Product, StockLevel, StockMovement
from tests import factories
from tests.factories import stock

from .helpers import csv_of, import_now, job_for

pytestmark = pytest.mark.django_db
Status = ImportJob.Status
PRODUCT_HEADERS = ["sku", "name", "price", "cost", "weight_grams", "barcode"]


def test_products_are_created_with_every_column():
    content = csv_of(
        PRODUCT_HEADERS,
        [
            ("MUG-1", "Blue mug", "12.50", "4.20", "350", "4006381333931"),
            ("CAP-1", "Cap", "9", "", "", ""),
        ],
    )
    job = import_now(job_for("products", content))

    assert job.status == Status.DONE
    mug = Product.objects.get(sku="MUG-1")
    assert (mug.unit_price, mug.cost, mug.weight_grams, mug.barcode) == (
        Decimal("12.50"),
        Decimal("4.20"),
        350,
        "4006381333931",
    )
    assert Product.objects.get(sku="CAP-1").cost == Decimal("0.00")


def test_every_bad_product_row_is_named():
    factories.ProductFactory(sku="OLD-1")
    content = csv_of(
        PRODUCT_HEADERS,
        [
            ("A/B", "Slash", "1", "", "", ""),
            ("OK-1", "Fine", "1", "", "", ""),
            ("ok-1", "Same SKU", "1", "", "", ""),
            ("old-1", "Exists", "1", "", "", ""),
            ("NEW-2", "", "-3", "", "", ""),
        ],
    )
    job = job_for("products", content)

    assert job.status == Status.INVALID
    assert [(e["row"], e["column"]) for e in job.errors] == [
        (2, "sku"),
        (4, "sku"),
        (5, "sku"),
        (6, "name"),
    ]
    assert "also in row 3" in job.errors[1]["message"]
    assert not Product.objects.filter(sku="OK-1").exists()


def test_a_file_without_a_required_column_is_refused_whole():
    job = job_for("products", csv_of(["sku", "name"], [("A", "B")]))

    assert job.status == Status.INVALID
    assert job.errors == [
        {
            "row": None,
            "column": "file",
            "message": "Missing column(s): price. The header row must name them.",
        }
    ]


def test_customers_are_created_and_known_emails_refused():
    factories.CustomerFactory(email="known@example.com")
    headers = ["email", "name", "company", "phone"]
    job = job_for(
        "customers",
        csv_of(headers, [("Known@example.com", "K", "", ""), ("not-an-email", "N", "", "")]),
    )
    assert [(e["row"], e["column"]) for e in job.errors] == [(2, "email"), (3, "email")]

    job = import_now(
        job_for("customers", csv_of(headers, [("ada@example.com", "Ada", "AL", "+44 1")]))
    )
    assert job.status == Status.DONE
    assert Customer.objects.get(email="ada@example.com").company == "AL"


def test_stock_counts_go_through_the_ledger(warehouse, channel, customer):
    mug = factories.ProductFactory(sku="MUG-1")
    cap = factories.ProductFactory(sku="CAP-1")
    stock(mug, warehouse, 10)
    factories.place(channel=channel, customer=customer, items=[(mug, 4)])  # 4 reserved
    headers = ["sku", "location", "on_hand"]

    job = job_for("stock", csv_of(headers, [("MUG-1", "WH-A", "3"), ("MUG-9", "NOWHERE", "1")]))
    assert [(e["row"], e["column"]) for e in job.errors] == [
        (2, "on_hand"),
        (3, "sku"),
        (3, "location"),
    ]

    job = import_now(
        job_for("stock", csv_of(headers, [("MUG-1", "WH-A", "25"), ("cap-1", "WH-A", "7")]))
    )
    assert job.status == Status.DONE
    assert StockLevel.objects.get(product=mug, location=warehouse).on_hand == 25
    assert StockLevel.objects.get(product=cap, location=warehouse).on_hand == 7
    movements = StockMovement.objects.filter(reference=f"IMPORT-{job.pk}")
    assert sorted(movements.values_list("quantity", flat=True)) == [7, 15]
