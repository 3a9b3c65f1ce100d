"""A channel order as the API receives it, turned into the order services' terms: the
customer matched or created by e-mail, lines by SKU, placed on the integration's channel."""

from typing import Any

from django.db import transaction

from customers.models import Customer
from customers.selectors import with_email
from customers.services import CustomerValidationError, create_customer
from inventory.models import Product
from orders import services as orders
from orders.exceptions import OrderValidationError
from orders.models import Order

from ..models import Integration


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


def place_channel_order(*, integration: Integration, data: dict[str, Any]) -> Order:
    """Place (or, for an external id already placed on the channel, find) the order.

    No actor: the prices are the channel's own, as for any channel order
    (``orders.pricing.check_price_authority``); the timeline says it came from the channel.
    """
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
        return orders.place_order(
            channel=integration.channel,
            customer=customer,
            lines=requests,
            shipping_address=data["shipping_address"],
            billing_address=data.get("billing_address"),
            external_id=data["external_id"],
            **optional,
        )
