"""The home page's figures and the search at any size: exact under concurrency, on indexes.

The plans are checked with sequential scans priced out (``enable_seqscan = off``): PostgreSQL
still picks a sequential scan when no index can answer, so a "Seq Scan" in the plan means the
query would read the whole table at a million orders.
"""

import json
import random
from collections import Counter
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from backoffice import selectors
from core.exceptions import DomainError
from customers.models import Customer
from customers.selectors import matching_customer_ids
from inventory.search import search_products
from orders import services
from orders.models import HoldReason, Order, OrderStatus
from orders.search import matching_orders
from orders.workflow import OPEN_STATUSES
from tests import factories
from tests.factories import place, stock
from tests.orders.test_concurrency import run_concurrently

pytestmark = pytest.mark.postgres


def plan_of(queryset) -> str:
    """The plan of the queryset's query as JSON text, with sequential scans priced out."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        return json.dumps(cursor.fetchone()[0])


# --- home ----------------------------------------------------------------------------------


def expected_figures(day) -> dict:
    """The home page's order figures counted one order at a time, in Python."""
    start, end = selectors.day_bounds(day)
    orders = list(Order.objects.values("status", "hold_reason", "placed_at", "total", "currency"))
    today = [o for o in orders if o["placed_at"] and start <= o["placed_at"] < end]
    statuses = Counter(o["status"] for o in orders)
    revenue = Counter()
    for order in today:
        if order["status"] != OrderStatus.CANCELLED:
            revenue[order["currency"]] += order["total"]
    return {
        "placed_today": len(today),
        "revenue_today": sorted(revenue.items()),
        "to_confirm": statuses[OrderStatus.PLACED],
        "to_process": statuses[OrderStatus.CONFIRMED],
        "to_ship": statuses[OrderStatus.PROCESSING] + statuses[OrderStatus.PARTIALLY_SHIPPED],
        "on_hold": statuses[OrderStatus.ON_HOLD],
        "on_hold_by_reason": dict(
            Counter(o["hold_reason"] for o in orders if o["status"] == OrderStatus.ON_HOLD)
        ),
    }


def figures_of(day) -> dict:
    figures = selectors.order_figures(day)
    return {
        "placed_today": figures.placed_today,
        "revenue_today": sorted(figures.revenue_today),
        "to_confirm": figures.to_confirm,
        "to_process": figures.to_process,
        "to_ship": figures.to_ship,
        "on_hold": figures.on_hold,
        "on_hold_by_reason": {hold.reason: hold.count for hold in figures.on_hold_by_reason},
    }


@pytest.mark.django_db(transaction=True)
def test_home_counts_equal_a_direct_count_after_random_concurrent_changes(channel, warehouse):
    products = [factories.ProductFactory(sku=f"HOME-{n}") for n in range(3)]
    for product in products:
        stock(product, warehouse, 10_000)
    customers = [factories.CustomerFactory() for _ in range(4)]
    yesterday = timezone.now() - timedelta(days=1)

    def work(thread: int) -> None:
        rng = random.Random(thread)
        mine: list[Order] = []
        for _ in range(12):
            action = rng.choice(("place", "place", "confirm", "hold", "release", "cancel"))
            try:
                if action == "place" or not mine:
                    mine.append(
                        place(
                            channel=channel,
                            customer=rng.choice(customers),
                            items=[(rng.choice(products), rng.randint(1, 3))],
                            placed_at=yesterday if rng.random() < 0.3 else None,
                        )
                    )
                    continue
                order = Order.objects.get(pk=rng.choice(mine).pk)
                if action == "confirm":
                    services.confirm_order(order=order)
                elif action == "hold":
                    services.hold_order(order=order, reason=rng.choice(HoldReason.values))
                elif action == "release":
                    services.release_hold(order=order)
                else:
                    services.cancel_order(order=order, reason="Customer request")
            except DomainError:
                pass  # a transition the order's state does not allow: refused, nothing changed

    run_concurrently(6, work)

    today = timezone.localdate()
    assert Order.objects.filter(status__in=OPEN_STATUSES).exists()
    assert figures_of(today) == expected_figures(today)


@pytest.mark.django_db
def test_the_work_queues_are_counted_on_the_open_orders_index_only():
    open_orders = Order.objects.filter(status__in=OPEN_STATUSES).values_list("status")

    plan = plan_of(open_orders)

    # Both are partial indexes of exactly the open orders (the read is the work in hand, not
    # the history); on a near-empty test table the planner may take either.
    assert "order_open_status_idx" in plan or "order_open_ship_by_idx" in plan
    assert "Seq Scan" not in plan


@pytest.mark.django_db
def test_the_days_orders_are_read_on_a_range_of_the_placed_at_index():
    start, end = selectors.day_bounds(timezone.localdate())

    plan = plan_of(Order.objects.filter(placed_at__gte=start, placed_at__lt=end))

    assert "Index" in plan and "Seq Scan" not in plan


# --- search --------------------------------------------------------------------------------


