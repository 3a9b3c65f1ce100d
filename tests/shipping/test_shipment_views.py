"""The shipments list (filters, keyset pages, a bounded number of queries), a shipment's page
(tracking link, contents, timeline newest first, at risk) and the order page's Shipments panel."""

from datetime import timedelta
from itertools import count

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from core.roles import FINANCE, WAREHOUSE
from orders.panels import panels_for
from shipping import tasks
from shipping.models import AtRisk, Shipment, ShipmentStatus, TrackingEvent
from shipping.views.shipments import DEMO_TICK
from tests import factories
from tests.factories import place, stock

pytestmark = pytest.mark.django_db

S = ShipmentStatus
SERIALS = count(1)


@pytest.fixture(autouse=True)
def no_demo_tracking(settings):
    """The demo's tracking tick (a task after the response) would count in the queries."""
    settings.OMS_DEMO_TRACKING = False


@pytest.fixture
def order(channel, customer, warehouse):
    product = factories.ProductFactory(sku="LAMP-1", weight_grams=900)
    stock(product, warehouse, 10)
    return place(channel=channel, customer=customer, items=[(product, 2)])


@pytest.fixture
def carrier():
    return factories.CarrierFactory(
        code="PPOST",
        name="Parcel Post",
        tracking_url_template="https://parcelpost.example/track?n={tracking_number}",
    )


def make_shipments(order, location, carrier, how_many: int, **fields) -> list[Shipment]:
    serials = [next(SERIALS) for _ in range(how_many)]
    return Shipment.objects.bulk_create(
        Shipment(
            order=order,
            location=location,
            carrier=carrier,
            weight_grams=900,
            tracking_number=f"PPOST{serial:06d}" if carrier else "",
            tracking_url=f"https://parcelpost.example/track?n=PPOST{serial:06d}" if carrier else "",
            **fields,
        )
        for serial in serials
    )


def test_the_list_filters_by_carrier_status_location_and_delay(
    order, warehouse, second_warehouse, carrier, login_as
):
    late = make_shipments(
        order,
        warehouse,
        carrier,
        1,
        status=S.IN_TRANSIT,
        estimated_delivery=timezone.localdate() - timedelta(days=1),
    )[0]
    on_time = make_shipments(
        order,
        second_warehouse,
        carrier,
        1,
        status=S.IN_TRANSIT,
        estimated_delivery=timezone.localdate() + timedelta(days=2),
    )[0]
    pending = make_shipments(order, warehouse, None, 1)[0]
    client = login_as(WAREHOUSE)

    def listed(**query) -> set[int]:
        response = client.get(reverse("shipping:shipment_list"), query)
        assert response.status_code == 200
        return {row.pk for row in response.context["page"].rows}

    assert listed() == {late.pk, on_time.pk, pending.pk}
    assert listed(carrier="PPOST") == {late.pk, on_time.pk}
    assert listed(status="label_pending") == {pending.pk}
    assert listed(location=second_warehouse.code) == {on_time.pk}
    assert listed(delayed="true") == {late.pk}
    assert listed(created_after=timezone.localdate().isoformat()) == {
        late.pk,
        on_time.pk,
        pending.pk,
    }
    assert listed(created_before=(timezone.localdate() - timedelta(days=1)).isoformat()) == set()
    # a filter that does not parse lists nothing rather than everything
    assert listed(created_after="not-a-date") == set()


def test_the_list_reads_5_or_50_rows_in_the_same_few_queries(
    order, warehouse, carrier, login_as, django_assert_max_num_queries
):
    client = login_as(WAREHOUSE)
    make_shipments(order, warehouse, carrier, 5, status=S.IN_TRANSIT)
    with django_assert_max_num_queries(12) as five:
        client.get(reverse("shipping:shipment_list"))
    make_shipments(order, warehouse, carrier, 45, status=S.LABEL_CREATED)
    with django_assert_max_num_queries(12) as fifty:
        response = client.get(reverse("shipping:shipment_list"))

    assert len(response.context["page"].rows) == 50
    assert len(fifty.captured_queries) == len(five.captured_queries)


