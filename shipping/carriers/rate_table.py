"""The built-in carrier: quotes from the rate tables, labels with its own tracking numbers, and
tracking webhooks in our own signed JSON format. It needs no network, so the demo and the tests
ship parcels offline; the demo mode plays the carrier's side (``record_scan``, ``webhook_body``,
``sign_webhook``) to move demo parcels along.

Tracking numbers are the carrier code's first four letters or digits, ten random digits and a
Luhn check digit (``PPOS 4821937365 2``, without the spaces), unique per carrier in
``CarrierLabel``. The label PDF itself is drawn by the OMS (4×6 with a Code 128 barcode), so a
label from here carries no file.

Webhook: ``POST`` a JSON body ``{"id": "evt_…", "type": "tracking.updated", "created": <unix>,
"events": [{"id", "tracking_number", "status", "occurred_at" (ISO 8601 with offset),
"message", "location"}]}`` with the header ``X-OMS-Signature: t=<unix>,v1=<hex>``, where hex is
HMAC-SHA256 of ``"<t>." + body`` under ``SHIPPING_WEBHOOK_SECRET`` (Stripe's scheme; several
``v1`` may be sent while a secret is rotated). A signature older than
``SHIPPING_WEBHOOK_TOLERANCE_SECONDS`` is refused, so a captured request cannot be replayed.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import time
import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from ..exceptions import CarrierRejected, InvalidSignature, InvalidWebhook
from ..models import CarrierLabel, CarrierScan, TrackingStatus
from ..rates import Quote, quote
from .base import CarrierAdapter, Label, ShipmentRequest, TrackingUpdate, header

SIGNATURE_HEADER = "X-OMS-Signature"
SERIAL_DIGITS = 10
ISSUE_ATTEMPTS = 5  # a random serial already taken (1 in 10^10 per label) is drawn again
_PREFIX_CHARACTERS = re.compile(r"[^0-9A-Z]")
# Scans that mean the carrier has the parcel: a label is void-able only before any of them.
COLLECTED = frozenset(TrackingStatus.values) - {TrackingStatus.LABEL_CREATED}


def luhn_check_digit(digits: str) -> str:
    """The digit that makes ``digits + it`` pass the Luhn (mod 10) check."""
    total = 0
    for position, character in enumerate(reversed(digits)):
        value = int(character)
        if position % 2 == 0:  # doubled: these sit at odd places once the check digit is added
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return str((10 - total % 10) % 10)


def tracking_prefix(carrier_code: str) -> str:
    return _PREFIX_CHARACTERS.sub("", carrier_code.upper())[:4]


def new_tracking_number(carrier_code: str) -> str:
    serial = "".join(secrets.choice("0123456789") for _ in range(SERIAL_DIGITS))
    return f"{tracking_prefix(carrier_code)}{serial}{luhn_check_digit(serial)}"


def is_valid_tracking_number(carrier_code: str, tracking_number: str) -> bool:
    prefix = tracking_prefix(carrier_code)
    digits = tracking_number[len(prefix) :]
    return (
        tracking_number.startswith(prefix)
        and len(digits) == SERIAL_DIGITS + 1
        and digits.isascii()
        and digits.isdigit()
        and luhn_check_digit(digits[:-1]) == digits[-1]
    )


# --- the webhook format ------------------------------------------------------------------------


def sign_webhook(body: bytes, secret: str, timestamp: int | None = None) -> str:
    """The ``X-OMS-Signature`` value for ``body``: ``t=<unix>,v1=<hex>``."""
    ts = int(time.time()) if timestamp is None else int(timestamp)
    return f"t={ts},v1={_digest(body, secret, ts)}"


def _digest(body: bytes, secret: str, timestamp: int) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def webhook_body(updates: Iterable[TrackingUpdate]) -> bytes:
    """The JSON the built-in carrier posts for these tracking events."""
    event = {
        "id": f"evt_{uuid.uuid4().hex}",
        "type": "tracking.updated",
        "created": int(time.time()),
        "events": [
            {
                "id": update.event_id,
                "tracking_number": update.tracking_number,
                "status": update.status,
                "occurred_at": update.occurred_at.isoformat(),
                "message": update.message,
                "location": update.location,
            }
            for update in updates
        ],
    }
    return json.dumps(event).encode()


def verify_signature(body: bytes, signature: str, secret: str, tolerance: int) -> None:
    """Raise ``InvalidSignature`` unless ``signature`` signs ``body`` recently enough."""
    if not secret:
        raise InvalidSignature("SHIPPING_WEBHOOK_SECRET is not set: tracking webhooks are refused.")
    parts = [part.partition("=") for part in signature.split(",") if part.strip()]
    timestamps = [value for key, _, value in parts if key.strip() == "t"]
    candidates = [value.strip() for key, _, value in parts if key.strip() == "v1"]
    if len(timestamps) != 1 or not timestamps[0].strip().isdigit() or not candidates:
        raise InvalidSignature(f"The {SIGNATURE_HEADER} header is missing or malformed.")
    timestamp = int(timestamps[0])
    expected = _digest(body, secret, timestamp)
    if not any(hmac.compare_digest(expected, candidate) for candidate in candidates):
        raise InvalidSignature("The webhook's signature does not match its body.")
    if abs(time.time() - timestamp) > tolerance:
        raise InvalidSignature(
            f"The webhook was signed {int(time.time()) - timestamp} s ago, more than the "
            f"{tolerance} s allowed: a replayed request is refused."
        )


def _update_from_event(event: Any) -> TrackingUpdate:
    if not isinstance(event, dict):
        raise InvalidWebhook("Each tracking event must be a JSON object.")
    status = event.get("status")
    if status not in TrackingStatus.values:
        raise InvalidWebhook(f"Unknown tracking status {status!r}.")
    try:
        occurred_at = datetime.fromisoformat(str(event.get("occurred_at")))
    except ValueError:
        raise InvalidWebhook(f"Unreadable occurred_at {event.get('occurred_at')!r}.") from None
    if timezone.is_naive(occurred_at):
        raise InvalidWebhook("occurred_at needs a UTC offset.")
    event_id, tracking_number = event.get("id"), event.get("tracking_number")
    if not isinstance(event_id, str) or not event_id or not isinstance(tracking_number, str):
        raise InvalidWebhook("Each tracking event needs an id and a tracking_number.")
    return TrackingUpdate(
        tracking_number=tracking_number,
        status=status,
        occurred_at=occurred_at,
        event_id=event_id[:64],
        message=str(event.get("message") or "")[:300],
        location=str(event.get("location") or "")[:200],
        carrier_status=status,
    )


def parse_webhook_body(body: bytes) -> list[TrackingUpdate]:
    try:
        payload = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise InvalidWebhook("The webhook body is not JSON.") from None
    events = payload.get("events") if isinstance(payload, dict) else None
    if not isinstance(events, list):
        raise InvalidWebhook('The webhook body needs an "events" list.')
    return [_update_from_event(event) for event in events]


# --- the adapter -------------------------------------------------------------------------------


def _scan_update(scan: CarrierScan, tracking_number: str) -> TrackingUpdate:
    return TrackingUpdate(
        tracking_number=tracking_number,
        status=scan.status,
        occurred_at=scan.occurred_at,
        event_id=scan.event_id,
        message=scan.message,
        location=scan.location,
        carrier_status=scan.status,
    )


class RateTableCarrier(CarrierAdapter):
    """The offline default adapter: the rate tables and its own label records."""

    def quote(self, request: ShipmentRequest) -> list[Quote]:
        return quote(
            request.destination,
            request.weight_grams,
            ship_date=request.ship_date,
            promised_date=request.promised_date,
            origin=request.origin,
            carrier=self.carrier,
        )

    def buy_label(self, request: ShipmentRequest, quote: Quote) -> Label:
        if quote.carrier.pk != self.carrier.pk:
            raise CarrierRejected(
                f"That quote is {quote.carrier.name}'s, not {self.carrier.name}'s.", "wrong_carrier"
            )
        label = self._issue(request, quote)
        self.record_scan(
            label.tracking_number,
            TrackingStatus.LABEL_CREATED,
            message="Shipping label created",
            occurred_at=label.created_at,
        )
        return Label(
            tracking_number=label.tracking_number,
            carrier_reference=str(label.pk),
            cost=label.cost,
            currency=label.currency,
            tracking_url=self.carrier.tracking_url(label.tracking_number),
        )

    def _issue(self, request: ShipmentRequest, quote: Quote) -> CarrierLabel:
        for _ in range(ISSUE_ATTEMPTS):
            try:
                with transaction.atomic():
                    return CarrierLabel.objects.create(
                        carrier=self.carrier,
                        service=quote.service,
                        tracking_number=new_tracking_number(self.carrier.code),
                        reference=request.reference[:100],
                        weight_grams=request.weight_grams,
                        cost=quote.amount,
                        currency=quote.currency,
                    )
            except IntegrityError:
                continue
        raise CarrierRejected("No free tracking number was found; try again.", "tracking_number")

    def _label(self, tracking_number: str) -> CarrierLabel:
        label = CarrierLabel.objects.filter(
            carrier=self.carrier, tracking_number=tracking_number
        ).first()
        if label is None:
            raise CarrierRejected(
                f"{self.carrier.name} issued no label {tracking_number}.", "unknown_label"
            )
        return label

    def void_label(self, label: Label) -> bool:
        """Voided (True) unless the carrier already has the parcel; voiding twice is fine."""
        with transaction.atomic():
            record = (
                CarrierLabel.objects.select_for_update()
                .filter(carrier=self.carrier, tracking_number=label.tracking_number)
                .first()
            )
            if record is None:
                raise CarrierRejected(
                    f"{self.carrier.name} issued no label {label.tracking_number}.",
                    "unknown_label",
                )
            if record.voided_at is not None:
                return True
            if record.scans.filter(status__in=COLLECTED).exists():
                return False
            record.voided_at = timezone.now()
            record.save(update_fields=["voided_at", "updated_at"])
            self.record_scan(label.tracking_number, TrackingStatus.CANCELLED, message="Voided")
        return True

    def track(self, tracking_number: str) -> list[TrackingUpdate]:
        label = self._label(tracking_number)
        return [_scan_update(scan, tracking_number) for scan in label.scans.all()]

    def record_scan(
        self,
        tracking_number: str,
        status: str,
        *,
        message: str = "",
        location: str = "",
        occurred_at: datetime | None = None,
        event_id: str = "",
    ) -> TrackingUpdate:
        """The carrier's side: a parcel was scanned (the demo mode moves parcels with this).
        Recording the same ``event_id`` again changes nothing."""
        label = self._label(tracking_number)
        scan, _ = CarrierScan.objects.get_or_create(
            event_id=event_id or f"scan_{uuid.uuid4().hex}",
            defaults={
                "label": label,
                "status": TrackingStatus(status),
                "occurred_at": occurred_at or timezone.now(),
                "message": message,
                "location": location,
            },
        )
        return _scan_update(scan, tracking_number)

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> list[TrackingUpdate]:
        verify_signature(
            body,
            header(headers, SIGNATURE_HEADER),
            settings.SHIPPING_WEBHOOK_SECRET,
            settings.SHIPPING_WEBHOOK_TOLERANCE_SECONDS,
        )
        return parse_webhook_body(body)
