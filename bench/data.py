"""The bench data set: a business's history, loaded into PostgreSQL with COPY.

A constant ORDERS_PER_DAY, so 1,000,000 orders are 500 days of history ending now and
100,000 are 50 days: what grows with the size is history, not today's work. Orders younger
than OPEN_DAYS move through the open statuses by age; older ones are closed (completed,
cancelled, a few delivered or shipped) but for a small stale tail left open, as real back
offices have. On top of that, the two records the history pages must survive:

- one big customer ("Northwind Wholesale", ``orders@northwind.example``) with ``big`` orders
  spread over the whole history;
- one product, ``BENCH-HOT``, with ``4 × big`` stock movements over three locations and the
  history, whose stock levels equal the ledger's sums (so do every other product's).

Lines carry their product, price and tax, and an order's totals are the sum of its lines. A
few lines on open orders are backordered. No allocations, payments or timeline events are
generated. ``ensure()`` reuses a data set while the ``bench_meta`` marker (shape version,
orders, big) matches; ``--regenerate`` in the scripts forces a new one.

    from bench import data
    data.ensure_database()   # creates the DATABASE_URL database if missing
    data.setup_django()      # django.setup() and migrate
    data.ensure(100_000)     # generate unless the same shape and size is already there
    data.landmarks()         # a customer name, an e-mail, an order number… to request
"""

import bisect
import contextlib
import importlib
import json
import os
import random
import tempfile
import time
import warnings
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from itertools import accumulate

VERSION = 2  # bump when the shape changes: data sets of another version are regenerated
ORDERS_PER_DAY = 2_000
OPEN_DAYS = 14
ORDERS_PER_CUSTOMER = 20
BIG_CUSTOMER_ORDERS = 50_000
MOVEMENTS_PER_BIG_ORDER = 4  # BENCH-HOT gets 4 × big movements: 200,000 by default
BIG_CUSTOMER = ("Northwind Wholesale", "orders@northwind.example")
HOT_SKU = "BENCH-HOT"
PRODUCTS = 500
STOCK_PER_LEVEL = 1_000_000  # every other product, at every location: place_order never runs out
BACKORDER_SHARE = 0.02  # of placed / confirmed orders
SEARCH_NUMBER = 12_345  # an order every size has, for the number searches
TAX = Decimal("0.08")
SHIPPING = Decimal("4.95")
CENT = Decimal("0.01")
LOCATIONS = [("WH-EAST", "East", 10), ("WH-WEST", "West", 20), ("STORE-NYC", "New York store", 30)]
CHANNELS = [
    ("web", "Web shop", "web"),
    ("pos", "Store", "store"),
    ("phone", "Phone", "phone"),
    ("app", "Mobile app", "app"),
    ("marketplace", "Marketplace", "marketplace"),
    ("wholesale", "Wholesale", "wholesale"),
]

# Status weights by the order's age in days (the first bucket whose limit exceeds the age).
OPEN_STATUSES_BY_AGE = [
    (1, {"placed": 35, "confirmed": 30, "on_hold": 10, "processing": 20, "cancelled": 5}),
    (
        3,
        {"confirmed": 10, "processing": 30, "partially_shipped": 10, "shipped": 40}
        | {"on_hold": 5, "cancelled": 5},
    ),
    (
        7,
        {"processing": 5, "partially_shipped": 5, "shipped": 40, "delivered": 40}
        | {"on_hold": 3, "cancelled": 7},
    ),
    (OPEN_DAYS, {"shipped": 15, "delivered": 60, "completed": 18, "cancelled": 7}),
]
# Older than OPEN_DAYS, out of 10,000: the last two are the stale tail (0.1 %) left open.
CLOSED_STATUSES = {
    "completed": 9_000,
    "cancelled": 800,
    "delivered": 120,
    "shipped": 70,
    "on_hold": 5,
    "placed": 5,
}
PAYMENT = {
    "placed": "unpaid",
    "confirmed": "authorized",
    "processing": "authorized",
    "on_hold": "authorized",
    "partially_shipped": "partially_paid",
    "cancelled": "refunded",
}
FULFILMENT = {
    "partially_shipped": "partially_shipped",
    "shipped": "shipped",
    "delivered": "shipped",
    "completed": "shipped",
    "cancelled": "unfulfilled",
}
SHIPPED = {"shipped", "delivered", "completed"}
# (reason, status before the hold); awaiting payment leaves the order unpaid.
HOLDS = [
    ("awaiting_payment", "placed"),
    ("fraud_risk", "placed"),
    ("incorrect_address", "confirmed"),
    ("out_of_stock", "confirmed"),
    ("customer_request", "confirmed"),
]

