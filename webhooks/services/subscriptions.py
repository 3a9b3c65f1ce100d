"""Subscriptions: created with a secret shown once, paused and resumed."""

import secrets

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from ..events import EVENT_TYPES
from ..exceptions import WebhookError
from ..models import Delivery, Subscription
from ..security import check_url
from .delivery import RETRYABLE, retry_window_end


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def create_subscription(*, url: str, events: list[str], owner: AbstractBaseUser) -> Subscription:
    """A subscription to ``events`` at ``url`` (checked against SSRF now, and again at each
    delivery). Its ``secret`` is shown to the owner once, right after this."""
    unknown = sorted(set(events) - set(EVENT_TYPES))
    if unknown or not events:
        raise WebhookError(
            "Choose at least one known event type." + (f" Unknown: {unknown}." if unknown else ""),
            code="invalid_events",
            field="events",
        )
    check_url(url)
    return Subscription.objects.create(
        url=url,
        events=[event for event in EVENT_TYPES if event in events],
        secret=new_secret(),
        owner=owner,
    )


@transaction.atomic
def pause(*, subscription: Subscription, reason: str) -> bool:
    """Stop sending to it; its deliveries wait. False when it was paused already."""
    now = timezone.now()
    paused = Subscription.objects.filter(pk=subscription.pk, is_active=True).update(
        is_active=False, paused_at=now, paused_reason=reason[:200]
    )
    subscription.refresh_from_db()
    return bool(paused)


@transaction.atomic
def resume(*, subscription: Subscription) -> bool:
    """Send again: the failure streak starts over and the deliveries that waited are due now
    (with a fresh retry window; they are sent by the sweep). False when it was not paused."""
    now = timezone.now()
    resumed = Subscription.objects.filter(pk=subscription.pk, is_active=False).update(
        is_active=True, paused_at=None, paused_reason="", failure_streak=0
    )
    if resumed:
        Delivery.objects.filter(subscription=subscription, status__in=RETRYABLE).update(
            next_attempt_at=now, retry_until=retry_window_end(now), updated_at=now
        )
        from ..tasks import send_due_deliveries  # late: the tasks import the services

        send_due_deliveries.delay_on_commit()
    subscription.refresh_from_db()
    return bool(resumed)
