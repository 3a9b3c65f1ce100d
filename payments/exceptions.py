"""Payment errors. Each is a DomainError with a message a person can read and a ``code``.

The tasks retry on ``GatewayUnavailable`` only (network errors, timeouts, 429 and 5xx answers):
a declined card or a refused request gives the same answer however often it is asked.
"""

from core.exceptions import DomainError


class PaymentError(DomainError):
    code = "payment_error"


class InvalidPaymentState(PaymentError):
    """The payment is not in a state that allows the operation (capture a voided payment…)."""

    code = "invalid_payment_state"


class PaymentAmountError(PaymentError):
    """An amount outside what the payment allows: more than authorized, more than captured."""

    code = "invalid_amount"


class RefundExceedsCaptured(PaymentAmountError):
    code = "refund_exceeds_captured"


class GatewayError(PaymentError):
    """The payment gateway answered with an error. ``decline_code`` is Stripe's, when given."""

    code = "gateway_error"

    def __init__(self, message: str, code: str | None = None, decline_code: str = "") -> None:
        super().__init__(message, code)
        self.args = (message, code, decline_code)
        self.decline_code = decline_code or ""
        self.raw: dict = {}  # the gateway's answer, for the transaction record


class PaymentDeclined(GatewayError):
    """The card (or wallet) was declined: final, never retried."""

    code = "card_declined"


class GatewayRejected(GatewayError):
    """The gateway refused the request (4xx other than a decline): final, never retried."""

    code = "gateway_rejected"


class GatewayUnavailable(GatewayError):
    """The gateway could not be reached or failed on its side: retried with backoff."""

    code = "gateway_unavailable"


class WebhookSignatureError(PaymentError):
    """A webhook whose signature, or timestamp, does not check out."""

    code = "bad_signature"
