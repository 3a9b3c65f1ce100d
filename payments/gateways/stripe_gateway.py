"""Stripe through its official SDK: PaymentIntents with manual capture, Checkout Sessions for
payment links, refunds, and signed webhooks. Card data never reaches the OMS: a card is a
PaymentMethod id (``pm_…``) made by Stripe.js, or the customer types it on Stripe's page.

``STRIPE_API_BASE`` points the SDK elsewhere (the tests' fake Stripe);
``STRIPE_MAX_NETWORK_RETRIES`` lets the SDK retry a dropped connection or a 5xx at once, with
the same idempotency key; ``STRIPE_CONNECT_TIMEOUT``/``STRIPE_READ_TIMEOUT`` bound each try
(the SDK's own default is 80 s). A timeout is an unknown outcome, never a decline: the services
ask again with the same key, or look the PaymentIntent up by our id in its metadata.

Authorizations ask for multicapture where the card allows it, so each shipment captures its
share and the rest stays authorized until the last one.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from decimal import Decimal
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import stripe
from django.conf import settings

from ..exceptions import (
    GatewayError,
    GatewayRejected,
    GatewayUnavailable,
    PaymentDeclined,
    WebhookSignatureError,
)
from .base import GatewayResult, PaymentGateway, from_minor, to_minor

if TYPE_CHECKING:
    from ..models import Payment

logger = logging.getLogger(__name__)

WEBHOOK_TOLERANCE_SECONDS = 300  # the SDK's default: older signed timestamps are refused
# Capture in parts (one per shipment) where the card network allows it.
MULTICAPTURE = {"card": {"request_multicapture": "if_available"}}


@lru_cache(maxsize=8)
def _client(
    api_key: str, api_base: str, max_network_retries: int, timeouts: tuple[float, float]
) -> stripe.StripeClient:
    return stripe.StripeClient(
        api_key,
        base_addresses={"api": api_base} if api_base else None,
        max_network_retries=max_network_retries,
        http_client=stripe.RequestsClient(timeout=timeouts),  # (connect, read) seconds
    )


def client() -> stripe.StripeClient:
    if not settings.STRIPE_SECRET_KEY:
        raise GatewayRejected("Stripe is not configured: set STRIPE_SECRET_KEY.", "not_configured")
    return _client(
        settings.STRIPE_SECRET_KEY,
        settings.STRIPE_API_BASE,
        settings.STRIPE_MAX_NETWORK_RETRIES,
        (float(settings.STRIPE_CONNECT_TIMEOUT), float(settings.STRIPE_READ_TIMEOUT)),
    )


def translate_error(error: stripe.StripeError) -> GatewayError:
    """Stripe's error → ours: declines and refusals are final, the rest is worth a retry."""
    message = error.user_message or str(error)
    details = error.error
    code = error.code or (details.code if details else None) or ""
    decline_code = (details.decline_code if details else None) or ""
    if isinstance(error, stripe.CardError):
        translated: GatewayError = PaymentDeclined(message, code or "card_declined", decline_code)
    elif (
        isinstance(error, stripe.APIConnectionError | stripe.RateLimitError | stripe.APIError)
        or (error.http_status or 0) >= 500
    ):
        translated = GatewayUnavailable(
            f"Stripe could not be reached or failed ({message}); it will be retried.",
            code or "gateway_unavailable",
        )
    else:
        translated = GatewayRejected(message, code or "invalid_request")
    translated.raw = error.json_body if isinstance(error.json_body, dict) else {}
    return translated


def id_of(value: Any) -> str:
    """An expandable field's id, whether Stripe sent the id or the object."""
    if isinstance(value, dict):
        return value.get("id") or ""
    return value or ""


def _intent_rank(intent: dict[str, Any]) -> tuple[bool, int]:
    """Authorized or paid first, then the newest: which of several intents is the payment."""
    holds_money = intent.get("status") in ("requires_capture", "succeeded")
    return holds_money, intent.get("created") or 0


def _plain(obj: Any) -> dict[str, Any]:
    """A StripeObject as plain JSON-ready dicts, for the transaction record."""
    if isinstance(obj, stripe.StripeObject):
        return obj.to_dict(recursive=True)
    return dict(obj or {})


def _timestamp(value: int | None) -> datetime | None:
    return datetime.fromtimestamp(value, tz=UTC) if value else None


def _card_of(charge: dict[str, Any] | None) -> dict[str, Any]:
    if not isinstance(charge, dict):
        return {}
    details = charge.get("payment_method_details") or {}
    return details.get("card") or {}


