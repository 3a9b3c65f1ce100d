"""The one small interface every payment gateway implements, and what a call gives back."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from core.money import to_money

from ..exceptions import GatewayRejected, WebhookSignatureError

if TYPE_CHECKING:
    from ..models import Payment

# Currencies without minor units: Stripe takes their amounts as whole units.
ZERO_DECIMAL_CURRENCIES = frozenset(
    {"bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga"}
    | {"pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf"}
)


def to_minor(amount: Decimal, currency: str) -> int:
    """``Decimal("12.34")`` USD → 1234 (Stripe's integer amounts)."""
    if currency.lower() in ZERO_DECIMAL_CURRENCIES:
        return int(to_money(amount))
    return int(to_money(amount) * 100)


def from_minor(amount: int | None, currency: str) -> Decimal | None:
    if amount is None:
        return None
    if currency.lower() in ZERO_DECIMAL_CURRENCIES:
        return to_money(amount)
    return to_money(Decimal(amount) / 100)


@dataclass
class GatewayResult:
    """What a gateway call or notification says about a payment, in our units.

    Amounts are ``None`` when the answer does not tell; the services merge them monotonically
    (never lowering what is already recorded), so answers arriving out of order converge.
    """

    reference: str = ""  # the payment's id at the gateway (PaymentIntent id…)
    object_id: str = ""  # the id of the object this call made (refund id, session id…)
    status: str = ""  # the gateway's own status word, kept for the record
    amount: Decimal | None = None
    currency: str = ""
    authorized: Decimal | None = None
    captured: Decimal | None = None  # in all, across every capture so far
    capturable: Decimal | None = None  # still open to capture (None: the answer does not say)
    refunded: Decimal | None = None
    canceled: bool = False
    cancellation_reason: str = ""
    authorization_expires_at: datetime | None = None
    card_brand: str = ""
    card_last4: str = ""
    url: str = ""
    failure_code: str = ""
    failure_message: str = ""
    metadata: dict[str, str] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)


class PaymentGateway(ABC):
    """Authorize, capture, refund, void, and read the gateway's notifications.

    Every mutating call carries an idempotency key made from our own ids, so repeating a call
    (a retried task, two workers) never moves money twice. Failures raise a ``GatewayError``:
    ``PaymentDeclined`` and ``GatewayRejected`` are final, ``GatewayUnavailable`` is retried.
    """

    name: str

    @abstractmethod
    def authorize(
        self, payment: Payment, *, payment_method: str, idempotency_key: str
    ) -> GatewayResult: ...

    @abstractmethod
    def capture(
        self, payment: Payment, *, amount: Decimal, final: bool, idempotency_key: str
    ) -> GatewayResult:
        """Capture ``amount``; ``final`` releases what is left of the authorization, otherwise
        it stays open for later captures (one per shipment)."""

    @abstractmethod
    def refund(
        self,
        payment: Payment,
        *,
        amount: Decimal,
        reason: str,
        refund_id: int,
        idempotency_key: str,
    ) -> GatewayResult: ...

    @abstractmethod
    def void(self, payment: Payment, *, idempotency_key: str) -> GatewayResult: ...

    def parse_webhook(self, payload: bytes, signature: str) -> dict[str, Any]:
        """Verify a notification and return the event; gateways without webhooks refuse."""
        raise WebhookSignatureError(f"The {self.name} gateway sends no webhooks.")

    def create_payment_link(
        self,
        payment: Payment,
        *,
        description: str,
        success_url: str,
        cancel_url: str,
        idempotency_key: str,
    ) -> GatewayResult:
        raise GatewayRejected(f"The {self.name} gateway cannot send payment links.")

    def retrieve(self, reference: str) -> GatewayResult:
        raise GatewayRejected(f"The {self.name} gateway cannot look payments up.")

    def find_payment(self, payment: Payment) -> GatewayResult | None:
        """What the gateway holds for our payment, found by our id (after a call whose answer
        was lost); None when it has nothing, so the call never arrived."""
        return None
