"""Scheduled reports: a subscription to a registered report, and one run per scheduled send.

A run is the unit of "sent once": ``(subscription, scheduled_for)`` is unique, and the sweep that
creates it (``services.schedule_due_runs``) advances the subscription's ``next_run_at`` in the
same transaction, so a slot gets one run however often the sweep runs or however long the
workers were away."""

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.http import QueryDict


class Frequency(models.TextChoices):
    DAILY = "daily", "Daily"
    WEEKLY = "weekly", "Weekly"
    MONTHLY = "monthly", "Monthly"


class Weekday(models.IntegerChoices):  # datetime.weekday() numbering
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


class Format(models.TextChoices):
    PDF = "pdf", "PDF attached"
    CSV = "csv", "CSV attached"
    INLINE = "inline", "In the e-mail only"


def default_timezone() -> str:
    """The shop's (a callable: TIME_ZONE comes from the environment, migrations must not)."""
    return settings.TIME_ZONE


class ReportSubscription(models.Model):
    """Who gets which report, how often, when (a local time in ``timezone``) and as what.

    ``next_run_at`` is the next scheduled send (UTC); the services keep it in step with the
    schedule whenever the subscription is saved, and empty while it is inactive."""

    name = models.CharField(max_length=120)
    report_slug = models.CharField(max_length=80, help_text="A registered report.")
    filters = models.JSONField(
        default=dict, blank=True, help_text="The report's filters, as its page's query string."
    )
    frequency = models.CharField(max_length=10, choices=Frequency.choices, default=Frequency.WEEKLY)
    weekday = models.PositiveSmallIntegerField(
        choices=Weekday.choices, default=Weekday.MONDAY, help_text="Weekly: the day it is sent."
    )
    day_of_month = models.PositiveSmallIntegerField(
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(31)],
        help_text="Monthly: the day it is sent (the month's last day when it is shorter).",
    )
    time_of_day = models.TimeField(default="08:00", help_text="Local time in the time zone.")
    timezone = models.CharField(max_length=64, default=default_timezone)
    recipient_users = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="report_subscriptions"
    )
    recipient_groups = models.ManyToManyField(
        Group, blank=True, related_name="report_subscriptions"
    )
    format = models.CharField(max_length=10, choices=Format.choices, default=Format.PDF)
    is_active = models.BooleanField(default=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_digests"
    )
    next_run_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_run_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="When it was last sent."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "pk"]
        permissions = [("manage_subscription", "Can manage scheduled reports")]
        indexes = [models.Index(fields=["is_active", "next_run_at"], name="digest_due_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(day_of_month__gte=1, day_of_month__lte=31),
                name="digest_day_of_month_range",
            ),
            models.CheckConstraint(condition=models.Q(weekday__lte=6), name="digest_weekday_range"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def filters_query(self) -> str:
        """The filters as the report page's query string."""
        query = QueryDict(mutable=True)
        for key, values in (self.filters or {}).items():
            query.setlist(key, values)
        return query.urlencode()


class ReportRun(models.Model):
    """One send of a subscription: scheduled (for a slot of its schedule) or asked for ("send
    now", its slot the minute it was asked in). The delivery log."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed (will retry)"
        GAVE_UP = "gave_up", "Gave up"

    class Trigger(models.TextChoices):
        SCHEDULE = "schedule", "Schedule"
        MANUAL = "manual", "Send now"

    subscription = models.ForeignKey(
        ReportSubscription, on_delete=models.CASCADE, related_name="runs"
    )
    scheduled_for = models.DateTimeField()
    trigger = models.CharField(max_length=10, choices=Trigger.choices, default=Trigger.SCHEDULE)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(
        null=True, blank=True, help_text="When it is due (a worker sending it holds it later)."
    )
    started_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    recipients = models.JSONField(default=list, blank=True)
    error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-scheduled_for", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "scheduled_for"], name="digest_run_once_per_slot"
            )
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="digest_run_due_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.subscription} · {self.scheduled_for:%Y-%m-%d %H:%M}"
