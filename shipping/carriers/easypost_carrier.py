"""EasyPost through its official SDK: shipments with rates, buying a rate, refunds (voids),
trackers, and HMAC-signed webhooks checked with the SDK's ``validate_webhook``.

A Carrier with adapter "easypost" stands for one carrier of the EasyPost account: its ``code``
is the carrier's name at EasyPost (``USPS``, ``UPS``…) and each of its services' ``code`` the
service's name there (``Priority``, ``Ground``…). Rates EasyPost returns for services we have
not set up (or switched off) are left out, so the admin decides what can be offered.

``EASYPOST_API_KEY`` switches it on (never in the repository: from the environment);
``EASYPOST_API_BASE`` points the SDK elsewhere (the tests' fake EasyPost); every call waits at
most ``EASYPOST_TIMEOUT`` seconds. Timeouts, connection errors, 429 and 5xx raise
``CarrierUnavailable`` (unknown outcome: ask again later, never under a row lock); other
refusals raise ``CarrierRejected``.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

import easypost
from django.conf import settings
from django.utils import timezone
from easypost.constant import API_BASE, API_VERSION

from core.money import to_money

from ..exceptions import CarrierRejected, CarrierUnavailable, InvalidSignature, InvalidWebhook
from ..models import ShippingService, TrackingStatus
from ..rates import Quote, add_business_days, meets, sort_quotes
from .base import CarrierAdapter, Label, ShipmentRequest, TrackingUpdate, header

DEFAULT_API_BASE = f"{API_BASE}/{API_VERSION}"
SIGNATURE_HEADER = "X-Hmac-Signature"
GRAMS_PER_OUNCE = Decimal("28.349523125")
CM_PER_INCH = Decimal("2.54")
RETRYABLE_STATUSES = frozenset({408, 409, 429})
TRACKER_EVENTS = frozenset({"tracker.created", "tracker.updated"})
REFUND_ACCEPTED = frozenset({"submitted", "refunded"})

# EasyPost's tracker statuses in ours; "unknown" (no scan yet) says nothing and is skipped.
STATUSES = {
    "pre_transit": TrackingStatus.LABEL_CREATED,
    "in_transit": TrackingStatus.IN_TRANSIT,
    "out_for_delivery": TrackingStatus.OUT_FOR_DELIVERY,
    "available_for_pickup": TrackingStatus.OUT_FOR_DELIVERY,  # at a pickup point, last mile
    "delivered": TrackingStatus.DELIVERED,
    "return_to_sender": TrackingStatus.RETURNED_TO_SENDER,
    "failure": TrackingStatus.EXCEPTION,
    "error": TrackingStatus.EXCEPTION,
    "cancelled": TrackingStatus.CANCELLED,
}


@lru_cache(maxsize=4)
def _client(api_key: str, api_base: str, timeout: int) -> easypost.EasyPostClient:
    return easypost.EasyPostClient(api_key, api_base=api_base, timeout=timeout)


def client() -> easypost.EasyPostClient:
    if not settings.EASYPOST_API_KEY:
        raise CarrierRejected("EasyPost is not configured: set EASYPOST_API_KEY.", "not_configured")
    return _client(
        settings.EASYPOST_API_KEY,
        settings.EASYPOST_API_BASE or DEFAULT_API_BASE,
        settings.EASYPOST_TIMEOUT,
    )


def translate_error(error: easypost.errors.EasyPostError) -> CarrierRejected | CarrierUnavailable:
    status = getattr(error, "http_status", None) or 0
    code = getattr(error, "code", None) or ""
    if (
        isinstance(error, easypost.errors.HttpError | easypost.errors.TimeoutError)
        or status >= 500
        or status in RETRYABLE_STATUSES
    ):
        return CarrierUnavailable(
            f"EasyPost could not be reached or failed ({error.message}); try again later.",
            code or "carrier_unavailable",
        )
    return CarrierRejected(f"EasyPost refused: {error.message}", code or "carrier_rejected")


def _call(operation, *args: Any, **kwargs: Any) -> dict[str, Any]:
    """One SDK call, its answer as plain dicts, its errors as ours."""
    try:
        answer = operation(*args, **kwargs)
    except easypost.errors.EasyPostError as error:
        raise translate_error(error) from error
    return answer.to_dict() if hasattr(answer, "to_dict") else dict(answer)


def ounces(weight_grams: int) -> float:
    """EasyPost weighs parcels in ounces (one decimal): rounded up, never under-declared."""
    return math.ceil(Decimal(weight_grams) / GRAMS_PER_OUNCE * 10) / 10


def inches(centimetres: Decimal) -> float:
    return math.ceil(Decimal(centimetres) / CM_PER_INCH * 10) / 10


def to_address(address: Mapping[str, Any]) -> dict[str, str]:
    """An address snapshot in EasyPost's field names."""
    return {
        "name": str(address.get("name") or ""),
        "company": str(address.get("company") or ""),
        "street1": str(address.get("line1") or ""),
        "street2": str(address.get("line2") or ""),
        "city": str(address.get("city") or ""),
        "state": str(address.get("region") or ""),
        "zip": str(address.get("postal_code") or ""),
        "country": str(address.get("country") or ""),
        "phone": str(address.get("phone") or ""),
    }


