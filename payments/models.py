"""Payments taken for orders, every call made to a gateway, refunds, and Stripe's webhook events.

A ``Payment`` holds the money picture of one way the customer pays (a card authorization, a bank
transfer…): what was authorized, captured and refunded, with database constraints that refunded
≤ captured ≤ authorized. Every request to a gateway is a ``PaymentTransaction``; the order's
payment status and balance due are derived from the payments in ``payments.selectors``.
"""

from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone

from core.models import TimeStampedModel
from core.payment_methods import MANUAL_METHODS as MANUAL_METHODS  # re-exported
from core.payment_methods import Method as Method

MONEY = {"max_digits": 14, "decimal_places": 2, "default": Decimal("0.00")}


class Gateway(models.TextChoices):
    STRIPE = "stripe", "Stripe"
    MANUAL = "manual", "Manual"
    SIMULATED = "simulated", "Simulated"


INVOICE_TERMS_DAYS = 30
# Card authorizations last 7 days unless the gateway tells us otherwise (Stripe's capture_before).
DEFAULT_AUTHORIZATION_WINDOW = timedelta(days=7)


class PaymentStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    AUTHORIZED = "authorized", "Authorized"
    PARTIALLY_CAPTURED = "partially_captured", "Partially captured"
    CAPTURED = "captured", "Captured"
    PARTIALLY_REFUNDED = "partially_refunded", "Partially refunded"
    REFUNDED = "refunded", "Refunded"
    FAILED = "failed", "Failed"
    VOIDED = "voided", "Voided"
    EXPIRED = "expired", "Expired"


# Statuses with money captured: capture has happened, refunds may follow.
CAPTURED_STATUSES = frozenset(
    {PaymentStatus.CAPTURED, PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED}
)
# Statuses with an authorization still open to capture (all of it, or the rest of it).
CAPTURABLE_STATUSES = frozenset({PaymentStatus.AUTHORIZED, PaymentStatus.PARTIALLY_CAPTURED})
# Statuses that end a payment without money having moved.
DEAD_STATUSES = frozenset({PaymentStatus.FAILED, PaymentStatus.VOIDED, PaymentStatus.EXPIRED})


class PaymentQuerySet(models.QuerySet):
    """The Finance list's filters, so the dashboard, the API and the tasks agree on them."""

    def awaiting_capture(self):
        return self.filter(status__in=CAPTURABLE_STATUSES)

    def expiring(self, *, within: timedelta | None = None, now: datetime | None = None):
        """Authorizations whose capture deadline falls within ``within`` (default: the setting)."""
        if within is None:
            within = timedelta(hours=settings.OMS_AUTHORIZATION_EXPIRY_WARNING_HOURS)
        return self.filter(
            status__in=CAPTURABLE_STATUSES,
            authorization_expires_at__lte=(now or timezone.now()) + within,
        )

    def failed(self):
        return self.filter(status=PaymentStatus.FAILED)

    def disputed(self):
        return self.filter(disputed_at__isnull=False)