def intent_result(intent: dict[str, Any]) -> GatewayResult:
    """A PaymentIntent (plain dict, ``latest_charge`` expanded or not) in our terms."""
    currency = intent.get("currency") or ""
    status = intent.get("status") or ""
    amount = from_minor(intent.get("amount"), currency)
    charge = intent.get("latest_charge")
    card = _card_of(charge)
    result = GatewayResult(
        reference=intent.get("id") or "",
        object_id=intent.get("id") or "",
        status=status,
        amount=amount,
        currency=currency.upper(),
        metadata=dict(intent.get("metadata") or {}),
        card_brand=card.get("brand") or "",
        card_last4=card.get("last4") or "",
        authorization_expires_at=_timestamp(card.get("capture_before")),
        raw=intent,
    )
    received = intent.get("amount_received") or 0
    if status == "requires_capture":  # multicapture: some may be captured, the rest is open
        capturable = intent.get("amount_capturable") or 0
        result.authorized = from_minor(capturable + received, currency)
        result.capturable = from_minor(capturable, currency)
    elif status == "succeeded":
        result.authorized = amount
        result.capturable = Decimal(0)
    elif status == "canceled":
        result.canceled = True
        result.cancellation_reason = intent.get("cancellation_reason") or ""
        result.capturable = Decimal(0)
    if received and status in ("requires_capture", "succeeded", "canceled"):
        result.captured = from_minor(received, currency)
    if isinstance(charge, dict):
        result.refunded = from_minor(charge.get("amount_refunded"), currency)
        if charge.get("captured"):
            result.captured = from_minor(charge.get("amount_captured"), currency)
    error = intent.get("last_payment_error") or {}
    if error:
        result.failure_code = error.get("decline_code") or error.get("code") or ""
        result.failure_message = error.get("message") or ""
    return result


def charge_result(charge: dict[str, Any]) -> GatewayResult:
    """A Charge (as in ``charge.refunded``) in our terms: what was captured and refunded."""
    currency = charge.get("currency") or ""
    card = _card_of(charge)
    result = GatewayResult(
        reference=charge.get("payment_intent") or "",
        object_id=charge.get("id") or "",
        status=charge.get("status") or "",
        amount=from_minor(charge.get("amount"), currency),
        currency=currency.upper(),
        metadata=dict(charge.get("metadata") or {}),
        card_brand=card.get("brand") or "",
        card_last4=card.get("last4") or "",
        refunded=from_minor(charge.get("amount_refunded"), currency),
        raw=charge,
    )
    if charge.get("captured"):
        result.captured = from_minor(charge.get("amount_captured"), currency)
        result.authorized = max(result.amount or Decimal(0), result.captured or Decimal(0))
    return result


