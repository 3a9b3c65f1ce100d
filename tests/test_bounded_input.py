"""Every service that takes money or quantities, fed extreme values: a domain error or success.

Huge, tiny, NaN, Infinity, exponent notation, many decimals, negative zero, floats and bools
go to each service (hypothesis mixes them with ordinary values). Each call must either succeed,
and then leave nothing a page cannot render, or raise a ``DomainError`` naming the field;
never an ``InvalidOperation``, an overflow or a database error. The limits come from the
columns and from settings (``OMS_MAX_*``), and the message states them.
"""

from decimal import Decimal

import pytest
from django.db import transaction
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.exceptions import DomainError
from core.idempotency import FIELD, new_token
from core.limits import INTEGER_COLUMN_MAX, MONEY_COLUMN_MAX, check_money, check_quantity
from inventory import services as inventory
from inventory.models import StockLevel, StockMovement
from orders import services as orders
from orders.exceptions import OrderValidationError
from payments import services as payments
from payments.models import Method, Payment
from tests import factories
from tests.factories import place, ship_to, stock

pytestmark = pytest.mark.django_db

EXTREMES = [
    Decimal("NaN"),
    Decimal("sNaN"),
    Decimal("Infinity"),
    Decimal("-Infinity"),
    Decimal("1e15"),
    Decimal("5000000000000"),
    Decimal("1E+1000"),
    Decimal("1e-30"),
    Decimal("-0"),
    Decimal("-0.00"),
    Decimal("0.005"),
    Decimal("12.3456789"),
    Decimal("999999999999.99"),
    Decimal("-1"),
    10**21,
    2**31,
    2**31 - 1,
    -(2**31),
    0,
    1,
    1.5,
    float("nan"),
    True,
    "12",
]
VALUES = st.one_of(
    st.sampled_from(EXTREMES),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.decimals(min_value=0, max_value=10**7, places=2),
    st.integers(),
    st.integers(min_value=-5, max_value=200),
)
EXAMPLES = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def shop(channel, customer, warehouse):
    product = factories.ProductFactory(sku="BOUND-1", unit_price=Decimal("10.00"))
    other = factories.ProductFactory(sku="BOUND-2", unit_price=Decimal("5.00"))
    stock(product, warehouse, 1000)
    stock(other, warehouse, 1000)
    return {"channel": channel, "customer": customer, "warehouse": warehouse, "product": product}


def attempt(call):
    """Run a service call: its result, or None after a domain error that names a field or
    states a rule. Any other exception fails the test."""
    try:
        with transaction.atomic():
            return call()
    except DomainError as error:
        assert error.message
        return None


def assert_renders(client, *urls: str) -> None:
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)


def order_pages(order) -> list[str]:
    return [
        reverse("orders:detail", args=[order.number]),
        reverse("payments:order_panel", args=[order.number]),
        reverse("orders:list"),
        reverse("backoffice:home"),
    ]


@given(quantity=VALUES, unit_price=VALUES, discount=VALUES, shipping=VALUES)
@EXAMPLES
def test_place_order(shop, login_as, quantity, unit_price, discount, shipping):
    client = login_as(None)
    line = orders.LineRequest(shop["product"], quantity, unit_price, discount)
    order = attempt(
        lambda: orders.place_order(
            channel=shop["channel"],
            customer=shop["customer"],
            lines=[line],
            shipping_address=ship_to(),
            shipping_total=shipping,
        )
    )
    if order is not None:
        assert order.total <= MONEY_COLUMN_MAX
        assert_renders(client, *order_pages(order))


@given(quantity=VALUES, added=VALUES, unit_price=VALUES)
@EXAMPLES
def test_update_order_lines(shop, login_as, quantity, added, unit_price):
    client = login_as(None)
    order = place(channel=shop["channel"], customer=shop["customer"], items=[(shop["product"], 1)])
    line = order.lines.get()
    other = factories.ProductFactory()
    stock(other, shop["warehouse"], 1000)
    changed = attempt(
        lambda: orders.update_order_lines(
            order=order,
            quantities={line.pk: quantity},
            additions=[orders.LineRequest(other, added, unit_price)],
        )
    )
    if changed is not None:
        assert_renders(client, *order_pages(changed))


@given(quantity=VALUES)
@EXAMPLES
def test_receive_and_adjust_stock(shop, login_as, quantity):
    client = login_as(None)
    product, location = shop["product"], shop["warehouse"]
    received = attempt(
        lambda: inventory.receive_stock(product=product, location=location, quantity=quantity)
    )
    adjusted = attempt(
        lambda: inventory.adjust_stock(
            product=product,
            location=location,
            quantity=quantity,
            reason=StockMovement.Reason.ADJUSTMENT,
        )
    )
    level = StockLevel.objects.get(product=product, location=location)
    assert 0 <= level.on_hand <= INTEGER_COLUMN_MAX
    if received or adjusted:
        assert_renders(client, reverse("inventory:product_detail", args=[product.sku]))