def test_the_list_pages_by_keyset(order, warehouse, carrier, login_as):
    make_shipments(order, warehouse, carrier, 30)
    client = login_as(WAREHOUSE)

    first = client.get(reverse("shipping:shipment_list"), {"per_page": 25}).context["page"]
    second = client.get(
        reverse("shipping:shipment_list"), {"per_page": 25, "after": first.next_cursor}
    ).context["page"]

    assert (len(first.rows), len(second.rows)) == (25, 5)
    assert not {row.pk for row in first.rows} & {row.pk for row in second.rows}


def test_only_those_who_buy_labels_get_the_checkboxes(order, warehouse, login_as):
    make_shipments(order, warehouse, None, 2)

    warehouse_page = login_as(WAREHOUSE).get(reverse("shipping:shipment_list"))
    assert warehouse_page.text.count('name="ids"') == 2
    assert "Buy labels" in warehouse_page.text

    finance_page = login_as(FINANCE).get(reverse("shipping:shipment_list"))
    assert finance_page.status_code == 200
    assert 'name="ids"' not in finance_page.text and "Buy labels" not in finance_page.text


def test_the_detail_page_shows_tracking_contents_timeline_and_at_risk(
    order, warehouse, carrier, login_as
):
    shipment = make_shipments(
        order,
        warehouse,
        carrier,
        1,
        status=S.EXCEPTION,
        estimated_delivery=timezone.localdate(),
    )[0]
    shipment.lines.create(line=order.lines.get(), quantity=2)
    start = timezone.now() - timedelta(hours=3)
    for hours, status, words in (
        (0, S.IN_TRANSIT, "Handed to Parcel Post."),
        (2, S.EXCEPTION, "Address not found"),
    ):
        TrackingEvent.objects.create(
            shipment=shipment,
            carrier=carrier,
            status=status,
            occurred_at=start + timedelta(hours=hours),
            description=words,
            source="carrier",
        )
    AtRisk.objects.create(
        order=order,
        shipment=shipment,
        kind=AtRisk.Kind.CARRIER_EXCEPTION,
        reason="held up",
        deadline=timezone.localdate(),
    )

    page = login_as(FINANCE).get(reverse("shipping:shipment_detail", args=[shipment.pk]))

    assert page.status_code == 200
    text = page.text
    assert f'href="{shipment.tracking_url}"' in text
    assert "LAMP-1" in text
    assert text.index("Address not found") < text.index("Handed to Parcel Post.")
    assert "Held up at the carrier" in text
    assert "At risk" in text and "Delayed" in text


def test_in_the_demo_the_shipment_pages_move_demo_parcels_at_most_once_a_minute(
    settings, login_as, monkeypatch
):
    settings.OMS_DEMO_TRACKING = True
    settings.CELERY_TASK_ALWAYS_EAGER = True
    cache.delete(DEMO_TICK[0])
    ticks = []
    monkeypatch.setattr(tasks.advance_demo_tracking, "delay", lambda: ticks.append(1))
    client = login_as(WAREHOUSE)

    client.get(reverse("shipping:shipment_list"))
    client.get(reverse("shipping:shipment_list"))

    assert ticks == [1]
    cache.delete(DEMO_TICK[0])


def test_the_order_page_has_a_shipments_panel(order, warehouse, carrier, login_as):
    make_shipments(order, warehouse, carrier, 2, status=S.IN_TRANSIT)
    client = login_as(WAREHOUSE)

    assert "shipments" in {panel.key for panel in panels_for(client.user)}
    panel = client.get(reverse("shipping:order_panel", args=[order.number]))

    assert panel.status_code == 200
    assert panel.text.count("parcelpost.example/track") == 2
    assert "In transit" in panel.text
    assert client.get(reverse("shipping:order_panel", args=["SO-NOPE"])).status_code == 404
