"""Benchmark of issue 13: the sales report (90 days, by day and channel) and the home page
against the trivial view /healthz in the same run, at 1,000,000 orders.

    .venv/bin/python bench/reports.py                       # 1,000,000 orders (oms_bench_1m)
    .venv/bin/python bench/reports.py --orders 100000 --repeat 10

Data: bench/data.py's history (2,000 orders a day) in the database bench/pages.py uses for the
size (``oms_bench_1m`` for 1,000,000; prefix from BENCH_DATABASE_URL), generated once and
reused; then the daily sales summary is filled for the days the report reads (``--summary-days``,
timed: what ``manage.py backfill_daily_sales`` costs). Requests go in-process through Django's
test client, logged in as the superuser ``bench``, interleaved with /healthz (trivial, target,
trivial, target…) after a warm-up; median and p95 in ms. Besides the page, the sales report is
timed with no summary (its figures computed live from the orders: the cost the summary saves),
and the page's figures checked equal to the live ones. Goals: sales report ≤ 1 s; home page
≤ 3 × the trivial view.
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

from bench.pages import DEFAULT_PREFIX, TRIVIAL, database_name  # noqa: E402

SALES_URL = "/reports/sales/?period=last_90&grain=day&group=channel&compare=on"
HOME_URL = "/"
GOAL_SALES_MS = 1000
GOAL_HOME_RATIO = 3


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) > 1 else values[0]


def timed(call) -> float:
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


def interleaved(client, url: str, repeat: int) -> tuple[list[float], list[float]]:
    """(target timings, trivial timings), each request of one after one of the other."""

    def get(path: str) -> None:
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)

    get(url), get(TRIVIAL)  # warm-up: connection, templates, caches
    target, trivial = [], []
    for _ in range(repeat):
        trivial.append(timed(lambda: get(TRIVIAL)))
        target.append(timed(lambda: get(url)))
    return target, trivial


def count_queries(connection, call) -> int:
    """The queries of one call (a request resets Django's query log, so count them here)."""
    seen = []

    def counted(execute, *args):
        seen.append(1)
        return execute(*args)

    with connection.execute_wrapper(counted):
        call()
    return len(seen)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--summary-days", type=int, default=200, help="summarised days back")
    parser.add_argument("--regenerate", action="store_true")
    parser.add_argument("--big", type=int, default=None, help="the big customer's orders")
    args = parser.parse_args()

    prefix = os.environ.get("BENCH_DATABASE_URL", DEFAULT_PREFIX).rsplit("/", 1)[0]
    os.environ["DATABASE_URL"] = f"{prefix}/{database_name(args.orders)}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oms.settings")
    os.environ["DJANGO_DEBUG"] = "0"
    os.environ["DJANGO_ALLOWED_HOSTS"] = "testserver"
    from bench import data

    data.quiet_warnings()
    data.ensure_database()
    data.setup_django()
    started = time.perf_counter()
    big = args.big if args.big is not None else data.BIG_CUSTOMER_ORDERS
    generated = data.ensure(args.orders, big=big, regenerate=args.regenerate)
    if generated:
        print(f"generated {args.orders:,} orders in {time.perf_counter() - started:.0f} s")

    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from core.reporting import Params, get_report
    from orders.models import Order
    from reports.runner import run
    from reports.summary import refresh_days

    today = timezone.localdate()
    days = [today - timedelta(days=back) for back in range(1, args.summary_days + 1)]
    summary_ms = timed(lambda: refresh_days(days))
    print(
        f"\n{Order.objects.count():,} orders on PostgreSQL; summary of {len(days)} days "
        f"filled in {summary_ms / 1000:.1f} s ({summary_ms / len(days):.0f} ms a day)"
    )
    user, _ = get_user_model().objects.get_or_create(
        username="bench", defaults={"is_staff": True, "is_superuser": True}
    )
    client = Client()
    client.force_login(user)

    print(f"\n{'target':40} {'median ms':>10} {'p95 ms':>8} {'trivial':>8} {'queries':>8}")
    figures = {}
    for label, url in (
        ("sales report page (90 days, day × channel)", SALES_URL),
        ("home page", HOME_URL),
    ):
        queries = count_queries(connection, lambda: client.get(url))  # noqa: B023
        target, trivial = interleaved(client, url, args.repeat)
        figures[label] = (statistics.median(target), statistics.median(trivial))
        print(
            f"{label:40} {statistics.median(target):10.1f} {p95(target):8.1f} "
            f"{statistics.median(trivial):8.1f} {queries:8}"
        )

    report = get_report("sales")
    summarised = Params(
        start=today - timedelta(days=89),
        end=today,
        timezone=timezone.get_current_timezone_name(),
        group_by="channel",
    )
    # another zone than the shop's cannot use the summary: every figure from the orders
    live = Params(
        start=summarised.start, end=summarised.end, timezone="America/New_York", group_by="channel"
    )
    live_ms = [timed(lambda: run(report, live)) for _ in range(3)]
    print(f"{'sales report without the summary (live)':40} {statistics.median(live_ms):10.1f}")
    print("\nsummary figures equal the live ones (same zone):", _equal_to_live(summarised))

    sales_ms, _ = figures["sales report page (90 days, day × channel)"]
    home_ms, trivial_ms = figures["home page"]
    print(
        f"\nsales report {sales_ms:.0f} ms (goal ≤ {GOAL_SALES_MS} ms): "
        f"{'PASS' if sales_ms <= GOAL_SALES_MS else 'FAIL'}"
    )
    ratio = home_ms / trivial_ms
    print(
        f"home page {ratio:.1f} × the trivial view (goal ≤ {GOAL_HOME_RATIO} ×): "
        f"{'PASS' if ratio <= GOAL_HOME_RATIO else 'FAIL'}"
    )


def _equal_to_live(params) -> bool:
    from reports.summary import OrderFilter, live_figures, sales_figures

    live = live_figures(params.start, params.end, params.timezone, OrderFilter(), "default")
    return (
        sales_figures(params.start, params.end, params.timezone, OrderFilter(), "default") == live
    )


if __name__ == "__main__":
    main()
