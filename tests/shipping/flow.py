"""What the shipment, label and tracking tests share: a paid, confirmed order in a warehouse
with an address, the label bought through the services (its task run in-process), signed
tracking webhooks of the built-in carrier, and the stock invariants to check at each step."""

from datetime import datetime
from decimal import Decimal

import pytest
from django.db.models import Sum

from inventory.models import Location, StockLevel, StockMovement
from orders import services as order_services
from orders.models import Allocation, Order
from payments import services as payment_services
from shipping import services
from shipping.carriers import TrackingUpdate
from shipping.carriers.rate_table import sign_webhook, webhook_body
from shipping.models import Carrier, Shipment, ShippingService
from tests import factories
from tests.factories import place, stock
from tests.shipping.conftest import WEBHOOK_SECRET


def webhook_url(carrier: Carrier | str) -> str:
    return f"/shipping/webhooks/{getattr(carrier, 'code', carrier)}/"


@pytest.fixture
def simulated_payments(settings):
    """Cards through the simulated gateway; the built-in carrier's webhooks signed with ours."""
    settings.STRIPE_SECRET_KEY = ""
    settings.OMS_PAYMENT_GATEWAY = "simulated"
    settings.SHIPPING_WEBHOOK_SECRET = WEBHOOK_SECRET


def warehouse_with_address(code: str, priority: int = 10) -> Location:
    return factories.LocationFactory(
        code=code,
        name=f"Warehouse {code}",
        priority=priority,
        line1="200 Logistics Way",
        city="Edison",
        region="NJ",
        postal_code="08817",
        country="US",
    )


def paid_order(items: list[tuple], **place_kwargs) -> Order:
    """Placed, authorized by card (captured when it ships) and confirmed."""
    channel = factories.SalesChannelFactory(code="ship-web", allow_unpaid_confirmation=False)
    order = place(
        channel=channel, customer=factories.CustomerFactory(), items=items, **place_kwargs
    )
    payment_services.authorize_payment(order=order, payment_method="pm_card_visa")
    return order_services.confirm_order(order=order)


def product_in(location: Location, sku: str, units: int, price: str = "25.00"):
    product = factories.ProductFactory(sku=sku, unit_price=Decimal(price), weight_grams=400)
    stock(product, location, units)
    return product


def labelled(shipment: Shipment, callbacks) -> Shipment:
    """Rate-shop, buy the preselected quote and run the label task (eagerly, on commit)."""
    shop = services.rate_shop(shipment)
    with callbacks(execute=True):
        services.buy_label(shipment=shipment, quote=shop.best)
    return Shipment.objects.get(pk=shipment.pk)


def scan(shipment: Shipment, status: str, at: datetime, event_id: str = "") -> TrackingUpdate:
    return TrackingUpdate(
        tracking_number=shipment.tracking_number,
        status=status,
        occurred_at=at,
        event_id=event_id or f"evt-{shipment.pk}-{status}-{at.timestamp():.0f}",
        message=f"Parcel {status.replace('_', ' ')}",
        location="Newark, NJ",
        carrier_status=status,
    )


def post_tracking(client, carrier: Carrier, updates, *, secret: str = WEBHOOK_SECRET):
    """The built-in carrier's signed webhook for ``updates``, posted as it would be."""
    body = webhook_body(updates)
    return client.post(
        webhook_url(carrier),
        data=body,
        content_type="application/json",
        HTTP_X_OMS_SIGNATURE=sign_webhook(body, secret),
    )


def assert_stock_adds_up() -> None:
    """The ledger sums to on hand, and what is reserved is what orders hold, everywhere."""
    ledger = {
        (row["product_id"], row["location_id"]): row["units"]
        for row in StockMovement.objects.values("product_id", "location_id").annotate(
            units=Sum("quantity")
        )
    }
    held = {
        (row["line__product_id"], row["location_id"]): row["units"]
        for row in Allocation.objects.values("line__product_id", "location_id").annotate(
            units=Sum("quantity")
        )
    }
    for level in StockLevel.objects.all():
        key = (level.product_id, level.location_id)
        assert level.on_hand == ledger.get(key, 0), key
        assert level.reserved == held.get(key, 0), key


@pytest.fixture
def easypost_usps(db, easypost_on) -> Carrier:
    """USPS through EasyPost (the fake), with the services the fake's rate card offers."""
    carrier = Carrier.objects.create(code="USPS", name="USPS", adapter=Carrier.Adapter.EASYPOST)
    for code, level, days in (
        ("GroundAdvantage", "economy", 5),
        ("Priority", "standard", 3),
        ("Express", "express", 2),
    ):
        ShippingService.objects.create(
            carrier=carrier, code=code, name=code, level=level, transit_days=days
        )
    return carrier
