"""place_order: validation, pricing, tax, reservation, backorders, idempotency."""

from decimal import Decimal

import pytest

from inventory.exceptions import InsufficientStock
from inventory.models import StockLevel
from notifications import tasks as notifications
from orders import services
from orders.exceptions import OrderValidationError
from orders.models import Allocation, FulfilmentStatus, Order, OrderEvent, OrderStatus
from tests import factories
from tests.factories import place, ship_to, stock

pytestmark = pytest.mark.django_db


def test_totals_and_tax_are_right_for_a_multi_line_order(channel, customer, warehouse, ny_tax):
    # given two products in stock and an 8% tax rate for New York
    mug = factories.ProductFactory(sku="MUG", unit_price=Decimal("12.50"))
    tee = factories.ProductFactory(sku="TEE", unit_price=Decimal("19.99"))
    stock(mug, warehouse, 10)
    stock(tee, warehouse, 10)

    # when an order for 3 mugs with a 2.50 discount and 2 tees is placed with shipping
    order = services.place_order(
        channel=channel,
        customer=customer,
        lines=[
            services.LineRequest(product=mug, quantity=3, discount=Decimal("2.50")),
            services.LineRequest(product=tee, quantity=2),
        ],
        shipping_address=ship_to(),
        shipping_total=Decimal("4.95"),
    )

    # then each line is priced and taxed on its discounted amount, and the order adds up
    mug_line, tee_line = order.lines.order_by("sku")
    assert mug_line.line_total == Decimal("37.50")
    assert mug_line.tax_amount == Decimal("2.80")  # (37.50 - 2.50) * 0.08
    assert tee_line.line_total == Decimal("39.98")
    assert tee_line.tax_amount == Decimal("3.20")  # 39.98 * 0.08 = 3.1984
    order.refresh_from_db()
    assert order.subtotal == Decimal("77.48")
    assert order.discount_total == Decimal("2.50")
    assert order.tax_total == Decimal("6.00")
    assert order.total == Decimal("85.93")  # 77.48 - 2.50 + 4.95 + 6.00
    assert order.number.startswith("SO-") and len(order.number) == 9
    assert order.status == OrderStatus.PLACED
    assert order.fulfilment_status == FulfilmentStatus.ALLOCATED


def test_region_rate_wins_over_country_rate_and_unknown_destination_is_untaxed(
    channel, customer, warehouse
):
    factories.TaxRateFactory(country="US", region="", rate=Decimal("0.0500"))
    factories.TaxRateFactory(country="US", region="CA", rate=Decimal("0.0725"))
    product = factories.ProductFactory(unit_price=Decimal("100.00"))
    stock(product, warehouse, 10)

    in_ca = place(
        channel=channel,
        customer=customer,
        items=[(product, 1)],
        shipping_address=ship_to(region="CA"),
    )
    in_tx = place(
        channel=channel,
        customer=customer,
        items=[(product, 1)],
        shipping_address=ship_to(region="TX"),
    )
    abroad = place(
        channel=channel,
        customer=customer,
        items=[(product, 1)],
        shipping_address=ship_to(country="JP", region=""),
    )

    assert in_ca.tax_total == Decimal("7.25")
    assert in_tx.tax_total == Decimal("5.00")
    assert abroad.tax_total == Decimal("0.00")


def test_placing_reserves_stock_and_records_events(channel, customer, warehouse):
    product = factories.ProductFactory()
    stock(product, warehouse, 5)

    order = place(channel=channel, customer=customer, items=[(product, 2)])

    level = StockLevel.objects.get(product=product, location=warehouse)
    assert (level.on_hand, level.reserved, level.available) == (5, 2, 3)
    line = order.lines.get()
    assert (line.quantity_allocated, line.quantity_backordered) == (2, 0)
    assert Allocation.objects.get(line=line).location == warehouse
    types = set(order.events.values_list("type", flat=True))
    assert {OrderEvent.Type.PLACED, OrderEvent.Type.STOCK_RESERVED} <= types


def test_reservation_prefers_priority_and_splits_across_locations(
    channel, customer, warehouse, second_warehouse
):
    product = factories.ProductFactory()
    stock(product, warehouse, 2)  # priority 10
    stock(product, second_warehouse, 2)  # priority 20: neither covers the order alone
    no_ship = factories.LocationFactory(code="SHOP", priority=1, can_ship=False)
    stock(product, no_ship, 50)

    order = place(channel=channel, customer=customer, items=[(product, 4)])

    allocations = {
        a.location.code: a.quantity for a in Allocation.objects.filter(line__order=order)
    }
    assert allocations == {"WH-A": 2, "WH-B": 2}


def test_short_stock_refuses_the_order_naming_the_sku_and_writes_nothing(
    channel, customer, warehouse
):
    plenty = factories.ProductFactory(sku="PLENTY")
    scarce = factories.ProductFactory(sku="SCARCE")
    stock(plenty, warehouse, 10)
    stock(scarce, warehouse, 1)
    orders_before = Order.objects.count()

    with pytest.raises(InsufficientStock) as refused:
        place(channel=channel, customer=customer, items=[(plenty, 2), (scarce, 3)])

    assert "SCARCE: 3 requested, 1 available" in str(refused.value)
    assert Order.objects.count() == orders_before
    assert StockLevel.objects.get(product=plenty).reserved == 0
    assert StockLevel.objects.get(product=scarce).reserved == 0
    assert not OrderEvent.objects.exists()


