"""Benchmark: what one ``orders.services.place_order`` costs, alone and on one hot SKU.

    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/oms_bench_placing \\
        .venv/bin/python bench/placing.py [--orders 200] [--threads 8] [--seconds 10]

``single_thread`` places 3-line orders (random products among those with stock) through the real
service and reports p50/p95 and queries per call. ``hot_sku`` runs threads that each place
1-line orders for one SKU, against the same threads doing the bare minimum in SQL (lock the
stock row, reserve, insert a row, commit), and reports both rates and their ratio.

The follow-up tasks an order queues (its e-mail) are collected and not run: a worker does them,
or, in eager mode, the end of the request (``core.deferred``); they are no part of placing.

The lead's bench imports the two functions with Django already set up on its database; run
standalone, the script creates and migrates the database if missing. Either way it adds a small
catalogue if missing: a location, a channel, 50 products with stock and a customer.
"""

import os
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PRODUCTS = 50
HOT_SKU = "PLACE-HOT"
RAW_SKU = "PLACE-RAW"  # its own stock row, so the raw rate never competes with the service's
SCRATCH_TABLE = "bench_placing_scratch"
STOCK = 1_000_000
ADDRESS = {"name": "Bench", "line1": "1 Main St", "city": "New York", "country": "US"}


def ensure_catalogue() -> dict:
    """A fulfilment location, a web channel, a customer and products with stock: those of the
    database where it has them (the lead's data set stocks every other product), else made
    here; plus the hot SKU and the raw-SQL row, stocked so they never run out."""
    from decimal import Decimal

    from django.db.models import F

    from customers.models import Customer
    from inventory.models import Location, Product, StockLevel
    from inventory.selectors import fulfilment_locations
    from orders.models import SalesChannel

    location = fulfilment_locations().first() or Location.objects.create(
        code="PLACE-WH", name="Placing bench"
    )
    channel = SalesChannel.objects.filter(kind=SalesChannel.Kind.WEB, is_active=True).first()
    channel = channel or SalesChannel.objects.create(
        code="place-web", name="Placing bench", kind=SalesChannel.Kind.WEB
    )
    customer, _ = Customer.objects.get_or_create(
        email="placing-bench@example.com", defaults={"name": "Placing Bench"}
    )
    stocked = StockLevel.objects.filter(
        location=location, product__is_active=True, on_hand__gte=F("reserved") + STOCK // 10
    ).exclude(product__sku__in=(HOT_SKU, RAW_SKU))
    product_ids = list(stocked.values_list("product_id", flat=True)[:500])
    made = [f"PLACE-{i:05d}" for i in range(PRODUCTS)] if len(product_ids) < PRODUCTS else []
    Product.objects.bulk_create(
        [Product(sku=sku, name=f"Bench {sku}", unit_price=Decimal("9.50"))
         for sku in [*made, HOT_SKU, RAW_SKU]],
        ignore_conflicts=True,
    )  # fmt: skip
    products = {p.sku: p for p in Product.objects.filter(sku__in=[*made, HOT_SKU, RAW_SKU])}
    for product in products.values():
        top_up(product, location)
    products.update((p.sku, p) for p in Product.objects.filter(pk__in=product_ids))
    return {"location": location, "channel": channel, "customer": customer, "products": products}