@pytest.fixture
def grace(channel, warehouse):
    product = factories.ProductFactory(
        sku="TEA-EARL", name="Earl Grey tea", barcode="5012345678900"
    )
    stock(product, warehouse, 5)
    customer = factories.CustomerFactory(
        name="Grace Hopper", email="Grace.Hopper@Navy.example", phone="+1 202 555 0142",
        company="Harvard Computation Lab",
    )  # fmt: skip
    order = place(channel=channel, customer=customer, items=[(product, 1)], external_id="WEB-99")
    other = factories.CustomerFactory(name="Someone Else", email="else@example.com", phone="")
    mug = factories.ProductFactory(sku="MUG-9")
    stock(mug, warehouse, 5)
    place(channel=channel, customer=other, items=[(mug, 1)])
    return order


def search_keys(order: Order) -> dict[str, str]:
    digits = str(int(order.number.split("-")[1])).rjust(2, "0")  # the search wants two characters
    return {
        "number": order.number,
        "number in lower case": order.number.lower(),
        "number without its dash": order.number.replace("-", ""),
        "bare digits": digits,
        "digits with leading zeros": digits.rjust(9, "0"),
        "channel order id": "WEB-99",
        "SKU in any case": "tea-earl",
        "e-mail in any case": "grace.hopper@navy.EXAMPLE",
        "start of the e-mail": "grace.hop",
        "part of the name": "hopper",
        "part of the company": "computation",
        "part of the phone": "555 0142",
    }


@pytest.mark.django_db
@pytest.mark.parametrize("key", list(search_keys(Order(number="SO-000001"))))
def test_order_search_finds_by_every_key_it_advertises(grace, login_as, key):
    text = search_keys(grace)[key]

    found = matching_orders(Order.objects.all(), text)
    global_search = login_as("Manager").get("/search/", {"q": text}).content.decode()
    admin = login_as("Manager").get("/admin/orders/order/", {"q": text}).content.decode()

    assert list(found) == [grace]
    assert f"/orders/{grace.number}/" in global_search
    assert admin.count(f"/admin/orders/order/{grace.pk}/change/") == 1


@pytest.mark.django_db
def test_product_search_finds_by_sku_barcode_and_name(grace, login_as):
    product = grace.lines.get().product

    for text in ("TEA-EARL", "tea-e", "5012345678900", "earl grey"):
        assert search_products(text) == [product], text
        admin = login_as("Manager").get("/admin/inventory/product/", {"q": text})
        assert f"/admin/inventory/product/{product.pk}/change/" in admin.content.decode(), text


@pytest.mark.django_db
def test_customer_admin_search_uses_the_dashboards_rule(grace, login_as):
    for text in ("grace.hop", "HOPPER", "computation", "555 0142"):
        admin = login_as("Manager").get("/admin/customers/customer/", {"q": text})
        assert f"/admin/customers/customer/{grace.customer_id}/change/" in admin.content.decode()
        assert "Someone Else" not in admin.content.decode()


@pytest.mark.django_db
def test_users_who_may_not_see_customers_find_orders_by_name_but_not_by_contact(grace):
    by_name = matching_orders(Order.objects.all(), "hopper", by_contact=False)
    by_email = matching_orders(Order.objects.all(), "grace.hop", by_contact=False)
    by_phone = matching_orders(Order.objects.all(), "555 0142", by_contact=False)

    assert list(by_name) == [grace]
    assert not by_email.exists() and not by_phone.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("key", list(search_keys(Order(number="SO-000001"))))
def test_every_search_query_is_answered_by_an_index(grace, key):
    text = search_keys(grace)[key]
    customers = matching_customer_ids(text) or [0]  # no ids: no query to plan
    found = matching_orders(Order.objects.all(), text)

    for queryset in (found, Order.objects.filter(customer_id__in=customers)):
        plan = plan_of(queryset.order_by("-placed_at", "-pk")[:8])
        assert "Seq Scan" not in plan, (key, plan)


@pytest.mark.django_db
def test_many_matching_customers_are_looked_up_by_subquery(monkeypatch):
    monkeypatch.setattr("customers.selectors.MATCHING_IDS_CAP", 2)
    for number in range(3):
        factories.CustomerFactory(name=f"Lovelace {number}")

    many = matching_customer_ids("lovelace")
    few = matching_customer_ids("lovelace 1")

    assert not isinstance(many, list) and len(list(many)) == 3
    assert few == [Customer.objects.get(name="Lovelace 1").pk]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/admin/orders/order/",
        "/admin/orders/orderevent/",
        "/admin/inventory/stockmovement/",
        "/admin/payments/payment/",
        "/admin/customers/customer/",
    ],
)
def test_admin_lists_of_growing_tables_never_read_distinct_dates_of_every_row(
    grace, login_as, url, django_assert_max_num_queries
):
    client = login_as("Manager")

    with django_assert_max_num_queries(12) as queries:
        response = client.get(url)

    assert response.status_code == 200
    assert not [q for q in queries.captured_queries if "DISTINCT" in q["sql"].upper()]


@pytest.mark.django_db
def test_order_search_finds_a_channels_orders_by_its_name(grace, channel):
    found = matching_orders(Order.objects.all(), channel.name.upper())

    assert set(found) == set(Order.objects.filter(channel=channel)) and found.count() == 2
