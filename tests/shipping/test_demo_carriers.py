"""The demo's carriers: every place demo customers live can be shipped to, at every weight."""

from datetime import date

import pytest

from demo.data import INTL_CITIES, US_CITIES
from demo.seeders import seed_carriers
from shipping import rates
from shipping.models import Carrier, Rate, ShippingService, ShippingZone, ZoneRule

pytestmark = pytest.mark.django_db

MONDAY = date(2026, 11, 30)
DESTINATIONS = [
    {"country": "US", "region": region, "postal_code": postal_code}
    for region, cities in US_CITIES.items()
    for _, postal_code, _ in cities
] + [
    {"country": country, "postal_code": postal_code}
    for country, cities in INTL_CITIES.items()
    for _, _, postal_code in cities
]


def counts() -> list[int]:
    return [m.objects.count() for m in (Carrier, ShippingService, ShippingZone, ZoneRule, Rate)]


def test_seeding_the_carriers_twice_adds_nothing():
    seed_carriers()
    first = counts()
    seed_carriers()
    assert counts() == first
    assert first[0] == 2 and first[4] > 100


@pytest.mark.parametrize("grams", [100, 1000, 20000])
def test_every_demo_destination_has_a_quote(grams):
    seed_carriers()
    for destination in DESTINATIONS:
        assert rates.quote(destination, grams, ship_date=MONDAY), destination
    assert rates.quote({"country": "US", "postal_code": "10001"}, 20001) == []


def test_next_day_is_offered_at_home_and_new_york_ships_cheapest():
    seed_carriers()
    nyc = rates.quote({"country": "US", "postal_code": "10001"}, 1000, ship_date=MONDAY)
    seattle = rates.quote({"country": "US", "postal_code": "98101"}, 1000, ship_date=MONDAY)
    toronto = rates.quote({"country": "CA", "postal_code": "M5H 2N2"}, 1000, ship_date=MONDAY)
    assert {q.service.level for q in nyc} == {"economy", "standard", "express", "next_day"}
    assert "next_day" not in {q.service.level for q in toronto}
    assert nyc[0].amount < seattle[0].amount < toronto[0].amount