class Payment(TimeStampedModel):
    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="payments")
    gateway = models.CharField(max_length=12, choices=Gateway.choices)
    method = models.CharField(max_length=20, choices=Method.choices)
    status = models.CharField(
        max_length=20, choices=PaymentStatus.choices, default=PaymentStatus.PENDING
    )
    amount = models.DecimalField(
        max_digits=14, decimal_places=2, help_text="What this payment is for: requested or due."
    )
    currency = models.CharField(max_length=3)
    gateway_reference = models.CharField(
        max_length=255,
        blank=True,
        help_text="The gateway's id: a Stripe PaymentIntent (pi_…) or the simulated reference.",
    )
    checkout_session_id = models.CharField(max_length=255, blank=True)
    checkout_url = models.URLField(max_length=2000, blank=True)
    authorized_amount = models.DecimalField(**MONEY)
    captured_amount = models.DecimalField(**MONEY)
    refunded_amount = models.DecimalField(**MONEY)
    authorized_at = models.DateTimeField(null=True, blank=True)
    captured_at = models.DateTimeField(null=True, blank=True)
    authorization_expires_at = models.DateTimeField(
        null=True, blank=True, help_text="Capture before this or the authorization lapses."
    )
    expiry_flagged_at = models.DateTimeField(
        null=True, blank=True, help_text="When the timeline was warned the authorization expires."
    )
    due_date = models.DateField(null=True, blank=True, help_text="Invoice terms: pay by.")
    card_brand = models.CharField(max_length=20, blank=True)
    card_last4 = models.CharField(max_length=4, blank=True)
    failure_code = models.CharField(max_length=100, blank=True)
    failure_message = models.CharField(max_length=500, blank=True)
    disputed_at = models.DateTimeField(null=True, blank=True)
    dispute_reason = models.CharField(max_length=100, blank=True)
    dispute_amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    dispute_reference = models.CharField(max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = PaymentQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="payment_amount_gt_0"),
            models.CheckConstraint(
                condition=models.Q(
                    authorized_amount__gte=0, captured_amount__gte=0, refunded_amount__gte=0
                ),
                name="payment_amounts_gte_0",
            ),
            models.CheckConstraint(
                condition=models.Q(captured_amount__lte=models.F("authorized_amount")),
                name="payment_captured_lte_authorized",
            ),
            models.CheckConstraint(
                condition=models.Q(refunded_amount__lte=models.F("captured_amount")),
                name="payment_refunded_lte_captured",
            ),
            models.UniqueConstraint(
                fields=["gateway", "gateway_reference"],
                condition=~models.Q(gateway_reference=""),
                name="payment_gateway_reference",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "-created_at"], name="payment_status_idx"),
            models.Index(fields=["gateway", "-created_at"], name="payment_gateway_idx"),
            models.Index(fields=["method", "-created_at"], name="payment_method_idx"),
            models.Index(
                fields=["authorization_expires_at"],
                condition=models.Q(status__in=["authorized", "partially_captured"]),
                name="payment_auth_expiry_idx",
            ),
            # the payments report: authorizations given in a period that still hold
            models.Index(
                fields=["authorized_at"],
                condition=models.Q(status__in=["authorized", "partially_captured"]),
                name="payment_open_authorized_idx",
            ),
            models.Index(
                fields=["-disputed_at"],
                condition=models.Q(disputed_at__isnull=False),
                name="payment_disputed_idx",
            ),
            models.Index(
                fields=["checkout_session_id"],
                condition=~models.Q(checkout_session_id=""),
                name="payment_checkout_session_idx",
            ),
        ]
        permissions = [
            ("capture_payment", "Can capture payments"),
            ("refund_payment", "Can refund payments"),
            ("void_payment", "Can void payment authorizations"),
            ("record_payment", "Can record manual payments"),
            ("send_payment_link", "Can send payment links"),
        ]

    def __str__(self) -> str:
        return f"{self.get_method_display()} {self.amount} {self.currency} ({self.status})"

    @property
    def is_manual(self) -> bool:
        return self.gateway == Gateway.MANUAL

    @property
    def capturable_amount(self) -> Decimal:
        """What the open authorization still holds (all of it until a first partial capture)."""
        if self.status not in CAPTURABLE_STATUSES:
            return Decimal("0")
        return self.authorized_amount - self.captured_amount

    @property
    def refundable_amount(self) -> Decimal:
        """Captured less refunded; refunds still in flight are subtracted by the services."""
        return self.captured_amount - self.refunded_amount

    @property
    def card_label(self) -> str:
        if not self.card_last4:
            return ""
        return f"{self.card_brand.title() or 'Card'} •••• {self.card_last4}"


