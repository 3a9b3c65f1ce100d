"""Benchmark: rows per second of a historical orders CSV import (``importer``), dry run and
import, for 100,000 order lines (three to an order) into a bench database.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/oms_bench_imports \\
        .venv/bin/python bench/imports.py [--lines 100000]

The database is created and migrated if missing; a channel, 200 products and 2,000 customers
are added if missing, and the orders of an earlier run are deleted first. The import's time
includes the customer totals trigger, which fires at its commit.
"""

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PREFIX = "BENCH-IMP-"
PRODUCTS = 200
CUSTOMERS = 2_000
LINES_PER_ORDER = 3


def ensure_catalogue() -> tuple[list[str], list[str]]:
    from customers.models import Customer
    from inventory.models import Product
    from orders.models import SalesChannel

    SalesChannel.objects.get_or_create(code="web", defaults={"name": "Web", "kind": "web"})
    skus = [f"IMP-SKU-{n:04d}" for n in range(PRODUCTS)]
    Product.objects.bulk_create(
        [Product(sku=sku, name=f"Import {sku}", unit_price="10.00") for sku in skus],
        ignore_conflicts=True,
    )
    emails = [f"import{n}@bench.example" for n in range(CUSTOMERS)]
    Customer.objects.bulk_create(
        [Customer(email=email, name=email) for email in emails], ignore_conflicts=True
    )
    return skus, emails


def csv_of(lines: int, skus: list[str], emails: list[str]) -> str:
    import tablib

    from importer.kinds import KINDS

    rows = []
    for index in range(lines):
        order = index // LINES_PER_ORDER
        rows.append(
            (
                f"{PREFIX}{order}",
                "web",
                emails[order % len(emails)],
                "2024-03-01 10:15",
                "completed",
                skus[index % len(skus)],
                "2",
                "12.50",
                "",
                "paid",
                "0.00",
                "2.00",
                "4.95",
            )
        )
    return tablib.Dataset(*rows, headers=list(KINDS["orders"].columns)).export("csv")


def run(lines: int) -> dict:
    from importer import services
    from importer.models import ImportJob
    from orders.models import Order

    skus, emails = ensure_catalogue()
    Order.objects.filter(number__startswith=PREFIX).delete()
    content = csv_of(lines, skus, emails)
    job = ImportJob.objects.create(kind="orders", file_name="bench.csv", content=content)
    started = time.perf_counter()
    job = services.dry_run(job_id=job.pk)
    checked = time.perf_counter()
    assert job.status == ImportJob.Status.READY, job.errors[:3]
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.QUEUED)
    job = services.run_import(job_id=job.pk)
    imported = time.perf_counter()
    assert job.status == ImportJob.Status.DONE, job.errors[:3]
    return {
        "lines": lines,
        "orders": Order.objects.filter(number__startswith=PREFIX).count(),
        "dry_run_rows_per_s": round(lines / (checked - started)),
        "import_rows_per_s": round(lines / (imported - checked)),
        "seconds": round(imported - started, 1),
    }


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=100_000)
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault(
        "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/oms_bench_imports"
    )
    os.environ["DATABASE_URL"] = os.environ["BENCH_DATABASE_URL"]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oms.settings")
    os.environ["DJANGO_DEBUG"] = "0"
    from bench.data import ensure_database, setup_django

    ensure_database()
    setup_django()
    print("historical orders import:", run(args.lines), flush=True)


if __name__ == "__main__":
    main()