@given(amount=VALUES)
@EXAMPLES
def test_payment_terms_and_receipts(shop, login_as, amount):
    client = login_as(None)
    order = place(channel=shop["channel"], customer=shop["customer"], items=[(shop["product"], 1)])
    terms = attempt(
        lambda: payments.set_payment_terms(order=order, method=Method.INVOICE_TERMS, amount=amount)
    )
    received = attempt(
        lambda: payments.record_manual_payment(
            order=order, amount=amount, method=Method.BANK_TRANSFER, allow_overpayment=True
        )
    )
    if terms or received:
        assert_renders(client, *order_pages(order), reverse("payments:list"))


@given(amount=VALUES)
@EXAMPLES
def test_card_authorization_capture_and_refund(shop, login_as, amount):
    client = login_as(None)
    order = place(channel=shop["channel"], customer=shop["customer"], items=[(shop["product"], 3)])
    attempt(
        lambda: payments.authorize_payment(
            order=order, payment_method="4242424242424242", amount=amount
        )
    )
    payment = Payment.objects.filter(order=order).order_by("pk").last() or attempt(
        lambda: payments.authorize_payment(order=order, payment_method="4242424242424242")
    )
    attempt(lambda: payments.capture_payment(payment=payment, amount=amount, final=False))
    payment.refresh_from_db()
    attempt(lambda: payments.create_refund(payment=payment, amount=amount, reason="Damaged"))
    assert_renders(client, *order_pages(order), reverse("payments:list"))


@given(amount=VALUES)
@EXAMPLES
def test_change_shipping_charge(shop, login_as, amount):
    client = login_as(None)
    order = place(channel=shop["channel"], customer=shop["customer"], items=[(shop["product"], 1)])
    if attempt(lambda: orders.change_shipping_charge(order=order, shipping_total=amount)):
        assert_renders(client, *order_pages(order))


@given(quantity=VALUES)
@EXAMPLES
def test_write_off_reserved(shop, login_as, quantity):
    client = login_as(None)
    place(channel=shop["channel"], customer=shop["customer"], items=[(shop["product"], 3)])
    product, location = shop["product"], shop["warehouse"]
    attempt(
        lambda: inventory.write_off_reserved(
            product=product, location=location, quantity=quantity, reason="damaged"
        )
    )
    level = StockLevel.objects.get(product=product, location=location)
    assert 0 <= level.reserved <= level.on_hand
    assert_renders(client, reverse("inventory:product_detail", args=[product.sku]))


@given(unit_price=VALUES, cost=VALUES)
@EXAMPLES
def test_create_product(login_as, unit_price, cost):
    client = login_as(None)
    product = attempt(
        lambda: inventory.create_product(sku="NEW-1", name="New", unit_price=unit_price, cost=cost)
    )
    if product is not None:
        assert_renders(client, reverse("inventory:product_detail", args=[product.sku]))
        product.delete()


# --- the limits themselves ---------------------------------------------------------------


def test_a_unit_price_above_the_business_maximum_names_the_field_and_the_limit(shop, settings):
    settings.OMS_MAX_UNIT_PRICE = 1000
    line = orders.LineRequest(shop["product"], 1, Decimal("1000.01"))
    with pytest.raises(OrderValidationError) as refused:
        orders.place_order(
            channel=shop["channel"],
            customer=shop["customer"],
            lines=[line],
            shipping_address=ship_to(),
        )
    assert refused.value.field == "lines[0].unit_price"
    assert "1,000.00" in refused.value.message


def test_a_quantity_above_the_business_maximum_is_refused(shop, settings):
    settings.OMS_MAX_QUANTITY = 50
    with pytest.raises(OrderValidationError, match="from 1 to 50") as refused:
        place(channel=shop["channel"], customer=shop["customer"], items=[(shop["product"], 51)])
    assert refused.value.field == "lines[0].quantity"


def test_lines_worth_more_than_an_order_may_total_are_refused(shop, settings):
    settings.OMS_MAX_ORDER_TOTAL = 100
    with pytest.raises(OrderValidationError, match=r"100.00") as refused:
        place(channel=shop["channel"], customer=shop["customer"], items=[(shop["product"], 11)])
    assert refused.value.field == "lines[0].quantity"


def test_an_edit_beyond_the_order_total_is_refused(shop, settings):
    order = place(channel=shop["channel"], customer=shop["customer"], items=[(shop["product"], 1)])
    line = order.lines.get()
    settings.OMS_MAX_ORDER_TOTAL = 100
    with pytest.raises(OrderValidationError, match=r"100.00") as refused:
        orders.update_order_lines(order=order, quantities={line.pk: 11})
    assert refused.value.field == f"quantities[{line.pk}]"
    with pytest.raises(OrderValidationError, match=r"100.00"):
        orders.update_order_lines(
            order=order,
            quantities={line.pk: 9},
            additions=[orders.LineRequest(shop["product"], 1, Decimal("10.01"))],
        )


def test_an_edit_quantity_above_the_maximum_is_refused(shop, settings):
    settings.OMS_MAX_QUANTITY = 50
    order = place(channel=shop["channel"], customer=shop["customer"], items=[(shop["product"], 1)])
    line = order.lines.get()
    with pytest.raises(OrderValidationError, match="from 0 to 50"):
        orders.update_order_lines(order=order, quantities={line.pk: 51})