class PaymentTransaction(models.Model):
    """One call to a gateway (or one receipt recorded by hand), kept as it was answered.

    A call is recorded before it is made (``pending``, with its idempotency key) and committed,
    so a worker that dies mid-call leaves a trace the sweeper finds; the answer then sets the
    outcome. A timeout or an outage is ``unknown``: the money may or may not have moved, and
    the call is repeated with the same key (the gateway answers it once) or looked up.
    """

    class Kind(models.TextChoices):
        AUTHORIZE = "authorize", "Authorize"
        CAPTURE = "capture", "Capture"
        REFUND = "refund", "Refund"
        VOID = "void", "Void"
        PAYMENT_LINK = "payment_link", "Payment link"

    class Source(models.TextChoices):
        API = "api", "Request to the gateway"
        WEBHOOK = "webhook", "Gateway notification"
        MANUAL = "manual", "Recorded by staff"

    class Outcome(models.TextChoices):
        PENDING = "pending", "Pending"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        UNKNOWN = "unknown", "Unknown (no answer)"

    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="transactions")
    refund = models.ForeignKey(
        "Refund", null=True, blank=True, on_delete=models.SET_NULL, related_name="transactions"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.API)
    amount = models.DecimalField(**MONEY)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.PENDING)
    error_code = models.CharField(max_length=100, blank=True)
    error_message = models.CharField(max_length=500, blank=True)
    gateway_reference = models.CharField(
        max_length=255, blank=True, help_text="Stripe object id, webhook event id or receipt ref."
    )
    idempotency_key = models.CharField(max_length=255, blank=True)
    request = models.JSONField(
        default=dict, blank=True, help_text="What was asked besides the amount, to ask it again."
    )
    raw_response = models.JSONField(default=dict, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    attempted_at = models.DateTimeField(
        null=True, blank=True, help_text="When a worker last sent the call (empty: queued)."
    )
    swept_at = models.DateTimeField(
        null=True, blank=True, help_text="When the sweeper last queued the call again."
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["payment", "-created_at"], name="payment_txn_payment_idx"),
            models.Index(
                fields=["-created_at"],
                condition=models.Q(outcome="failed"),
                name="payment_txn_failed_idx",
            ),
            models.Index(
                fields=["created_at"],
                condition=models.Q(outcome__in=["pending", "unknown"]),
                name="payment_txn_open_idx",
            ),
            # the payments report: money captured in a period
            models.Index(
                fields=["created_at"],
                condition=models.Q(kind="capture", outcome="succeeded"),
                name="payment_txn_captured_idx",
            ),
        ]

    def __str__(self) -> str:
        outcome = self.get_outcome_display().lower()
        if self.outcome == self.Outcome.FAILED:
            outcome += f": {self.error_code or self.error_message}"
        return f"{self.get_kind_display()} {self.amount} ({outcome})"

    @property
    def succeeded(self) -> bool:
        return self.outcome == self.Outcome.SUCCEEDED

    @property
    def open(self) -> bool:
        """Sent or to be sent, with no answer yet."""
        return self.outcome in (self.Outcome.PENDING, self.Outcome.UNKNOWN)


class Refund(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    reason = models.CharField(max_length=500)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    external = models.BooleanField(
        default=False,
        help_text="Made outside the OMS (Stripe dashboard, bank) and recorded here.",
    )
    gateway_reference = models.CharField(max_length=255, blank=True)
    failure_message = models.CharField(max_length=500, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="refund_amount_gt_0"),
        ]
        indexes = [
            models.Index(fields=["status", "-created_at"], name="refund_status_idx"),
            # the payments report: money refunded in a period
            models.Index(
                fields=["completed_at"],
                condition=models.Q(status="succeeded"),
                name="refund_completed_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"Refund {self.amount} {self.payment.currency} ({self.status})"


class StripeWebhookEvent(models.Model):
    """A Stripe event as received; the unique event id makes a second delivery a no-op."""

    event_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=100)
    livemode = models.BooleanField(default=False)
    payload = models.JSONField()
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    swept_at = models.DateTimeField(
        null=True, blank=True, help_text="When the sweeper last queued it again."
    )

    class Meta:
        ordering = ["-received_at", "-pk"]
        indexes = [
            models.Index(fields=["type", "-received_at"], name="stripe_event_type_idx"),
            models.Index(
                fields=["received_at"],
                condition=models.Q(processed_at__isnull=True),
                name="stripe_event_unprocessed_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.event_id}"
