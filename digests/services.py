"""Scheduling and sending scheduled reports.

Why one sweep and not a beat entry per subscription: beat runs ``tasks.send_due_digests`` every
minute, and each due subscription gets its run in one short transaction that locks the
subscription row, creates ``ReportRun(subscription, scheduled_for=next_run_at)`` (unique per
slot) and moves ``next_run_at`` to the first slot after now. So:

- a slot missed while the workers (or beat) were down is still due when they return, and is
  sent then, once: the run is created for the earliest missed slot, and the schedule jumps
  past every slot already gone (a week away sends one weekly digest, not one per missed slot);
- a slot is never sent twice: a second sweep finds ``next_run_at`` in the future, and even a
  racing one cannot create a second run for the same slot (the unique constraint);
- the time zone is plain calendar arithmetic (``schedule.next_occurrence``), where a crontab per
  subscription in django-celery-beat would carry no slot id to make its task idempotent by.

Sending (``deliver_run``) claims the run with one conditional UPDATE, renders and sends with no
transaction open and no row locked, then records the outcome: a run that was sent is never
claimed again, and a worker that dies mid-send leaves its claim to expire (``LEASE``) for the
sweep to hand to another. The e-mail's Message-ID is the run's, so the one case no database can
rule out — sent, then the worker died before recording it — reaches mail clients as one message.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, Group, Permission
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from notifications.services import TRANSIENT

from . import rendering
from .exceptions import DigestError
from .models import ReportRun, ReportSubscription
from .schedule import next_occurrence

Status = ReportRun.Status
SCHEDULE_FIELDS = ("frequency", "weekday", "day_of_month", "time_of_day", "timezone")
# The runs a worker may take: waiting (their task queued, or lost), failed (to retry) and those
# whose sender's lease ran out (its worker died).
MAX_ATTEMPTS = 5
LEASE = timedelta(minutes=10)
BACKOFF_SECONDS = 60
# A queued task gets this long to take its run before the sweep queues it again.
REQUEUE_AFTER = timedelta(minutes=5)
SWEEP_BATCH = 200
ERROR_LENGTH = ReportRun._meta.get_field("error").max_length


class SendFailed(DigestError):
    """The mail server could not take the e-mail; ``extra["retry_in"]``: seconds to wait."""

    code = "send_failed"


def _next_slot(subscription: ReportSubscription, after: datetime) -> datetime:
    return next_occurrence(
        after=after, **{field: getattr(subscription, field) for field in SCHEDULE_FIELDS}
    )


def schedule_next(subscription: ReportSubscription, *, now: datetime | None = None) -> None:
    """Set ``next_run_at`` for the subscription about to be saved: none while inactive; the
    stored one while the schedule is unchanged (so an edit never skips a due run); else the
    first slot after now."""
    if not subscription.is_active:
        subscription.next_run_at = None
        return
    stored = (
        ReportSubscription.objects.filter(pk=subscription.pk)
        .values("is_active", "next_run_at", *SCHEDULE_FIELDS)
        .first()
        if subscription.pk
        else None
    )
    unchanged = stored is not None and all(
        stored[field] == getattr(subscription, field) for field in SCHEDULE_FIELDS
    )
    if unchanged and stored["is_active"] and stored["next_run_at"] is not None:
        subscription.next_run_at = stored["next_run_at"]
        return
    subscription.next_run_at = _next_slot(subscription, now or timezone.now())


@transaction.atomic
def save_subscription(
    *,
    subscription: ReportSubscription,
    users: list[AbstractBaseUser],
    groups: list[Group],
) -> ReportSubscription:
    """Create or update a subscription and its recipients, its next run in step."""
    rendering.report_of(subscription)  # raises UnknownReport
    schedule_next(subscription)
    subscription.save()
    subscription.recipient_users.set(users)
    subscription.recipient_groups.set(groups)
    return subscription


# --- scheduling ------------------------------------------------------------------------------


def _queue(run_id: int) -> None:
    from .tasks import send_run  # late: the tasks import the services

    send_run.delay(run_id)


@transaction.atomic
def _create_due_run(subscription_id: int, now: datetime) -> ReportRun | None:
    subscription = (
        ReportSubscription.objects.select_for_update(skip_locked=True)
        .filter(pk=subscription_id, is_active=True, next_run_at__lte=now)
        .first()
    )
    if subscription is None:  # sent meanwhile, paused, or another sweep holds it
        return None
    run, created = ReportRun.objects.get_or_create(
        subscription=subscription,
        scheduled_for=subscription.next_run_at,
        defaults={"next_attempt_at": now},
    )
    subscription.next_run_at = _next_slot(subscription, now)
    subscription.save(update_fields=["next_run_at", "updated_at"])
    if created:
        transaction.on_commit(lambda: _queue(run.pk), robust=True)
    return run if created else None


def schedule_due_runs(*, now: datetime | None = None) -> int:
    """The sweep: queue again the runs whose task was lost or whose sender died, then create
    and queue the run of each subscription that is due. The number of runs queued."""
    now = now or timezone.now()
    stale = list(
        ReportRun.objects.filter(
            Q(status__in=(Status.PENDING, Status.FAILED), next_attempt_at__lte=now - REQUEUE_AFTER)
            | Q(status=Status.SENDING, next_attempt_at__lte=now),
            attempts__lt=MAX_ATTEMPTS,
        ).values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    for run_id in stale:
        _queue(run_id)
    ReportRun.objects.filter(
        status=Status.SENDING, next_attempt_at__lte=now, attempts__gte=MAX_ATTEMPTS
    ).update(status=Status.GAVE_UP, error="Gave up: its last attempt never finished.")
    due = ReportSubscription.objects.filter(is_active=True, next_run_at__lte=now)
    created = [
        _create_due_run(pk, now)
        for pk in due.order_by("next_run_at").values_list("pk", flat=True)[:SWEEP_BATCH]
    ]
    return len(stale) + sum(run is not None for run in created)


@transaction.atomic
def send_now(
    *, subscription: ReportSubscription, actor: AbstractBaseUser, now: datetime | None = None
) -> tuple[ReportRun, bool]:
    """A run now, for the period before today; its slot is the current minute, so a double
    click (or a second manager in the same minute) sends one e-mail. (run, whether it is new)."""
    now = now or timezone.now()
    run, created = ReportRun.objects.get_or_create(
        subscription=subscription,
        scheduled_for=now.replace(second=0, microsecond=0),
        defaults={
            "trigger": ReportRun.Trigger.MANUAL,
            "requested_by": actor,
            "next_attempt_at": now,
        },
    )
    if created:
        transaction.on_commit(lambda: _queue(run.pk), robust=True)
    return run, created


# --- sending ---------------------------------------------------------------------------------


def recipient_addresses(subscription: ReportSubscription, permission: str) -> list[str]:
    """The e-mail addresses of the active recipients (chosen, or members of a chosen group) who
    may see the report: a report is never mailed to someone its page would refuse. One query."""
    User = get_user_model()
    app_label, codename = permission.split(".", 1)
    granted = Permission.objects.filter(codename=codename, content_type__app_label=app_label)
    may_see = User.objects.filter(
        Q(is_superuser=True) | Q(user_permissions__in=granted) | Q(groups__permissions__in=granted)
    ).values("pk")
    chosen = User.objects.filter(
        Q(pk__in=subscription.recipient_users.values("pk"))
        | Q(groups__in=subscription.recipient_groups.values("pk"))
    ).values("pk")
    return list(
        User.objects.filter(pk__in=chosen, is_active=True)
        .filter(pk__in=may_see)
        .exclude(email="")
        .order_by("email")
        .values_list("email", flat=True)
        .distinct()
    )


def _claim(run_id: int, now: datetime) -> bool:
    return bool(
        ReportRun.objects.filter(
            Q(status__in=(Status.PENDING, Status.FAILED))
            | Q(status=Status.SENDING, next_attempt_at__lte=now),
            pk=run_id,
            attempts__lt=MAX_ATTEMPTS,
        ).update(
            status=Status.SENDING,
            attempts=F("attempts") + 1,
            next_attempt_at=now + LEASE,
            started_at=Coalesce(F("started_at"), now),
        )
    )


def _message(
    run: ReportRun, digest: rendering.Digest, recipients: list[str]
) -> EmailMultiAlternatives:
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2] or "oms.invalid"
    message = EmailMultiAlternatives(
        subject=digest.subject,
        body=digest.text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=recipients,
        headers={"Message-ID": f"<digest-run-{run.pk}@{domain}>"},
    )
    message.attach_alternative(digest.html, "text/html")
    for attachment in digest.attachments:
        if isinstance(attachment, tuple):
            message.attach(*attachment)
        else:
            message.attach(attachment)
    return message


def _finish(run: ReportRun, status: str, *, error: str = "", **fields) -> str:
    ReportRun.objects.filter(pk=run.pk, status=Status.SENDING).update(
        status=status, error=error[:ERROR_LENGTH], **fields
    )
    return status


def deliver_run(*, run_id: int) -> str:
    """Send the run unless it was sent (or is being sent) already; its status afterwards, or
    "skipped". A transient failure is recorded and raised as SendFailed for the task to retry,
    until the last attempt, which gives up."""
    now = timezone.now()
    if not _claim(run_id, now):
        return "skipped"
    run = ReportRun.objects.select_related("subscription").filter(pk=run_id).first()
    if run is None:  # its subscription was deleted meanwhile
        return "missing"
    try:
        if run.trigger == ReportRun.Trigger.SCHEDULE and not run.subscription.is_active:
            raise DigestError("Paused before it was sent.")
        report = rendering.report_of(run.subscription)
        recipients = recipient_addresses(run.subscription, report.permission)
        if not recipients:
            raise DigestError("No active recipient with an e-mail address may see this report.")
        message = _message(run, rendering.build(run), recipients)
    except DigestError as error:  # paused, no such report, filters that no longer fit, nobody
        return _finish(run, Status.GAVE_UP, error=error.message, next_attempt_at=None)
    try:
        message.send()
    except TRANSIENT as error:
        text = f"{type(error).__name__}: {error}"
        if run.attempts >= MAX_ATTEMPTS:  # counted by the claim
            return _finish(run, Status.GAVE_UP, error=text, recipients=recipients)
        retry_in = BACKOFF_SECONDS * 2 ** (run.attempts - 1)
        _finish(
            run,
            Status.FAILED,
            error=text,
            recipients=recipients,
            next_attempt_at=timezone.now() + timedelta(seconds=retry_in),
        )
        raise SendFailed(text, extra={"retry_in": retry_in}) from error
    sent_at = timezone.now()
    ReportSubscription.objects.filter(pk=run.subscription_id).update(last_run_at=sent_at)
    return _finish(run, Status.SENT, recipients=recipients, sent_at=sent_at, next_attempt_at=None)
