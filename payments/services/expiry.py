"""Authorization deadlines: warn before an uncaptured authorization lapses."""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from .. import events
from ..gateways import GatewayResult
from ..models import CAPTURABLE_STATUSES, Gateway, Payment
from .common import apply_result, lock_payment

logger = logging.getLogger(__name__)


# --- authorization deadlines --------------------------------------------------------------


def flag_expiring_authorizations(*, now: datetime | None = None) -> list[int]:
    """Warn on the timeline, once per payment, of authorizations that lapse within the warning
    window (OMS_AUTHORIZATION_EXPIRY_WARNING_HOURS); simulated ones past their deadline expire
    (Stripe's send a ``payment_intent.canceled`` webhook instead). Returns the flagged ids."""
    now = now or timezone.now()
    flagged = []
    candidates = Payment.objects.expiring(now=now).filter(expiry_flagged_at__isnull=True)
    for payment in candidates.order_by("pk"):
        with transaction.atomic():
            payment = lock_payment(payment)
            if payment.status not in CAPTURABLE_STATUSES or payment.expiry_flagged_at:
                continue
            if payment.gateway == Gateway.SIMULATED and payment.authorization_expires_at <= now:
                apply_result(
                    payment,
                    GatewayResult(canceled=True, cancellation_reason="automatic"),
                    None,
                )
                continue
            payment.expiry_flagged_at = now
            payment.save(update_fields=["expiry_flagged_at", "updated_at"])
            events.authorization_expiring(payment.order, payment)
            flagged.append(payment.pk)
    return flagged
