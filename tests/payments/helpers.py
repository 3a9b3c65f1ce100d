"""Helpers for the payments tests: an order to pay, the settings that aim the OMS at the fake
Stripe, and signed webhook deliveries. (The fake itself and its fixtures are in
``tests/stripe_fake.py`` and ``tests/payments/conftest.py``.)"""

import time
from decimal import Decimal

from orders.models import OrderEvent
from tests import factories
from tests.factories import place, stock
from tests.stripe_fake import event_payload, sign_webhook

WEBHOOK_SECRET = "whsec_oms_test"
WEBHOOK_URL = "/payments/webhooks/stripe/"


def use_stripe(settings, fake, *, retries: int = 0) -> None:
    """Point the OMS at the fake Stripe with the real SDK."""
    settings.STRIPE_SECRET_KEY = "sk_test_oms"
    settings.STRIPE_API_BASE = fake.url
    settings.STRIPE_MAX_NETWORK_RETRIES = retries
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.OMS_PAYMENT_GATEWAY = "stripe"


def make_order(*, channel=None, price: str = "50.00", quantity: int = 2, **channel_fields):
    """A placed order; with no tax rate set up its total is ``price × quantity``."""
    if channel is None:
        channel = factories.SalesChannelFactory(code="pay-web", **channel_fields)
    location = factories.LocationFactory(code="PAY-WH")
    product = factories.ProductFactory(sku="PAY-1", unit_price=Decimal(price))
    stock(product, location, 100)
    return place(channel=channel, customer=factories.CustomerFactory(), items=[(product, quantity)])


def events_of(order, type_: str) -> list[OrderEvent]:
    return list(order.events.filter(type=type_).order_by("created_at", "pk"))


def deliver(
    client,
    type_: str,
    obj: dict,
    *,
    event_id: str | None = None,
    timestamp=None,
    secret: str = WEBHOOK_SECRET,
    payload: str | None = None,
):
    """POST a signed Stripe event to the webhook endpoint; returns the response."""
    payload = payload or event_payload(type_, obj, event_id=event_id)
    signature = sign_webhook(payload, secret, timestamp=timestamp)
    return client.post(
        WEBHOOK_URL,
        data=payload,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=signature,
    )


def stale(seconds: int = 301) -> int:
    return int(time.time()) - seconds
