"""What the shipment, label and tracking tests share: a paid, confirmed order in a warehouse
with an address, the label bought through the services (its task run in-process, or sent to a
real worker), signed tracking webhooks of the built-in carrier, and the stock invariants to
check at each step. Its fixtures (``simulated_payments``, ``easypost_usps``) live in
``tests/shipping/conftest.py``."""

import io
import os
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from pypdf import PdfReader

from inventory.models import Location, StockLevel, StockMovement
from orders import services as order_services
from orders.models import Allocation, Order
from payments import services as payment_services
from shipping import services, tasks
from shipping.carriers import TrackingUpdate
from shipping.carriers.rate_table import sign_webhook, webhook_body
from shipping.models import Carrier, Shipment
from tests import factories
from tests.factories import place, stock
from tests.shipping.conftest import (
    WEBHOOK_SECRET,
    simulated_payments,  # noqa: F401 (a fixture tests/e2e imports)
)
from tests.workers import broker_client


def pdf_text(pdf: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def webhook_url(carrier: Carrier | str) -> str:
    return f"/shipping/webhooks/{getattr(carrier, 'code', carrier)}/"


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


def on_shelf(location: Location, sku: str, name: str, units: int, bin: str, **extra):
    """A product with ``units`` of it at the location, kept in ``bin`` (where a picker goes)."""
    product = factories.ProductFactory(sku=sku, name=name, **extra)
    stock(product, location, units)
    StockLevel.objects.filter(product=product, location=location).update(bin=bin)
    return product


def product_in(location: Location, sku: str, units: int, price: str = "25.00"):
    product = factories.ProductFactory(sku=sku, unit_price=Decimal(price), weight_grams=400)
    stock(product, location, units)
    return product


def mug_parcel(callbacks, mugs: int = 1) -> Shipment:
    """A paid order of ``mugs`` mugs from WH-EAST (10 on its shelf) to New York: its
    shipment, waiting for a label."""
    east = warehouse_with_address("WH-EAST")
    mug = product_in(east, "MUG-1", 10)
    with callbacks(execute=True):
        order = paid_order([(mug, mugs)])
    return services.create_shipment(order=order, location=east)


def labelled(shipment: Shipment, callbacks) -> Shipment:
    """Rate-shop, buy the preselected quote and run the label task (eagerly, on commit)."""
    shop = services.rate_shop(shipment)
    with callbacks(execute=True):
        services.buy_label(shipment=shipment, quote=shop.best)
    return Shipment.objects.get(pk=shipment.pk)


def shipped_mug(callbacks) -> Shipment:
    """One mug's parcel of the built-in carrier, labelled and handed over (its order shipped)."""
    shipment = labelled(mug_parcel(callbacks), callbacks)
    with callbacks(execute=True):
        return services.ship(shipment=shipment)


def status_of(shipment: Shipment) -> str:
    return Shipment.objects.get(pk=shipment.pk).status


def label_tasks_to_a_worker(worker_processes, monkeypatch) -> list:
    """Start a worker on Redis and send it each label task once its purchase commits; the
    list fills with the tasks' results (``AsyncResult``), in order."""
    redis_url = os.environ["OMS_TEST_REDIS_URL"]
    worker_processes.start(broker_url=redis_url, result_backend=redis_url)
    broker = broker_client(redis_url, redis_url)
    sent: list = []

    def to_the_worker(shipment_id: int) -> None:
        transaction.on_commit(
            lambda: sent.append(
                broker.send_task(
                    "shipping.tasks.create_label", args=[shipment_id], queue=worker_processes.queue
                )
            )
        )

    monkeypatch.setattr(tasks.create_label, "delay_on_commit", to_the_worker)
    return sent


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
