"""The demo's rate tables are written with bulk_create (no signals): the seeder tells the
rate tables itself, so sourcing prices with the seeded rates in every process."""

from decimal import Decimal

import pytest
from django.core.cache import cache

from demo.seeders import seed_carriers, seed_rates
from shipping import rate_tables
from shipping.models import Rate, ShippingService, ShippingZone

pytestmark = pytest.mark.django_db


def test_seeding_rates_makes_every_process_read_the_tables_again(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        seed_carriers()
    rate = Rate.objects.select_related("service", "zone").order_by("pk").first()
    zone: ShippingZone = rate.zone
    services = list(ShippingService.objects.filter(rates__zone=zone).distinct())
    known = rate_tables.current()  # this process's snapshot, as another process would hold it
    version = cache.get(rate_tables.VERSION_KEY)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        seed_rates(zone, services, {s.code: (Decimal("99"), Decimal("1")) for s in services}, 1)

    assert rate_tables.invalidate in callbacks
    assert cache.get(rate_tables.VERSION_KEY) != version
    assert rate_tables.current() is not known
    seeded = [r for r in rate_tables.current().rates[zone.pk] if r.pk == rate.pk]
    assert [r.base for r in seeded] == [Rate.objects.get(pk=rate.pk).base]
    assert seeded[0].base >= Decimal("99")
