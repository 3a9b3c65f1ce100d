"""Read queries for payments: the order's payment picture (derived here and only here), what a
user may do to a payment now, and the Finance list with its filters."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import (
    Case,
    DecimalField,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from core.money import ZERO
from orders.models import Order, OrderStatus
from orders.models import PaymentStatus as OrderPaymentStatus

from .models import (
    CAPTURABLE_STATUSES,
    CAPTURED_STATUSES,
    Gateway,
    Payment,
    PaymentStatus,
    PaymentTransaction,
    Refund,
)

MONEY_FIELD = DecimalField(max_digits=14, decimal_places=2)


@dataclass(frozen=True)
class PaymentSummary:
    """The money picture of one order. ``status`` is what ``Order.payment_status`` stores."""

    currency: str
    total: Decimal
    authorized: Decimal  # open authorizations, not yet captured
    captured: Decimal
    owed: Decimal  # what the customer owes for the order: its total, nothing once cancelled
    refunded: Decimal
    pending_refunds: Decimal
    status: str
    deferred_methods: tuple[str, ...]  # manual methods agreed but not yet paid (COD, invoice…)

    @property
    def net_paid(self) -> Decimal:
        return self.captured - self.refunded

    @property
    def balance_due(self) -> Decimal:
        """What the customer still has to pay: the total less what was captured (refunds are
        money given back on purpose, not owed again); never negative."""
        return max(self.total - self.captured, ZERO)

    @property
    def uncovered(self) -> Decimal:
        """Neither captured nor held by an authorization: what a payment link should ask for."""
        return max(self.total - self.captured - self.authorized, ZERO)

    @property
    def refund_due(self) -> Decimal:
        """Money kept beyond what is owed (a cancelled order's captures, an order edited below
        what was paid, an overpayment) and not yet being refunded."""
        return max(self.captured - self.refunded - self.pending_refunds - self.owed, ZERO)

    @property
    def refundable(self) -> Decimal:
        return max(self.captured - self.refunded - self.pending_refunds, ZERO)


def derive_order_payment_status(
    *,
    total: Decimal,
    authorized: Decimal,
    captured: Decimal,
    refunded: Decimal,
    refund_due: Decimal = ZERO,
) -> str:
    """Unpaid → authorized → partially paid → paid → partially refunded → refunded; "refund
    due" whenever the order holds money it is not owed, so Finance's queue finds it."""
    if refund_due > 0:
        return OrderPaymentStatus.REFUND_DUE
    if captured > 0 and refunded >= captured:
        return OrderPaymentStatus.REFUNDED
    if refunded > 0:
        return OrderPaymentStatus.PARTIALLY_REFUNDED
    if captured > 0 and captured >= total:
        return OrderPaymentStatus.PAID
    if captured > 0:
        return OrderPaymentStatus.PARTIALLY_PAID
    if authorized > 0:
        return OrderPaymentStatus.AUTHORIZED
    return OrderPaymentStatus.UNPAID


def payment_summary(order: Order, payments: Iterable[Payment] | None = None) -> PaymentSummary:
    """The order's payment status and balance, from its payments (prefetched ones if given)."""
    if payments is None:
        payments = order.payments.all()
    payments = list(payments)
    authorized = sum(
        (
            p.authorized_amount - p.captured_amount
            for p in payments
            if p.status in CAPTURABLE_STATUSES
        ),
        ZERO,
    )
    captured = sum((p.captured_amount for p in payments), ZERO)
    refunded = sum((p.refunded_amount for p in payments), ZERO)
    pending_refunds = ZERO
    if any(p.status in CAPTURED_STATUSES for p in payments):  # no query when nothing captured
        pending = Refund.objects.filter(payment__order=order, status=Refund.Status.PENDING)
        pending_refunds = pending.aggregate(total=Sum("amount"))["total"] or ZERO
    deferred = tuple(
        dict.fromkeys(
            p.method
            for p in payments
            if p.gateway == Gateway.MANUAL and p.status == PaymentStatus.PENDING
        )
    )
    owed = ZERO if order.status == OrderStatus.CANCELLED else order.total
    refund_due = max(captured - refunded - pending_refunds - owed, ZERO)
    return PaymentSummary(
        currency=order.currency,
        total=order.total,
        authorized=authorized,
        captured=captured,
        owed=owed,
        refunded=refunded,
        pending_refunds=pending_refunds,
        status=derive_order_payment_status(
            total=order.total,
            authorized=authorized,
            captured=captured,
            refunded=refunded,
            refund_due=refund_due,
        ),
        deferred_methods=deferred,
    )


