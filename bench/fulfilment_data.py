"""The fulfilment bench's data set, in its own database (``oms_bench_fulfil``).

Two parts that do not meet:

- **Sourcing**: ``SOURCING_LOCATIONS`` active shipping locations ``SRC-001`` … (every tenth
  a distribution centre holding most SKUs, every fifth a store keeping ``STORE_SAFETY_STOCK``
  units back, the rest third-party warehouses), and per size in ``SOURCING_SIZES`` a set of
  ``SKUS_PER_SIZE`` products (``S50-0001`` …, ``S500-0001`` …) stocked only at the first
  ``size`` of them: at a distribution centre with chance ``DC_HOLDS``, elsewhere at a share of
  the locations drawn per SKU; a quarter of the stocked rows are short (a unit or two). An
  order of ``S50-`` SKUs is sourced over 50 locations, one of ``S500-`` SKUs over 500. The
  demo carriers' rate tables (``demo.seeders.seed_carriers``) price the parcels when
  shipping's estimator is registered.
- **Pick queue**: bench/data.py's catalogue (its three locations, 500 products, channels),
  ``open_orders`` confirmed orders of the last days, their lines (bench/data.py's), every unit
  allocated at one location (``PICK_SHARES``: most at WH-EAST), none picked; the stock levels
  hold the reserved units, with a bin each.

Orders and lines are loaded with COPY and triggers off (then the customer totals backfilled),
allocations and stock levels with one INSERT … SELECT each. ``ensure()`` reuses the data set
while the ``bench_fulfilment_meta`` marker (version, open orders, locations) matches.
"""

import json
import random
import tempfile
import time
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from bench import data

VERSION = 2
SOURCING_LOCATIONS = 500
SOURCING_SIZES = (50, 500)
SKUS_PER_SIZE = 200
DC_EVERY = 10  # SRC-001, SRC-011, …: distribution centres, holding most of the range
STORE_EVERY = 5  # SRC-005, SRC-010, …: stores, keeping safety stock for walk-in customers
DC_HOLDS = 0.8  # the chance a distribution centre holds a SKU
STOCKED_SHARE = (0.1, 0.5)  # elsewhere, a SKU is held at this share of the locations (uniform)
SHORT_SHARE = 0.25  # of the stocked rows: a unit or two, less than many orders ask
STORE_SAFETY_STOCK = 2
OPEN_HOURS = 72  # the open orders were placed over the last three days
PICK_SHARES = (("WH-EAST", 7), ("WH-WEST", 2), ("STORE-NYC", 1))  # orders per location, of 10
PICK_STOCK = 1_000_000
LABEL_TRACKING_NUMBER = "1ZBENCH0000000001"
MARKER = "bench_fulfilment_meta"  # the shape of the data set there


@dataclass(frozen=True)
class FulfilmentSet:
    """What the benches request: the pick locations' codes (busiest first), a shipment to
    draw labels of, and per sourcing size the SKUs of its products."""

    pick_locations: list[str]
    label_shipment_id: int
    sourcing_skus: dict[int, list[str]]


def sku_prefix(size: int) -> str:
    return f"S{size}-"


# --- the marker -----------------------------------------------------------------------------


def ensure(
    open_orders: int,
    *,
    locations: int = SOURCING_LOCATIONS,
    regenerate: bool = False,
    seed: int = 7,
) -> bool:
    """Generate unless a data set of this version and size is there; True if it generated."""
    shape = json.dumps({"version": VERSION, "open_orders": open_orders, "locations": locations})
    with data._cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {MARKER} (shape text, generated_at timestamptz)"
        )
        cursor.execute(f"SELECT shape FROM {MARKER}")  # noqa: S608 (a constant)
        if not regenerate and cursor.fetchone() == (shape,):
            return False
    generate(open_orders, locations=locations, rng=random.Random(seed))
    with data._cursor() as cursor:
        cursor.execute(f"TRUNCATE {MARKER}")
        cursor.execute(f"INSERT INTO {MARKER} VALUES (%s, now())", [shape])  # noqa: S608
    return True


# --- generation -----------------------------------------------------------------------------

# What a new data set starts from: no orders (shipments and pick lists go with them), customers
# or stock; ids from 1 again, as the lines are written for orders 1…n.
EMPTIED = (
    "TRUNCATE orders_order, orders_orderline, orders_allocation, customers_customer,"
    " inventory_stockmovement, inventory_stocklevel RESTART IDENTITY CASCADE",
    "SELECT setval('oms_order_number_seq', 1, false)",
)


