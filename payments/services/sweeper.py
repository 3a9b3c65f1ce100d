"""The safety net for lost tasks: work recorded but never finished is queued again.

Every gateway call is recorded before it is made, so a capture, void or refund whose task was
lost (a worker killed, a broker that dropped it, a commit whose ``on_commit`` never ran) is a
transaction still pending, and a Stripe event whose task was lost is stored unprocessed. The
sweeper, run every minute by celery beat, queues each such item again once it has waited
``OMS_SWEEP_AFTER_MINUTES``, and at most once per that interval. The tasks are idempotent: a
task that meanwhile finished makes the queued copy a no-op.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from .. import tasks
from ..models import PaymentTransaction, Refund, StripeWebhookEvent
from .common import OPEN_OUTCOMES, Kind

logger = logging.getLogger(__name__)

BATCH = 200  # items of each kind per sweep; the next sweep takes the rest


def _requeue(txn: PaymentTransaction) -> None:
    actor = txn.actor_id
    if txn.kind == Kind.CAPTURE:
        tasks.capture_payment.delay(
            txn.payment_id,
            str(txn.amount),
            actor,
            bool(txn.request.get("final", True)),
            str(txn.request.get("request_id", "")),
        )
    elif txn.kind == Kind.VOID:
        tasks.void_payment.delay(txn.payment_id, actor)
    elif txn.kind == Kind.REFUND and txn.refund_id:
        tasks.refund_payment.delay(txn.refund_id)
    elif txn.kind == Kind.AUTHORIZE:
        tasks.reconcile_authorization.delay(txn.payment_id)
    elif txn.kind == Kind.PAYMENT_LINK:
        tasks.create_payment_link.delay(txn.payment_id, actor)


def sweep_stuck_work(*, now: datetime | None = None) -> dict[str, int]:
    """Queue again the gateway calls without an answer, the refunds never sent and the
    Stripe events never processed that have waited long enough. Returns how many of each."""
    now = now or timezone.now()
    cutoff = now - timedelta(minutes=settings.OMS_SWEEP_AFTER_MINUTES)
    not_swept = Q(swept_at__isnull=True) | Q(swept_at__lt=cutoff)

    calls = list(
        PaymentTransaction.objects.filter(outcome__in=OPEN_OUTCOMES, created_at__lt=cutoff)
        .filter(Q(attempted_at__isnull=True) | Q(attempted_at__lt=cutoff), not_swept)
        .order_by("pk")[:BATCH]
    )
    PaymentTransaction.objects.filter(pk__in=[txn.pk for txn in calls]).update(swept_at=now)
    # Refunds made before calls were recorded with them have no call to find.
    refunds = list(
        Refund.objects.filter(
            status=Refund.Status.PENDING, created_at__lt=cutoff, transactions__isnull=True
        ).values_list("pk", flat=True)[:BATCH]
    )
    stripe_events = list(
        StripeWebhookEvent.objects.filter(processed_at__isnull=True, received_at__lt=cutoff)
        .filter(not_swept)
        .order_by("pk")
        .values_list("pk", flat=True)[:BATCH]
    )
    StripeWebhookEvent.objects.filter(pk__in=stripe_events).update(swept_at=now)

    for txn in calls:
        _requeue(txn)
    for refund_id in refunds:
        tasks.refund_payment.delay(refund_id)
    for event_pk in stripe_events:
        tasks.process_stripe_event.delay(event_pk)
    swept = {"calls": len(calls), "refunds": len(refunds), "events": len(stripe_events)}
    if any(swept.values()):
        logger.warning("sweeper queued stuck payment work again: %s", swept)
    return swept