def confirmation_blocker(order: Order) -> str:
    """Why the order cannot be confirmed for want of payment, or "" when payment allows it.

    Confirming needs the total authorized or captured, or a manual method the channel accepts
    before the money arrives (cash on delivery, invoice terms…), unless the channel allows
    unpaid confirmation altogether.
    """
    channel = order.channel
    if channel.allow_unpaid_confirmation or order.total <= 0:
        return ""
    summary = payment_summary(order)
    if summary.captured - summary.refunded + summary.authorized >= order.total:
        return ""
    if set(summary.deferred_methods) & set(channel.deferred_payment_methods or ()):
        return ""
    missing = order.total - summary.captured + summary.refunded - summary.authorized
    # Leads with what is missing: the order page shows it in place of the Confirm button.
    return (
        f"Awaiting payment of {missing} {order.currency}: {order.number} cannot be confirmed "
        f"until it is paid ({missing} {order.currency} is neither authorized nor captured, "
        f"and {channel.name} does not accept payment later)."
    )


# --- one order's payments -----------------------------------------------------------------


def payments_for_order(order: Order) -> list[Payment]:
    """The order's payments, newest first, with transactions and refunds (three queries)."""
    return list(
        order.payments.select_related("created_by").prefetch_related(
            Prefetch(
                "transactions",
                queryset=PaymentTransaction.objects.select_related("actor").order_by(
                    "-created_at", "-pk"
                ),
            ),
            Prefetch(
                "refunds",
                queryset=Refund.objects.select_related("requested_by").order_by(
                    "-created_at", "-pk"
                ),
            ),
        )
    )


PAYMENT_ACTIONS = {
    "capture": "payments.capture_payment",
    "void": "payments.void_payment",
    "refund": "payments.refund_payment",
    "record": "payments.record_payment",
    "send_link": "payments.send_payment_link",
}
# An order in one of these takes no new payment, payment link or receipt.
CLOSED_ORDER_STATUSES = frozenset({OrderStatus.DRAFT, OrderStatus.CANCELLED, OrderStatus.COMPLETED})


def takes_new_payments(order: Order) -> bool:
    """The one rule the services enforce and the panel's buttons follow."""
    return order.status not in CLOSED_ORDER_STATUSES


def payment_actions(user, payment: Payment) -> dict[str, bool]:
    """What ``user`` may do to this payment now: its state and the user's permissions agree."""
    can = {name: user.has_perm(perm) for name, perm in PAYMENT_ACTIONS.items()}
    status = payment.status
    return {
        "capture": can["capture"] and status in CAPTURABLE_STATUSES,
        "void": can["void"]
        and (
            status in CAPTURABLE_STATUSES
            or (status == PaymentStatus.PENDING and payment.captured_amount == 0)
        ),
        "refund": can["refund"]
        and status in (PaymentStatus.CAPTURED, PaymentStatus.PARTIALLY_REFUNDED)
        and payment.refundable_amount > 0,
        # A receipt against an expected manual payment (invoice terms, COD…).
        "record": can["record"]
        and payment.gateway == Gateway.MANUAL
        and status in (PaymentStatus.PENDING, PaymentStatus.CAPTURED),
    }


def order_payment_actions(user, order: Order) -> dict[str, bool]:
    """The order-level payment actions: send a payment link, record a manual payment."""
    open_order = takes_new_payments(order)
    return {
        "send_link": open_order and user.has_perm("payments.send_payment_link"),
        "record": open_order and user.has_perm("payments.record_payment"),
    }


