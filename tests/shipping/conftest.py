"""Rate tables to quote from, a fake EasyPost the real ``easypost`` SDK talks to over HTTP
(and USPS through it), cards paid through the simulated gateway, and confirmed orders to
pick."""

from decimal import Decimal

import pytest

from shipping.models import Carrier, Rate, ShippingService, ShippingZone, ZoneRule
from tests.easypost_fake import FakeEasyPost
from tests.factories import confirmed

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


def usps_carrier(**fields: str) -> Carrier:
    """USPS through EasyPost, with the services the fake's rate card offers."""
    carrier = Carrier.objects.create(
        code="USPS", adapter=Carrier.Adapter.EASYPOST, **({"name": "USPS"} | fields)
    )
    for code, level, days in (
        ("GroundAdvantage", "economy", 5),
        ("Priority", "standard", 3),
        ("Express", "express", 2),
    ):
        ShippingService.objects.create(
            carrier=carrier, code=code, name=code, level=level, transit_days=days
        )
    return carrier


@pytest.fixture
def easypost_usps(db, easypost_on) -> Carrier:
    """USPS through EasyPost (the fake)."""
    return usps_carrier()


@pytest.fixture
def order_of(channel, customer):
    """``order_of((product, units), …, ship_by=day)``: a confirmed order, ready to pick."""

    def make(*items, ship_by=None):
        return confirmed(channel=channel, customer=customer, items=list(items), ship_by=ship_by)

    return make


@pytest.fixture
def simulated_payments(settings):
    """Cards through the simulated gateway; the built-in carrier's webhooks signed with ours."""
    settings.STRIPE_SECRET_KEY = ""
    settings.OMS_PAYMENT_GATEWAY = "simulated"
    settings.SHIPPING_WEBHOOK_SECRET = WEBHOOK_SECRET
