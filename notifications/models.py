"""The delivery log: every message decided for a customer or a member of staff, as it was sent."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from core.models import TimeStampedModel


class Kind(models.TextChoices):
    """What a message says. ``notifications.rules`` decides when each one goes out."""

    ORDER_RECEIVED = "order_received", "Order received"
    ORDER_CONFIRMED = "order_confirmed", "Order confirmed"
    SHIPPED = "shipped", "Shipped"
    OUT_FOR_DELIVERY = "out_for_delivery", "Out for delivery"
    DELIVERED = "delivered", "Delivered"
    DELAYED = "delayed", "Delayed"
    READY_FOR_PICKUP = "ready_for_pickup", "Ready for pickup"
    CANCELLED = "cancelled", "Cancelled"
    REFUND_ISSUED = "refund_issued", "Refund issued"
    PAYMENT_LINK = "payment_link", "Payment link"
    PAYMENT_FAILED = "payment_failed", "Payment failed"
    INVOICE = "invoice", "Invoice"
    REVIEW_REQUEST = "review_request", "Review request (marketing)"
    STAFF_PAYMENT_FAILED = "staff_payment_failed", "Staff: payment failed"
    STAFF_DISPUTE = "staff_dispute", "Staff: dispute opened"
    STAFF_LOW_STOCK = "staff_low_stock", "Staff: low stock"
    STAFF_AT_RISK = "staff_at_risk", "Staff: order at risk"


class Notification(TimeStampedModel):
    """One message to one recipient over one channel.

    ``dedupe_key`` (kind, order, shipment or the event's own subject, channel, recipient) is
    unique: an event delivered twice, or a task run twice, finds the row and adds nothing. The
    subject and bodies are rendered once, when the message is decided, so the log shows the
    exact message that went out. ``claimed_by`` is the id of the task sending it: a task
    redelivered after its worker died finds its own claim, any other copy finds the claim and
    sends nothing."""

    class Channel(models.TextChoices):
        EMAIL = "email", "E-mail"
        SMS = "sms", "SMS"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        SUPPRESSED = "suppressed", "Suppressed"

    order = models.ForeignKey(
        "orders.Order",
        on_delete=models.CASCADE,
        related_name="notifications",
        null=True,
        blank=True,
    )
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.SET_NULL,
        related_name="notifications",
        null=True,
        blank=True,
    )
    shipment = models.ForeignKey(
        "shipping.Shipment",
        on_delete=models.SET_NULL,
        related_name="notifications",
        null=True,
        blank=True,
    )
    kind = models.CharField(max_length=30, choices=Kind.choices)
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.EMAIL)
    recipient = models.CharField(max_length=254)
    subject = models.CharField(max_length=300, blank=True)
    body_text = models.TextField(blank=True)
    body_html = models.TextField(blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    dedupe_key = models.CharField(max_length=200, unique=True)
    context = models.JSONField(default=dict, blank=True, help_text="What the message was made of.")
    claimed_by = models.CharField(max_length=64, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    provider_message_id = models.CharField(max_length=200, blank=True)
    delivery_status = models.CharField(
        max_length=30, blank=True, help_text="The provider's last word: delivered, bounced…"
    )
    resend_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, related_name="resends", null=True, blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        related_name="+",
        null=True,
        blank=True,
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        permissions = [("resend_notification", "Can resend a customer or staff message")]
        indexes = [
            # the notifications report: messages decided in a period
            models.Index(fields=["created_at"], name="notification_created_idx"),
            # the order page's Communications panel
            models.Index(fields=["order", "-created_at", "-id"], name="notification_order_idx"),
            # the Notifications page: failures to retry, newest first, by keyset
            models.Index(
                fields=["-created_at", "-id"],
                condition=Q(status="failed"),
                name="notification_failed_idx",
            ),
            # the provider's tracking webhook finds the message it reports on
            models.Index(
                fields=["provider_message_id"],
                condition=~Q(provider_message_id=""),
                name="notification_provider_id_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.recipient} ({self.status})"
