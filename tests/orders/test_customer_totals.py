"""Customer lifetime totals kept by database triggers (``CustomerOrderTotals``) equal a direct
aggregate of the orders after every kind of write: services, bulk updates, a change of
customer or currency, deletes, concurrent threads; and the panels read them at a constant cost.

The suite's own database runs the PostgreSQL triggers (or the SQLite ones when the suite falls
back to SQLite); the SQLite trigger SQL is also run in an in-memory sqlite3 database so that a
PostgreSQL run (CI) checks it too.
"""

import importlib
import random
import sqlite3
from collections import Counter
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.db.models import Count, Sum
from django.urls import reverse

from core.exceptions import DomainError
from core.templatetags.oms import money
from orders import selectors, services
from orders.models import CustomerOrderTotals, Order, OrderStatus
from tests import factories
from tests.factories import place, stock
from tests.orders.test_concurrency import deadlocks, run_concurrently

migration = importlib.import_module("orders.migrations.0014_customer_order_totals")

HTMX = {"HX-Request": "true"}


def direct_totals() -> dict[tuple[int, str], tuple[int, Decimal]]:
    """(customer, currency) → (orders, lifetime value), summed from the orders themselves."""
    rows = (
        Order.objects.exclude(status__in=selectors.NOT_COUNTED_STATUSES)
        .values_list("customer_id", "currency")
        .annotate(count=Count("id"), value=Sum("total"))
        .order_by()
    )
    return {(customer, currency): (count, value) for customer, currency, count, value in rows}


def kept_totals() -> dict[tuple[int, str], tuple[int, Decimal]]:
    """The rows the triggers keep; a row left at zero orders must be at zero value too."""
    rows = CustomerOrderTotals.objects.values_list(
        "customer_id", "currency", "order_count", "lifetime_value"
    )
    kept = {(customer, currency): (count, value) for customer, currency, count, value in rows}
    assert all(value == 0 for count, value in kept.values() if count == 0)
    return {key: figures for key, figures in kept.items() if figures[0]}


def set_total(order: Order, total: Decimal) -> None:
    """A bulk update of the money columns, past every service (the invariant still holds)."""
    Order.objects.filter(pk=order.pk).update(
        subtotal=total, discount_total=0, shipping_total=0, tax_total=0, total=total
    )


@pytest.fixture
def product(warehouse):
    product = factories.ProductFactory(unit_price=Decimal("10.00"))
    stock(product, warehouse, 10_000)
    return product


@pytest.mark.django_db
def test_counted_statuses_of_the_migration_are_the_selectors():
    written = {status.strip(" '") for status in migration.NOT_COUNTED_SQL.strip("()").split(",")}
    assert written == set(selectors.NOT_COUNTED_STATUSES)


@pytest.mark.django_db
def test_totals_follow_every_kind_of_write(channel, product, customer):
    other = factories.CustomerFactory()

    def check() -> None:
        assert kept_totals() == direct_totals()

    first = place(channel=channel, customer=customer, items=[(product, 2)])
    second = place(channel=channel, customer=customer, items=[(product, 1)])
    draft = place(channel=channel, customer=customer, items=[(product, 5)], draft=True)
    check()
    assert kept_totals()[(customer.pk, "USD")][0] == 2  # the draft does not count

    services.update_order_lines(order=second, quantities={second.lines.get().pk: 3})
    check()
    services.change_shipping_charge(order=first, shipping_total=Decimal("4.50"))
    check()
    services.submit_draft(order=draft)
    check()
    services.cancel_order(order=first, reason="duplicate")
    check()
    assert kept_totals()[(customer.pk, "USD")][0] == 2  # cancelled: no longer counted

    set_total(second, Decimal("99.99"))
    check()
    Order.objects.filter(pk=second.pk).update(customer=other)  # customers merged
    check()
    Order.objects.filter(pk=draft.pk).update(currency="EUR")
    check()
    Order.objects.filter(pk=first.pk).update(status=OrderStatus.PLACED)  # un-cancelled by hand
    check()
    Order.objects.filter(customer=customer).update(customer=other, currency="GBP")
    check()
    assert set(kept_totals()) == {(other.pk, "USD"), (other.pk, "GBP")}

    Order.objects.filter(pk=second.pk).delete()
    check()
    Order.objects.all().delete()
    assert kept_totals() == {}


