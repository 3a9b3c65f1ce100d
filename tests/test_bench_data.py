"""The bench's data set has a business's shape: open orders are recent, history is closed, one
customer has many orders, one product a long ledger, and stock levels equal their ledgers."""

import random
from datetime import timedelta

import pytest
from django.db.models import Count, F, Sum
from django.utils import timezone

from bench import data
from customers.models import Customer
from inventory.models import StockLevel, StockMovement
from orders.models import Order, OrderLine

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

ORDERS, PER_DAY, BIG = 2_000, 20, 300  # 100 days of history
OPEN = ["placed", "confirmed", "processing", "partially_shipped", "on_hold"]


@pytest.fixture
def generated(monkeypatch):
    monkeypatch.setattr(data, "BACKORDER_SHARE", 0.5)  # 100 days have few orders waiting
    data.generate(ORDERS, big=BIG, rng=random.Random(3), orders_per_day=PER_DAY)


def test_history_is_closed_and_recent_orders_are_open(generated):
    now = timezone.now()
    old = Order.objects.filter(placed_at__lt=now - timedelta(days=data.OPEN_DAYS))
    recent = Order.objects.filter(placed_at__gte=now - timedelta(days=1))

    assert Order.objects.count() == ORDERS
    assert old.filter(status="completed").count() > 0.8 * old.count()
    assert old.filter(status__in=OPEN).count() < 0.01 * old.count()  # the stale tail only
    assert recent.filter(status__in=OPEN).count() > 0.8 * recent.count()
    assert Order.objects.earliest("placed_at").placed_at < now - timedelta(days=99)


def test_big_customer_and_unique_emails(generated):
    big = Customer.objects.get(email=data.BIG_CUSTOMER[1])

    assert big.orders.count() == BIG
    assert Customer.objects.count() == ORDERS // data.ORDERS_PER_CUSTOMER
    assert Customer.objects.values("email").distinct().count() == Customer.objects.count()


def test_stock_levels_equal_their_ledgers_and_the_hot_product_has_the_long_one(generated):
    ledger = {
        (row["product"], row["location"]): row["units"]
        for row in StockMovement.objects.values("product", "location").annotate(
            units=Sum("quantity")
        )
    }
    levels = {(lvl.product_id, lvl.location_id): lvl.on_hand for lvl in StockLevel.objects.all()}

    assert levels == ledger
    hot = StockMovement.objects.filter(product__sku=data.HOT_SKU)
    assert hot.count() == BIG * data.MOVEMENTS_PER_BIG_ORDER
    assert hot.values("location").distinct().count() == len(data.LOCATIONS)


def test_order_totals_are_their_lines_and_backorders_are_on_open_orders(generated):
    sums = Order.objects.annotate(lines_total=Sum("lines__line_total"), line_count=Count("lines"))
    backordered = OrderLine.objects.filter(quantity_backordered__gt=0)

    assert not sums.exclude(subtotal=F("lines_total")).exists()
    assert sums.filter(line_count=0).count() == 0
    assert backordered.exists()
    assert not backordered.exclude(order__status__in=OPEN).exists()


def test_landmarks_name_records_that_exist(generated):
    marks = data.landmarks()

    assert Customer.objects.filter(name=marks.customer_name, email=marks.customer_email).exists()
    assert Order.objects.filter(number=f"SO-{marks.order_number:06d}").exists()
    assert Customer.objects.get(pk=marks.big_customer_id).email == data.BIG_CUSTOMER[1]


def test_customer_totals_are_filled_after_the_load(generated):
    from orders.models import CustomerOrderTotals

    counted = Order.objects.exclude(status__in=["draft", "cancelled"])
    direct = {
        (row["customer_id"], row["currency"]): (row["n"], row["value"])
        for row in counted.values("customer_id", "currency").annotate(
            n=Count("*"), value=Sum("total")
        )
    }
    kept = {
        (t.customer_id, t.currency): (t.order_count, t.lifetime_value)
        for t in CustomerOrderTotals.objects.all()
    }

    assert kept == direct
