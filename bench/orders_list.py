"""Benchmark: the dashboard's orders list against the Django admin changelist, same data, same run.

    .venv/bin/python bench/orders_list.py                 # 100,000 orders
    .venv/bin/python bench/orders_list.py --orders 1000000

Needs PostgreSQL (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/oms_bench; the
database is created and migrated if missing). Orders are generated once with COPY and reused
while the count matches. Each URL is requested in-process through Django's test client (so the
figure is server time: routing, queries, rendering) --repeat times after one warm-up request;
the script prints the median and p95 per URL and the admin/dashboard ratio.
"""

import argparse
import os
import random
import statistics
import sys
import time
import warnings
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/oms_bench"
os.environ["DATABASE_URL"] = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oms.settings")
os.environ["DJANGO_DEBUG"] = "0"
os.environ["DJANGO_ALLOWED_HOSTS"] = "testserver"
# The admin's date filter parses its parameters as naive datetimes; whitenoise misses
# STATIC_ROOT outside production. Neither affects the figures.
warnings.filterwarnings("ignore", category=RuntimeWarning, message="DateTimeField")
warnings.filterwarnings("ignore", category=UserWarning, message="No directory at")

STATUSES = [
    ("completed", 40),
    ("delivered", 10),
    ("shipped", 10),
    ("processing", 8),
    ("confirmed", 10),
    ("placed", 10),
    ("on_hold", 4),
    ("cancelled", 8),
]
PAYMENT = {"placed": "unpaid", "on_hold": "authorized", "cancelled": "refunded"}
FULFILMENT = {
    "completed": "shipped",
    "delivered": "shipped",
    "shipped": "shipped",
    "cancelled": "unfulfilled",
}
CUSTOMERS_PER_ORDER = 20  # one customer for every 20 orders
PRODUCTS = 500
TAX = Decimal("0.08")
SHIPPING = Decimal("4.95")
ADDRESS = '{"name": "Bench", "line1": "1 Main St", "city": "New York", "country": "US"}'
CHANNELS = [
    ("web", "Web shop", "web"),
    ("pos", "Store", "store"),
    ("phone", "Phone", "phone"),
    ("app", "Mobile app", "app"),
    ("marketplace", "Marketplace", "marketplace"),
    ("wholesale", "Wholesale", "wholesale"),
]


def ensure_database() -> None:
    import psycopg

    url = os.environ["DATABASE_URL"]
    name = url.rsplit("/", 1)[1]
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url.replace("postgres://", "postgresql://"), autocommit=True) as c:
        if not c.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            c.execute(f'CREATE DATABASE "{name}"')


