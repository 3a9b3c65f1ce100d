"""A hand-computed sales fixture for the reports tests, in Europe/Berlin (UTC+1 in November).

The week of Monday 2026-11-02 (the period) and the week before (the previous period):

- A web USD, 11-02 23:30 local (22:30 UTC): subtotal 100.00 − 10.00 discount + 5.00 shipping
  = 95.00, 2 units; refunded 15.00 on 11-05 (a pending 5.00 and a failed 7.00 do not count).
- B web USD, 11-03 00:15 local (11-02 23:15 UTC: another day in UTC): 33.33, 1 unit.
- C store USD, 11-03 12:00: 20.00, 4 units.  B + C = 53.33 over 2 orders = 26.665 → 26.67.
- D web EUR, 11-03 10:00: 50.00, 1 unit (euros are never added to dollars).
- E web USD, 11-04 09:00, cancelled: 70.00, 1 unit — out of the sales, 1 cancelled.
- F web USD, 11-01 23:59:59 local: 40.00, 1 unit — the previous period's only sale.
- G web USD, a draft dated 11-05: never counted.

The period, USD: 3 orders, 148.33 revenue, 7 units, 10.00 discounts, 15.00 refunds,
133.33 net, 49.44 average (148.33 / 3 = 49.4433…). EUR: 1 order, 50.00. All: 4 orders, 8 units.
"""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from itertools import count
from zoneinfo import ZoneInfo

import pytest
import time_machine

from core.reporting import Params
from orders.models import Order, OrderLine, OrderStatus
from payments.models import Payment, Refund
from tests import factories

BERLIN = ZoneInfo("Europe/Berlin")
START, END = date(2026, 11, 2), date(2026, 11, 8)
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=BERLIN)  # the tests' "now": after both periods
_numbers = count(1)


@pytest.fixture
def berlin(settings):
    """The shop in Europe/Berlin, at NOW."""
    settings.TIME_ZONE = "Europe/Berlin"
    with time_machine.travel(NOW, tick=False):
        yield


def local(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=BERLIN)


def make_order(
    *,
    channel,
    customer,
    product,
    placed_at: datetime,
    units: int,
    subtotal: str,
    discount: str = "0.00",
    shipping: str = "0.00",
    currency: str = "USD",
    status: str = OrderStatus.CONFIRMED,
) -> Order:
    subtotal_, discount_, shipping_ = Decimal(subtotal), Decimal(discount), Decimal(shipping)
    order = Order.objects.create(
        number=f"SO-R{next(_numbers):06d}",
        channel=channel,
        customer=customer,
        email=customer.email,
        currency=currency,
        status=status,
        subtotal=subtotal_,
        discount_total=discount_,
        shipping_total=shipping_,
        tax_total=Decimal("0.00"),
        total=subtotal_ - discount_ + shipping_,
        placed_at=placed_at,
    )
    OrderLine.objects.create(
        order=order,
        product=product,
        sku=product.sku,
        name=product.name,
        quantity=units,
        unit_price=subtotal_ / units,
        line_total=subtotal_,
    )
    return order


def refund(order: Order, amount: str, completed_at: datetime, status=Refund.Status.SUCCEEDED):
    payment = order.payments.first() or Payment.objects.create(
        order=order,
        gateway="manual",
        method="bank_transfer",
        status="paid",
        amount=order.total,
        currency=order.currency,
        authorized_amount=order.total,
        captured_amount=order.total,
    )
    return Refund.objects.create(
        payment=payment,
        amount=Decimal(amount),
        reason="test",
        status=status,
        completed_at=completed_at,
    )


@dataclass
class Shop:
    web: object
    store: object
    product: object
    orders: dict


def build_shop() -> Shop:
    web = factories.SalesChannelFactory(code="web", name="Web")
    store = factories.SalesChannelFactory(code="store", name="Store")
    product = factories.ProductFactory(sku="REP-1")
    customer = factories.CustomerFactory()
    made = {}

    def put(name, **kwargs):
        kwargs.setdefault("channel", web)
        made[name] = make_order(customer=customer, product=product, **kwargs)

    put(
        "A",
        placed_at=local(2026, 11, 2, 23, 30),
        units=2,
        subtotal="100.00",
        discount="10.00",
        shipping="5.00",
    )
    put("B", placed_at=local(2026, 11, 3, 0, 15), units=1, subtotal="33.33")
    put("C", channel=store, placed_at=local(2026, 11, 3, 12), units=4, subtotal="20.00")
    put("D", placed_at=local(2026, 11, 3, 10), units=1, subtotal="50.00", currency="EUR")
    put(
        "E",
        placed_at=local(2026, 11, 4, 9),
        units=1,
        subtotal="70.00",
        status=OrderStatus.CANCELLED,
    )
    put("F", placed_at=local(2026, 11, 1, 23, 59, 59), units=1, subtotal="40.00")
    put("G", placed_at=local(2026, 11, 5, 9), units=1, subtotal="99.00", status=OrderStatus.DRAFT)
    refund(made["A"], "15.00", local(2026, 11, 5, 10))
    refund(made["A"], "5.00", None, status=Refund.Status.PENDING)
    refund(made["A"], "7.00", local(2026, 11, 5, 11), status=Refund.Status.FAILED)
    return Shop(web=web, store=store, product=product, orders=made)


def params(**changes) -> Params:
    values = {"start": START, "end": END, "timezone": "Europe/Berlin", "compare": True}
    return Params(**(values | changes))