FIRST_NAMES = """
Aaliyah Aarav Abdul Ada Adebayo Adele Aditi Agnieszka Ahmed Aiko Aisha Alejandro Aleksandr
Alessandra Alice Alina Amara Amelia Ana Anders Andrea Andrei Anika Anna Antoine Anton Arjun
Astrid Ayesha Beatriz Ben Benedikt Bianca Bogdan Bruno Camille Carlos Carmen Catarina Chen Chiara
Chidi Chloe Claire Colm Daniel Dario David Deepika Diego Dmitri Elena Elif Elise Emeka Emil Emily
Emma Enzo Erik Esther Eva Fatima Felix Fernando Fiona Francesca Freya Gabriel Giulia Grace Hamza
Hana Hannah Haruto Hassan Helena Hiroshi Hugo Ibrahim Ines Ingrid Isabel Isaac Ivan Jakub James
Jana Javier Jin Joao Johan Jonas Jorge Jose Julia Julian Kai Kamala Karim Karin Kasia Kenji Khalid
Kiran Klara Kofi Lars Laura Layla Leila Lena Leon Liam Lina Lucas Lucia Luis Maja Malik Marco
Maria Mariam Mario Marta Mateo Mei Mia Mihai Mikael Ming Miriam Mohammed Nadia Naomi Nathan Nia
Nikolai Nina Noah Nora Olga Oliver Omar Oscar Pablo Paolo Patricia Pedro Petra Pierre Priya
Rafael Rahul Rania Ravi Rosa Ruth Sakura Salma Samuel Sara Sebastian Sergei Shira Sienna Simon
Sofia Sophie Stefan Sunita Tariq Tatiana Teresa Thomas Tomas Uchenna Valentina Vera Victor
Wei Wiktor Xavier Yara Yasmin Yuki Yusuf Zainab Zara Zoe Zofia
""".split()  # noqa: SIM905 (a list literal would be 500 quoted names)
LAST_NAMES = """
Abara Abbott Acheampong Adams Adeyemi Aguilar Ahmed Akhtar Alexander Ali Almeida Alvarez Andersen
Anderson Andrade Antonelli Araujo Arslan Asante Bailey Baker Banerjee Barbieri Barros Bauer Becker
Bell Bennett Berg Bernard Bianchi Bjorklund Blanco Bondarenko Bose Brandt Brooks Brown Bruno
Bui Campbell Cardoso Carter Castillo Castro Chatterjee Chaudhry Chen Cohen Coleman Collins
Colombo Conti Cooper Costa Cruz Dahl Das Davies Davis Delgado Demir Dias Diaz Dubois Dunn Eriksson
Esposito Evans Fabbri Farah Ferrari Fernandes Fischer Fitzgerald Flores Fontaine Foster Fraser
Friedman Fujita Gallo Garcia Garnier Gomez Goncalves Gonzalez Gordon Graham Gray Greco Green
Gruber Gupta Gustafsson Haddad Hahn Hall Hansen Harris Hartmann Hasegawa Hayes Hernandez Hoang
Hoffmann Holm Horvat Hughes Hussain Ibrahim Ivanov Jackson Jansen Jensen Johansson Johnson Jones
Jovanovic Kaiser Kapoor Kato Keller Kelly Khan Kim Klein Koch Kowalczyk Kowalski Kozlov Kraus
Kumar Kuznetsov Lambert Larsen Laurent Lee Lehmann Leone Lewis Lima Lindqvist Lopez Lorenz Lund
Maier Malik Mancini Marchetti Marin Marino Martin Martinez Mazur Mehta Mendes Mendoza Meyer Miller
Mitchell Molina Moreau Moreno Morris Murphy Murray Nakamura Navarro Neumann Nguyen Nielsen Nkosi
Novak Nowak Nunez Obi Ochieng Odhiambo Okafor Okonkwo Oliveira Olsen Ortiz Osei Owusu Ozturk
Park Patel Pavlov Pereira Perez Persson Peters Petrov Pham Popescu Popov Price Quinn Rahman
Ramirez Ramos Reddy Reyes Ribeiro Ricci Richter Rivera Roberts Robinson Rodrigues Rodriguez Romano
Romero Rossi Roth Roux Russo Said Saito Sanchez Santos Sato Schmidt Schneider Schulz Scott Sen
Shah Sharma Shevchenko Silva Simon Singh Smirnov Smith Sokolov Sorensen Sousa Stewart Suarez
Sullivan Suzuki Svensson Takahashi Tanaka Taylor Teixeira Thomas Thompson Torres Tran Turner Vargas
Vasquez Verma Vogel Volkov Wagner Walker Wang Ward Watanabe Weber Wilson Wojcik Wong Wright Wu
Yamamoto Yang Yilmaz Young Zhang Zhou Zimmermann
""".split()  # noqa: SIM905 (a list literal would be 500 quoted names)


