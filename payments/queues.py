"""Payments' exception queues (``core.queues``): authorizations near or past their capture
deadline, refunds due, and open orders whose captured money differs from their total."""

from django.db.models import F, OuterRef
from django.urls import reverse

from core.queues import Queue, Sla, hours, register
from core.roles import FINANCE, MANAGER
from orders.models import Order, OrderEvent
from orders.queues import last_event_at, order_url
from orders.workflow import OPEN_STATUSES

from .models import CAPTURED_STATUSES, Payment, PaymentStatus
from .selectors import _sum_per_order, refund_due_orders

MONEY_STATUSES = CAPTURED_STATUSES | {PaymentStatus.PARTIALLY_CAPTURED}


def _capture_due():
    """Open authorizations whose deadline is within the warning window or past (its index)."""
    return Payment.objects.expiring().select_related("order")


def _unreconciled():
    """Open orders (their partial index) with money captured that is not their total: edited
    after capture, captured twice, captured short. The sums run per open order only."""
    payments = Payment.objects.filter(order=OuterRef("pk"), status__in=MONEY_STATUSES)
    net = _sum_per_order(payments, "captured_amount") - _sum_per_order(payments, "refunded_amount")
    return (
        Order.objects.filter(status__in=OPEN_STATUSES)
        .annotate(net_captured=net)
        .filter(net_captured__gt=0)
        .exclude(net_captured=F("total"))
        .select_related("customer")
    )


register(
    Queue(
        slug="capture-due",
        title="Payments awaiting capture",
        description="Authorizations to capture before they lapse, oldest first.",
        permission="payments.capture_payment",
        roles=(MANAGER, FINANCE),
        items=_capture_due,
        since="authorized_at",
        sla=Sla(amber=hours(24 * 5), red=hours(24 * 6)),  # card authorizations last 7 days
        label=lambda payment: payment.order.number,
        url=lambda payment: order_url(payment.order),
        detail=lambda payment: (
            f"{payment.capturable_amount} {payment.currency}, "
            f"lapses {payment.authorization_expires_at:%d %b %H:%M}"
        ),
        list_url=lambda: reverse("payments:list") + "?expiring=true",
    )
)

register(
    Queue(
        slug="refunds-due",
        title="Refunds due",
        description="Orders holding money they are not owed, longest waiting first.",
        permission="payments.refund_payment",
        roles=(MANAGER, FINANCE),
        items=refund_due_orders,
        since=last_event_at(OrderEvent.Type.REFUND_DUE),
        sla=Sla(amber=hours(24), red=hours(72)),
        label=lambda order: order.number,
        url=order_url,
        detail=lambda order: f"{order.refund_due} {order.currency} to refund",
        list_url=lambda: reverse("payments:refund_due"),
    )
)

register(
    Queue(
        slug="unreconciled",
        title="Unreconciled payments",
        description="Open orders whose captured money is not their total.",
        permission="payments.view_payment",
        roles=(FINANCE,),
        items=_unreconciled,
        since="placed_at",
        sla=Sla(amber=hours(24), red=hours(72)),
        label=lambda order: order.number,
        url=order_url,
        detail=lambda order: f"Captured {order.net_captured} of {order.total} {order.currency}",
    )
)
