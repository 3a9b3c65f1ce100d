"""One delivery attempt: claim, POST (no transaction open, no row locked), record the outcome.

Backoff is recorded, not slept: a failed attempt sets ``next_attempt_at`` (exponential from
``WEBHOOKS_RETRY_BASE_SECONDS``, capped at ``WEBHOOKS_RETRY_MAX_SECONDS``, with jitter), and the
periodic sweep (``tasks.send_due_deliveries``, every minute) sends what is due. No retry is
scheduled past ``retry_until`` (``WEBHOOKS_RETRY_HOURS`` after the event): the delivery gives up.

A claim is one conditional UPDATE that counts the attempt and holds the delivery for a lease
(twice the timeout, plus a margin): a second worker finds nothing due and sends nothing, and a
worker that dies mid-call leaves it due again once the lease ends. A delivery that succeeded is
never claimed again, so a retry never sends it twice.
"""

import json
import random
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import requests
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .. import transport
from ..exceptions import UnsafeURL, WebhookError
from ..models import Delivery, Subscription
from ..security import check_url, signature

RETRYABLE = (Delivery.Status.PENDING, Delivery.Status.FAILED)
LEASE_MARGIN_SECONDS = 30
ERROR_LENGTH = Delivery._meta.get_field("last_error").max_length


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    duration_ms: int | None
    error: str

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def retry_window_end(start: datetime) -> datetime:
    return start + timedelta(hours=settings.WEBHOOKS_RETRY_HOURS)


def backoff_seconds(attempt: int) -> float:
    """Wait after the ``attempt``-th failure: base·2^(attempt-1), capped, "equal jitter"
    (half fixed, half random) so endpoints coming back are not hit by every sender at once."""
    ceiling = min(
        settings.WEBHOOKS_RETRY_BASE_SECONDS * 2 ** max(attempt - 1, 0),
        settings.WEBHOOKS_RETRY_MAX_SECONDS,
    )
    return ceiling / 2 + random.uniform(0, ceiling / 2)  # noqa: S311 (jitter, not a secret)


def body_of(delivery: Delivery) -> bytes:
    return json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode()


def _claim(delivery_id: int, now: datetime) -> bool:
    lease = timedelta(seconds=2 * settings.WEBHOOKS_TIMEOUT + LEASE_MARGIN_SECONDS)
    return bool(
        Delivery.objects.filter(
            pk=delivery_id,
            status__in=RETRYABLE,
            next_attempt_at__lte=now,
            subscription__is_active=True,
        ).update(next_attempt_at=now + lease, attempt_count=F("attempt_count") + 1, updated_at=now)
    )


def _post(delivery: Delivery) -> Outcome:
    """The HTTP call, with the URL checked again first (its DNS may have changed)."""
    subscription = delivery.subscription
    try:
        check_url(subscription.url)
    except UnsafeURL as error:
        return Outcome(None, None, f"Not sent: {error.message}")
    body = body_of(delivery)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "OMS-Webhooks/1",
        "OMS-Signature": signature(subscription.secret, body, int(time.time())),
        "OMS-Event": delivery.event_type,
        "OMS-Delivery": str(delivery.pk),
    }
    started = time.monotonic()
    try:
        with transport.session() as http:
            response = http.post(
                subscription.url,
                data=body,
                headers=headers,
                timeout=settings.WEBHOOKS_TIMEOUT,
                allow_redirects=False,
            )
    except requests.RequestException as error:
        duration = int((time.monotonic() - started) * 1000)
        return Outcome(None, duration, f"{type(error).__name__}: {error}"[:ERROR_LENGTH])
    duration = int((time.monotonic() - started) * 1000)
    response.close()
    error = "" if 200 <= response.status_code < 300 else f"HTTP {response.status_code}"
    return Outcome(response.status_code, duration, error)


def attempt(delivery_id: int) -> str:
    """Send the delivery if it is due and its subscription active; its status afterwards, or
    "skipped" (not due, done already, paused, or another worker has it)."""
    now = timezone.now()
    if not _claim(delivery_id, now):
        return "skipped"
    delivery = Delivery.objects.select_related("subscription").filter(pk=delivery_id).first()
    if delivery is None:  # its subscription was deleted meanwhile
        return "missing"
    outcome = _post(delivery)
    return _record(delivery, outcome)


@transaction.atomic
def _record(delivery: Delivery, outcome: Outcome) -> str:
    now = timezone.now()
    fields = {
        "last_status_code": outcome.status_code,
        "last_duration_ms": outcome.duration_ms,
        "last_error": outcome.error,
        "updated_at": now,
    }
    subscriptions = Subscription.objects.filter(pk=delivery.subscription_id)
    if outcome.succeeded:
        status = Delivery.Status.SUCCEEDED
        Delivery.objects.filter(pk=delivery.pk).update(
            status=status, next_attempt_at=None, **fields
        )
        subscriptions.update(failure_streak=0)
        return status
    retry_at = now + timedelta(seconds=backoff_seconds(delivery.attempt_count))
    if retry_at > delivery.retry_until:
        status, retry_at = Delivery.Status.GAVE_UP, None
    else:
        status = Delivery.Status.FAILED
    Delivery.objects.filter(pk=delivery.pk).update(
        status=status, next_attempt_at=retry_at, **fields
    )
    subscriptions.update(failure_streak=F("failure_streak") + 1)
    _pause_if_failing(delivery.subscription, now)
    return status


def _pause_if_failing(subscription: Subscription, now: datetime) -> None:
    """After ``WEBHOOKS_PAUSE_AFTER_FAILURES`` failures in a row, pause it and tell its owner
    (once: only the update that pauses it sends the e-mail, after the commit)."""
    limit = settings.WEBHOOKS_PAUSE_AFTER_FAILURES
    reason = f"Paused after {limit} failed deliveries in a row."
    paused = Subscription.objects.filter(
        pk=subscription.pk, is_active=True, failure_streak__gte=limit
    ).update(is_active=False, paused_at=now, paused_reason=reason)
    if paused:
        transaction.on_commit(lambda: _tell_owner(subscription.pk), robust=True)


def _tell_owner(subscription_id: int) -> None:
    subscription = Subscription.objects.select_related("owner").get(pk=subscription_id)
    if not subscription.owner.email:
        return
    send_mail(
        subject=f"Webhook paused: {subscription.url}",
        message=(
            f"{subscription.paused_reason}\n\nThe webhook to {subscription.url} receives no "
            "deliveries until it is resumed; the deliveries it missed are kept and go out "
            "when it is resumed on the Webhooks page."
        ),
        from_email=None,
        recipient_list=[subscription.owner.email],
    )


@transaction.atomic
def redeliver(*, delivery: Delivery) -> None:
    """Send it again, whatever it came to (a person asked for it: a retry never would): due
    now, with a fresh retry window."""
    if not Subscription.objects.filter(pk=delivery.subscription_id, is_active=True).exists():
        raise WebhookError("Resume the webhook before redelivering.", code="paused")
    now = timezone.now()
    Delivery.objects.filter(pk=delivery.pk).update(
        status=Delivery.Status.PENDING,
        next_attempt_at=now,
        retry_until=retry_window_end(now),
        updated_at=now,
    )
    from ..tasks import deliver  # late: the tasks import the services

    deliver.delay_on_commit(delivery.pk)
