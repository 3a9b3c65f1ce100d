"""Reads for the API: the orders an integration may see, and one order with everything its
detail shows, in a fixed number of queries."""

from collections.abc import Iterable

from django.db.models import Prefetch, QuerySet, prefetch_related_objects
from django.http import Http404
from django.shortcuts import get_object_or_404

from customers.models import Customer
from customers.selectors import customer_for_detail
from inventory.models import Location, Product, StockLevel
from inventory.selectors import product_for_detail, products_with_stock, stock_summary
from orders.models import Order, OrderEvent
from orders.selectors import order_for_detail, totals_by_customer
from payments.models import Payment, PaymentTransaction, Refund
from shipping.models import Carrier, Shipment, ShipmentLine, TrackingEvent

from .models import Integration


def visible_orders(integration: Integration | None) -> QuerySet[Order]:
    """Every order for a staff session or an ``all_channels`` integration; else its channel's."""
    orders = Order.objects.all()
    if integration is not None and not integration.all_channels:
        orders = orders.filter(channel_id=integration.channel_id)
    return orders


def orders_for_list(integration: Integration | None) -> QuerySet[Order]:
    return visible_orders(integration).select_related("channel", "customer")


def order_for_change(number: str, integration: Integration | None) -> Order:
    """The order an action is about, if the integration may see it (else 404)."""
    return get_object_or_404(visible_orders(integration), number=number)


def order_for_api(number: str, integration: Integration | None) -> Order:
    """The order with its lines and allocations (``orders.selectors.order_for_detail``), then
    its shipments with their lines, payments and events: eight queries whatever its size."""
    order = order_for_detail(number)
    if (
        integration is not None
        and not integration.all_channels
        and order.channel_id != integration.channel_id
    ):
        raise Http404("No order with this number.")
    prefetch_related_objects(
        [order],
        Prefetch(
            "shipments",
            queryset=Shipment.objects.defer(*LABEL_FILES)
            .select_related("carrier", "service", "location")
            .prefetch_related("lines")
            .order_by("pk"),
        ),
        Prefetch("payments", queryset=Payment.objects.order_by("pk")),
        Prefetch("events", queryset=OrderEvent.objects.order_by("created_at", "pk")),
    )
    return order


# --- products, stock levels, locations ---
# The columns a stock level's row shows (``StockLevelOut``).
LEVEL_COLUMNS = (
    "on_hand",
    "reserved",
    "safety_stock",
    "bin",
    "product__sku",
    "location__code",
)


def products_for_list() -> QuerySet[Product]:
    """Products with their stock totals over every location: one aggregate query a page."""
    return products_with_stock([])


def product_for_api(sku: str) -> Product:
    """The product with its stock per location (``stock_rows``) and the totals over them, as
    ``products_for_list`` annotates them: two queries."""
    product = product_for_detail(sku)
    summary = stock_summary(product)
    product.stock_rows = summary.levels
    product.on_hand_total, product.reserved_total = summary.on_hand, summary.reserved
    product.available_total = summary.available
    return product


def locations_for_list() -> QuerySet[Location]:
    return Location.objects.all()


def location_for_api(code: str) -> Location:
    return get_object_or_404(Location, code=code)


def stock_levels_for_list() -> QuerySet[StockLevel]:
    return StockLevel.objects.select_related("product", "location").only(*LEVEL_COLUMNS)


# --- shipments and tracking ---
# Their label files stay in the database: no read of the API needs them.
LABEL_FILES = ("label_pdf", "label_zpl")
TIMELINE = Prefetch("tracking_events", queryset=TrackingEvent.objects.order_by("occurred_at", "pk"))


def visible_shipments(integration: Integration | None) -> QuerySet[Shipment]:
    """The shipments of the orders ``visible_orders`` gives the integration."""
    shipments = Shipment.objects.defer(*LABEL_FILES)
    if integration is not None and not integration.all_channels:
        shipments = shipments.filter(order__channel_id=integration.channel_id)
    return shipments


def shipments_for_list(integration: Integration | None) -> QuerySet[Shipment]:
    return visible_shipments(integration).select_related("order", "location", "carrier", "service")


def shipment_for_api(shipment_id: int, integration: Integration | None) -> Shipment:
    """The shipment with its lines (and their SKUs) and its timeline: three queries."""
    return get_object_or_404(
        shipments_for_list(integration).prefetch_related(
            Prefetch("lines", queryset=ShipmentLine.objects.select_related("line")), TIMELINE
        ),
        pk=shipment_id,
    )


def shipment_tracking(shipment_id: int, integration: Integration | None) -> Shipment:
    """The shipment's carrier and timeline: two queries."""
    return get_object_or_404(
        visible_shipments(integration).select_related("carrier").prefetch_related(TIMELINE),
        pk=shipment_id,
    )


def tracked_numbers(
    carrier: Carrier, numbers: Iterable[str], integration: Integration | None
) -> set[str]:
    """Which of ``numbers`` are the carrier's parcels the integration may see."""
    return set(
        visible_shipments(integration)
        .filter(carrier=carrier, tracking_number__in=set(numbers))
        .values_list("tracking_number", flat=True)
    )


# --- customers ---


def customer_for_api(pk: int) -> Customer:
    """The customer with their addresses (``customers.selectors.customer_for_detail``) and
    ``totals``, their orders' count and value per currency, kept by the orders app: two
    queries whatever their history."""
    customer = customer_for_detail(pk)
    customer.totals = totals_by_customer([customer.pk]).get(customer.pk, [])
    return customer


# --- payments ---


def visible_payments(integration: Integration | None) -> QuerySet[Payment]:
    """The payments of the orders the integration may see (``visible_orders``)."""
    payments = Payment.objects.select_related("order")
    if integration is not None and not integration.all_channels:
        payments = payments.filter(order__channel_id=integration.channel_id)
    return payments


def payment_for_api(pk: int, integration: Integration | None) -> Payment:
    """One visible payment with its gateway calls and refunds, oldest first: three queries."""
    return get_object_or_404(
        visible_payments(integration).prefetch_related(
            Prefetch("transactions", queryset=PaymentTransaction.objects.order_by("pk")),
            Prefetch("refunds", queryset=Refund.objects.order_by("pk")),
        ),
        pk=pk,
    )
