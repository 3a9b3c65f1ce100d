"""Every write to a payment, split by concern (cards and payment links, manual receipts,
capture and void, refunds, authorization expiry, Stripe webhooks, reactions to order changes);
this package re-exports the public functions so callers say ``payments.services.capture_payment``.

Each service locks the order and then the payment (the order every service takes, so none
deadlock), checks the state, records every gateway call as a ``PaymentTransaction``, writes the
order event and refreshes the order's payment status.
"""

from .capture import (
    capturable_now,
    capture_payment,
    request_capture,
    request_void,
    void_payment,
)
from .cards import (
    attach_payment_intent,
    authorize_payment,
    complete_simulated_checkout,
    create_payment_link,
    reconcile_authorization,
    send_payment_link,
)
from .common import refresh_order_payment_status
from .expiry import flag_expiring_authorizations
from .manual import record_manual_payment, set_payment_terms
from .order_changes import (
    order_cancelled,
    order_confirmed,
    order_shipped,
    order_total_changed,
    release_payment_hold,
)
from .refunds import create_refund, process_refund
from .sweeper import sweep_stuck_work
from .webhooks import FAILED as WEBHOOK_FAILED
from .webhooks import WEBHOOK_HANDLERS, process_stripe_event, store_stripe_event

__all__ = [
    "WEBHOOK_FAILED",
    "WEBHOOK_HANDLERS",
    "attach_payment_intent",
    "authorize_payment",
    "capturable_now",
    "capture_payment",
    "complete_simulated_checkout",
    "create_payment_link",
    "create_refund",
    "flag_expiring_authorizations",
    "order_cancelled",
    "order_confirmed",
    "order_shipped",
    "order_total_changed",
    "process_refund",
    "process_stripe_event",
    "reconcile_authorization",
    "record_manual_payment",
    "refresh_order_payment_status",
    "release_payment_hold",
    "request_capture",
    "request_void",
    "send_payment_link",
    "set_payment_terms",
    "store_stripe_event",
    "sweep_stuck_work",
    "void_payment",
]
