"""A domain event becomes deliveries, once its transaction has committed.

``publish`` is called by the receivers inside the domain's transaction and only registers an
on-commit callback: nothing is queued for an event that rolls back, and the domain's
transaction does no webhook query. After the commit, one query finds the active subscriptions
to the event type; when there are any, one INSERT writes a delivery for each (a conflict on
(subscription, event id) is skipped: the same event published twice is delivered once) and a
task is queued per new delivery. A lost task is no lost delivery: the sweep sends it."""

from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils import timezone

from ..events import EVENT_TYPES
from ..models import Delivery, Subscription
from .delivery import retry_window_end

PayloadData = Callable[[], dict[str, Any]]


def publish(event_type: str, event_id: str, data: PayloadData) -> None:
    """Queue ``event_type`` (``event_id``: the domain event's own id, unique per event) for
    its subscribers once the current transaction commits. ``data`` builds the payload's
    ``data`` then, and only when someone subscribes."""
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown webhook event type {event_type!r}")
    transaction.on_commit(lambda: enqueue(event_type, event_id, data), robust=True)


def enqueue(event_type: str, event_id: str, data: PayloadData) -> list[int]:
    """Write the deliveries of a committed event and queue them; their ids."""
    subscribers = [
        pk
        for pk, events in Subscription.objects.filter(is_active=True).values_list("pk", "events")
        if event_type in events
    ]
    if not subscribers:
        return []
    now = timezone.now()
    payload = {"id": event_id, "type": event_type, "created": now.isoformat(), "data": data()}
    Delivery.objects.bulk_create(
        [
            Delivery(
                subscription_id=pk,
                event_type=event_type,
                event_id=event_id,
                payload=payload,
                next_attempt_at=now,
                retry_until=retry_window_end(now),
            )
            for pk in subscribers
        ],
        ignore_conflicts=True,
    )
    # ignore_conflicts leaves the new rows without ids; read back those still to send.
    ids = list(
        Delivery.objects.filter(
            event_id=event_id,
            subscription_id__in=subscribers,
            status=Delivery.Status.PENDING,
            attempt_count=0,
        ).values_list("pk", flat=True)
    )
    from ..tasks import deliver  # late: the tasks import the services

    for pk in ids:
        deliver.delay(pk)
    return ids
