"""Money staff handle themselves: bank transfers, cash on delivery, cheques, invoice terms.

Nothing is sent anywhere. Receipts are recorded by ``payments.services.record_manual_payment``;
the gateway only confirms the bookkeeping steps, so refunds "made outside" (a transfer back,
cash handed over) are recorded the same way as Stripe refunds.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from ..exceptions import GatewayRejected
from .base import GatewayResult, PaymentGateway

if TYPE_CHECKING:
    from ..models import Payment


class ManualGateway(PaymentGateway):
    name = "manual"

    def authorize(
        self, payment: Payment, *, payment_method: str, idempotency_key: str
    ) -> GatewayResult:
        raise GatewayRejected(
            "Manual payments are not authorized: record the money when it arrives.",
            "not_supported",
        )

    def capture(
        self, payment: Payment, *, amount: Decimal, final: bool, idempotency_key: str
    ) -> GatewayResult:
        return GatewayResult(
            status="received", captured=payment.captured_amount + amount, raw={"recorded": True}
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
        return GatewayResult(
            status="recorded",
            amount=amount,
            raw={"recorded": True, "note": "refund made outside the OMS"},
        )

    def void(self, payment: Payment, *, idempotency_key: str) -> GatewayResult:
        return GatewayResult(status="canceled", canceled=True, raw={"recorded": True})