def generate(open_orders: int, *, locations: int = SOURCING_LOCATIONS, rng: random.Random) -> None:
    """Replace the bench's orders and stock with a new data set (locations and products are
    matched on their codes and kept)."""
    from django.db import connection
    from django.utils import timezone

    from demo.seeders import seed_carriers, seed_locations

    started = time.perf_counter()
    print(f"generating {open_orders:,} open orders, {locations} sourcing locations…", flush=True)
    with connection.cursor() as cursor:
        for statement in EMPTIED:
            cursor.execute(statement)
    seed_locations()  # the demo's addresses for WH-EAST, WH-WEST and STORE-NYC (ship-from)
    seed_carriers()
    catalogue = data.ensure_catalogue()
    stock_sourcing(sourcing_sites(locations), rng)
    connection.ensure_connection()
    raw = connection.connection
    now = timezone.now()
    customers = data.copy_customers(
        raw, max(open_orders // data.ORDERS_PER_CUSTOMER, 10), now - timedelta(days=30), rng
    )
    with data.customer_totals_filled_after(connection):
        copy_open_orders(raw, open_orders, now, catalogue, customers, rng)
    allocate_and_stock(catalogue)
    label_shipment()
    print(f"  loaded in {time.perf_counter() - started:.0f} s; analysing…", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE")
    print(f"generated in {time.perf_counter() - started:.0f} s", flush=True)


def sourcing_sites(count: int) -> list[int]:
    """``count`` active shipping locations SRC-001 … (created or updated), their ids in code
    order. Spread over the country; distribution centres first in priority."""
    from inventory.models import Location

    rng = random.Random(count)

    def kind(number: int) -> str:
        if number % DC_EVERY == 1:
            return Location.Kind.WAREHOUSE
        return Location.Kind.STORE if number % STORE_EVERY == 0 else Location.Kind.THIRD_PARTY

    wanted = {
        f"SRC-{number:03d}": {
            "name": f"Sourcing bench {number}",
            "kind": kind(number),
            "postal_code": f"{rng.randrange(100, 99_999):05d}",
            "country": "US",
            "priority": rng.randrange(20, 100 if number % DC_EVERY == 1 else 500),
            "can_ship": True,
            "is_active": True,
        }
        for number in range(1, count + 1)
    }
    Location.objects.bulk_create(
        [Location(code=code, **values) for code, values in wanted.items()],
        update_conflicts=True,
        unique_fields=["code"],
        update_fields=["name", "kind", "postal_code", "country", "priority", "can_ship"],
    )
    return list(
        Location.objects.filter(code__in=wanted).order_by("code").values_list("pk", flat=True)
    )


def stock_sourcing(site_ids: list[int], rng: random.Random) -> None:
    """Per size, SKUS_PER_SIZE products held at the first ``size`` sites (a distribution
    centre holds most, elsewhere each SKU at its own share of the sites)."""
    from django.db import connection
    from django.utils import timezone

    now = timezone.now()
    centres = set(site_ids[::DC_EVERY])
    stores = set(site_ids[STORE_EVERY - 1 :: STORE_EVERY])
    rows = []
    for size in (size for size in SOURCING_SIZES if size <= len(site_ids)):
        for product_id in sourcing_products(size):
            share = rng.uniform(*STOCKED_SHARE)
            for site in site_ids[:size]:
                if rng.random() >= (DC_HOLDS if site in centres else share):
                    continue
                units = rng.randint(1, 2) if rng.random() < SHORT_SHARE else rng.randint(3, 40)
                safety = STORE_SAFETY_STOCK if site in stores else 0
                rows.append((product_id, site, units + safety, safety, now))
    connection.ensure_connection()
    raw = connection.connection
    columns = "product_id, location_id, on_hand, reserved, safety_stock, updated_at"
    statement = f"COPY inventory_stocklevel ({columns}) FROM STDIN"
    with raw.cursor() as cursor, cursor.copy(statement) as copy:
        for product_id, site, on_hand, safety, updated in rows:
            copy.write_row((product_id, site, on_hand, 0, safety, updated))


def sourcing_products(size: int) -> list[int]:
    """The products of one sourcing size (created if missing), 100 g to 2 kg each."""
    from inventory.models import Product

    prefix = sku_prefix(size)
    rng = random.Random(size)
    Product.objects.bulk_create(
        [
            Product(
                sku=f"{prefix}{number:04d}",
                name=f"Sourcing bench {size} product {number}",
                unit_price=Decimal(rng.randint(5, 120)),
                weight_grams=rng.randrange(100, 2_000, 50),
            )
            for number in range(1, SKUS_PER_SIZE + 1)
        ],
        ignore_conflicts=True,
    )
    products = Product.objects.filter(sku__startswith=prefix).order_by("sku")
    return list(products.values_list("pk", flat=True))


def copy_open_orders(raw, count, now, catalogue, customers, rng) -> None:
    """``count`` confirmed, authorized orders placed over the last OPEN_HOURS, ship-by today to
    two days on; their lines are bench/data.py's (ids 1…count, as it writes them)."""
    from orders.numbers import format_order_number

    web = catalogue.channels["web"]
    columns = f"{data.ORDER_COLUMNS}, ship_by"
    with tempfile.TemporaryFile("w+", encoding="utf-8") as lines, raw.cursor() as cursor:
        with cursor.copy(f"COPY orders_order ({columns}) FROM STDIN") as copy:
            for index in range(count):
                placed = now - timedelta(hours=OPEN_HOURS * (count - index) / count)
                pick = rng.randrange(1, len(customers.ids))
                customer = (customers.ids[pick], customers.names[pick], customers.emails[pick])
                totals = data.write_lines(lines, index + 1, "confirmed", False, catalogue, rng)
                number = format_order_number(index + 1)
                row = data.order_row(
                    number, "confirmed", False, web, *customer, placed, totals, rng
                )
                copy.write_row((*row, (placed + timedelta(days=rng.randint(0, 2))).date()))
        data._check_order_ids(cursor, count)
        cursor.execute("SELECT setval('oms_order_number_seq', %s)", [max(count, 1)])
        lines.seek(0)
        with cursor.copy(f"COPY orders_orderline ({data.LINE_COLUMNS}) FROM STDIN") as copy:
            while chunk := lines.read(1 << 20):
                copy.write(chunk)


# An order's location by its id: PICK_SHARES[i] takes the ids whose last digit is in its band.
ALLOCATE = """
WITH bands AS (
    SELECT location_id, low, high FROM unnest(%s::bigint[], %s::int[], %s::int[])
        AS b(location_id, low, high)
), lines AS (
    UPDATE orders_orderline SET quantity_allocated = quantity RETURNING id, order_id, quantity
)
INSERT INTO orders_allocation (line_id, location_id, quantity, picked_quantity)
SELECT lines.id, bands.location_id, lines.quantity, 0
FROM lines JOIN bands ON lines.order_id %% 10 >= bands.low AND lines.order_id %% 10 < bands.high
"""
PICK_STOCK_LEVELS = """
INSERT INTO inventory_stocklevel (product_id, location_id, on_hand, reserved, bin, updated_at)
SELECT p.id, l.id, %s, coalesce(a.units, 0),
       'A-' || lpad((p.id %% 40 + 1)::text, 2, '0') || '-' || (p.id %% 5 + 1), now()
FROM inventory_product p
CROSS JOIN inventory_location l
LEFT JOIN (
    SELECT line.product_id, allocation.location_id, sum(allocation.quantity) AS units
    FROM orders_allocation allocation JOIN orders_orderline line ON line.id = allocation.line_id
    GROUP BY 1, 2
) a ON a.product_id = p.id AND a.location_id = l.id
WHERE p.id = ANY(%s) AND l.id = ANY(%s)
"""


def allocate_and_stock(catalogue) -> None:
    """Every line allocated in full at its order's location; the pick locations' stock levels
    hold those units reserved (and plenty on hand)."""
    from django.db import connection

    from inventory.models import Location

    ids = dict(Location.objects.filter(code__in=dict(PICK_SHARES)).values_list("code", "pk"))
    location_ids, lows, highs, low = [], [], [], 0
    for code, share in PICK_SHARES:
        location_ids.append(ids[code])
        lows.append(low)
        highs.append(low + share)
        low += share
    product_ids = [product[0] for product in (*catalogue.products, catalogue.hot)]
    with connection.cursor() as cursor:
        cursor.execute(ALLOCATE, [location_ids, lows, highs])
        cursor.execute(PICK_STOCK_LEVELS, [PICK_STOCK, product_ids, location_ids])


def label_shipment() -> int:
    """A shipment of the first order from WH-EAST with a tracking number: what labels draw."""
    from orders.models import Order
    from shipping.models import Shipment, ShippingService

    order = Order.objects.order_by("pk").first()
    if order is None:
        raise RuntimeError("no order to draw a label for: generate with at least one order")
    service = ShippingService.objects.select_related("carrier").order_by("pk").first()
    shipment, _ = Shipment.objects.update_or_create(
        tracking_number=LABEL_TRACKING_NUMBER,
        defaults={
            "order": order,
            "location": order.lines.first().allocations.first().location,
            "carrier": service.carrier,
            "service": service,
            "weight_grams": 1_250,
        },
    )
    return shipment.pk


def fulfilment_set() -> FulfilmentSet:
    from inventory.models import Product
    from shipping.models import Shipment

    skus = {
        size: list(
            Product.objects.filter(sku__startswith=sku_prefix(size))
            .order_by("sku")
            .values_list("sku", flat=True)
        )
        for size in SOURCING_SIZES
    }
    return FulfilmentSet(
        pick_locations=[code for code, _ in PICK_SHARES],
        label_shipment_id=Shipment.objects.get(tracking_number=LABEL_TRACKING_NUMBER).pk,
        sourcing_skus={size: found for size, found in skus.items() if found},
    )
