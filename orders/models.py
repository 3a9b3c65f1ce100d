from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Round

from core.models import TimeStampedModel
from core.payment_methods import MANUAL_METHODS

MONEY = {"max_digits": 14, "decimal_places": 2, "default": Decimal("0.00")}


def validate_deferred_payment_methods(value) -> None:
    """A list of manual payment methods (``core.payment_methods.MANUAL_METHODS``)."""
    if not isinstance(value, list) or any(method not in MANUAL_METHODS for method in value):
        allowed = ", ".join(sorted(MANUAL_METHODS))
        raise ValidationError(f"Give a list of manual payment methods: {allowed}.")


class SalesChannel(TimeStampedModel):
    class CapturePolicy(models.TextChoices):
        ON_CONFIRMATION = "on_confirmation", "When the order is confirmed"
        ON_SHIPMENT = "on_shipment", "When the order ships"

    class Kind(models.TextChoices):
        WEB = "web", "Web shop"
        STORE = "store", "Store (POS)"
        PHONE = "phone", "Phone"
        MOBILE_APP = "app", "Mobile app"
        MARKETPLACE = "marketplace", "Marketplace"
        WHOLESALE = "wholesale", "Wholesale"

    code = models.CharField(max_length=30, unique=True)
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    currency = models.CharField(max_length=3, default="USD")
    is_active = models.BooleanField(default=True)
    capture_policy = models.CharField(
        max_length=20,
        choices=CapturePolicy.choices,
        default=CapturePolicy.ON_SHIPMENT,
        help_text="When card authorizations are captured.",
    )
    allow_unpaid_confirmation = models.BooleanField(
        default=False,
        help_text="Orders may be confirmed before any payment is authorized (e.g. paid to a "
        "marketplace). Turn off to require an authorized or captured payment, or one of the "
        "deferred payment methods below.",
    )
    deferred_payment_methods = models.JSONField(
        default=list,
        blank=True,
        validators=[validate_deferred_payment_methods],
        help_text="Manual methods that let an order be confirmed before the money arrives, e.g. "
        '["cash_on_delivery", "invoice_terms"].',
    )
    excluded_locations = models.ManyToManyField(
        "inventory.Location",
        blank=True,
        related_name="excluding_channels",
        help_text="Locations this channel's orders are never sourced from.",
    )
    handling_days = models.PositiveSmallIntegerField(
        default=1,
        help_text="Business days from placing to handing to the carrier, when no date is promised.",
    )
    never_split = models.BooleanField(
        default=False,
        db_default=False,
        help_text="Ship each order from one location: what that location lacks is backordered "
        "(or refused) rather than sent from another.",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TaxRate(models.Model):
    """Sales tax by destination: a region-specific rate wins over the country's."""

    country = models.CharField(max_length=2)
    region = models.CharField(max_length=100, blank=True)
    rate = models.DecimalField(max_digits=7, decimal_places=5, help_text="0.08875 for 8.875%")
    name = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["country", "region"]
        constraints = [
            models.UniqueConstraint(fields=["country", "region"], name="taxrate_country_region"),
            models.CheckConstraint(
                condition=models.Q(rate__gte=0, rate__lt=1), name="taxrate_between_0_and_1"
            ),
        ]

    def __str__(self) -> str:
        where = f"{self.country}-{self.region}" if self.region else self.country
        return f"{where}: {self.rate * 100:.2f}%"


class OrderStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PLACED = "placed", "Placed"
    CONFIRMED = "confirmed", "Confirmed"
    PROCESSING = "processing", "Processing"
    PARTIALLY_SHIPPED = "partially_shipped", "Partially shipped"
    SHIPPED = "shipped", "Shipped"
    DELIVERED = "delivered", "Delivered"
    COMPLETED = "completed", "Completed"
    ON_HOLD = "on_hold", "On hold"
    CANCELLED = "cancelled", "Cancelled"


# Orders still to be worked on (``workflow.OPEN_STATUSES``); the partial index of open orders
# holds exactly these, so it must be defined here, beside the model.
OPEN_STATUS_VALUES = (
    OrderStatus.PLACED,
    OrderStatus.CONFIRMED,
    OrderStatus.PROCESSING,
    OrderStatus.PARTIALLY_SHIPPED,
    OrderStatus.ON_HOLD,
)


class PaymentStatus(models.TextChoices):
    UNPAID = "unpaid", "Unpaid"
    AUTHORIZED = "authorized", "Authorized"
    PARTIALLY_PAID = "partially_paid", "Partially paid"
    PAID = "paid", "Paid"
    PARTIALLY_REFUNDED = "partially_refunded", "Partially refunded"
    REFUNDED = "refunded", "Refunded"
    REFUND_DUE = "refund_due", "Refund due"


class FulfilmentStatus(models.TextChoices):
    UNFULFILLED = "unfulfilled", "Unfulfilled"
    BACKORDERED = "backordered", "Backordered"
    ALLOCATED = "allocated", "Allocated"
    PARTIALLY_SHIPPED = "partially_shipped", "Partially shipped"
    SHIPPED = "shipped", "Shipped"


class HoldReason(models.TextChoices):
    AWAITING_PAYMENT = "awaiting_payment", "Awaiting payment"
    FRAUD_RISK = "fraud_risk", "High fraud risk"
    INCORRECT_ADDRESS = "incorrect_address", "Incorrect address"
    OUT_OF_STOCK = "out_of_stock", "Out of stock"
    CUSTOMER_REQUEST = "customer_request", "Customer request"
    PAYMENT_DISPUTE = "payment_dispute", "Payment disputed"
    OTHER = "other", "Other"


class Order(TimeStampedModel):
    number = models.CharField(max_length=20, unique=True)
    channel = models.ForeignKey(SalesChannel, on_delete=models.PROTECT, related_name="orders")
    external_id = models.CharField(
        max_length=100, blank=True, help_text="The channel's own order id; unique per channel."
    )
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="orders"
    )
    email = models.EmailField(help_text="Where order updates go, as given at checkout.")
    shipping_address = models.JSONField(default=dict)
    billing_address = models.JSONField(default=dict)
    currency = models.CharField(max_length=3, default="USD")
    status = models.CharField(max_length=20, choices=OrderStatus.choices)
    payment_status = models.CharField(
        max_length=20, choices=PaymentStatus.choices, default=PaymentStatus.UNPAID
    )
    fulfilment_status = models.CharField(
        max_length=20, choices=FulfilmentStatus.choices, default=FulfilmentStatus.UNFULFILLED
    )
    subtotal = models.DecimalField(**MONEY)
    discount_total = models.DecimalField(**MONEY)
    shipping_total = models.DecimalField(**MONEY)
    tax_total = models.DecimalField(**MONEY)
    total = models.DecimalField(**MONEY)
    placed_at = models.DateTimeField(null=True, blank=True)
    promised_ship_date = models.DateField(null=True, blank=True)
    ship_by = models.DateField(
        null=True,
        blank=True,
        help_text="The day it must leave: the promised date, or placed + the channel's handling.",
    )
    pickup_location = models.ForeignKey(
        "inventory.Location",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Click & collect: the store the customer collects from.",
    )
    never_split = models.BooleanField(
        default=False,
        db_default=False,  # the bench loads orders with COPY
        help_text="Ship from one location only (as asked when it was placed).",
    )
    notes = models.TextField(blank=True)
    hold_reason = models.CharField(max_length=20, choices=HoldReason.choices, blank=True)
    hold_note = models.CharField(max_length=500, blank=True)
    held_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status_before_hold = models.CharField(max_length=20, choices=OrderStatus.choices, blank=True)
    cancel_reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-placed_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "external_id"],
                condition=~models.Q(external_id=""),
                name="order_channel_external_id",
            ),
            # Rounded because SQLite (the demo database) does this sum in floating point;
            # on PostgreSQL numeric arithmetic is exact and the rounding changes nothing.
            models.CheckConstraint(
                condition=models.Q(
                    total=Round(
                        models.F("subtotal")
                        - models.F("discount_total")
                        + models.F("shipping_total")
                        + models.F("tax_total"),
                        2,
                    )
                ),
                name="order_total_invariant",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    subtotal__gte=0, discount_total__gte=0, shipping_total__gte=0, tax_total__gte=0
                ),
                name="order_amounts_gte_0",
            ),
            models.CheckConstraint(
                condition=models.Q(status="on_hold") | models.Q(hold_reason=""),
                name="order_hold_reason_only_on_hold",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "-placed_at"]),
            models.Index(fields=["channel", "-placed_at"]),
            models.Index(fields=["payment_status", "-placed_at"]),
            models.Index(fields=["fulfilment_status", "-placed_at"]),
            models.Index(fields=["hold_reason", "-placed_at"]),
            # The customer's orders panel by keyset: drafts (placed_at NULL) first, as DESC
            # keeps NULLs, then newest first.
            models.Index(fields=["customer", "-placed_at", "-id"]),
            models.Index(fields=["-placed_at", "-id"]),
            models.Index(fields=["total", "id"], name="order_total_id_idx"),
            models.Index(
                fields=["external_id"],
                condition=~models.Q(external_id=""),
                name="order_external_id_idx",
            ),
            models.Index(
                fields=["promised_ship_date"],
                condition=models.Q(status__in=["placed", "confirmed", "processing"]),
                name="order_late_to_ship_idx",
            ),
            # Only open orders: the home page's queues count them by an index-only scan
            # whose size is the work in hand, not the history (workflow.OPEN_STATUSES).
            models.Index(
                fields=["status", "hold_reason"],
                condition=models.Q(status__in=OPEN_STATUS_VALUES),
                name="order_open_status_idx",
            ),
            # the pick queue and the at-risk sweep: open orders by the day they must leave, in
            # the queue's keyset order (a page is cut without sorting a whole day)
            models.Index(
                fields=["ship_by", "id"],
                condition=models.Q(status__in=OPEN_STATUS_VALUES),
                name="order_open_ship_by_idx",
            ),
        ]
        permissions = [
            ("confirm_order", "Can confirm orders"),
            ("hold_order", "Can put orders on hold and release them"),
            ("cancel_order", "Can cancel orders"),
            ("export_orders", "Can export orders as CSV"),
            ("override_price", "Can override unit prices and give any discount"),
            ("give_discount", "Can give line discounts up to OMS_CS_DISCOUNT_LIMIT_PERCENT"),
            ("resource_order", "Can re-source orders and lines to other locations"),
            ("replay_sourcing", "Can run what-if sourcing replays"),
        ]

    def __str__(self) -> str:
        return self.number


