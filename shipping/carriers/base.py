"""The one interface every carrier adapter implements, and what its calls give back.

Adapters that talk to a network (EasyPost) must never be called while a database row is
locked: the services record what they are about to do, commit, call the carrier (with a
timeout), then apply the answer under a short lock. A ``CarrierUnavailable`` (timeout,
connection error, 5xx) means the outcome is unknown, never that nothing happened.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ..rates import Quote

if TYPE_CHECKING:
    from inventory.models import Location

    from ..models import Carrier


@dataclass(frozen=True)
class ShipmentRequest:
    """A parcel to quote or ship: from a location to an address snapshot (as orders keep it:
    name, line1, line2, city, region, postal_code, country, phone)."""

    destination: Mapping[str, Any]
    weight_grams: int
    origin: Location | None = None
    ship_date: date | None = None
    promised_date: date | None = None
    reference: str = ""  # ours, printed on the label and sent to the carrier (order number…)
    length_cm: Decimal | None = None
    width_cm: Decimal | None = None
    height_cm: Decimal | None = None


@dataclass(frozen=True)
class Label:
    """A bought label. ``carrier_reference`` is what voiding it needs (the carrier's shipment
    id, or for the built-in carrier its own label id)."""

    tracking_number: str
    carrier_reference: str
    cost: Decimal
    currency: str
    label_pdf: bytes = b""
    label_url: str = ""
    tracking_url: str = ""
    raw: dict[str, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class TrackingUpdate:
    """One tracking event. ``event_id`` is stable across deliveries of the same event, so a
    webhook sent twice is recorded once."""

    tracking_number: str
    status: str  # a TrackingStatus value
    occurred_at: datetime
    event_id: str
    message: str = ""
    location: str = ""
    carrier_status: str = ""  # the carrier's own word for it
    estimated_delivery: date | None = None


class CarrierAdapter(ABC):
    """Quote, buy and void labels, track parcels, and read the carrier's tracking webhooks."""

    def __init__(self, carrier: Carrier):
        self.carrier = carrier

    @abstractmethod
    def quote(self, request: ShipmentRequest) -> list[Quote]:
        """This carrier's quotes for the parcel, cheapest first (empty: it does not go there)."""

    @abstractmethod
    def buy_label(self, request: ShipmentRequest, quote: Quote) -> Label: ...

    @abstractmethod
    def void_label(self, label: Label) -> bool:
        """Cancel a label; False when the carrier refuses (the parcel was already collected)."""

    @abstractmethod
    def track(self, tracking_number: str) -> list[TrackingUpdate]:
        """The parcel's tracking events so far, oldest first."""

    @abstractmethod
    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> list[TrackingUpdate]:
        """The tracking events of a webhook; ``InvalidSignature`` unless it is signed right."""


def header(headers: Mapping[str, str], name: str) -> str:
    """A header's value whatever the case of its name (Django's ``request.headers`` is
    case-insensitive already; a plain dict is not)."""
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value
    return ""
