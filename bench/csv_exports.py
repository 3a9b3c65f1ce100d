"""Benchmark: the CSV exports of the dashboard's lists (core/csv_export.py), rows/s and memory.

    .venv/bin/python bench/csv_exports.py                   # 100,000 customers
    .venv/bin/python bench/csv_exports.py --customers 1000000

Needs PostgreSQL (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/oms_bench_exports;
the database is created and migrated if missing, and filled with ``--customers`` customers
unless it holds that many). The customers export, a typical list export, is streamed whole
in-process through Django's test client, as a browser downloads it: a search ("Customer 01",
a tenth of 100,000), then all of them. For each the script prints rows, rows/s and the time to
the first data row, then, in a second download, the peak of Python memory allocated while it
streams (tracemalloc, which slows the download down): flat as rows grow, since rows come from
a server-side cursor a few thousand at a time.
"""

import argparse
import os
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/oms_bench_exports"
os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oms.settings")
os.environ["DJANGO_DEBUG"] = "0"
os.environ["DJANGO_ALLOWED_HOSTS"] = "testserver"

from bench import data  # noqa: E402

data.quiet_warnings()


def stream(client, url: str) -> dict:
    """Download the export whole: rows, seconds, first data row."""
    started = time.perf_counter()
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    lines, first_row_ms = 0, None
    for chunk in response.streaming_content:
        lines += chunk.count(b"\r\n")
        if first_row_ms is None and lines >= 2:
            first_row_ms = (time.perf_counter() - started) * 1000
    seconds = time.perf_counter() - started
    rows = lines - 1
    return {
        "rows": rows,
        "seconds": seconds,
        "rows_per_s": rows / seconds,
        "first_row_ms": first_row_ms or seconds * 1000,
    }


def peak_memory(client, url: str) -> float:
    """MiB of Python memory allocated at the peak of a whole download."""
    tracemalloc.start()
    try:
        stream(client, url)
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def ensure_customers(count: int) -> None:
    """``count`` customers named "Customer 000000"… (e-mails with a formula-like name now
    and then, so defusing costs what it costs), unless the table holds exactly that many."""
    from customers.models import Customer

    if Customer.objects.count() == count:
        return
    Customer.objects.all().delete()
    print(f"creating {count:,} customers…", flush=True)
    batch = 10_000
    for start in range(0, count, batch):
        Customer.objects.bulk_create(
            Customer(
                name=f"Customer {number:06d}" if number % 50 else f"=Customer {number:06d}",
                email=f"customer{number}@example.com",
                phone="+1 555 0100",
                company="Example Ltd" if number % 3 else "",
            )
            for number in range(start, min(start + batch, count))
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    args = parser.parse_args()

    data.ensure_database()
    data.setup_django()
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.urls import reverse

    ensure_customers(args.customers)
    user, _ = get_user_model().objects.get_or_create(
        username="bench", defaults={"is_staff": True, "is_superuser": True}
    )
    client = Client()
    client.force_login(user)
    url = reverse("customers:export")
    exports = {
        "customers, a search (Customer 01…)": f"{url}?q=Customer+01",
        "customers, all": url,
    }
    stream(client, f"{url}?q=warm-up")  # connection, templates, plans
    print(f"{'export':34} {'rows':>9} {'rows/s':>9} {'first row':>10} {'peak':>9}")
    for label, url in exports.items():
        figure = stream(client, url)
        print(
            f"{label:34} {figure['rows']:>9,} {figure['rows_per_s']:>9,.0f}"
            f" {figure['first_row_ms']:>7.1f} ms {peak_memory(client, url):>5.1f} MiB",
            flush=True,
        )


if __name__ == "__main__":
    main()