class CustomerOrderTotals(models.Model):
    """A customer's order count and lifetime value in one currency, so that the customer page
    and the customer list read them in one row whatever the customer's history.

    The orders that count are neither drafts nor cancelled (``selectors.NOT_COUNTED_STATUSES``).
    Database triggers on ``orders_order`` keep these rows (migration ``customer_order_totals``,
    PostgreSQL and SQLite): every insert, delete and change of status, total, currency or
    customer adds its delta in the same transaction as the order. Triggers rather than Python
    because then every write path is covered (services, bulk ``update()``, the admin, COPY
    loads, SQL by hand) and no new one can forget it; the totals are exact under concurrency
    because the delta is an ``INSERT … ON CONFLICT DO UPDATE`` that adds to the row, never a
    read-modify-write.

    The cost: that upsert locks the customer's row until the order's transaction commits, so
    concurrent writes to orders of the same customer wait on one another. Acceptable: on
    PostgreSQL the trigger is deferred to the commit, so the row is locked only while the
    transaction commits, and it is the last lock any transaction takes (fired at the write,
    placing an order, which locks the row and then the stock, deadlocked with cancelling one,
    which locks the stock and then the row). A write that changes nothing counted (a
    confirmation, a shipment) takes no lock. Until its commit a transaction does not see its
    own changes here (tests make the trigger immediate: ``SET CONSTRAINTS``); SQLite runs one
    writer at a time and fires at once.
    """

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="order_totals"
    )
    currency = models.CharField(max_length=3)
    order_count = models.IntegerField(default=0)
    lifetime_value = models.DecimalField(**MONEY)

    class Meta:
        verbose_name_plural = "customer order totals"
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "currency"], name="customerordertotals_customer_currency"
            ),
            models.CheckConstraint(
                condition=models.Q(order_count__gte=0), name="customerordertotals_count_gte_0"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.currency}: {self.order_count} orders"


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(
        "inventory.Product", on_delete=models.PROTECT, related_name="order_lines"
    )
    sku = models.CharField("SKU", max_length=64)
    name = models.CharField(max_length=200)
    quantity = models.PositiveIntegerField()
    unit_price = models.DecimalField(max_digits=12, decimal_places=2)
    discount = models.DecimalField(**MONEY)
    tax_rate = models.DecimalField(max_digits=7, decimal_places=5, default=Decimal("0"))
    tax_amount = models.DecimalField(**MONEY)
    line_total = models.DecimalField(
        **MONEY, help_text="quantity × unit price, before the line discount and tax"
    )
    quantity_allocated = models.PositiveIntegerField(default=0)
    quantity_backordered = models.PositiveIntegerField(default=0)
    quantity_shipped = models.PositiveIntegerField(default=0)
    quantity_returned = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="line_quantity_gt_0"),
            models.CheckConstraint(
                condition=models.Q(
                    quantity__gte=models.F("quantity_allocated")
                    + models.F("quantity_backordered")
                    + models.F("quantity_shipped")
                ),
                name="line_quantities_within_ordered",
            ),
            models.CheckConstraint(
                condition=models.Q(quantity_returned__lte=models.F("quantity_shipped")),
                name="line_returned_lte_shipped",
            ),
            models.CheckConstraint(
                condition=models.Q(discount__gte=0, discount__lte=models.F("line_total")),
                name="line_discount_within_total",
            ),
        ]
        indexes = [
            models.Index(
                fields=["product", "order"],
                condition=models.Q(quantity_backordered__gt=0),
                name="line_backordered_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.sku}"

    @property
    def net_total(self):
        return self.line_total - self.discount


class Allocation(models.Model):
    """Units of a line reserved at one location (a line may be split across several)."""

    line = models.ForeignKey(OrderLine, on_delete=models.CASCADE, related_name="allocations")
    location = models.ForeignKey(
        "inventory.Location", on_delete=models.PROTECT, related_name="allocations"
    )
    quantity = models.PositiveIntegerField()
    picked_quantity = models.PositiveIntegerField(
        default=0, db_default=0, help_text="Of these units, how many are off the shelf."
    )

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["line", "location"], name="allocation_line_location"),
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="allocation_qty_gt_0"),
            models.CheckConstraint(
                condition=models.Q(picked_quantity__lte=models.F("quantity")),
                name="allocation_picked_lte_quantity",
            ),
        ]
        indexes = [
            # the pick queue: units still on the shelf, per location
            models.Index(
                fields=["location", "line"],
                condition=models.Q(quantity__gt=models.F("picked_quantity")),
                name="allocation_to_pick_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.line.sku} @ {self.location.code}"


class OrderEvent(models.Model):
    """The order's timeline: every state change and action, who did it and when."""

    class Type(models.TextChoices):
        PLACED = "placed", "Placed"
        DRAFT_CREATED = "draft_created", "Draft created"
        CONFIRMED = "confirmed", "Confirmed"
        PROCESSING = "processing", "Processing started"
        HELD = "held", "Put on hold"
        HOLD_RELEASED = "hold_released", "Hold released"
        CANCELLED = "cancelled", "Cancelled"
        STOCK_RESERVED = "stock_reserved", "Stock reserved"
        BACKORDERED = "backordered", "Backordered"
        BACKORDER_ALLOCATED = "backorder_allocated", "Backorder allocated"
        SHIPPED = "shipped", "Shipped"
        DELIVERED = "delivered", "Delivered"
        COMPLETED = "completed", "Completed"
        LINES_CHANGED = "lines_changed", "Lines changed"
        PRICE_OVERRIDDEN = "price_overridden", "Price overridden"
        ADDRESS_CORRECTED = "address_corrected", "Shipping address corrected"
        PROMISED_DATE_CHANGED = "promised_date_changed", "Promised ship date changed"
        SHIPPING_CHANGED = "shipping_changed", "Shipping charge changed"
        STOCK_WRITTEN_OFF = "stock_written_off", "Reserved stock written off"
        NOTE = "note", "Note"
        EMAIL_SENT = "email_sent", "E-mail sent"
        PAYMENT_LINK_SENT = "payment_link_sent", "Payment link sent"
        PAYMENT_EXPECTED = "payment_expected", "Payment expected"
        PAYMENT_AUTHORIZED = "payment_authorized", "Payment authorized"
        PAYMENT_CAPTURED = "payment_captured", "Payment captured"
        PAYMENT_RECEIVED = "payment_received", "Payment received"
        PAYMENT_REFUNDED = "payment_refunded", "Payment refunded"
        PAYMENT_FAILED = "payment_failed", "Payment failed"
        PAYMENT_VOIDED = "payment_voided", "Payment voided"
        PAYMENT_EXPIRED = "payment_expired", "Authorization expired"
        AUTHORIZATION_EXPIRING = "authorization_expiring", "Authorization expiring"
        DISPUTE_OPENED = "dispute_opened", "Payment disputed"
        REFUND_DUE = "refund_due", "Refund due"
        OVERPAID = "overpaid", "Overpaid"

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    type = models.CharField(max_length=30, choices=Type.choices)
    message = models.CharField(max_length=500)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["order", "-created_at", "-id"]),  # the timeline by keyset
            models.Index(fields=["type"]),
        ]

    def __str__(self) -> str:
        return f"{self.order_id} {self.type}: {self.message}"

    @property
    def actor_label(self) -> str:
        return self.actor.get_username() if self.actor_id else "system"