@dataclass(frozen=True)
class Landmarks:
    """Records of the data set that the benches request, looked up by what they are."""

    customer_name: str  # full name of an ordinary customer
    customer_email: str
    order_number: int  # the sequence value: "SO-12345" and "12345" as staff type it
    big_customer_id: int
    hot_sku: str


# --- database and Django --------------------------------------------------------------------


def ensure_database(url: str | None = None) -> None:
    """Create the database of ``url`` (default DATABASE_URL) if it does not exist."""
    import psycopg

    url = url or os.environ["DATABASE_URL"]
    name = url.rsplit("/", 1)[1]
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url.replace("postgres://", "postgresql://"), autocommit=True) as c:
        if not c.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            c.execute(f'CREATE DATABASE "{name}"')


def quiet_warnings() -> None:
    """The admin's date filter parses its parameters as naive datetimes; whitenoise misses
    STATIC_ROOT outside production. Neither affects the figures."""
    warnings.filterwarnings("ignore", category=RuntimeWarning, message="DateTimeField")
    warnings.filterwarnings("ignore", category=UserWarning, message="No directory at")


def setup_django() -> None:
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


# --- the marker -----------------------------------------------------------------------------


def ensure(
    orders: int,
    *,
    big: int = BIG_CUSTOMER_ORDERS,
    regenerate: bool = False,
    seed: int = 7,
    orders_per_day: int = ORDERS_PER_DAY,
) -> bool:
    """Generate the data set unless one of this shape version and size is there; True if it
    generated one."""
    wanted = (VERSION, orders, big, orders_per_day)
    if not regenerate and stored_shape() == wanted:
        return False
    generate(orders, big=big, rng=random.Random(seed), orders_per_day=orders_per_day)
    with _cursor() as cursor:
        cursor.execute("DELETE FROM bench_meta")
        cursor.execute(
            "INSERT INTO bench_meta (version, orders, big, orders_per_day, generated_at)"
            " VALUES (%s, %s, %s, %s, now())",
            list(wanted),
        )
    return True


def stored_shape() -> tuple | None:
    with _cursor() as cursor:
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS bench_meta (version int, orders int, big int,"
            " orders_per_day int, generated_at timestamptz)"
        )
        cursor.execute("SELECT version, orders, big, orders_per_day FROM bench_meta")
        return cursor.fetchone()


def _cursor():
    from django.db import connection

    return connection.cursor()


# --- generation -----------------------------------------------------------------------------


@contextlib.contextmanager
def customer_totals_filled_after(connection):
    """Load orders with triggers off (``session_replication_role = replica``: the customer
    totals trigger would queue one event per order until the load commits), then fill the
    totals in one query."""
    migration = importlib.import_module("orders.migrations.0014_customer_order_totals")
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = DEFAULT")
            cursor.execute("DELETE FROM orders_customerordertotals")
            cursor.execute(migration.BACKFILL)