@pytest.mark.django_db
def test_the_backfill_gives_the_direct_totals(channel, product, customer):
    for quantity in (1, 2, 3):
        place(channel=channel, customer=customer, items=[(product, quantity)])
    place(channel=channel, customer=factories.CustomerFactory(), items=[(product, 1)], draft=True)
    CustomerOrderTotals.objects.all().delete()

    with connection.cursor() as cursor:
        cursor.execute(migration.BACKFILL)

    assert kept_totals() == direct_totals() == {(customer.pk, "USD"): (3, Decimal("60.00"))}


@pytest.mark.django_db
def test_the_average_shows_as_the_average_of_the_orders_did(channel, product, customer):
    orders = [place(channel=channel, customer=customer, items=[(product, 1)]) for _ in range(3)]
    for order, total in zip(orders, ("10.00", "10.01", "10.02"), strict=True):
        set_total(order, Decimal(total))
    place(channel=channel, customer=customer, items=[(product, 1)], currency="EUR")
    set_total(Order.objects.get(currency="EUR"), Decimal("0.25"))
    Order.objects.filter(pk=orders[2].pk).update(status=OrderStatus.CANCELLED)

    usd, eur = selectors.totals_by_customer([customer.pk])[customer.pk][::-1]

    assert (usd.currency, usd.order_count, usd.lifetime_value) == ("USD", 2, Decimal("20.01"))
    # 10.005 exactly: the money filter rounded the exact average half to even
    assert usd.average_order_value == Decimal("10.00") == Decimal(money(Decimal("20.01") / 2))
    assert (eur.currency, eur.order_count, eur.average_order_value) == ("EUR", 1, Decimal("0.25"))


@pytest.mark.django_db
def test_a_customer_whose_orders_all_left_has_no_totals(channel, product, customer):
    order = place(channel=channel, customer=customer, items=[(product, 1)])
    services.cancel_order(order=order, reason="changed their mind")

    assert selectors.totals_by_customer([customer.pk]) == {}


@pytest.mark.django_db
def test_the_totals_panels_cost_the_same_however_many_orders_and_customers(
    login_as, channel, product, django_assert_max_num_queries
):
    client = login_as("Customer service")
    customers = [factories.CustomerFactory() for _ in range(12)]

    def queries() -> list[int]:
        counts = []
        for url, params in (
            (reverse("orders:customer_totals", args=[customers[0].pk]), {}),
            (reverse("orders:customer_list_totals"), {"customer": [c.pk for c in customers]}),
        ):
            with django_assert_max_num_queries(8) as captured:
                assert client.get(url, params, headers=HTMX).status_code == 200
            counts.append(len(captured.captured_queries))
        return counts

    place(channel=channel, customer=customers[0], items=[(product, 1)])
    few = queries()
    for index in range(24):
        place(channel=channel, customer=customers[index % 12], items=[(product, 1)])
    assert queries() == few


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_totals_equal_a_direct_aggregate_after_random_concurrent_changes(channel, warehouse):
    products = [factories.ProductFactory(sku=f"TOT-{n}") for n in range(3)]
    for product in products:
        stock(product, warehouse, 10_000)
    customers = [factories.CustomerFactory() for _ in range(3)]
    before = deadlocks()
    done = Counter()

    def change(rng: random.Random, action: str, order: Order) -> None:
        if action == "cancel":
            services.cancel_order(order=order, reason="Customer request")
        elif action == "lines":
            line = order.lines.first()
            services.update_order_lines(order=order, quantities={line.pk: rng.randint(1, 4)})
        elif action == "shipping":
            amount = Decimal(rng.randint(0, 900)) / 100
            services.change_shipping_charge(order=order, shipping_total=amount)
        elif action == "submit":
            services.submit_draft(order=order)
        elif action == "move":  # a bulk update past the services: customers merged
            with transaction.atomic():
                Order.objects.filter(pk=order.pk).update(customer=rng.choice(customers))
        else:
            Order.objects.filter(pk=order.pk).update(currency=rng.choice(("USD", "EUR")))

    def work(thread: int) -> None:
        rng = random.Random(thread)
        mine: list[Order] = []
        for _ in range(14):
            action = rng.choice(
                ("place", "place", "cancel", "lines", "shipping", "submit", "move", "currency")
            )
            if action == "place" or not mine:
                mine.append(
                    place(
                        channel=channel,
                        customer=rng.choice(customers),
                        items=[(rng.choice(products), rng.randint(1, 3))],
                        draft=rng.random() < 0.25,
                    )
                )
                continue
            try:
                change(rng, action, Order.objects.get(pk=rng.choice(mine).pk))
                done[action] += 1
            except DomainError:
                pass  # not allowed in the order's state: refused, nothing changed

    run_concurrently(6, work)

    assert kept_totals() == direct_totals()
    assert {"cancel", "lines", "move"} <= set(done)
    assert Order.objects.filter(status=OrderStatus.DRAFT).exists()
    assert deadlocks() == before


