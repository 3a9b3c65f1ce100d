"""Benchmark: the dashboard's orders list against the Django admin changelist, same data, same run.

    .venv/bin/python bench/orders_list.py                 # 100,000 orders
    .venv/bin/python bench/orders_list.py --orders 1000000

Needs PostgreSQL (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/oms_bench; the
database is created and migrated if missing). The data set is bench/data.py's, generated once
with COPY and reused while its shape and count match. Each URL is requested in-process through
Django's test client (so the figure is server time: routing, queries, rendering) --repeat times
after one warm-up request; the script prints the median and p95 per URL and the
admin/dashboard ratio.
"""

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/oms_bench"
os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oms.settings")
os.environ["DJANGO_DEBUG"] = "0"
os.environ["DJANGO_ALLOWED_HOSTS"] = "testserver"

from bench import data  # noqa: E402

data.quiet_warnings()


def measure(client, url: str, repeat: int) -> list[float]:
    response = client.get(url)  # warm-up: caches, connection, template loading
    assert response.status_code == 200, (url, response.status_code)
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    return timings


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) > 1 else values[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--regenerate", action="store_true")
    parser.add_argument("--big", type=int, default=data.BIG_CUSTOMER_ORDERS)
    args = parser.parse_args()

    data.ensure_database()
    data.setup_django()
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.utils import timezone

    from orders.models import Order, SalesChannel

    data.ensure(args.orders, big=args.big, regenerate=args.regenerate)
    user, _ = get_user_model().objects.get_or_create(
        username="bench", defaults={"is_staff": True, "is_superuser": True}
    )
    client = Client()
    client.force_login(user)
    web = SalesChannel.objects.get(code="web")
    today = timezone.localdate()
    since, until = today - timedelta(days=90), today - timedelta(days=30)
    name = data.landmarks().customer_name
    scenarios = {
        "status + channel + 60-day range": (
            f"/orders/?status=completed&channel=web&placed_after={since}&placed_before={until}",
            f"/admin/orders/order/?status__exact=completed&channel__id__exact={web.pk}"
            f"&placed_at__gte={since}&placed_at__lt={until}",
        ),
        f"free text '{name}'": (
            f"/orders/?q={name.replace(' ', '+')}",
            f"/admin/orders/order/?q={name.replace(' ', '+')}",
        ),
    }
    print(f"\n{Order.objects.count():,} orders on PostgreSQL, {args.repeat} requests per URL\n")
    header = f"{'scenario':36} {'page':10} {'median ms':>10} {'p95 ms':>10}"
    print(header)
    print("-" * len(header))
    for label, (dashboard_url, admin_url) in scenarios.items():
        results = {}
        for page, url in (("dashboard", dashboard_url), ("admin", admin_url)):
            timings = measure(client, url, args.repeat)
            results[page] = statistics.median(timings)
            print(f"{label:36} {page:10} {results[page]:10.1f} {p95(timings):10.1f}")
        ratio = results["admin"] / results["dashboard"]
        print(f"{'':36} {'ratio':10} {ratio:9.1f}x  (admin median / dashboard median)\n")


if __name__ == "__main__":
    main()