def test_shipping_above_the_maximum_is_refused(shop, settings):
    settings.OMS_MAX_UNIT_PRICE = 100
    with pytest.raises(OrderValidationError, match=r"100.00") as refused:
        place(
            channel=shop["channel"],
            customer=shop["customer"],
            items=[(shop["product"], 1)],
            shipping_total=Decimal("100.01"),
        )
    assert refused.value.field == "shipping_total"


@pytest.mark.parametrize("quantity", [1_000_001, -1_000_001, 2**31])
def test_a_stock_adjustment_beyond_the_maximum_is_refused(shop, quantity):
    with pytest.raises(DomainError, match="1,000,000") as refused:
        inventory.adjust_stock(
            product=shop["product"],
            location=shop["warehouse"],
            quantity=quantity,
            reason=StockMovement.Reason.ADJUSTMENT,
        )
    assert refused.value.field == "quantity"
    with pytest.raises(DomainError, match="1,000,000"):
        inventory.receive_stock(
            product=shop["product"], location=shop["warehouse"], quantity=abs(quantity)
        )


def test_a_stock_level_never_grows_past_its_column(shop, settings):
    settings.OMS_MAX_STOCK_ADJUSTMENT = INTEGER_COLUMN_MAX
    product, location = shop["product"], shop["warehouse"]
    with pytest.raises(DomainError, match="cannot hold more than 2,147,483,647"):
        inventory.receive_stock(product=product, location=location, quantity=INTEGER_COLUMN_MAX)
    assert StockLevel.objects.get(product=product, location=location).on_hand == 1000


def test_payment_amounts_beyond_what_an_order_may_total_are_refused(shop, settings):
    settings.OMS_MAX_ORDER_TOTAL = 1000
    order = place(channel=shop["channel"], customer=shop["customer"], items=[(shop["product"], 1)])
    with pytest.raises(DomainError, match=r"1,000.00") as refused:
        payments.record_manual_payment(
            order=order,
            amount=Decimal("1000.01"),
            method=Method.BANK_TRANSFER,
            allow_overpayment=True,
        )
    assert refused.value.field == "amount"


@pytest.mark.parametrize(
    "value", [Decimal("NaN"), Decimal("Infinity"), Decimal("1E+1000"), 1.5, True, "1"]
)
def test_what_is_not_an_amount_is_refused_with_the_limit(value):
    with pytest.raises(DomainError, match=r"from 0\.00 to 10\.00") as refused:
        check_money(value, field="price", label="Price", maximum=10)
    assert refused.value.field == "price"


def test_negative_zero_and_tiny_amounts_are_stored_as_zero():
    assert str(check_money(Decimal("-0"), field="f", label="F", maximum=1)) == "0.00"
    assert str(check_money(Decimal("1e-30"), field="f", label="F", maximum=1)) == "0.00"


def test_a_business_maximum_above_the_column_is_capped_by_the_column():
    with pytest.raises(DomainError, match=r"999,999,999,999.99"):
        check_money(Decimal(10) ** 12, field="f", label="F", maximum=10**15)
    with pytest.raises(DomainError, match="2,147,483,647"):
        check_quantity(2**31, field="f", label="F", maximum=10**12)


# --- big stock adjustments ask for confirmation ------------------------------------------


def adjust(client, product, location, quantity: str, **extra):
    form = {
        "location": location.code,
        "quantity": quantity,
        "reason": StockMovement.Reason.CORRECTION,
        "note": "Count",
        FIELD: new_token(),
    }
    return client.post(
        reverse("inventory:adjust", args=[product.sku]), form | extra, headers={"HX-Request": "1"}
    )


def test_a_big_stock_adjustment_asks_for_confirmation_of_that_number(shop, login_as, settings):
    settings.OMS_CONFIRM_STOCK_ADJUSTMENT = 100
    client = login_as(None)
    product, location = shop["product"], shop["warehouse"]

    asked = adjust(client, product, location, "+500")
    assert "tick the box to confirm" in asked.content.decode()
    assert "Yes, change the stock by +500 units" in asked.content.decode()
    other = adjust(client, product, location, "600", confirm="500")  # confirmed another number
    assert "tick the box to confirm" in other.content.decode()
    assert StockLevel.objects.get(product=product, location=location).on_hand == 1000

    adjust(client, product, location, "500", confirm="500")
    assert StockLevel.objects.get(product=product, location=location).on_hand == 1500
    adjust(client, product, location, "-100")  # within the threshold: no question asked
    assert StockLevel.objects.get(product=product, location=location).on_hand == 1400


@pytest.mark.parametrize("quantity", ["+2147483648", "1000001", "٣", "1e3", "²"])
def test_a_stock_adjustment_form_takes_bounded_ascii_numbers_only(shop, login_as, quantity):
    client = login_as(None)
    response = adjust(client, shop["product"], shop["warehouse"], quantity, confirm=quantity)
    assert response.status_code == 200
    assert StockLevel.objects.get(product=shop["product"]).on_hand == 1000