def test_backorderable_product_is_partly_backordered(channel, customer, warehouse):
    product = factories.ProductFactory(allow_backorder=True)
    stock(product, warehouse, 2)

    order = place(channel=channel, customer=customer, items=[(product, 5)])

    line = order.lines.get()
    assert (line.quantity_allocated, line.quantity_backordered) == (2, 3)
    assert order.fulfilment_status == FulfilmentStatus.BACKORDERED
    assert order.events.filter(type=OrderEvent.Type.BACKORDERED).exists()


def test_receiving_stock_fills_backorders_oldest_first(
    channel, customer, warehouse, django_capture_on_commit_callbacks
):
    product = factories.ProductFactory(allow_backorder=True)
    first = place(channel=channel, customer=customer, items=[(product, 2)])
    second = place(channel=channel, customer=customer, items=[(product, 2)])

    # when 3 units arrive (on commit, the receiver runs allocate_backorders: eager in tests)
    with django_capture_on_commit_callbacks(execute=True):
        stock(product, warehouse, 3)

    first_line, second_line = first.lines.get(), second.lines.get()
    assert (first_line.quantity_allocated, first_line.quantity_backordered) == (2, 0)
    assert (second_line.quantity_allocated, second_line.quantity_backordered) == (1, 1)
    assert StockLevel.objects.get(product=product).reserved == 3
    first.refresh_from_db()
    assert first.fulfilment_status == FulfilmentStatus.ALLOCATED
    assert first.events.filter(type=OrderEvent.Type.BACKORDER_ALLOCATED).exists()
    assert services.allocate_backorders(product=product) == 0  # nothing left to fill


def test_same_channel_order_twice_gives_one_order(channel, customer, warehouse):
    product = factories.ProductFactory()
    stock(product, warehouse, 5)

    first = place(channel=channel, customer=customer, items=[(product, 1)], external_id="W-1")
    again = place(channel=channel, customer=customer, items=[(product, 1)], external_id="W-1")

    assert again.pk == first.pk
    assert StockLevel.objects.get(product=product).reserved == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"quantity": 0}, "lines[0].quantity"),
        ({"discount": Decimal("999")}, "lines[0].discount"),
        ({"unit_price": Decimal("-1")}, "lines[0].unit_price"),
    ],
)
def test_bad_lines_are_refused_naming_the_field(channel, customer, warehouse, change, field):
    product = factories.ProductFactory(sku="BAD")
    stock(product, warehouse, 5)
    line = {"product": product, "quantity": 1} | change

    with pytest.raises(OrderValidationError) as refused:
        services.place_order(
            channel=channel,
            customer=customer,
            lines=[services.LineRequest(**line)],
            shipping_address=ship_to(),
        )

    assert refused.value.field == field
    assert "Line 1 (BAD)" in str(refused.value)
    assert not Order.objects.exists()


def test_address_without_country_is_refused(channel, customer, warehouse):
    product = factories.ProductFactory()
    with pytest.raises(OrderValidationError, match="Country is required") as refused:
        place(
            channel=channel,
            customer=customer,
            items=[(product, 1)],
            shipping_address=ship_to(country=""),
        )
    assert refused.value.field == "shipping_address.country"


def test_inactive_product_is_refused(channel, customer):
    product = factories.ProductFactory(sku="OLD", is_active=False)
    with pytest.raises(OrderValidationError, match="Line 1 \\(OLD\\): the product is not for sale"):
        place(channel=channel, customer=customer, items=[(product, 1)])


def test_placing_sends_the_confirmation_email_once(
    channel, customer, warehouse, mailoutbox, django_capture_on_commit_callbacks
):
    product = factories.ProductFactory()
    stock(product, warehouse, 5)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        order = place(channel=channel, customer=customer, items=[(product, 1)])

    # the e-mail decided (then sent, queued by that), and publishing order.placed to webhooks
    assert len(callbacks) == 3
    assert len(mailoutbox) == 1
    assert order.number in mailoutbox[0].subject
    placed = order.events.get(type=OrderEvent.Type.PLACED)
    assert notifications.notify_event.delay(placed.pk).result == 0  # the event handled again
    assert len(mailoutbox) == 1
    assert order.events.filter(type=OrderEvent.Type.EMAIL_SENT).count() == 1


def test_nothing_is_enqueued_when_the_transaction_rolls_back(
    channel, customer, warehouse, django_capture_on_commit_callbacks
):
    product = factories.ProductFactory()
    stock(product, warehouse, 5)

    class Abort(Exception):
        pass

    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(Abort):
        from django.db import transaction

        with transaction.atomic():
            place(channel=channel, customer=customer, items=[(product, 1)])
            raise Abort

    assert callbacks == []
    assert not Order.objects.exists()


def test_draft_reserves_nothing_until_submitted(channel, customer, warehouse):
    product = factories.ProductFactory()
    stock(product, warehouse, 5)

    draft = place(channel=channel, customer=customer, items=[(product, 2)], draft=True)
    assert draft.status == OrderStatus.DRAFT
    assert StockLevel.objects.get(product=product).reserved == 0

    placed = services.submit_draft(order=draft)
    assert placed.status == OrderStatus.PLACED
    assert placed.placed_at is not None
    assert StockLevel.objects.get(product=product).reserved == 2
