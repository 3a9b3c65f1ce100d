"""Money received outside the OMS: agreed terms (invoice, cash on delivery) and receipts."""

from __future__ import annotations

import logging
from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from orders.models import Order

from .. import events, selectors
from ..exceptions import (
    InvalidPaymentState,
    PaymentAmountError,
    PaymentError,
)
from ..models import (
    INVOICE_TERMS_DAYS,
    MANUAL_METHODS,
    Gateway,
    Method,
    Payment,
    PaymentStatus,
)
from .common import (
    STATE_FIELDS,
    Actor,
    Kind,
    Source,
    amount_or_uncovered,
    captured_status,
    check_amount,
    check_order_open,
    lock_order,
    lock_payment,
    record_transaction,
    refresh_order_payment_status,
    saved_user,
)

logger = logging.getLogger(__name__)


# --- manual payments ----------------------------------------------------------------------


def set_payment_terms(
    *, order: Order, method: str, amount: Decimal | None = None, actor: Actor = None
) -> Payment:
    """Agree a manual method before the money arrives (cash on delivery, invoice net 30, bank
    transfer…): a pending payment, which lets the order be confirmed if its channel accepts
    that method. Receipts are recorded against it with ``record_manual_payment``."""
    if method not in MANUAL_METHODS:
        raise PaymentError(f"{method!r} is not a manual payment method.", "invalid_method")
    with transaction.atomic():
        order = lock_order(order.pk)
        check_order_open(order)
        payment = Payment.objects.create(
            order=order,
            gateway=Gateway.MANUAL,
            method=method,
            amount=amount_or_uncovered(order, amount),
            currency=order.currency,
            due_date=timezone.localdate() + timedelta(days=INVOICE_TERMS_DAYS)
            if method == Method.INVOICE_TERMS
            else None,
            created_by=saved_user(actor),
        )
        events.payment_expected(order, payment, actor)
    return payment


def record_manual_payment(
    *,
    order: Order,
    amount: Decimal,
    method: str = "",
    reference: str = "",
    payment: Payment | None = None,
    allow_overpayment: bool = False,
    actor: Actor = None,
) -> Payment:
    """Record money received outside the OMS (bank transfer, cash, cheque…), either as a new
    payment of ``method`` or as a receipt against an expected ``payment``.

    Refused on a draft, cancelled or completed order, and above the balance due unless the user
    confirms an overpayment (``allow_overpayment``), which the order then shows as credit due.
    """
    amount = check_amount(amount, label="The amount received")
    if amount <= 0:
        raise PaymentAmountError("The amount received must be more than zero.", field="amount")
    reference = reference.strip()[:255]
    with transaction.atomic():
        if payment is not None:
            payment = lock_payment(payment)
            if payment.order_id != order.pk or payment.gateway != Gateway.MANUAL:
                raise InvalidPaymentState("Receipts are recorded against manual payments only.")
            if payment.status not in (PaymentStatus.PENDING, PaymentStatus.CAPTURED):
                raise InvalidPaymentState(
                    f"This payment is {payment.get_status_display().lower()}: record a new one."
                )
            order = payment.order
            check_order_open(order)
        else:
            if method not in MANUAL_METHODS:
                raise PaymentError(f"{method!r} is not a manual payment method.", "invalid_method")
            order = lock_order(order.pk)
            check_order_open(order)
            payment = Payment.objects.create(
                order=order,
                gateway=Gateway.MANUAL,
                method=method,
                amount=amount,
                currency=order.currency,
                created_by=saved_user(actor),
            )
        overpaid = _check_within_balance(order, amount, allow_overpayment)
        now = timezone.now()
        payment.captured_amount += amount
        payment.authorized_amount = max(payment.authorized_amount, payment.captured_amount)
        payment.authorized_at = payment.authorized_at or now
        payment.captured_at = now
        payment.status = captured_status(payment)
        payment.save(update_fields=STATE_FIELDS)
        record_transaction(
            payment,
            Kind.CAPTURE,
            amount,
            success=True,
            source=Source.MANUAL,
            reference=reference,
            actor=actor,
        )
        events.payment_received(order, payment, amount, reference, actor)
        if overpaid > 0:
            events.overpaid(order, payment, overpaid, actor)
        refresh_order_payment_status(order)
    return payment


def _check_within_balance(order: Order, amount: Decimal, allow_overpayment: bool) -> Decimal:
    """The part of ``amount`` above the balance due (0 when within it); refused unless the
    user confirmed the overpayment."""
    balance = selectors.payment_summary(order).balance_due
    over = amount - balance
    if over > 0 and not allow_overpayment:
        raise PaymentAmountError(
            f"{amount} {order.currency} is more than the {balance} {order.currency} due on "
            f"order {order.number}; confirm the overpayment to record it as credit due.",
            code="overpayment",
            field="amount",
            extra={"balance_due": str(balance), "over": str(over)},
        )
    return max(over, Decimal(0))