class StripeGateway(PaymentGateway):
    name = "stripe"

    def _call(self, operation, *args: Any, **kwargs: Any) -> dict[str, Any]:
        try:
            return _plain(operation(*args, **kwargs))
        except stripe.StripeError as error:
            raise translate_error(error) from error

    @staticmethod
    def _metadata(payment: Payment) -> dict[str, str]:
        return {"oms_payment": str(payment.pk), "order": payment.order.number}

    def authorize(
        self, payment: Payment, *, payment_method: str, idempotency_key: str
    ) -> GatewayResult:
        if not payment_method.startswith("pm_"):
            raise GatewayRejected(
                "Stripe takes a PaymentMethod id (pm_…) made by Stripe.js; card numbers never "
                "pass through the OMS.",
                "invalid_payment_method",
            )
        params = {
            "amount": to_minor(payment.amount, payment.currency),
            "currency": payment.currency.lower(),
            "capture_method": "manual",
            "confirm": True,
            "payment_method": payment_method,
            "payment_method_types": ["card"],
            "description": f"Order {payment.order.number}",
            "metadata": self._metadata(payment),
            "payment_method_options": MULTICAPTURE,
            "expand": ["latest_charge"],
        }
        intent = self._call(
            client().v1.payment_intents.create,
            params=params,
            options={"idempotency_key": idempotency_key},
        )
        return intent_result(intent)

    def capture(
        self, payment: Payment, *, amount: Decimal, final: bool, idempotency_key: str
    ) -> GatewayResult:
        params: dict[str, Any] = {
            "amount_to_capture": to_minor(amount, payment.currency),
            "expand": ["latest_charge"],
        }
        if not final:
            params["final_capture"] = False  # keep the rest authorized (multicapture)
        intent = self._call(
            client().v1.payment_intents.capture,
            payment.gateway_reference,
            params=params,
            options={"idempotency_key": idempotency_key},
        )
        return intent_result(intent)

    def refund(
        self,
        payment: Payment,
        *,
        amount: Decimal,
        reason: str,
        refund_id: int,
        idempotency_key: str,
    ) -> GatewayResult:
        refund = self._call(
            client().v1.refunds.create,
            params={
                "payment_intent": payment.gateway_reference,
                "amount": to_minor(amount, payment.currency),
                "metadata": {
                    **self._metadata(payment),
                    "oms_refund": str(refund_id),
                    "reason": reason[:500],
                },
            },
            options={"idempotency_key": idempotency_key},
        )
        currency = refund.get("currency") or payment.currency
        return GatewayResult(
            reference=payment.gateway_reference,
            object_id=refund.get("id") or "",
            status=refund.get("status") or "",
            amount=from_minor(refund.get("amount"), currency),
            currency=currency.upper(),
            raw=refund,
        )

    def void(self, payment: Payment, *, idempotency_key: str) -> GatewayResult:
        reference = payment.gateway_reference
        if not reference and payment.checkout_session_id:
            session = self._call(
                client().v1.checkout.sessions.retrieve, payment.checkout_session_id
            )
            reference = id_of(session.get("payment_intent"))
            if not reference and session.get("status") == "open":
                # A payment link nobody has paid: expire the Checkout Session.
                session = self._call(
                    client().v1.checkout.sessions.expire,
                    payment.checkout_session_id,
                    options={"idempotency_key": idempotency_key},
                )
            if not reference:
                return GatewayResult(
                    object_id=session.get("id") or "",
                    status=session.get("status") or "",
                    canceled=True,
                    capturable=Decimal(0),
                    raw=session,
                )
        # An authorization, or a link the customer paid meanwhile: release the PaymentIntent.
        intent = self._call(
            client().v1.payment_intents.cancel,
            reference,
            params={"expand": ["latest_charge"]},
            options={"idempotency_key": idempotency_key},
        )
        return intent_result(intent)

    def retrieve(self, reference: str) -> GatewayResult:
        intent = self._call(
            client().v1.payment_intents.retrieve,
            reference,
            params={"expand": ["latest_charge"]},
        )
        return intent_result(intent)

    def find_payment(self, payment: Payment) -> GatewayResult | None:
        """The PaymentIntent made for our payment, by the ``oms_payment`` id in its metadata
        (Stripe's search lags writes by up to a minute: the sweeper asks minutes later)."""
        found = self._call(
            client().v1.payment_intents.search,
            params={"query": f"metadata['oms_payment']:'{payment.pk}'", "limit": 10},
        )
        intents = sorted(found.get("data") or [], key=_intent_rank)
        if not intents:
            return None
        return self.retrieve(intents[-1]["id"])  # with its charge: card, capture deadline

    def retrieve_charge(self, charge_id: str) -> dict[str, Any]:
        return self._call(client().v1.charges.retrieve, charge_id)

    def authorization_deadline(self, intent: dict[str, Any]) -> datetime | None:
        """Stripe's ``capture_before`` for an authorized PaymentIntent, reading its charge when
        the event did not include it; None (the caller assumes 7 days) when it cannot tell."""
        charge = intent.get("latest_charge")
        if isinstance(charge, dict):
            return _timestamp(_card_of(charge).get("capture_before"))
        if not charge:
            return None
        try:
            return _timestamp(_card_of(self.retrieve_charge(charge)).get("capture_before"))
        except GatewayError as error:
            logger.warning("capture deadline of %s unknown: %s", intent.get("id"), error)
            return None

    def create_payment_link(
        self,
        payment: Payment,
        *,
        description: str,
        success_url: str,
        cancel_url: str,
        idempotency_key: str,
    ) -> GatewayResult:
        order = payment.order
        metadata = self._metadata(payment)
        session = self._call(
            client().v1.checkout.sessions.create,
            params={
                "mode": "payment",
                "line_items": [
                    {
                        "quantity": 1,
                        "price_data": {
                            "currency": payment.currency.lower(),
                            "unit_amount": to_minor(payment.amount, payment.currency),
                            "product_data": {"name": description},
                        },
                    }
                ],
                "payment_intent_data": {
                    "capture_method": "manual",
                    "description": f"Order {order.number}",
                    "metadata": metadata,
                },
                "payment_method_options": MULTICAPTURE,
                "metadata": metadata,
                "client_reference_id": order.number,
                "customer_email": order.email,
                "success_url": success_url,
                "cancel_url": cancel_url,
            },
            options={"idempotency_key": idempotency_key},
        )
        return GatewayResult(
            object_id=session.get("id") or "",
            status=session.get("status") or "",
            url=session.get("url") or "",
            raw=session,
        )

    def parse_webhook(self, payload: bytes, signature: str) -> Any:
        """The verified body as parsed JSON, of any shape: ``store_stripe_event`` checks it is
        an event (the SDK's ``construct_event`` fails with AttributeError on a JSON array)."""
        secret = settings.STRIPE_WEBHOOK_SECRET
        if not secret:
            raise WebhookSignatureError("STRIPE_WEBHOOK_SECRET is not set: webhooks are refused.")
        try:
            stripe.WebhookSignature.verify_header(
                payload, signature, secret, tolerance=WEBHOOK_TOLERANCE_SECONDS
            )
        except stripe.SignatureVerificationError as error:
            raise WebhookSignatureError(f"Bad Stripe signature: {error.user_message}") from None
        try:
            return json.loads(payload)
        except ValueError:
            raise WebhookSignatureError("The webhook body is not a JSON event.") from None