# --- the Finance list ---------------------------------------------------------------------


def finance_payments(
    *,
    status: str = "",
    gateway: str = "",
    method: str = "",
    failed: bool = False,
    awaiting_capture: bool = False,
    expiring: bool = False,
    disputed: bool = False,
    search: str = "",
    now: datetime | None = None,
) -> QuerySet[Payment]:
    """Payments for the Finance page, newest first, with the order, channel and customer.

    Each flag narrows the list (they combine with AND); a FilterSet can call the same
    ``Payment.objects`` methods (``awaiting_capture``, ``expiring``, ``failed``, ``disputed``).
    """
    payments = Payment.objects.select_related("order", "order__channel", "order__customer")
    if status:
        payments = payments.filter(status=status)
    if gateway:
        payments = payments.filter(gateway=gateway)
    if method:
        payments = payments.filter(method=method)
    if failed:
        payments = payments.failed()
    if awaiting_capture:
        payments = payments.awaiting_capture()
    if expiring:
        payments = payments.expiring(now=now)
    if disputed:
        payments = payments.disputed()
    if search := search.strip():
        payments = payments.filter(
            Q(order__number__iexact=search)
            | Q(gateway_reference=search)
            | Q(order__email__iexact=search)
        )
    return payments.order_by("-created_at", "-pk")


def expiring_authorizations(
    *, within: timedelta | None = None, now: datetime | None = None
) -> QuerySet[Payment]:
    """Authorized payments whose capture deadline is near, soonest first."""
    return (
        Payment.objects.expiring(within=within, now=now or timezone.now())
        .select_related("order", "order__channel")
        .order_by("authorization_expires_at", "pk")
    )


def finance_counts(*, now: datetime | None = None) -> dict[str, int]:
    """The figures the Finance page shows beside its quick filters (one query each)."""
    return {
        "awaiting_capture": Payment.objects.awaiting_capture().count(),
        "expiring": Payment.objects.expiring(now=now).count(),
        "failed": Payment.objects.failed().count(),
        "disputed": Payment.objects.disputed().count(),
        "refund_due": Order.objects.filter(payment_status=OrderPaymentStatus.REFUND_DUE).count(),
    }


def _sum_per_order(queryset: QuerySet, field: str) -> Subquery:
    """A correlated ``SUM(field)`` over ``queryset`` for the outer order (0 when none)."""
    total = queryset.order_by().values("order_id").annotate(total=Sum(field)).values("total")
    return Coalesce(Subquery(total, output_field=MONEY_FIELD), ZERO, output_field=MONEY_FIELD)


def refund_due_orders() -> QuerySet[Order]:
    """Finance's refund-due queue: orders holding money they are not owed (cancelled after
    capture, edited below what was paid, overpaid), oldest change first, each with
    ``refund_due``. The status filter uses its index; the sums run per listed order only."""
    payments = Payment.objects.filter(order=OuterRef("pk"))
    pending = Refund.objects.filter(payment__order=OuterRef("pk"), status=Refund.Status.PENDING)
    pending = pending.annotate(order_id=F("payment__order_id"))
    owed = Case(
        When(status=OrderStatus.CANCELLED, then=Value(ZERO)),
        default=F("total"),
        output_field=MONEY_FIELD,
    )
    return (
        Order.objects.filter(payment_status=OrderPaymentStatus.REFUND_DUE)
        .select_related("customer", "channel")
        .annotate(
            refund_due=_sum_per_order(payments, "captured_amount")
            - _sum_per_order(payments, "refunded_amount")
            - _sum_per_order(pending, "amount")
            - owed
        )
        .order_by("updated_at", "pk")
    )


def cancellation_notice(order: Order) -> dict[str, Decimal | str]:
    """What cancelling does to the order's money, for the cancel dialog."""
    summary = payment_summary(order)
    return {
        "currency": order.currency,
        "captured": summary.net_paid,
        "authorized": summary.authorized,
        "open_links": order.payments.filter(
            status=PaymentStatus.PENDING, captured_amount=0
        ).count(),
    }
