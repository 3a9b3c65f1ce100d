"""Prices and discounts are permissions, and every one given is on the timeline.

``orders.override_price`` (Manager) sets any unit price and discount; ``orders.give_discount``
(Customer service) discounts up to OMS_CS_DISCOUNT_LIMIT_PERCENT of a line at the catalogue
price. The services check it, so no page or API can skip it.
"""

from decimal import Decimal

import pytest
from django.urls import reverse

from core import idempotency
from orders import services
from orders.exceptions import OrderValidationError
from orders.models import Order, OrderEvent
from tests import factories
from tests.factories import place, ship_to, stock

pytestmark = pytest.mark.django_db

PRICE_OVERRIDDEN = OrderEvent.Type.PRICE_OVERRIDDEN


@pytest.fixture
def mug(warehouse):
    product = factories.ProductFactory(sku="MUG", name="Mug", unit_price=Decimal("12.50"))
    stock(product, warehouse, 10)
    return product


def staff(role: str):
    return factories.UserFactory(role=role)


def sell(channel, mug, actor, *, unit_price=None, discount="0", quantity=2) -> Order:
    line = services.LineRequest(
        mug, quantity, unit_price and Decimal(unit_price), Decimal(discount)
    )
    return services.place_order(
        channel=channel,
        customer=factories.CustomerFactory(),
        lines=[line],
        shipping_address=ship_to(),
        actor=actor,
    )


def refusal(channel, mug, actor, **line) -> OrderValidationError:
    with pytest.raises(OrderValidationError) as refused:
        sell(channel, mug, actor, **line)
    assert not Order.objects.exists()
    return refused.value


# --- the service -------------------------------------------------------------------------


def test_customer_service_may_not_override_a_unit_price(channel, mug):
    error = refusal(channel, mug, staff("Customer service"), unit_price="0.00")

    assert error.field == "lines[0].unit_price"
    assert error.code == "price_override_not_permitted"
    assert "Line 1 (MUG)" in error.message


def test_a_manager_overrides_a_price_and_the_timeline_says_who_from_what_to_what(channel, mug):
    manager = staff("Manager")

    order = sell(channel, mug, manager, unit_price="10.00", discount="3.00")

    event = order.events.get(type=PRICE_OVERRIDDEN)
    assert event.actor == manager
    assert event.data == {
        "sku": "MUG",
        "quantity": 2,
        "catalogue_price": "12.50",
        "unit_price": "10.00",
        "discount": "3.00",
    }
    assert event.message == (
        "Price of MUG overridden: 10.00 USD instead of the catalogue 12.50 USD, "
        "less a discount of 3.00 USD."
    )
    assert order.total == Decimal("17.00")


def test_customer_service_discounts_within_the_limit_with_an_event(channel, mug):
    order = sell(channel, mug, staff("Customer service"), discount="2.50")  # 10% of 25.00

    event = order.events.get(type=PRICE_OVERRIDDEN)
    assert event.message == "Discount of 2.50 USD on 2 × MUG (catalogue 12.50 USD)."


def test_customer_service_is_refused_a_discount_above_the_limit(channel, mug):
    error = refusal(channel, mug, staff("Customer service"), discount="2.51")

    assert (error.field, error.code) == ("lines[0].discount", "discount_over_limit")
    assert "at most 10% of the line (2.50)" in error.message


def test_the_discount_limit_is_a_setting(settings, channel, mug):
    settings.OMS_CS_DISCOUNT_LIMIT_PERCENT = Decimal("20")

    order = sell(channel, mug, staff("Customer service"), discount="5.00")

    assert order.events.filter(type=PRICE_OVERRIDDEN).exists()


def test_staff_without_the_discount_permission_may_not_discount_at_all(channel, mug):
    error = refusal(channel, mug, staff("Warehouse"), discount="0.01")

    assert (error.field, error.code) == ("lines[0].discount", "discount_not_permitted")


def test_the_catalogue_price_typed_again_is_no_override(channel, mug):
    order = sell(channel, mug, staff("Customer service"), unit_price="12.50")

    assert not order.events.filter(type=PRICE_OVERRIDDEN).exists()


def test_a_channel_order_keeps_its_channel_price_and_is_still_on_the_timeline(channel, mug):
    order = sell(channel, mug, None, unit_price="11.00")

    event = order.events.get(type=PRICE_OVERRIDDEN)
    assert event.actor is None
    assert event.data["unit_price"] == "11.00"


def test_lines_added_in_an_edit_are_checked_and_recorded_too(channel, mug):
    order = place(channel=channel, customer=factories.CustomerFactory(), items=[(mug, 1)])
    cheaper = [services.LineRequest(mug, 1, Decimal("1.00"))]

    with pytest.raises(OrderValidationError) as refused:
        services.update_order_lines(
            order=order, quantities={}, additions=cheaper, actor=staff("Customer service")
        )
    assert refused.value.field == "lines[0].unit_price"
    assert order.lines.count() == 1

    services.update_order_lines(
        order=order, quantities={}, additions=cheaper, actor=staff("Manager")
    )
    assert order.lines.count() == 2
    assert order.events.get(type=PRICE_OVERRIDDEN).data["unit_price"] == "1.00"


# --- the New order page ------------------------------------------------------------------


def new_order(channel, mug, **line) -> dict:
    return {
        idempotency.FIELD: idempotency.new_token(),
        "channel": channel.pk,
        "customer": factories.CustomerFactory().pk,
        "sku": ["MUG"],
        "quantity": ["2"],
        "unit_price": [line.get("unit_price", "")],
        "discount": [line.get("discount", "")],
        "shipping-name": "Ada Lovelace",
        "shipping-line1": "1 Main Street",
        "shipping-city": "New York",
        "shipping-postal_code": "10001",
        "shipping-country": "US",
    }


def test_the_page_shows_the_refusal_on_the_unit_price_of_the_line(login_as, channel, mug):
    client = login_as("Customer service")

    response = client.post(reverse("orders:create"), new_order(channel, mug, unit_price="0.00"))

    body = response.content.decode()
    assert response.status_code == 200
    assert "Line 1 (MUG): only staff who may override prices can change the unit price" in body
    assert 'name="unit_price" inputmode="decimal" value="0.00"' in body
    assert 'aria-label="Unit price of MUG" readonly' in body  # the page does not offer it
    assert 'aria-invalid="true" aria-describedby="line-0-notes"' in body
    assert not Order.objects.exists()


def test_a_managers_override_from_the_page_is_on_the_order_timeline(login_as, channel, mug):
    client = login_as("Manager")

    client.post(reverse("orders:create"), new_order(channel, mug, unit_price="9.99"))

    order = Order.objects.get()
    page = client.get(reverse("orders:detail", args=[order.number])).content.decode()
    assert "Price of MUG overridden: 9.99 USD instead of the catalogue 12.50 USD." in page


@pytest.mark.parametrize(("role", "offered"), [("Manager", True), ("Customer service", False)])
def test_the_unit_price_input_is_offered_only_to_who_may_override(
    login_as, channel, mug, role, offered
):
    client = login_as(role)

    body = client.post(reverse("orders:create_preview"), new_order(channel, mug)).content.decode()

    assert ('aria-label="Unit price of MUG" readonly' not in body) is offered
