"""Orders in and out. Input is checked for shape here; the domain rules (prices, stock,
addresses, limits) are the order services', whose errors come back with their field."""

from decimal import Decimal

from rest_framework import serializers

from orders.models import Allocation, HoldReason, Order, OrderEvent, OrderLine
from payments.models import Gateway

from .payments import PaymentOut
from .shipments import ShipmentOut

MONEY = {"max_digits": 14, "decimal_places": 2}
PAYMENT_INTENT_ID = r"^pi_[A-Za-z0-9_]+$"  # trimmed first, so $ is the end


# --- in -----------------------------------------------------------------------------------


class AddressIn(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    line1 = serializers.CharField(max_length=200)
    line2 = serializers.CharField(max_length=200, required=False, allow_blank=True)
    city = serializers.CharField(max_length=100)
    region = serializers.CharField(max_length=100, required=False, allow_blank=True)
    postal_code = serializers.CharField(max_length=20, required=False, allow_blank=True)
    country = serializers.CharField(max_length=2, help_text="ISO 3166 two-letter code.")
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True)


class CustomerIn(serializers.Serializer):
    email = serializers.EmailField(help_text="Matched in any case; a new e-mail is a new customer.")
    name = serializers.CharField(max_length=200)
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True)


class LineIn(serializers.Serializer):
    sku = serializers.CharField(max_length=64)
    quantity = serializers.IntegerField(min_value=1)
    unit_price = serializers.DecimalField(
        **MONEY, required=False, help_text="The channel's price; omitted, the catalogue price."
    )
    discount = serializers.DecimalField(**MONEY, required=False, min_value=0)


class PaymentIn(serializers.Serializer):
    """A payment the channel's checkout already authorized (Stripe.js): checked with Stripe
    before the order is placed, then recorded on it as an authorized payment."""

    provider = serializers.ChoiceField(choices=[Gateway.STRIPE])
    reference = serializers.RegexField(
        PAYMENT_INTENT_ID,
        max_length=255,
        help_text="The Stripe PaymentIntent id (pi_…); one order's only.",
        error_messages={"invalid": "A Stripe PaymentIntent id: pi_ then letters and digits."},
    )
    amount = serializers.DecimalField(
        **MONEY,
        required=False,
        min_value=Decimal("0.01"),
        help_text="What it authorized, if the channel wants that checked too.",
    )


class OrderIn(serializers.Serializer):
    external_id = serializers.CharField(
        max_length=100, help_text="The channel's own order id: the same id twice is one order."
    )
    customer = CustomerIn()
    email = serializers.EmailField(
        required=False, help_text="Where order updates go; omitted, the customer's e-mail."
    )
    lines = LineIn(many=True, allow_empty=False)
    shipping_address = AddressIn()
    billing_address = AddressIn(required=False)
    currency = serializers.CharField(max_length=3, required=False)
    shipping_total = serializers.DecimalField(**MONEY, required=False, min_value=0)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    promised_ship_date = serializers.DateField(required=False)
    payment = PaymentIn(required=False)


class HoldIn(serializers.Serializer):
    reason = serializers.ChoiceField(choices=HoldReason.choices)
    note = serializers.CharField(required=False, allow_blank=True, max_length=500)


class CancelIn(serializers.Serializer):
    reason = serializers.CharField(max_length=500)


# --- out ----------------------------------------------------------------------------------


class AllocationOut(serializers.ModelSerializer):
    location = serializers.CharField(source="location.code")

    class Meta:
        model = Allocation
        fields = ["location", "quantity", "picked_quantity"]


class LineOut(serializers.ModelSerializer):
    allocations = AllocationOut(many=True)

    class Meta:
        model = OrderLine
        fields = [
            "id",
            "sku",
            "name",
            "quantity",
            "unit_price",
            "discount",
            "tax_rate",
            "tax_amount",
            "line_total",
            "quantity_allocated",
            "quantity_backordered",
            "quantity_shipped",
            "quantity_returned",
            "allocations",
        ]


class EventOut(serializers.ModelSerializer):
    class Meta:
        model = OrderEvent
        fields = ["type", "message", "created_at"]


ORDER_FIELDS = [
    "number",
    "channel",
    "external_id",
    "customer",
    "email",
    "status",
    "payment_status",
    "fulfilment_status",
    "currency",
    "subtotal",
    "discount_total",
    "shipping_total",
    "tax_total",
    "total",
    "placed_at",
    "promised_ship_date",
    "ship_by",
    "hold_reason",
    "cancel_reason",
]


class OrderSummaryOut(serializers.ModelSerializer):
    channel = serializers.CharField(source="channel.code")
    customer = serializers.EmailField(source="customer.email")

    class Meta:
        model = Order
        fields = ORDER_FIELDS


class OrderOut(OrderSummaryOut):
    lines = LineOut(many=True)
    shipments = ShipmentOut(many=True)
    payments = PaymentOut(many=True)
    events = EventOut(many=True)

    class Meta:
        model = Order
        fields = [
            *ORDER_FIELDS,
            "shipping_address",
            "billing_address",
            "notes",
            "lines",
            "shipments",
            "payments",
            "events",
        ]
