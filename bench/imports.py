"""Benchmark: rows per second of a historical orders CSV import (``importer``), dry run and
import, for 100,000 order lines (three to an order) into a bench database, each against the
goal of 5,000 rows/s (PASS or FAIL).

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/oms_bench_imports \\
        .venv/bin/python bench/imports.py [--lines 100000]

The database is created and migrated if missing; a channel, 200 products and 2,000 customers
are added if missing, and the orders of an earlier run are deleted first. The import's time
includes its second check, the writes and the commit, where the customer totals trigger and
the deferred foreign key checks run. The rows/s are wall clock; the CPU time of this process
and the machine's load average when the run started show how much other work slowed it.
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
GOAL_ROWS_PER_S = 5_000


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
    load = os.getloadavg()[0]
    started, cpu_started = time.perf_counter(), time.process_time()
    job = services.dry_run(job_id=job.pk)
    checked, cpu_checked = time.perf_counter(), time.process_time()
    assert job.status == ImportJob.Status.READY, job.errors[:3]
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.QUEUED)
    job = services.run_import(job_id=job.pk)
    imported, cpu_imported = time.perf_counter(), time.process_time()
    assert job.status == ImportJob.Status.DONE, job.errors[:3]
    return {
        "lines": lines,
        "load": round(load, 1),
        "orders": Order.objects.filter(number__startswith=PREFIX).count(),
        "dry_run": _phase(lines, checked - started, cpu_checked - cpu_started),
        "import": _phase(lines, imported - checked, cpu_imported - cpu_checked),
    }


def _phase(lines: int, seconds: float, cpu: float) -> dict:
    rows_per_s = round(lines / seconds)
    return {
        "rows_per_s": rows_per_s,
        "seconds": round(seconds, 1),
        "cpu_seconds": round(cpu, 1),
        "verdict": "PASS" if rows_per_s >= GOAL_ROWS_PER_S else "FAIL",
    }


def report(result: dict) -> str:
    lines = [
        f"historical orders import: {result['lines']:,} lines ({result['orders']:,} orders), "
        f"load average {result['load']} on {os.cpu_count()} cores at the start"
    ]
    for name in ("dry_run", "import"):
        phase = result[name]
        lines.append(
            f"  {name.replace('_', ' '):8} {phase['rows_per_s']:>7,} rows/s  "
            f"({phase['seconds']} s, Python CPU {phase['cpu_seconds']} s)  "
            f"{phase['verdict']} (goal {GOAL_ROWS_PER_S:,} rows/s)"
        )
    return "\n".join(lines)


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
    print(report(run(args.lines)), flush=True)


if __name__ == "__main__":
    main()