def _money(value: Any) -> Decimal | None:
    try:
        return to_money(Decimal(str(value)))
    except (InvalidOperation, TypeError, ValueError):
        return None


def _date(value: Any) -> date | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")).date()
    except ValueError:
        return None


def _datetime(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None


def _location(tracking_location: Any) -> str:
    if not isinstance(tracking_location, dict):
        return ""
    parts = ("city", "state", "zip", "country")
    return ", ".join(str(tracking_location[p]) for p in parts if tracking_location.get(p))


def tracker_updates(tracker: Mapping[str, Any]) -> list[TrackingUpdate]:
    """A Tracker's ``tracking_details`` as our updates, oldest first; statuses we do not map
    (``unknown``) are skipped. Event ids hash the tracker, time and status: stable however
    often EasyPost sends the tracker again."""
    tracking_number = str(tracker.get("tracking_code") or "")
    estimated = _date(tracker.get("est_delivery_date"))
    updates = []
    for detail in tracker.get("tracking_details") or []:
        status = STATUSES.get(detail.get("status") or "")
        occurred_at = _datetime(detail.get("datetime"))
        if status is None or occurred_at is None:
            continue
        key = "|".join(
            str(part)
            for part in (
                tracker.get("id") or tracking_number,
                detail.get("datetime"),
                detail.get("status"),
                detail.get("status_detail"),
                detail.get("message"),
            )
        )
        updates.append(
            TrackingUpdate(
                tracking_number=tracking_number,
                status=status,
                occurred_at=occurred_at,
                event_id=f"ep_{hashlib.sha256(key.encode()).hexdigest()[:40]}",
                message=str(detail.get("message") or "")[:300],
                location=_location(detail.get("tracking_location"))[:200],
                carrier_status=str(detail.get("status") or ""),
                estimated_delivery=estimated,
            )
        )
    return sorted(updates, key=lambda update: update.occurred_at)


class EasyPostCarrier(CarrierAdapter):
    """One carrier of the EasyPost account (see the module docstring)."""

    def _services(self) -> dict[str, ShippingService]:
        services = self.carrier.services.filter(is_active=True)
        return {service.code.lower(): service for service in services}

    def _shipment_params(self, request: ShipmentRequest) -> dict[str, Any]:
        if request.origin is None:
            raise CarrierRejected("EasyPost needs the location the parcel ships from.", "origin")
        origin = request.origin
        parcel: dict[str, Any] = {"weight": ounces(request.weight_grams)}
        for name in ("length", "width", "height"):
            if (value := getattr(request, f"{name}_cm")) is not None:
                parcel[name] = inches(value)
        return {
            "to_address": to_address(request.destination),
            "from_address": to_address(
                {
                    "company": origin.name,
                    "line1": origin.line1,
                    "city": origin.city,
                    "region": origin.region,
                    "postal_code": origin.postal_code,
                    "country": origin.country,
                }
            ),
            "parcel": parcel,
            "reference": request.reference,
            "options": {"label_format": "PDF", "label_size": "4x6"},
        }

    def _quotes(self, request: ShipmentRequest, shipment: Mapping[str, Any]) -> list[Quote]:
        services = self._services()
        ship_date = request.ship_date or timezone.localdate()
        quotes = []
        for rate in shipment.get("rates") or []:
            if str(rate.get("carrier") or "").lower() != self.carrier.code.lower():
                continue
            service = services.get(str(rate.get("service") or "").lower())
            amount = _money(rate.get("rate"))
            if service is None or amount is None:
                continue
            days = rate.get("delivery_days") or rate.get("est_delivery_days")
            transit_days = int(days) if days is not None else service.transit_days
            delivery = _date(rate.get("delivery_date")) or add_business_days(
                ship_date, transit_days
            )
            quotes.append(
                Quote(
                    carrier=self.carrier,
                    service=service,
                    amount=amount,
                    currency=str(rate.get("currency") or self.carrier.currency).upper(),
                    transit_days=transit_days,
                    estimated_delivery=delivery,
                    meets_promise=meets(delivery, request.promised_date),
                    rate_reference=str(rate.get("id") or ""),
                    shipment_reference=str(shipment.get("id") or ""),
                )
            )
        return sort_quotes(quotes)

    def quote(self, request: ShipmentRequest) -> list[Quote]:
        shipment = _call(client().shipment.create, **self._shipment_params(request))
        return self._quotes(request, shipment)

    def buy_label(self, request: ShipmentRequest, quote: Quote) -> Label:
        """Buy the quoted rate; a quote without EasyPost ids (from the tables) is quoted live
        first and the same service bought."""
        if not quote.rate_reference:
            live = {q.service.pk: q for q in self.quote(request)}
            if quote.service.pk not in live:
                raise CarrierRejected(
                    f"EasyPost no longer offers {quote.service} for this parcel.", "no_rate"
                )
            quote = live[quote.service.pk]
        shipment = _call(
            client().shipment.buy, quote.shipment_reference, rate={"id": quote.rate_reference}
        )
        selected = shipment.get("selected_rate") or {}
        postage = shipment.get("postage_label") or {}
        tracker = shipment.get("tracker") or {}
        tracking_number = str(shipment.get("tracking_code") or "")
        return Label(
            tracking_number=tracking_number,
            carrier_reference=str(shipment.get("id") or ""),
            cost=_money(selected.get("rate")) or quote.amount,
            currency=str(selected.get("currency") or quote.currency).upper(),
            label_url=str(postage.get("label_pdf_url") or postage.get("label_url") or ""),
            tracking_url=str(tracker.get("public_url") or "")
            or self.carrier.tracking_url(tracking_number),
            raw=shipment,
        )

    def void_label(self, label: Label) -> bool:
        """Ask EasyPost to refund the label: True when the refund is submitted (the carrier
        may still reject it later), False when refused at once."""
        shipment = _call(client().shipment.refund, label.carrier_reference)
        return shipment.get("refund_status") in REFUND_ACCEPTED

    def track(self, tracking_number: str) -> list[TrackingUpdate]:
        """EasyPost answers a tracker create for a code it already tracks with that tracker."""
        tracker = _call(
            client().tracker.create, tracking_code=tracking_number, carrier=self.carrier.code
        )
        return tracker_updates(tracker)

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> list[TrackingUpdate]:
        secret = settings.EASYPOST_WEBHOOK_SECRET
        if not secret:
            raise InvalidSignature("EASYPOST_WEBHOOK_SECRET is not set: webhooks are refused.")
        signature = {SIGNATURE_HEADER: header(headers, SIGNATURE_HEADER)}
        try:
            event = easypost.util.validate_webhook(body, signature, secret)
        except easypost.errors.SignatureVerificationError as error:
            raise InvalidSignature(f"EasyPost webhook refused: {error.message}") from error
        except (UnicodeDecodeError, ValueError):
            raise InvalidWebhook("The webhook body is not JSON.") from None
        if not isinstance(event, dict):
            raise InvalidWebhook("The webhook body is not an EasyPost event.")
        result = event.get("result")
        if event.get("description") not in TRACKER_EVENTS or not isinstance(result, dict):
            return []  # batches, refunds…: nothing to track
        return tracker_updates(result)
