"""The rate tables in process memory, for the sourcing engine's cost estimates.

Sourcing prices up to eight plans per order, one estimate per location and parcel weight:
reading the tables each time would cost two queries per estimate. They are read once (two
queries) into a snapshot and kept until they change:

* saving or deleting a Carrier, ShippingService, ShippingZone, ZoneRule or Rate (signals, in
  ``apps.py``): once the change commits, this process drops its snapshot and bumps a version
  in Django's cache, which every process compares with its snapshot's at most every
  ``VERSION_CHECK_SECONDS`` (so the cache, Redis or memcached when several processes serve,
  is asked at most that often, never once per estimate, never by a query);
* until then the connection that made the change reads the tables afresh for each estimate
  (it sees its own change; the snapshot, of what is committed, stays for everyone else and
  for after a rollback);
* ``migrate`` and ``flush`` (``post_migrate``) read the tables again.

Writes that send no signals (``bulk_create``, ``QuerySet.update``) must call ``invalidate()``.
"""

import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.db import DatabaseError, connection, transaction

from .models import Rate, ZoneRule, normalize_postal_code
from .rates import check_weight, price

VERSION_KEY = "shipping:rate-tables:version"
VERSION_CHECK_SECONDS = 5.0


@dataclass(frozen=True)
class RateTables:
    """The active zone rules by country and the active services' brackets by zone."""

    rules: Mapping[str, list[tuple[str, int, int]]]  # country -> (prefix, carrier id, zone id)
    rates: Mapping[int, list[Rate]]  # zone id -> rates by (service, max weight)

    def cheapest(self, destination: Mapping[str, Any], weight_grams: int) -> Decimal | None:
        """What ``rates.quote`` finds cheapest, from memory: the lowest price of the lightest
        bracket holding the parcel, per active service of the destination's zones (one per
        carrier: the longest matching postal prefix)."""
        check_weight(weight_grams)
        country = str(destination.get("country") or "").strip().upper()
        postal_code = normalize_postal_code(str(destination.get("postal_code") or ""))
        zones: dict[int, tuple[int, int]] = {}  # carrier id -> (prefix length, zone id)
        for prefix, carrier_id, zone_id in self.rules.get(country, ()):
            if postal_code.startswith(prefix) and len(prefix) >= zones.get(carrier_id, (-1,))[0]:
                zones[carrier_id] = (len(prefix), zone_id)
        prices = []
        for _, zone_id in zones.values():
            lightest: dict[int, Rate] = {}
            for rate in self.rates.get(zone_id, ()):
                if rate.max_weight_grams >= weight_grams:
                    lightest.setdefault(rate.service_id, rate)
            prices.extend(price(rate, weight_grams) for rate in lightest.values())
        return min(prices, default=None)


def _load() -> RateTables:
    rules: dict[str, list[tuple[str, int, int]]] = {}
    active_rules = ZoneRule.objects.filter(carrier__is_active=True).order_by("pk")
    for country, prefix, carrier_id, zone_id in active_rules.values_list(
        "country", "postal_prefix", "carrier_id", "zone_id"
    ):
        rules.setdefault(country, []).append((prefix, carrier_id, zone_id))
    rates: dict[int, list[Rate]] = {}
    active_rates = (
        Rate.objects.filter(service__is_active=True)
        .only("id", "zone_id", "service_id", "max_weight_grams", "base", "per_kg")
        .order_by("service_id", "max_weight_grams")
    )
    for rate in active_rates:
        rates.setdefault(rate.zone_id, []).append(rate)
    return RateTables(rules, rates)


@dataclass(frozen=True)
class _Snapshot:
    tables: RateTables
    version: str | None
    checked_at: float


_lock = threading.Lock()
_snapshot: list[_Snapshot] = []
_pending = threading.local()  # the transaction (its outermost atomic block) holding a change


def _uncommitted_change() -> bool:
    """Does this connection hold a table change not yet committed? A transaction that
    ended without committing it (rolled back) no longer does."""
    marker = getattr(_pending, "transaction", None)
    if marker is None:
        return False
    blocks = connection.atomic_blocks
    if blocks and blocks[0] is marker:
        return True
    _pending.transaction = None
    return False


def current() -> RateTables:
    """The tables as this process knows them, read again when they changed."""
    if _uncommitted_change():
        return _load()
    now = time.monotonic()
    with _lock:
        snapshot = _snapshot[0] if _snapshot else None
    if snapshot is not None and now - snapshot.checked_at < VERSION_CHECK_SECONDS:
        return snapshot.tables
    version = cache.get(VERSION_KEY)
    if snapshot is not None and version in (None, snapshot.version):  # None: nobody bumped
        tables, version = snapshot.tables, snapshot.version
    else:
        tables = _load()
    with _lock:
        _snapshot[:] = [_Snapshot(tables, version, now)]
    return tables


def invalidate() -> None:
    """Forget this process's snapshot now and tell the others (through the cache)."""
    with _lock:
        _snapshot.clear()
    cache.set(VERSION_KEY, uuid.uuid4().hex, None)


def tables_changed(**kwargs: Any) -> None:
    """A signal receiver: the tables changed on this connection. It reads them afresh until
    the change commits; then every process does."""
    if connection.in_atomic_block:
        _pending.transaction = connection.atomic_blocks[0]
    transaction.on_commit(_committed)


def _committed() -> None:
    _pending.transaction = None
    invalidate()


def reload(**kwargs: Any) -> None:
    """After ``migrate`` or ``flush`` (``post_migrate``): the tables as they now are."""
    _pending.transaction = None
    try:
        tables = _load()
    except DatabaseError:  # migrated back to before the tables: read them when next needed
        with _lock:
            _snapshot.clear()
        return
    with _lock:
        _snapshot[:] = [_Snapshot(tables, cache.get(VERSION_KEY), time.monotonic())]
