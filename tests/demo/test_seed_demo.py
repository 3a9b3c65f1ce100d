"""seed_demo: the demo data is complete, consistent with the ledger, and safe to load twice."""

from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import Sum
from django.utils import timezone

from core import roles
from customers.models import Address, Customer
from inventory.models import Location, Product, StockLevel, StockMovement
from orders.models import (
    Allocation,
    Order,
    OrderEvent,
    OrderLine,
    OrderStatus,
    PaymentStatus,
    SalesChannel,
    TaxRate,
)
from payments.models import Payment

pytestmark = pytest.mark.django_db

LOGINS = {
    "admin": None,
    "manager": roles.MANAGER,
    "service": roles.CUSTOMER_SERVICE,
    "warehouse": roles.WAREHOUSE,
    "finance": roles.FINANCE,
}
MODELS = (
    get_user_model(),
    Location,
    SalesChannel,
    TaxRate,
    Product,
    StockLevel,
    StockMovement,
    Customer,
    Address,
    Order,
    OrderLine,
    OrderEvent,
)


def seed(**options) -> str:
    out = StringIO()
    call_command("seed_demo", orders=40, customers=25, stdout=out, **options)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """Seed once for the module (twice, to prove the second run adds nothing), then undo."""
    with django_db_blocker.unblock():
        from django.db import transaction

        with transaction.atomic():
            first_output = seed()
            first = counts()
            # someone changes a demo password: the next run keeps it, unless told to reset it
            manager = get_user_model().objects.get(username="manager")
            manager.set_password("changed")
            manager.save()
            second_output = seed()
            second = counts()
            manager.refresh_from_db()
            kept = manager.check_password("changed")
            reset_output = seed(reset_demo_logins=True)
            yield {
                "first": first,
                "second": second,
                "first_output": first_output,
                "second_output": second_output,
                "kept_changed_password": kept,
                "reset_output": reset_output,
            }
            transaction.set_rollback(True)


def test_running_it_twice_creates_nothing_more(seeded):
    assert seeded["first"] == seeded["second"] == counts()
    assert "40 new orders" in seeded["first_output"]
    assert "0 new orders" in seeded["second_output"]


def test_a_changed_demo_password_is_kept_unless_the_logins_are_reset(seeded):
    assert seeded["kept_changed_password"]
    # only the account whose password differs from the demo one is named
    second = seeded["second_output"]
    assert "manager    Maria Lopez      Manager  (existing account: own password kept)" in second
    assert second.count("password kept") == 1
    assert "--reset-demo-logins" in second
    assert "password kept" not in seeded["first_output"]
    assert "password kept" not in seeded["reset_output"]


def test_demo_logins_have_their_roles_and_passwords(seeded):
    users = get_user_model().objects.prefetch_related("groups")
    for username, role in LOGINS.items():
        user = users.get(username=username)
        assert user.check_password(username), username
        assert user.is_staff
        assert user.first_name and user.last_name
        if role is None:
            assert user.is_superuser
        else:
            assert not user.is_superuser
            assert [group.name for group in user.groups.all()] == [role]
    assert "Demo logins" in seeded["reset_output"]


def test_reference_data_and_catalogue(seeded):
    assert Location.objects.count() >= 4
    assert {"WH-EAST", "WH-WEST", "STORE-NYC", "3PL-CHI"} <= set(
        Location.objects.values_list("code", flat=True)
    )
    store = Location.objects.get(code="STORE-NYC")
    assert store.can_pickup and store.can_ship
    assert set(SalesChannel.objects.values_list("code", flat=True)) == {
        "web",
        "pos",
        "phone",
        "app",
        "marketplace",
        "wholesale",
    }
    assert set(SalesChannel.objects.values_list("currency", flat=True)) == {"USD"}
    assert TaxRate.objects.filter(country="US").count() >= 5
    assert TaxRate.objects.filter(country="DE", region="").exists()
    assert Product.objects.count() >= 60
    assert Product.objects.filter(allow_backorder=True).exists()
    assert Customer.objects.count() == 25
    for customer in Customer.objects.prefetch_related("addresses"):
        assert any(
            a.kind == Address.Kind.SHIPPING and a.is_default for a in customer.addresses.all()
        )