# --- the SQLite triggers, on an in-memory sqlite3 database ------------------------------------

SQLITE_TABLES = """
CREATE TABLE orders_order (
    id integer PRIMARY KEY, customer_id integer NOT NULL, currency varchar(3) NOT NULL,
    status varchar(20) NOT NULL, total decimal NOT NULL
);
CREATE TABLE orders_customerordertotals (
    id integer PRIMARY KEY, customer_id integer NOT NULL, currency varchar(3) NOT NULL,
    order_count integer NOT NULL CHECK (order_count >= 0), lifetime_value decimal NOT NULL,
    UNIQUE (customer_id, currency)
);
"""


def sqlite_totals(db: sqlite3.Connection, *, kept: bool) -> dict:
    if kept:
        rows = db.execute(
            "SELECT customer_id, currency, order_count, lifetime_value "
            "FROM orders_customerordertotals WHERE order_count > 0"
        )
    else:
        rows = db.execute(
            "SELECT customer_id, currency, COUNT(*), ROUND(SUM(total), 2) FROM orders_order "
            "WHERE status NOT IN ('draft', 'cancelled') GROUP BY customer_id, currency"
        )
    return {(c, cur): (n, Decimal(str(v)).quantize(Decimal("0.01"))) for c, cur, n, v in rows}


def test_the_sqlite_triggers_keep_the_totals_through_random_writes():
    db = sqlite3.connect(":memory:")
    db.executescript(SQLITE_TABLES)
    for statement in migration.SQLITE_TRIGGERS:
        db.execute(statement)
    rng = random.Random(9)
    statuses = ("draft", "placed", "confirmed", "shipped", "cancelled")

    for step in range(400):
        order_ids = [row[0] for row in db.execute("SELECT id FROM orders_order")]
        action = rng.choice(("insert", "insert", "status", "total", "customer", "delete"))
        if action == "insert" or not order_ids:
            db.execute(
                "INSERT INTO orders_order (customer_id, currency, status, total) VALUES (?,?,?,?)",
                (
                    rng.randint(1, 4),
                    rng.choice(("USD", "EUR")),
                    rng.choice(statuses),
                    f"{rng.randint(0, 99_999) / 100:.2f}",
                ),
            )
        elif action == "delete":
            db.execute("DELETE FROM orders_order WHERE id = ?", (rng.choice(order_ids),))
        else:
            column, value = {
                "status": ("status", rng.choice(statuses)),
                "total": ("total", f"{rng.randint(0, 99_999) / 100:.2f}"),
                "customer": ("customer_id", rng.randint(1, 4)),
            }[action]
            db.execute(
                f"UPDATE orders_order SET {column} = ? WHERE id = ?",  # noqa: S608
                (value, rng.choice(order_ids)),
            )
        if step % 50 == 0:
            db.execute("UPDATE orders_order SET currency = 'GBP' WHERE customer_id = 2")
        assert sqlite_totals(db, kept=True) == sqlite_totals(db, kept=False)

    db.execute("DELETE FROM orders_customerordertotals")
    db.execute(migration.BACKFILL)
    assert sqlite_totals(db, kept=True) == sqlite_totals(db, kept=False)
    for statement in migration.DROP_SQLITE_TRIGGERS:
        db.execute(statement)
    assert db.execute("SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger'").fetchone() == (
        0,
    )
