"""Quotes from the rate tables: what each service costs to a destination, and when it arrives.

* **Zone**: per carrier, the destination's country, narrowed by the longest postal-code prefix
  that matches (a rule without a prefix covers the rest of the country). No zone, no quote.
* **Bracket**: the lightest ``max_weight_grams`` at least as heavy as the parcel. Heavier than
  the heaviest bracket, no quote.
* **Price** = base + per_kg × the weight in kg rounded **up** to the next 0.1 kg (1,201 g counts
  as 1.3 kg, 1,200 g as 1.2 kg), in Decimal, rounded half-up to cents.
* **Estimated delivery**: ``transit_days`` business days (Monday to Friday; public holidays are
  not modelled) after the ship date; a ship date on a weekend counts from the next Monday, when
  the carrier collects.

Zones are by destination only: the origin (``origin``) matters to live carrier quotes (EasyPost
rates a shipment from its from-address) and to the sourcing engine, not to these tables. Every
active carrier with tables is quoted here, whatever its adapter: for an EasyPost carrier the
tables are the offline estimate the sourcing engine ranks plans with; its live rates come from
its adapter when the parcel ships.

A quote costs two queries whatever the number of carriers and services: the matching zone
rules, then the candidate rates with their services and carriers.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from core.calendar import add_business_days
from core.money import to_money

from .models import Carrier, Rate, ShippingService, ZoneRule, normalize_postal_code

if TYPE_CHECKING:
    from inventory.models import Location

GRAMS_PER_STEP = 100  # prices count weight in steps of 0.1 kg
STEPS_PER_KG = 10


@dataclass(frozen=True)
class Quote:
    """One service's price and timing for one parcel.

    ``rate_reference`` and ``shipment_reference`` are the carrier's ids for a live quote (an
    EasyPost rate and shipment), which buying the label needs; empty for the rate tables.
    """

    carrier: Carrier
    service: ShippingService
    amount: Decimal
    currency: str
    transit_days: int
    estimated_delivery: date
    meets_promise: bool
    rate_reference: str = ""
    shipment_reference: str = ""
    details: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def sort_key(self) -> tuple[Decimal, int, date, str, str]:
        return (
            self.amount,
            self.transit_days,
            self.estimated_delivery,
            self.carrier.code,
            self.service.code,
        )


def billable_kg(weight_grams: int) -> Decimal:
    """The weight prices are computed on: kg rounded up to the next 0.1 kg."""
    check_weight(weight_grams)
    return Decimal(math.ceil(weight_grams / GRAMS_PER_STEP)) / STEPS_PER_KG


def check_weight(weight_grams: int) -> None:
    if isinstance(weight_grams, bool) or not isinstance(weight_grams, int) or weight_grams <= 0:
        raise ValueError(f"a parcel weighs a positive whole number of grams, not {weight_grams!r}")


def price(rate: Rate, weight_grams: int) -> Decimal:
    return to_money(rate.base + rate.per_kg * billable_kg(weight_grams))


def meets(estimated_delivery: date, promised_date: date | None) -> bool:
    """Without a promised date there is nothing to miss."""
    return promised_date is None or estimated_delivery <= promised_date


def sort_quotes(quotes: Iterable[Quote]) -> list[Quote]:
    """Cheapest first; equal prices, the faster first."""
    return sorted(quotes, key=lambda quote: quote.sort_key)


def best(quotes: Iterable[Quote]) -> Quote | None:
    """The cheapest quote that meets the promised date; when none does, the fastest (earliest
    delivery, then the cheaper). None for no quotes."""
    quotes = list(quotes)
    on_time = [quote for quote in quotes if quote.meets_promise]
    if on_time:
        return min(on_time, key=lambda quote: quote.sort_key)
    if not quotes:
        return None
    return min(quotes, key=lambda quote: (quote.estimated_delivery, *quote.sort_key))


def _postal_prefixes(postal_code: str) -> list[str]:
    """Every prefix a rule could hold for this postal code, the whole country ("") included."""
    code = normalize_postal_code(postal_code)
    return ["", *(code[:length] for length in range(1, len(code) + 1))]


def _zones_by_carrier(country: str, postal_code: str, carrier: Carrier | None) -> dict[int, int]:
    """carrier id → the id of its zone holding the destination (longest matching prefix)."""
    rules = ZoneRule.objects.filter(
        country=country,
        postal_prefix__in=_postal_prefixes(postal_code),
        carrier__is_active=True,
    )
    if carrier is not None:
        rules = rules.filter(carrier=carrier)
    best_rule: dict[int, tuple[int, int]] = {}  # carrier id → (prefix length, zone id)
    for carrier_id, zone_id, prefix in rules.values_list("carrier_id", "zone_id", "postal_prefix"):
        if len(prefix) >= best_rule.get(carrier_id, (-1, 0))[0]:
            best_rule[carrier_id] = (len(prefix), zone_id)
    return {carrier_id: zone_id for carrier_id, (_, zone_id) in best_rule.items()}


def _brackets(zone_ids: Iterable[int], weight_grams: int) -> list[Rate]:
    """The lightest bracket holding the weight, per active service of those zones."""
    rates = (
        Rate.objects.filter(
            zone_id__in=list(zone_ids),
            max_weight_grams__gte=weight_grams,
            service__is_active=True,
        )
        .select_related("service__carrier")
        .order_by("service_id", "max_weight_grams")
    )
    lightest: dict[int, Rate] = {}
    for rate in rates:
        lightest.setdefault(rate.service_id, rate)
    return list(lightest.values())


def quote(
    destination: Mapping[str, Any],
    weight_grams: int,
    *,
    ship_date: date | None = None,
    promised_date: date | None = None,
    origin: Location | None = None,
    carrier: Carrier | None = None,
) -> list[Quote]:
    """Every active service's quote from the rate tables to ``destination`` (an address dict
    with ``country`` and ``postal_code``), cheapest first; ``carrier`` limits it to one.
    ``origin`` is accepted for the callers' sake: table zones are by destination only."""
    check_weight(weight_grams)
    country = str(destination.get("country") or "").strip().upper()
    if not country:
        return []
    zones = _zones_by_carrier(country, str(destination.get("postal_code") or ""), carrier)
    if not zones:
        return []
    ship_date = ship_date or timezone.localdate()
    quotes = []
    for rate in _brackets(zones.values(), weight_grams):
        service = rate.service
        delivery = add_business_days(ship_date, service.transit_days)
        quotes.append(
            Quote(
                carrier=service.carrier,
                service=service,
                amount=price(rate, weight_grams),
                currency=service.carrier.currency,
                transit_days=service.transit_days,
                estimated_delivery=delivery,
                meets_promise=meets(delivery, promised_date),
                details={"zone_id": rate.zone_id, "max_weight_grams": rate.max_weight_grams},
            )
        )
    return sort_quotes(quotes)


def estimate_cost(
    origin: Location | None, destination: Mapping[str, Any], weight_grams: int
) -> Decimal | None:
    """The cheapest table price for the parcel (what the sourcing engine ranks plans by, as
    its registered estimator); None when no carrier reaches the destination at that weight.
    From the tables in memory (``rate_tables``): no query once they are read."""
    from .rate_tables import current  # it prices with this module's functions

    return current().cheapest(destination, weight_grams)