def generate(
    orders: int,
    *,
    big: int = BIG_CUSTOMER_ORDERS,
    rng: random.Random,
    orders_per_day: int = ORDERS_PER_DAY,
) -> None:
    """Replace the bench data with ``orders`` orders ending now, at ``orders_per_day``."""
    from django.db import connection
    from django.utils import timezone

    print(f"generating {orders:,} orders (big customer {big:,})…", flush=True)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE orders_orderevent, orders_allocation, orders_orderline, orders_order,"
            " customers_address, customers_customer, inventory_stockmovement,"
            " inventory_stocklevel RESTART IDENTITY CASCADE"
        )
        cursor.execute("SELECT setval('oms_order_number_seq', 1, false)")
    connection.ensure_connection()
    raw = connection.connection  # psycopg's own connection, for COPY
    now = timezone.now()
    start = now - timedelta(days=orders / orders_per_day)
    catalogue = ensure_catalogue()
    customers = copy_customers(raw, max(orders // ORDERS_PER_CUSTOMER, 10), start, rng)
    big_orders = set(rng.sample(range(orders), min(big, orders)))
    with customer_totals_filled_after(connection):
        copy_orders(raw, orders, start, now, catalogue, customers, big_orders, rng)
    copy_stock(raw, catalogue, start, now, orders, big * MOVEMENTS_PER_BIG_ORDER, rng)
    print(f"  loaded in {time.perf_counter() - started:.0f} s; analysing…", flush=True)
    with connection.cursor() as cursor:
        # VACUUM (visibility map, so index-only scans work as on a settled database) cannot
        # run in a transaction, which is where the tests call this.
        cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE")
    print(f"generated in {time.perf_counter() - started:.0f} s", flush=True)


@dataclass(frozen=True)
class Catalogue:
    channels: dict[str, int]  # code → id
    products: list[tuple[int, str, str, Decimal]]  # (id, sku, name, price), BENCH-HOT excluded
    hot: tuple[int, str, str, Decimal]
    locations: list[int]


def ensure_catalogue() -> Catalogue:
    from inventory.models import Location, Product
    from orders.models import SalesChannel

    locations = [
        Location.objects.get_or_create(code=code, defaults={"name": name, "priority": priority})[
            0
        ].pk
        for code, name, priority in LOCATIONS
    ]
    Product.objects.bulk_create(
        [
            Product(sku=f"BENCH-{i:05d}", name=f"Bench product {i}", unit_price=Decimal(i % 90 + 5))
            for i in range(PRODUCTS)
        ]
        + [Product(sku=HOT_SKU, name="Bench bestseller", unit_price=Decimal("19.90"))],
        ignore_conflicts=True,
    )
    rows = Product.objects.filter(sku__startswith="BENCH-").order_by("sku")
    products = [(p.pk, p.sku, p.name, p.unit_price) for p in rows]
    hot = next(product for product in products if product[1] == HOT_SKU)
    channels = {
        code: SalesChannel.objects.get_or_create(code=code, defaults={"name": name, "kind": kind})[
            0
        ].pk
        for code, name, kind in CHANNELS
    }
    return Catalogue(channels, [p for p in products if p != hot], hot, locations)


@dataclass(frozen=True)
class Customers:
    ids: list[int]  # the big customer first
    names: list[str]
    emails: list[str]


def customer_identities(count: int, rng: random.Random) -> list[tuple[str, str]]:
    """(name, e-mail) for ``count`` ordinary customers: first × last name, the e-mail from the
    name, with a number only when that e-mail is taken."""
    taken: dict[str, int] = {}
    identities = []
    for _ in range(count):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        local = f"{first}.{last}".lower()
        seen = taken.get(local, 0)
        taken[local] = seen + 1
        suffix = str(seen + 1) if seen else ""
        identities.append((f"{first} {last}", f"{local}{suffix}@example.com"))
    return identities


def copy_customers(raw, count: int, start: datetime, rng: random.Random) -> Customers:
    identities = [BIG_CUSTOMER, *customer_identities(count - 1, rng)]
    columns = "email, name, phone, company, notes, created_at, updated_at"
    with raw.cursor() as cursor:
        with cursor.copy(f"COPY customers_customer ({columns}) FROM STDIN") as copy:
            for index, (name, email) in enumerate(identities):
                since = start - timedelta(days=rng.uniform(0, 365))
                company = BIG_CUSTOMER[0] if index == 0 else ""
                phone = f"+1 555 {index:07d}"
                copy.write_row((email, name, phone, company, "", since, since))
        cursor.execute("SELECT id FROM customers_customer ORDER BY id")
        ids = [row[0] for row in cursor.fetchall()]
    return Customers(ids, [n for n, _ in identities], [e for _, e in identities])


ORDER_COLUMNS = (
    "number, channel_id, external_id, customer_id, email, shipping_address, billing_address,"
    " currency, status, payment_status, fulfilment_status, subtotal, discount_total,"
    " shipping_total, tax_total, total, placed_at, notes, hold_reason, hold_note,"
    " status_before_hold, cancel_reason, created_at, updated_at"
)
LINE_COLUMNS = (
    "order_id, product_id, sku, name, quantity, unit_price, discount, tax_rate, tax_amount,"
    " line_total, quantity_allocated, quantity_backordered, quantity_shipped, quantity_returned"
)


class StatusPicker:
    """Draws an order's status from the weights for its age."""

    def __init__(self) -> None:
        self.buckets = [(limit, *self._cumulative(w)) for limit, w in OPEN_STATUSES_BY_AGE]
        self.closed = self._cumulative(CLOSED_STATUSES)

    @staticmethod
    def _cumulative(weights: dict[str, int]) -> tuple[list[str], list[int]]:
        return list(weights), list(accumulate(weights.values()))

    def pick(self, age_days: float, rng: random.Random) -> str:
        statuses, cumulative = next(
            ((s, c) for limit, s, c in self.buckets if age_days < limit), self.closed
        )
        return statuses[bisect.bisect_right(cumulative, rng.random() * cumulative[-1])]


def copy_orders(raw, count, start, now, catalogue, customers, big_orders, rng) -> None:
    """Orders in placed order (ids and numbers grow with time), their lines through a
    temporary file (one COPY at a time per connection), totals the sum of the lines."""
    from orders.numbers import format_order_number

    picker = StatusPicker()
    step = (now - start) / count
    ordinary_channels = [id_ for code, id_ in catalogue.channels.items() if code != "wholesale"]
    wholesale = catalogue.channels["wholesale"]
    with tempfile.TemporaryFile("w+", encoding="utf-8") as lines, raw.cursor() as cursor:
        with cursor.copy(f"COPY orders_order ({ORDER_COLUMNS}) FROM STDIN") as copy:
            for index in range(count):
                placed = start + step * (index + 1)
                status = picker.pick((now - placed) / timedelta(days=1), rng)
                if index in big_orders:
                    customer, channel = 0, wholesale
                else:
                    customer = rng.randrange(1, len(customers.ids))
                    channel = rng.choice(ordinary_channels)
                backordered = status in ("placed", "confirmed") and rng.random() < BACKORDER_SHARE
                totals = write_lines(lines, index + 1, status, backordered, catalogue, rng)
                copy.write_row(
                    order_row(
                        format_order_number(index + 1),
                        status,
                        backordered,
                        channel,
                        customers.ids[customer],
                        customers.names[customer],
                        customers.emails[customer],
                        placed,
                        totals,
                        rng,
                    )
                )
        _check_order_ids(cursor, count)
        cursor.execute("SELECT setval('oms_order_number_seq', %s)", [count])
        lines.seek(0)
        with cursor.copy(f"COPY orders_orderline ({LINE_COLUMNS}) FROM STDIN") as copy:
            while chunk := lines.read(1 << 20):
                copy.write(chunk)


def _check_order_ids(cursor, count: int) -> None:
    """The lines were written with ids 1…count: TRUNCATE … RESTART IDENTITY and one COPY."""
    cursor.execute("SELECT min(id), max(id), count(*) FROM orders_order")
    if cursor.fetchone() != (1, count, count):
        raise RuntimeError("orders did not get the ids 1…count; lines would point elsewhere")


def write_lines(out, order_id, status, backordered, catalogue, rng) -> tuple[Decimal, Decimal]:
    """Write the order's lines in COPY text format; return (subtotal, tax)."""
    chosen = rng.sample(catalogue.products, rng.choice((1, 1, 2, 2, 3, 4)))
    if backordered and rng.random() < 0.3:
        chosen[0] = catalogue.hot  # BENCH-HOT's backorders panel has something to show
    subtotal = tax_total = Decimal("0.00")
    for position, (product_id, sku, name, price) in enumerate(chosen):
        quantity = rng.randint(1, 3)
        total = price * quantity
        tax = (total * TAX).quantize(CENT)
        subtotal, tax_total = subtotal + total, tax_total + tax
        first_shipped = status == "partially_shipped" and not position
        shipped = quantity if status in SHIPPED or first_shipped else 0
        waiting = quantity if backordered and not position else 0
        out.write(
            f"{order_id}\t{product_id}\t{sku}\t{name}\t{quantity}\t{price}\t0.00\t{TAX}\t{tax}"
            f"\t{total}\t0\t{waiting}\t{shipped}\t0\n"
        )
    return subtotal, tax_total


def order_row(number, status, backordered, channel, customer_id, name, email, placed, totals, rng):
    subtotal, tax = totals
    shipping = Decimal("0.00") if subtotal >= 100 else SHIPPING
    hold_reason, before_hold = rng.choice(HOLDS) if status == "on_hold" else ("", "")
    unpaid = hold_reason == "awaiting_payment"
    address = json.dumps({"name": name, "line1": "1 Main St", "city": "New York", "country": "US"})
    return (
        number, channel, "", customer_id, email, address, address, "USD", status,
        "unpaid" if unpaid else PAYMENT.get(status, "paid"),
        "backordered" if backordered else FULFILMENT.get(status, "allocated"),
        subtotal, Decimal("0.00"), shipping, tax, subtotal + shipping + tax, placed, "",
        hold_reason, "", before_hold, "Customer request" if status == "cancelled" else "",
        placed, placed,
    )  # fmt: skip


MOVEMENT_COLUMNS = "product_id, location_id, quantity, reason, reference, note, created_at"


def copy_stock(raw, catalogue, start, now, orders, hot_movements, rng) -> None:
    """An opening receipt and its stock level for every product at every location, and
    BENCH-HOT's long ledger; every stock level equals the sum of its movements."""
    on_hand = {}
    with raw.cursor() as cursor:
        with cursor.copy(f"COPY inventory_stockmovement ({MOVEMENT_COLUMNS}) FROM STDIN") as copy:
            for product_id, *_ in catalogue.products:
                for location_id in catalogue.locations:
                    copy.write_row(
                        (product_id, location_id, STOCK_PER_LEVEL, "receipt", "OPENING", "", start)
                    )
                    on_hand[product_id, location_id] = STOCK_PER_LEVEL
            on_hand |= write_hot_ledger(copy, catalogue, start, now, orders, hot_movements, rng)
        with cursor.copy(
            "COPY inventory_stocklevel (product_id, location_id, on_hand, reserved, updated_at)"
            " FROM STDIN"
        ) as copy:
            for (product_id, location_id), units in on_hand.items():
                copy.write_row((product_id, location_id, units, 0, now))


def write_hot_ledger(copy, catalogue, start, now, orders, count, rng) -> dict:
    """Mostly sales of 1–3 units referencing an order, a receipt every tenth movement or so,
    some returns and adjustments, never below zero; returns the on-hand units per location."""
    from orders.numbers import format_order_number

    hot_id = catalogue.hot[0]
    on_hand = dict.fromkeys(catalogue.locations, 0)
    step = (now - start) / max(count, 1)
    for index in range(count):
        location_id = rng.choice(catalogue.locations)
        draw = rng.random()
        if draw < 0.8:
            quantity, reason = -rng.randint(1, 3), "sale"
            reference = format_order_number(rng.randint(1, orders))
        elif draw < 0.85:
            quantity, reason, reference = 1, "return", format_order_number(rng.randint(1, orders))
        elif draw < 0.9:
            quantity, reason, reference = rng.choice((-2, -1, 1, 2)), "adjustment", "COUNT"
        else:
            quantity, reason, reference = rng.randint(50, 150), "receipt", f"PO-{index:07d}"
        if on_hand[location_id] + quantity < 0:
            quantity, reason, reference = rng.randint(50, 150), "receipt", f"PO-{index:07d}"
        on_hand[location_id] += quantity
        copy.write_row(
            (hot_id, location_id, quantity, reason, reference, "", start + step * (index + 1))
        )
    return {(hot_id, location_id): units for location_id, units in on_hand.items()}


# --- what the benches request ----------------------------------------------------------------


def landmarks() -> Landmarks:
    """An ordinary customer from the middle of the table (whose name another may share), the
    big customer, the order SO-012345 (or the last one on a smaller set) and BENCH-HOT."""
    from customers.models import Customer
    from orders.models import Order

    big = Customer.objects.get(email=BIG_CUSTOMER[1])
    ordinary = Customer.objects.exclude(pk=big.pk).order_by("pk")
    middle = ordinary[ordinary.count() // 2]
    last = Order.objects.order_by("-pk").values_list("pk", flat=True).first() or 1
    return Landmarks(
        customer_name=middle.name,
        customer_email=middle.email,
        order_number=min(SEARCH_NUMBER, last),
        big_customer_id=big.pk,
        hot_sku=HOT_SKU,
    )