def setup_django() -> None:
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def generate(orders: int, rng: random.Random) -> None:
    """Replace the bench data with ``orders`` orders (about 2.2 lines each) loaded by COPY."""
    from django.db import connection

    print(f"generating {orders:,} orders…", flush=True)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE orders_orderevent, orders_allocation, orders_orderline, orders_order, "
            "customers_address, customers_customer CASCADE"
        )
    connection.ensure_connection()
    raw = connection.connection  # psycopg's own connection, for COPY
    channel_ids = ensure_catalogue()
    customer_ids = copy_customers(raw, max(orders // CUSTOMERS_PER_ORDER, 10), rng)
    order_ids = copy_orders(raw, orders, channel_ids, customer_ids, rng)
    copy_lines(raw, order_ids, rng)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"generated in {time.perf_counter() - started:.0f} s", flush=True)


def ensure_catalogue() -> list[int]:
    from inventory.models import Location, Product
    from orders.models import SalesChannel

    Location.objects.get_or_create(code="WH-EAST", defaults={"name": "East", "priority": 10})
    Product.objects.bulk_create(
        [
            Product(sku=f"BENCH-{i:05d}", name=f"Bench product {i}", unit_price=Decimal(i % 90 + 5))
            for i in range(PRODUCTS)
        ],
        ignore_conflicts=True,
    )
    return [
        SalesChannel.objects.get_or_create(code=code, defaults={"name": name, "kind": kind})[0].pk
        for code, name, kind in CHANNELS
    ]


def copy_customers(raw, count: int, rng: random.Random) -> list[int]:
    from django.utils import timezone

    now = timezone.now()
    columns = "email, name, phone, company, notes, created_at, updated_at"
    with raw.cursor() as cursor:
        with cursor.copy(f"COPY customers_customer ({columns}) FROM STDIN") as copy:
            for i in range(count):
                name = f"Buyer {i} {rng.choice(SURNAMES)}"
                copy.write_row((f"buyer{i}@example.com", name, "", "", "", now, now))
        cursor.execute("SELECT id FROM customers_customer ORDER BY id")
        return [row[0] for row in cursor.fetchall()]


ORDER_COLUMNS = (
    "number, channel_id, external_id, customer_id, email, shipping_address, billing_address,"
    " currency, status, payment_status, fulfilment_status, subtotal, discount_total,"
    " shipping_total, tax_total, total, placed_at, notes, hold_reason, hold_note,"
    " status_before_hold, cancel_reason, created_at, updated_at"
)


def order_row(number: str, status: str, channel_id: int, customer_id: int, placed, rng) -> tuple:
    subtotal = Decimal(rng.randint(500, 50000)) / 100
    tax = (subtotal * TAX).quantize(Decimal("0.01"))
    held = status == "on_hold"
    return (
        number, channel_id, "", customer_id, f"customer{customer_id}@example.com",
        ADDRESS, ADDRESS, "USD", status, PAYMENT.get(status, "paid"),
        FULFILMENT.get(status, "allocated"), subtotal, Decimal("0.00"), SHIPPING, tax,
        subtotal + SHIPPING + tax, placed, "", "customer_request" if held else "", "",
        "confirmed" if held else "", "Customer request" if status == "cancelled" else "",
        placed, placed,
    )  # fmt: skip


def copy_orders(raw, count: int, channel_ids, customer_ids, rng: random.Random) -> list[int]:
    from django.utils import timezone

    from orders.numbers import format_order_number

    now = timezone.now()
    statuses = [status for status, weight in STATUSES for _ in range(weight)]
    with raw.cursor() as cursor:
        first = cursor.execute("SELECT nextval('oms_order_number_seq')").fetchone()[0]
        with cursor.copy(f"COPY orders_order ({ORDER_COLUMNS}) FROM STDIN") as copy:
            for i in range(count):
                placed = now - timedelta(seconds=rng.randint(0, 365 * 86400))
                copy.write_row(
                    order_row(
                        format_order_number(first + i),
                        rng.choice(statuses),
                        rng.choice(channel_ids),
                        rng.choice(customer_ids),
                        placed,
                        rng,
                    )
                )
        cursor.execute("SELECT setval('oms_order_number_seq', %s)", [first + count])
        cursor.execute("SELECT id FROM orders_order ORDER BY id")
        return [row[0] for row in cursor.fetchall()]


def copy_lines(raw, order_ids: list[int], rng: random.Random) -> None:
    from inventory.models import Product

    products = list(Product.objects.filter(sku__startswith="BENCH-"))
    columns = (
        "order_id, product_id, sku, name, quantity, unit_price, discount, tax_rate, tax_amount,"
        " line_total, quantity_allocated, quantity_backordered, quantity_shipped,"
        " quantity_returned"
    )
    with (
        raw.cursor() as cursor,
        cursor.copy(f"COPY orders_orderline ({columns}) FROM STDIN") as copy,
    ):
        for order_id in order_ids:
            for product in rng.sample(products, rng.choice((1, 1, 2, 2, 3, 4))):
                quantity = rng.randint(1, 3)
                total = product.unit_price * quantity
                tax = (total * TAX).quantize(Decimal("0.01"))
                copy.write_row(
                    (order_id, product.pk, product.sku, product.name, quantity,
                     product.unit_price, Decimal("0.00"), TAX, tax, total, 0, 0, 0, 0)
                )  # fmt: skip


SURNAMES = ["Smith", "Garcia", "Chen", "Okafor", "Müller", "Rossi", "Kowalski", "Tanaka", "Silva"]


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
    args = parser.parse_args()

    ensure_database()
    setup_django()
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.utils import timezone

    from orders.models import Order, SalesChannel

    if args.regenerate or Order.objects.count() != args.orders:
        generate(args.orders, random.Random(7))
    user, _ = get_user_model().objects.get_or_create(
        username="bench", defaults={"is_staff": True, "is_superuser": True}
    )
    client = Client()
    client.force_login(user)
    web = SalesChannel.objects.get(code="web")
    today = timezone.localdate()
    since, until = today - timedelta(days=90), today - timedelta(days=30)
    name = "Buyer 4711"
    scenarios = {
        "status + channel + 60-day range": (
            f"/orders/?status=confirmed&channel=web&placed_after={since}&placed_before={until}",
            f"/admin/orders/order/?status__exact=confirmed&channel__id__exact={web.pk}"
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