def top_up(product, location, minimum: int = STOCK // 2) -> None:
    """Receive stock (through the ledger) until ``minimum`` units are free to reserve."""
    from inventory import services
    from inventory.models import StockLevel

    level = StockLevel.objects.filter(product=product, location=location).first()
    available = level.available if level else 0
    if available < minimum:
        services.receive_stock(
            product=product, location=location, quantity=STOCK - available, reference="BENCH"
        )


def _place(catalogue: dict, items: list) -> None:
    from orders.services import LineRequest, place_order

    place_order(
        channel=catalogue["channel"],
        customer=catalogue["customer"],
        lines=[LineRequest(product=product, quantity=quantity) for product, quantity in items],
        shipping_address=ADDRESS,
    )


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


class QueryCounter:
    """Counts the queries run on a connection (``execute_wrapper``: no debug cursor overhead)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def single_thread(n: int = 200) -> dict:
    """p50/p95 ms and queries per call of place_order with 3 lines, one thread, in-process."""
    import random

    from django.db import connection

    from core.deferred import collected_tasks

    catalogue = ensure_catalogue()
    products = [p for sku, p in catalogue["products"].items() if sku not in (HOT_SKU, RAW_SKU)]
    rng = random.Random(7)
    with collected_tasks():
        _place(catalogue, [(product, 1) for product in rng.sample(products, 3)])  # warm-up
    timings, queries = [], []
    for _ in range(n):
        items = [(product, rng.randint(1, 3)) for product in rng.sample(products, 3)]
        counter = QueryCounter()
        with collected_tasks(), connection.execute_wrapper(counter):
            started = time.perf_counter()
            _place(catalogue, items)
            timings.append((time.perf_counter() - started) * 1000)
        queries.append(counter.count)
    return {
        "orders": n,
        "p50_ms": round(statistics.median(timings), 2),
        "p95_ms": round(_percentile(timings, 0.95), 2),
        "queries": max(queries),
    }


def _run_threads(threads: int, seconds: float, work) -> dict:
    """``work()`` in a loop on each thread for ``seconds``; transactions/s and p95 latency."""
    from django.db import connections

    barrier = threading.Barrier(threads)
    timings: list[list[float]] = [[] for _ in range(threads)]

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=60)
            deadline = time.perf_counter() + seconds
            while (started := time.perf_counter()) < deadline:
                work()
                timings[index].append((time.perf_counter() - started) * 1000)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    flat = [t for per_thread in timings for t in per_thread]
    return {
        "tx_per_s": round(len(flat) / seconds, 1),
        "p95_ms": round(_percentile(flat, 0.95), 1) if flat else None,
    }


def _raw_transaction(level_id: int, opened: list):
    """The least a reservation can cost: lock the row, reserve, insert a row, commit."""
    import psycopg
    from django.db import connection

    params = connection.settings_dict
    conninfo = {
        "dbname": params["NAME"],
        "user": params["USER"],
        "password": params["PASSWORD"],
        "host": params["HOST"],
        "port": params["PORT"],
    }
    local = threading.local()

    def work() -> None:
        if not hasattr(local, "connection"):
            local.connection = psycopg.connect(**{k: v for k, v in conninfo.items() if v})
            opened.append(local.connection)
        with local.connection.transaction(), local.connection.cursor() as cursor:
            cursor.execute(
                "SELECT id FROM inventory_stocklevel WHERE id = %s FOR UPDATE", [level_id]
            )
            cursor.execute(
                "UPDATE inventory_stocklevel SET reserved = reserved + 1 WHERE id = %s",
                [level_id],
            )
            cursor.execute(
                f"INSERT INTO {SCRATCH_TABLE} (level_id, at) VALUES (%s, now())",  # noqa: S608
                [level_id],
            )

    return work


def _raw_rate(threads: int, seconds: float, level) -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {SCRATCH_TABLE} "
            "(id bigserial PRIMARY KEY, level_id bigint NOT NULL, at timestamptz NOT NULL)"
        )
    opened: list = []
    try:
        return _run_threads(threads, seconds, _raw_transaction(level.pk, opened))
    finally:
        for raw in opened:
            raw.close()
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE {SCRATCH_TABLE}")
            cursor.execute(
                "UPDATE inventory_stocklevel SET reserved = %s WHERE id = %s",
                [level.reserved, level.pk],
            )


def hot_sku(threads: int = 8, seconds: float = 10) -> dict:
    """``threads`` threads placing 1-line orders for one SKU, against raw SQL doing the same."""
    from core.deferred import collected_tasks
    from inventory.models import StockLevel

    catalogue = ensure_catalogue()
    hot = catalogue["products"][HOT_SKU]

    def place_one() -> None:
        with collected_tasks():
            _place(catalogue, [(hot, 1)])

    service = _run_threads(threads, seconds, place_one)
    top_up(hot, catalogue["location"])
    raw_level = StockLevel.objects.get(
        product=catalogue["products"][RAW_SKU], location=catalogue["location"]
    )
    raw = _raw_rate(threads, seconds, raw_level)
    return {
        "threads": threads,
        "seconds": seconds,
        "service_tx_per_s": service["tx_per_s"],
        "service_p95_ms": service["p95_ms"],
        "raw_tx_per_s": raw["tx_per_s"],
        "raw_p95_ms": raw["p95_ms"],
        "ratio_percent": round(100 * service["tx_per_s"] / raw["tx_per_s"], 1),
    }


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=200)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault(
        "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/oms_bench_placing"
    )
    os.environ["DATABASE_URL"] = os.environ["BENCH_DATABASE_URL"]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oms.settings")
    os.environ["DJANGO_DEBUG"] = "0"
    from bench.data import ensure_database, setup_django

    ensure_database()
    setup_django()
    print("single thread, 3 lines:", single_thread(args.orders), flush=True)
    print(f"hot SKU, {args.threads} threads:", hot_sku(args.threads, args.seconds), flush=True)


if __name__ == "__main__":
    main()
