"""Orders and payments written as they stand, at a given instant, for the domain reports'
hand-computed fixtures (placing them through the services would stamp them "now")."""

from datetime import UTC, datetime
from decimal import Decimal
from itertools import count

from orders.models import Order
from payments.models import Payment

_numbers = count(1)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def order(channel, customer, total: str, placed_at: datetime, **fields) -> Order:
    """An order of ``total`` (no tax, shipping or discount) in the channel's currency."""
    amount = Decimal(total)
    return Order.objects.create(
        number=f"SO-T{next(_numbers):05d}",
        channel=channel,
        customer=customer,
        email=customer.email,
        currency=channel.currency,
        status=fields.pop("status", "confirmed"),
        subtotal=amount,
        total=amount,
        placed_at=placed_at,
        **fields,
    )


def payment(order: Order, *, authorized: str, captured: str = "0", refunded: str = "0", **fields):
    """A card payment of the order with the amounts given; its status follows from them."""
    authorized_amount, captured_amount, refunded_amount = map(
        Decimal, (authorized, captured, refunded)
    )
    status = (
        "refunded"
        if refunded_amount and refunded_amount == captured_amount
        else "partially_refunded"
        if refunded_amount
        else "captured"
        if captured_amount == authorized_amount
        else "partially_captured"
        if captured_amount
        else "authorized"
    )
    return Payment.objects.create(
        order=order,
        gateway="simulated",
        method=fields.pop("method", "card"),
        status=fields.pop("status", status),
        amount=authorized_amount,
        currency=order.currency,
        authorized_amount=authorized_amount,
        captured_amount=captured_amount,
        refunded_amount=refunded_amount,
        **fields,
    )
