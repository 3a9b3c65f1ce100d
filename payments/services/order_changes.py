"""What payments does when an order changes (``payments.receivers`` calls these, inside the
order's transaction with its row locked): capture on confirmation or on each shipment, release
the money of a cancelled order, and follow a changed total.

Gateway calls never happen here: captures and voids are queued with ``delay_on_commit``.
"""

from __future__ import annotations

import logging
from decimal import Decimal

from django.db import transaction

from core.money import ZERO, to_money
from orders import services as order_services
from orders.models import HoldReason, Order, OrderEvent, OrderStatus, SalesChannel
from orders.workflow import allowed_targets

from .. import events, selectors
from ..exceptions import PaymentError
from ..models import CAPTURABLE_STATUSES, Payment, PaymentStatus
from .capture import capturable_now, request_capture, request_void
from .common import Actor, refresh_order_payment_status

logger = logging.getLogger(__name__)


def _capturable_payments(order: Order) -> list[Payment]:
    return list(order.payments.filter(status__in=CAPTURABLE_STATUSES).order_by("pk"))


def _queue_captures(
    order: Order, amount: Decimal, *, final: bool, request_id: str, actor: Actor
) -> list[Payment]:
    """Request captures of ``amount`` across the order's open authorizations, oldest first.

    ``final`` releases what is left of each authorization it touches (the order is complete);
    ``request_id`` makes the gateway calls' idempotency keys, so a repeated event is one
    capture. Each request is recorded before its task is queued, so the sweeper can send a lost
    one again. A payment refusing the capture never fails the order change that asked for it:
    it is logged, and the panel shows the authorization still open.
    """
    queued = []
    for payment in _capturable_payments(order):
        if amount <= 0:
            break
        take = min(capturable_now(payment), amount)
        if take <= 0:
            continue
        try:
            with transaction.atomic():
                request_capture(
                    payment=payment, amount=take, final=final, request_id=request_id, actor=actor
                )
        except PaymentError as error:
            logger.warning("capture of payment %s for %s refused: %s", payment.pk, order, error)
            continue
        amount -= take
        queued.append(payment)
    return queued


def order_confirmed(*, order: Order, actor: Actor = None) -> list[Payment]:
    """Capture everything owed now if the channel captures on confirmation."""
    if order.channel.capture_policy != SalesChannel.CapturePolicy.ON_CONFIRMATION:
        return []
    owed = selectors.payment_summary(order).balance_due
    return _queue_captures(order, owed, final=True, request_id=f"confirm-{order.pk}", actor=actor)


def order_shipped(*, order: Order, event: OrderEvent, actor: Actor = None) -> list[Payment]:
    """Capture what a shipment is worth (the ``value`` on its event); the last shipment
    captures whatever is still owed and releases the rest of the authorization."""
    summary = selectors.payment_summary(order)
    if bool(event.data.get("complete")):
        amount, final = summary.balance_due, True
    else:
        amount = min(to_money(Decimal(event.data.get("value") or "0")), summary.balance_due)
        final = False
    return _queue_captures(
        order, amount, final=final, request_id=f"shipment-{event.pk}", actor=actor
    )


def order_cancelled(*, order: Order, actor: Actor = None) -> list[Payment]:
    """Release the customer's money that is only held: void open authorizations and every
    open payment link or agreed-but-unpaid payment (in tasks, after the commit). Money already
    captured is Finance's decision: the order shows the refund due and joins their queue."""
    pending = order.payments.filter(status=PaymentStatus.PENDING, captured_amount=0)
    payments = _capturable_payments(order) + list(pending.order_by("pk"))
    for payment in payments:
        try:
            with transaction.atomic():
                request_void(payment=payment, actor=actor)
        except PaymentError as error:
            logger.warning("void of payment %s for %s refused: %s", payment.pk, order, error)
    _flag_refund_due(order, refresh_order_payment_status(order), actor)
    return payments


def order_total_changed(*, order: Order, actor: Actor = None) -> None:
    """The lines changed: store the new payment status, then say what it means for money.

    More than is paid or authorized on a confirmed order puts it on hold awaiting payment of
    the difference (staff send a link for it from the payments panel); less than was captured
    shows the refund due.
    """
    summary = refresh_order_payment_status(order)
    if _flag_refund_due(order, summary, actor):
        return
    if order.status != OrderStatus.CONFIRMED or order.channel.allow_unpaid_confirmation:
        return
    if summary.uncovered <= 0 or not selectors.confirmation_blocker(order):
        return
    if OrderStatus.ON_HOLD in allowed_targets(order):
        order_services.hold_order(
            order=order,
            reason=HoldReason.AWAITING_PAYMENT,
            note=f"{summary.uncovered} {order.currency} more is due after the change: "
            "send a payment link for the difference.",
            actor=actor,
        )


def release_payment_hold(*, order: Order, actor: Actor = None) -> bool:
    """An order held awaiting payment goes back to work once it is covered."""
    if order.status != OrderStatus.ON_HOLD or order.hold_reason != HoldReason.AWAITING_PAYMENT:
        return False
    if selectors.confirmation_blocker(order) or selectors.payment_summary(order).uncovered > 0:
        return False
    order_services.release_hold(order=order, actor=actor)
    return True


def _flag_refund_due(order: Order, summary: selectors.PaymentSummary, actor: Actor) -> bool:
    """Note on the timeline when the order holds more money than it is owed (cancelled after
    capture, or edited below what was captured); Finance's queue lists such orders."""
    due = summary.refund_due
    if due <= ZERO:
        return False
    events.refund_due(order, due, actor)
    return True
