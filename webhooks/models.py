"""Outbound webhooks: who wants which domain events, and every delivery of one to one URL."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from .events import EVENT_CHOICES, EVENT_TYPES
from .exceptions import WebhookError
from .security import check_url


class Subscription(models.Model):
    """A URL that receives the chosen event types, signed with its own secret.

    ``is_active`` False: paused (by hand, or after too many failures in a row; ``paused_at``
    and ``paused_reason`` say when and why); new events are not queued for it and its due
    deliveries wait for the resume."""

    url = models.URLField(max_length=500)
    events = models.JSONField(default=list, help_text="Event types sent, e.g. order.placed.")
    secret = models.CharField(max_length=100, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="webhook_subscriptions"
    )
    is_active = models.BooleanField(default=True)
    paused_at = models.DateTimeField(null=True, blank=True)
    paused_reason = models.CharField(max_length=200, blank=True)
    failure_streak = models.PositiveIntegerField(
        default=0, help_text="Failed attempts in a row; a success resets it."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        permissions = [("manage_subscription", "Can manage webhook subscriptions")]
        indexes = [models.Index(fields=["is_active"], name="webhook_sub_active_idx")]

    def __str__(self) -> str:
        return self.url

    def clean(self) -> None:
        """The admin's checks: a URL we may call (SSRF) and known event types."""
        try:
            check_url(self.url)
        except WebhookError as error:
            raise ValidationError({"url": error.message}) from error
        events = self.events if isinstance(self.events, list) else None
        if not events or not all(isinstance(event, str) for event in events):
            raise ValidationError({"events": "Give a list of event types."})
        unknown = sorted(set(events) - set(EVENT_TYPES))
        if unknown:
            raise ValidationError({"events": f"Unknown event types: {', '.join(unknown)}."})


class Delivery(models.Model):
    """One event for one subscription: a domain event is delivered once per subscription
    (unique event id), retried with backoff until ``retry_until``."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed (will retry)"
        GAVE_UP = "gave_up", "Gave up"

    subscription = models.ForeignKey(
        Subscription, on_delete=models.CASCADE, related_name="deliveries"
    )
    event_type = models.CharField(max_length=40, choices=EVENT_CHOICES)
    event_id = models.CharField(max_length=80)
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempt_count = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(
        null=True, blank=True, help_text="When it is due (a worker sending it holds it later)."
    )
    retry_until = models.DateTimeField(help_text="No retry is scheduled past this.")
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_duration_ms = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "event_id"], name="webhook_delivery_once"
            )
        ]
        indexes = [
            # The sweep: due deliveries still to send.
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(status__in=["pending", "failed"]),
                name="webhook_delivery_due_idx",
            ),
            # The delivery log of a subscription, newest first, by keyset.
            models.Index(
                fields=["subscription", "-created_at", "-id"], name="webhook_delivery_log_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id} → {self.subscription_id}"
