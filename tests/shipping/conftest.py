"""Rate tables to quote from, and a fake EasyPost the real ``easypost`` SDK talks to over HTTP."""

from decimal import Decimal

import pytest

from shipping.models import Carrier, Rate, ShippingService, ShippingZone, ZoneRule
from tests.easypost_fake import FakeEasyPost

WEBHOOK_SECRET = "whsec_test_shipping"
EASYPOST_WEBHOOK_SECRET = "ep_whsec_test"


def make_zone(carrier: Carrier, name: str, *rules: tuple[str, str]) -> ShippingZone:
    zone = ShippingZone.objects.create(carrier=carrier, name=name)
    for country, prefix in rules:
        ZoneRule.objects.create(zone=zone, country=country, postal_prefix=prefix)
    return zone


def make_rates(
    service: ShippingService, zone: ShippingZone, brackets: list[tuple[int, str, str]]
) -> None:
    """``brackets``: (max grams, base, per kg) rows."""
    Rate.objects.bulk_create(
        Rate(
            service=service,
            zone=zone,
            max_weight_grams=grams,
            base=Decimal(base),
            per_kg=Decimal(per_kg),
        )
        for grams, base, per_kg in brackets
    )


class Tables:
    """Parcel Post (economy 5 days, standard 3) with zones for the US (NYC by prefix 100,
    the West by prefixes 9 and 8, the rest of the country) and Canada; Swift Express
    (express 2 days) for the whole US only."""

    def __init__(self) -> None:
        self.post = Carrier.objects.create(
            code="PPOST",
            name="Parcel Post",
            tracking_url_template="https://parcelpost.example/track?n={tracking_number}",
        )
        self.economy = ShippingService.objects.create(
            carrier=self.post, code="ECO", name="Economy", level="economy", transit_days=5
        )
        self.standard = ShippingService.objects.create(
            carrier=self.post, code="STD", name="Standard", level="standard", transit_days=3
        )
        self.nyc = make_zone(self.post, "New York City", ("US", "100"))
        self.west = make_zone(self.post, "US West", ("US", "9"), ("US", "8"))
        self.us = make_zone(self.post, "US rest", ("US", ""))
        self.canada = make_zone(self.post, "Canada", ("CA", ""))
        for zone, extra in ((self.nyc, "0"), (self.us, "1"), (self.west, "2"), (self.canada, "5")):
            for service, base in ((self.economy, 4), (self.standard, 6)):
                make_rates(
                    service,
                    zone,
                    [
                        (500, f"{base + int(extra)}.00", "0.00"),
                        (1000, f"{base + int(extra)}.50", "0.00"),
                        (5000, f"{base + int(extra)}.50", "1.10"),
                    ],
                )
        self.swift = Carrier.objects.create(code="SWIFT", name="Swift Express")
        self.express = ShippingService.objects.create(
            carrier=self.swift, code="EXP", name="Express", level="express", transit_days=2
        )
        self.swift_us = make_zone(self.swift, "United States", ("US", ""))
        make_rates(self.express, self.swift_us, [(2000, "12.00", "2.00")])


@pytest.fixture
def tables(db) -> Tables:
    return Tables()


def address(country: str = "US", postal_code: str = "10012", **extra: str) -> dict[str, str]:
    return {
        "name": "Ada Buyer",
        "line1": "145 Spring Street",
        "line2": "",
        "city": "New York",
        "region": "NY",
        "postal_code": postal_code,
        "country": country,
        "phone": "",
    } | extra


@pytest.fixture
def fake_easypost():
    fake = FakeEasyPost().start()
    try:
        yield fake
    finally:
        fake.stop()


@pytest.fixture
def easypost_on(settings, fake_easypost):
    """The OMS aimed at the fake EasyPost through the real SDK."""
    settings.EASYPOST_API_KEY = "EZTK_test_fake"
    settings.EASYPOST_API_BASE = fake_easypost.url
    settings.EASYPOST_TIMEOUT = 5
    settings.EASYPOST_WEBHOOK_SECRET = EASYPOST_WEBHOOK_SECRET
    return fake_easypost
