"""A gateway that behaves like Stripe in test mode without any network: the demo default.

It follows Stripe's well-known test cards: 4242 4242 4242 4242 (and other valid numbers)
succeed, 4000 0000 0000 0002 is declined, 4000 0000 0000 9995 fails for insufficient funds;
Stripe's ``pm_card_*`` test tokens work too. Only for demos and tests: a real card number must
never be typed into the OMS, so only the brand and last four digits are ever kept.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils import timezone

from ..exceptions import GatewayRejected, PaymentDeclined
from .base import GatewayResult, PaymentGateway

if TYPE_CHECKING:
    from ..models import Payment

AUTHORIZATION_WINDOW = timedelta(days=7)

# number → (Stripe error code, decline code, message)
DECLINES = {
    "4000000000000002": ("card_declined", "generic_decline", "Your card was declined."),
    "4000000000009995": (
        "card_declined",
        "insufficient_funds",
        "Your card has insufficient funds.",
    ),
    "4000000000009987": ("card_declined", "lost_card", "Your card was declined."),
    "4000000000000069": ("expired_card", "expired_card", "Your card has expired."),
    "4000000000000127": (
        "incorrect_cvc",
        "incorrect_cvc",
        "Your card's security code is incorrect.",
    ),
    "4000000000000119": (
        "processing_error",
        "processing_error",
        "An error occurred while processing your card. Try again in a little bit.",
    ),
}
TOKENS = {
    "pm_card_visa": "4242424242424242",
    "pm_card_mastercard": "5555555555554444",
    "pm_card_amex": "378282246310005",
    "pm_card_chargeDeclined": "4000000000000002",
    "pm_card_chargeDeclinedInsufficientFunds": "4000000000009995",
    "pm_card_chargeDeclinedExpiredCard": "4000000000000069",
    "pm_card_chargeDeclinedIncorrectCvc": "4000000000000127",
    "pm_card_chargeDeclinedProcessingError": "4000000000000119",
}


def _luhn_ok(number: str) -> bool:
    total = 0
    for index, digit in enumerate(reversed(number)):
        value = int(digit)
        if index % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _brand(number: str) -> str:
    if number.startswith("4"):
        return "visa"
    if number[:2] in {"34", "37"}:
        return "amex"
    if number[:2] in {"51", "52", "53", "54", "55"} or 2221 <= int(number[:4] or 0) <= 2720:
        return "mastercard"
    if number.startswith("6"):
        return "discover"
    return "card"


def _reference(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:24]}"


class SimulatedGateway(PaymentGateway):
    name = "simulated"

    def authorize(
        self, payment: Payment, *, payment_method: str, idempotency_key: str
    ) -> GatewayResult:
        number = TOKENS.get(
            payment_method, "".join(ch for ch in payment_method if ch.isascii() and ch.isdigit())
        )
        card = {"brand": _brand(number), "last4": number[-4:]}
        if not 12 <= len(number) <= 19 or not _luhn_ok(number):
            raise PaymentDeclined("Your card number is incorrect.", "incorrect_number")
        if number in DECLINES:
            code, decline_code, message = DECLINES[number]
            error = PaymentDeclined(message, code, decline_code)
            error.raw = {"error": {"code": code, "decline_code": decline_code}, "card": card}
            raise error
        reference = _reference("sim_pi")
        expires = timezone.now() + AUTHORIZATION_WINDOW
        return GatewayResult(
            reference=reference,
            object_id=reference,
            status="requires_capture",
            amount=payment.amount,
            currency=payment.currency,
            authorized=payment.amount,
            capturable=payment.amount,
            authorization_expires_at=expires,
            card_brand=card["brand"],
            card_last4=card["last4"],
            raw={"id": reference, "status": "requires_capture", "card": card},
        )

    def capture(
        self, payment: Payment, *, amount: Decimal, final: bool, idempotency_key: str
    ) -> GatewayResult:
        """Like a Stripe PaymentIntent with multicapture: a capture that is not ``final``
        leaves the rest of the authorization open for the next one."""
        capturable = payment.authorized_amount - payment.captured_amount
        if amount > capturable:
            raise GatewayRejected(
                f"The amount to capture ({amount}) is greater than the amount capturable "
                f"({capturable}).",
                "amount_too_large",
            )
        captured = payment.captured_amount + amount
        left = Decimal("0") if final else capturable - amount
        status = "requires_capture" if left > 0 else "succeeded"
        return GatewayResult(
            reference=payment.gateway_reference,
            status=status,
            authorized=payment.authorized_amount,
            captured=captured,
            capturable=left,
            raw={"id": payment.gateway_reference, "status": status, "captured": str(captured)},
        )

    def refund(
        self,
        payment: Payment,
        *,
        amount: Decimal,
        reason: str,
        refund_id: int,
        idempotency_key: str,
    ) -> GatewayResult:
        if amount > payment.captured_amount - payment.refunded_amount:
            raise GatewayRejected(
                "Refund amount is greater than the unrefunded amount.", "amount_too_large"
            )
        reference = _reference("sim_re")
        return GatewayResult(
            reference=payment.gateway_reference,
            object_id=reference,
            status="succeeded",
            amount=amount,
            raw={"id": reference, "status": "succeeded", "amount": str(amount)},
        )

    def void(self, payment: Payment, *, idempotency_key: str) -> GatewayResult:
        return GatewayResult(
            reference=payment.gateway_reference,
            status="canceled",
            canceled=True,
            capturable=Decimal("0"),
            raw={"id": payment.gateway_reference, "status": "canceled"},
        )

    def create_payment_link(
        self,
        payment: Payment,
        *,
        description: str,
        success_url: str,
        cancel_url: str,
        idempotency_key: str,
    ) -> GatewayResult:
        session = _reference("sim_cs")
        url = f"{settings.OMS_SITE_URL.rstrip('/')}/payments/simulated-checkout/{session}/"
        return GatewayResult(
            object_id=session, status="open", url=url, raw={"id": session, "url": url}
        )
