"""Customer e-mails and the periodic clean-up of stale orders."""

from datetime import datetime, timedelta

from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

from .. import events
from ..models import (
    Order,
    OrderStatus,
    PaymentStatus,
)
from .transitions import cancel_order

EMAIL_KINDS = {
    # Placing only receives the order: it is confirmed later (paid, checked), in its own e-mail.
    "placed": "We have received your order {number}",
    "confirmed": "Your order {number} is confirmed",
    "cancelled": "Your order {number} has been cancelled",
    "shipped": "Your order {number} is on its way",
}


def send_customer_email(*, order_id: int, kind: str, attempt: str = "") -> bool:
    """Send one of the order e-mails, at most once per order and kind; returns whether it sent.

    No row lock is held while the mail server is talked to: under the order's lock the send is
    claimed (the EMAIL_SENT event, both the timeline entry and the record that stops a second
    send), the claim commits, then the mail goes out. A send that fails drops its claim so the
    task's retry can claim again. ``attempt`` is the task's id: a task redelivered after its
    worker died mid-send finds its own claim and sends, while any other duplicate finds the
    claim and does nothing.
    """
    if kind not in EMAIL_KINDS:
        raise ValueError(f"unknown e-mail kind {kind!r}")
    with transaction.atomic():
        order = Order.objects.select_for_update(of=("self",)).filter(pk=order_id).first()
        if order is None:
            return False
        claim = order.events.filter(type=events.Type.EMAIL_SENT, data__kind=kind).first()
        if claim is not None and not (attempt and claim.data.get("attempt") == attempt):
            return False
        claim = claim or events.email_sent(order, kind, order.email, attempt=attempt)
        message = render_to_string(
            f"orders/email/{kind}.txt", {"order": order, "lines": list(order.lines.all())}
        )
    sent = False
    try:
        send_mail(
            subject=EMAIL_KINDS[kind].format(number=order.number),
            message=message,
            from_email=None,
            recipient_list=[order.email],
        )
        sent = True
    finally:
        if not sent:
            claim.delete()  # the error propagates; the task's retry claims again
    return sent


def stale_orders(*, older_than: timedelta, now: datetime | None = None):
    cutoff = (now or timezone.now()) - older_than
    return Order.objects.filter(
        Q(status=OrderStatus.DRAFT, created_at__lt=cutoff)
        | Q(
            status=OrderStatus.PLACED,
            payment_status=PaymentStatus.UNPAID,
            placed_at__lt=cutoff,
        )
    )


def cancel_stale_orders(*, older_than: timedelta, now: datetime | None = None) -> list[str]:
    """Cancel drafts and unpaid orders older than ``older_than``, freeing their stock.

    Each order is cancelled in its own transaction and re-checked under its lock, so a run
    that overlaps another, or a payment arriving meanwhile, never cancels the wrong order.
    """
    cancelled = []
    for pk in stale_orders(older_than=older_than, now=now).values_list("pk", flat=True):
        with transaction.atomic():
            order = stale_orders(older_than=older_than, now=now).select_for_update().filter(pk=pk)
            order = order.first()
            if order is None:
                continue
            hours = int(older_than.total_seconds() // 3600)
            cancel_order(order=order, reason=f"Not paid within {hours} hours", actor=None)
            cancelled.append(order.number)
    return cancelled
