"""A channel order as the API receives it, turned into the order services' terms: the
customer matched or created by e-mail, lines by SKU, placed on the integration's channel, and
the payment its checkout already authorized checked with Stripe first, recorded once it commits.
"""

from typing import Any

from django.db import transaction
from rest_framework import exceptions, status

from customers.models import Customer
from customers.selectors import with_email
from customers.services import CustomerValidationError, create_customer
from inventory.models import Product
from orders import services as orders
from orders.exceptions import OrderValidationError
from orders.models import Order
from payments.exceptions import GatewayRejected, GatewayUnavailable
from payments.gateways import StripeGateway
from payments.models import Gateway, Payment

from ..models import Integration
from ..tasks import attach_channel_payment


class PaymentGatewayUnavailable(exceptions.APIException):
    """Stripe could not be asked about the payment: nothing was written, try again later."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "gateway_unavailable"


def customer_for(data: dict[str, Any], address: dict[str, Any]) -> Customer:
    """The customer with this e-mail (any case), else a new one with the address as default."""
    if found := with_email(data["email"]).first():
        return found
    try:
        return create_customer(
            email=data["email"], name=data["name"], phone=data.get("phone", ""), address=address
        )
    except CustomerValidationError as error:
        if error.code == "duplicate_email":  # created by a concurrent order meanwhile
            return with_email(data["email"]).get()
        raise


def line_requests(lines: list[dict[str, Any]]) -> list[orders.LineRequest]:
    products = {p.sku: p for p in Product.objects.filter(sku__in={line["sku"] for line in lines})}
    requests = []
    for index, line in enumerate(lines):
        product = products.get(line["sku"])
        if product is None:
            raise OrderValidationError(
                f"Line {index + 1}: there is no product with the SKU {line['sku']}.",
                field=f"lines[{index}].sku",
                code="unknown_sku",
            )
        requests.append(
            orders.LineRequest(
                product=product,
                quantity=line["quantity"],
                unit_price=line.get("unit_price"),
                discount=line.get("discount", orders.LineRequest.discount),
            )
        )
    return requests


def _refused_payment(message: str, code: str, field: str = "reference") -> OrderValidationError:
    return OrderValidationError(message, field=f"payment.{field}", code=code)


def verify_channel_payment(*, integration: Integration, data: dict[str, Any]) -> None:
    """Check the order's already-authorized payment with Stripe before anything is written,
    outside every transaction (the view calls this first, so no lock is held meanwhile).

    Refused, naming the field: a PaymentIntent Stripe does not have, one not authorized, in
    another currency than the order's or for another ``amount`` than sent, or one that pays
    another order already. The same order sent again finds its payment and asks nothing.
    """
    payment = data.get("payment")
    if payment is None:
        return
    reference = payment["reference"]
    paid = Payment.objects.filter(gateway=Gateway.STRIPE, gateway_reference=reference)
    used_by = paid.values_list("order__channel_id", "order__external_id").first()
    if used_by == (integration.channel_id, data["external_id"].strip()):
        return
    if used_by is not None:
        raise _refused_payment(
            f"PaymentIntent {reference} already pays another order.", "reference_in_use"
        )
    try:
        intent = StripeGateway().retrieve(reference)
    except GatewayUnavailable as error:
        raise PaymentGatewayUnavailable(error.message) from error
    except GatewayRejected as error:
        field = "provider" if error.code == "not_configured" else "reference"
        raise _refused_payment(
            f"Stripe did not give PaymentIntent {reference}: {error.message}", error.code, field
        ) from error
    currency = (data.get("currency") or integration.channel.currency).upper()
    if intent.currency != currency:
        raise _refused_payment(
            f"PaymentIntent {reference} is in {intent.currency}, the order in {currency}.",
            "currency_mismatch",
        )
    if not intent.authorized:
        raise _refused_payment(
            f"PaymentIntent {reference} is not authorized (its status is {intent.status}).",
            "not_authorized",
        )
    if "amount" in payment and payment["amount"] != intent.authorized:
        raise _refused_payment(
            f"PaymentIntent {reference} authorized {intent.authorized} {currency}, "
            f"not {payment['amount']}.",
            "amount_mismatch",
            "amount",
        )


def place_channel_order(*, integration: Integration, data: dict[str, Any]) -> tuple[Order, bool]:
    """Place (or, for an external id already placed on the channel, find) the order; returns
    it and whether it is new.

    No actor: the prices are the channel's own, as for any channel order
    (``orders.pricing.check_price_authority``); the timeline says it came from the channel.
    A ``payment`` (checked by ``verify_channel_payment`` beforehand) is recorded on the order
    by ``payments.services.attach_payment_intent`` in a task once the order commits, which
    asks Stripe again outside any lock; attached twice, it is still one payment.
    """
    existed = Order.objects.filter(
        channel=integration.channel, external_id=data["external_id"].strip()
    ).exists()
    requests = line_requests(data["lines"])
    # The address as the order checks it, before it becomes a new customer's default.
    orders.address_snapshot(data["shipping_address"], "shipping_address")
    optional = {
        name: data[name]
        for name in ("currency", "shipping_total", "notes", "promised_ship_date", "email")
        if name in data
    }
    with transaction.atomic():  # a refused order leaves no new customer behind
        customer = customer_for(data["customer"], data["shipping_address"])
        order = orders.place_order(
            channel=integration.channel,
            customer=customer,
            lines=requests,
            shipping_address=data["shipping_address"],
            billing_address=data.get("billing_address"),
            external_id=data["external_id"],
            **optional,
        )
        if payment := data.get("payment"):
            attach_channel_payment.delay_on_commit(order.pk, payment["reference"])
    return order, not existed
