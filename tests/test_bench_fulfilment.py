"""The fulfilment bench on a tiny data set: its data has the shape it claims (sourcing SKUs
only where their size says, every open unit allocated and reserved), and one run of every
group gives its figures and the summary."""

import argparse
import random

import pytest
from django.db.models import F, Sum

from bench import fulfilment, fulfilment_data
from inventory.models import Location, StockLevel
from orders.models import Allocation, Order, OrderLine

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

OPEN_ORDERS = 60


@pytest.fixture
def generated(monkeypatch):
    monkeypatch.setattr(fulfilment_data, "SKUS_PER_SIZE", fulfilment.LINES_PER_ORDER + 1)
    fulfilment_data.generate(OPEN_ORDERS, rng=random.Random(5))
    return fulfilment_data.fulfilment_set()


def test_sourcing_skus_are_stocked_only_at_their_sizes_locations(generated):
    sites = list(Location.objects.filter(code__startswith="SRC-").order_by("code"))

    assert len(sites) == fulfilment_data.SOURCING_LOCATIONS
    for size, skus in generated.sourcing_skus.items():
        levels = StockLevel.objects.filter(product__sku__in=skus)
        held = set(levels.values_list("location__code", flat=True))
        assert held <= {site.code for site in sites[:size]}
        assert len(held) > size // 10  # the distribution centres at least
        assert not levels.filter(reserved__gt=0).exists()


def test_open_orders_are_confirmed_and_allocated_in_full_and_the_stock_reserves_it(generated):
    allocated = Allocation.objects.values("line__product", "location").annotate(
        units=Sum("quantity")
    )
    reserved = {
        (level.product_id, level.location_id): level.reserved
        for level in StockLevel.objects.filter(reserved__gt=0)
    }

    assert Order.objects.filter(status="confirmed").count() == OPEN_ORDERS
    assert not OrderLine.objects.exclude(quantity_allocated=F("quantity")).exists()
    assert (
        Allocation.objects.aggregate(units=Sum("quantity"))["units"]
        == (OrderLine.objects.aggregate(units=Sum("quantity"))["units"])
    )
    assert reserved == {(row["line__product"], row["location"]): row["units"] for row in allocated}
    busiest = Allocation.objects.filter(location__code=generated.pick_locations[0]).count()
    assert busiest > Allocation.objects.count() / 2


def test_one_run_gives_every_figure_and_the_summary(generated):
    args = argparse.Namespace(orders=5, labels=1, repeat=2, seed=3, rounds=2)

    results = fulfilment.run(list(fulfilment.GROUPS), args)
    rows = {row["target"]: row for row in fulfilment.summarise(results)}

    for size in ("50", "500"):
        figures = results["sourcing"][size]
        assert figures["decision"]["samples"] == 5
        assert 0 < figures["choose_plan_unpriced"]["median_ms"] <= figures["decision"]["p95_ms"]
    goal = rows["sourcing, 5 lines over 50 locations: median"]
    assert goal["result"] in ("PASS", "FAIL")
    assert results["labels"]["app_pdf"]["per_s"] > 0
    assert rows["label PDFs, app ÷ bare"]["value"] == results["labels"]["ratio"]
    assert results["pick_queue"]["samples"] == 2
    assert results["pick_queue"]["queries"] <= 12  # a page of the queue, whatever its length
    assert rows["pick queue median ÷ /healthz"]["value"] == results["pick_queue"]["ratio"]