def test_stock_agrees_with_the_ledger(seeded):
    ledger = {
        (row["product_id"], row["location_id"]): row["units"]
        for row in StockMovement.objects.values("product_id", "location_id").annotate(
            units=Sum("quantity")
        )
    }
    levels = list(StockLevel.objects.all())
    assert len(levels) == Product.objects.count() * Location.objects.count()
    for level in levels:
        assert level.on_hand == ledger.get((level.product_id, level.location_id), 0)
        assert 0 <= level.reserved <= level.on_hand
    # opening stock is received, not written: every product is stocked somewhere but a few
    assert StockMovement.objects.filter(reason=StockMovement.Reason.SALE).exists()
    assert StockLevel.objects.filter(on_hand=0).exists()


def test_orders_reach_every_state(seeded):
    statuses = set(Order.objects.values_list("status", flat=True))
    assert len(statuses) >= 8
    assert statuses == set(OrderStatus.values)
    assert Order.objects.count() == 40
    assert set(Order.objects.values_list("channel__code", flat=True)) <= {
        "web",
        "pos",
        "phone",
        "app",
        "marketplace",
        "wholesale",
    }
    assert Order.objects.filter(status=OrderStatus.ON_HOLD).exclude(hold_reason="").exists()
    assert not Order.objects.filter(status=OrderStatus.CANCELLED, cancel_reason="").exists()


def test_orders_keep_their_invariants_and_history(seeded):
    now = timezone.now()
    for order in Order.objects.prefetch_related("lines"):
        lines = list(order.lines.all())
        assert lines
        assert order.total == (
            order.subtotal - order.discount_total + order.shipping_total + order.tax_total
        )
        assert order.subtotal == sum(line.line_total for line in lines)
        if order.status != OrderStatus.DRAFT:
            assert now - timedelta(days=91) < order.placed_at <= now
    # the clean-up task must not cancel the demo's drafts and unpaid orders at once
    cutoff = now - timedelta(hours=48)
    assert not Order.objects.filter(status=OrderStatus.DRAFT, created_at__lt=cutoff).exists()
    unpaid = Order.objects.filter(status=OrderStatus.PLACED, payment_status=PaymentStatus.UNPAID)
    assert unpaid.exists()
    assert not unpaid.filter(placed_at__lt=cutoff).exists()
    assert Order.objects.filter(payment_status=PaymentStatus.PAID).count() > 20
    assert not OrderEvent.objects.filter(created_at__gt=now).exists()


def test_order_numbers_follow_placement_time(seeded):
    by_number = list(Order.objects.order_by("number").values_list("created_at", flat=True))
    assert by_number == sorted(by_number)


def test_payments_and_refunds_happen_when_the_timeline_says(seeded):
    payments = Payment.objects.select_related("order").prefetch_related("refunds", "transactions")
    assert payments.exists()
    for payment in payments:
        order = payment.order
        events = {event.type: event.created_at for event in order.events.all()}
        assert order.placed_at < payment.created_at, order.number
        assert payment.captured_at in (None, payment.created_at)
        paid_at = events.get(OrderEvent.Type.PAYMENT_CAPTURED) or events.get(
            OrderEvent.Type.PAYMENT_RECEIVED
        )
        assert paid_at == payment.created_at, order.number
        for later in (OrderEvent.Type.CONFIRMED, OrderEvent.Type.SHIPPED):
            if later in events:
                assert payment.created_at < events[later], order.number
        for transaction in payment.transactions.all():
            assert transaction.created_at >= payment.created_at
        for refund in payment.refunds.all():
            assert events[OrderEvent.Type.CANCELLED] < refund.created_at, order.number
            assert refund.created_at == events[OrderEvent.Type.PAYMENT_REFUNDED]


def test_the_ledger_takes_stock_out_when_the_order_shipped(seeded):
    shipped = OrderEvent.objects.filter(type=OrderEvent.Type.SHIPPED).select_related("order")
    assert shipped.exists()
    for event in shipped:
        sales = StockMovement.objects.filter(
            reference=event.order.number, reason=StockMovement.Reason.SALE
        )
        assert sales.exists(), event.order.number
        assert set(sales.values_list("created_at", flat=True)) == {event.created_at}


def test_store_orders_take_the_store_stock(seeded):
    store_allocations = Allocation.objects.filter(
        line__order__channel__kind=SalesChannel.Kind.STORE
    )
    assert store_allocations.exists()
    elsewhere = store_allocations.exclude(location__kind=Location.Kind.STORE)
    for allocation in elsewhere.select_related("line", "location"):
        # a warehouse only made up what the store had not got when the order was placed
        assert (
            store_allocations.filter(
                line=allocation.line, location__kind=Location.Kind.STORE
            ).exists()
            or not StockMovement.objects.filter(
                product_id=allocation.line.product_id, location__kind=Location.Kind.STORE
            ).exists()
        ), allocation.line.sku
