"""Re-sourcing: units a location cannot supply go elsewhere (or to backorder); staff re-source an
order by hand; picked units never move; reserved always equals what the allocations hold."""

import pytest
from django.db.models import Sum
from django.urls import reverse

from inventory.models import StockLevel
from orders import services
from orders.exceptions import OrderError, OrderValidationError
from orders.models import Allocation, FulfilmentStatus, OrderEvent
from tests import factories
from tests.factories import place, stock

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def allocated(order) -> list[tuple[str, str, int, int]]:
    rows = Allocation.objects.filter(line__order=order).order_by("line__sku", "location__code")
    return list(rows.values_list("line__sku", "location__code", "quantity", "picked_quantity"))


def assert_stock_invariant() -> None:
    """Every stock row's reserved units are exactly what the allocations there hold."""
    for level in StockLevel.objects.all():
        held = Allocation.objects.filter(
            line__product_id=level.product_id, location_id=level.location_id
        ).aggregate(units=Sum("quantity"))["units"]
        assert level.reserved == (held or 0), (level.product_id, level.location_id)


@pytest.fixture
def mug():
    return factories.ProductFactory(sku="MUG", allow_backorder=True)


def test_rejected_units_are_sourced_from_another_location(
    channel, customer, warehouse, second_warehouse, mug
):
    stock(mug, warehouse, 5)
    stock(mug, second_warehouse, 5)
    order = place(channel=channel, customer=customer, items=[(mug, 3)])
    line = order.lines.get()
    assert allocated(order) == [("MUG", "WH-A", 3, 0)]

    services.reject_units(line=line, location_id=warehouse.pk, quantity=2, reason="damaged")

    assert allocated(order) == [("MUG", "WH-A", 1, 0), ("MUG", "WH-B", 2, 0)]
    line.refresh_from_db()
    assert (line.quantity_allocated, line.quantity_backordered) == (3, 0)
    event = order.events.filter(type=OrderEvent.Type.STOCK_RESERVED).first()
    assert "Rejected at WH-A (damaged)" in event.message
    assert event.data["sourcing"]["chosen"]["locations"] == ["WH-B"]
    assert event.data["released"] == [{"sku": "MUG", "location": "WH-A", "quantity": 2}]
    assert_stock_invariant()


def test_rejected_units_nobody_else_has_are_backordered(channel, customer, warehouse, mug):
    stock(mug, warehouse, 5)
    order = place(channel=channel, customer=customer, items=[(mug, 3)])
    line = order.lines.get()

    services.reject_units(line=line, location_id=warehouse.pk, quantity=3, reason="not found")

    assert allocated(order) == []
    line.refresh_from_db()
    order.refresh_from_db()
    assert (line.quantity_allocated, line.quantity_backordered) == (0, 3)
    assert order.fulfilment_status == FulfilmentStatus.BACKORDERED
    event = order.events.filter(type=OrderEvent.Type.BACKORDERED).first()
    assert event.data["lines"] == [{"sku": "MUG", "quantity": 3}]
    # the location that could not supply them keeps the units free for others
    assert StockLevel.objects.get(product=mug, location=warehouse).reserved == 0
    assert_stock_invariant()


def test_a_short_pick_releases_unpicked_units_first(
    channel, customer, warehouse, second_warehouse, mug
):
    stock(mug, warehouse, 4)
    stock(mug, second_warehouse, 4)
    order = place(channel=channel, customer=customer, items=[(mug, 4)])
    line = order.lines.get()
    Allocation.objects.filter(line=line).update(picked_quantity=3)

    services.reject_units(line=line, location_id=warehouse.pk, quantity=2, reason="short pick")

    assert allocated(order) == [("MUG", "WH-A", 2, 2), ("MUG", "WH-B", 2, 0)]
    assert_stock_invariant()


def test_reject_refuses_more_than_is_held_or_a_location_not_holding_it(
    channel, customer, warehouse, second_warehouse, mug
):
    stock(mug, warehouse, 5)
    order = place(channel=channel, customer=customer, items=[(mug, 2)])
    line = order.lines.get()
    with pytest.raises(OrderValidationError) as too_many:
        services.reject_units(line=line, location_id=warehouse.pk, quantity=3, reason="x")
    assert too_many.value.field == "quantity"
    with pytest.raises(OrderValidationError) as elsewhere:
        services.reject_units(line=line, location_id=second_warehouse.pk, quantity=1, reason="x")
    assert elsewhere.value.field == "location_id"
    assert allocated(order) == [("MUG", "WH-A", 2, 0)]


def test_resource_order_replans_unpicked_units_and_keeps_picked_ones(
    channel, customer, warehouse, second_warehouse, mug
):
    tee = factories.ProductFactory(sku="TEE")
    stock(mug, warehouse, 5)
    stock(tee, warehouse, 5)
    stock(mug, second_warehouse, 5)
    stock(tee, second_warehouse, 5)
    order = place(channel=channel, customer=customer, items=[(mug, 2), (tee, 2)])
    mug_line = order.lines.get(sku="MUG")
    Allocation.objects.filter(line=mug_line).update(picked_quantity=1)

    services.resource_order(order=order, location_id=second_warehouse.pk)

    assert allocated(order) == [
        ("MUG", "WH-A", 1, 1),
        ("MUG", "WH-B", 1, 0),
        ("TEE", "WH-B", 2, 0),
    ]
    event = order.events.filter(type=OrderEvent.Type.STOCK_RESERVED).first()
    assert event.message.startswith("Re-sourced to WH-B: released 1 × MUG at WH-A")
    assert_stock_invariant()


def test_resource_order_to_a_location_without_stock_names_the_line(
    channel, customer, warehouse, second_warehouse, mug
):
    stock(mug, warehouse, 5)
    stock(mug, second_warehouse, 1)
    order = place(channel=channel, customer=customer, items=[(mug, 3)])
    with pytest.raises(OrderValidationError) as error:
        services.resource_order(order=order, location_id=second_warehouse.pk)
    assert error.value.field == "location_id"
    assert "MUG (needs 3, has 1)" in error.value.message
    assert allocated(order) == [("MUG", "WH-A", 3, 0)]


def test_resource_order_fills_a_backorder_and_refuses_closed_orders(
    channel, customer, warehouse, second_warehouse, mug
):
    order = place(channel=channel, customer=customer, items=[(mug, 2)])
    assert order.fulfilment_status == FulfilmentStatus.BACKORDERED
    stock(mug, second_warehouse, 1)  # filling backorders waits for the commit

    services.resource_order(order=order, line_ids=[order.lines.get().pk])

    assert allocated(order) == [("MUG", "WH-B", 1, 0)]
    assert order.lines.get().quantity_backordered == 1
    assert_stock_invariant()

    services.cancel_order(order=order, reason="customer asked")
    with pytest.raises(OrderError) as closed:
        services.resource_order(order=order)
    assert closed.value.code == "not_resourceable"


def test_resource_order_with_everything_picked_has_nothing_to_do(channel, customer, warehouse, mug):
    stock(mug, warehouse, 5)
    order = place(channel=channel, customer=customer, items=[(mug, 2)])
    Allocation.objects.filter(line__order=order).update(picked_quantity=2)
    with pytest.raises(OrderError) as error:
        services.resource_order(order=order)
    assert error.value.code == "nothing_to_resource"


# --- the order page's Sourcing panel and its Re-source action -------------------------------

HTMX = {"HTTP_HX_REQUEST": "true"}


def test_the_sourcing_panel_says_the_decision_and_where_units_are_held(
    login_as, channel, customer, warehouse, mug
):
    stock(mug, warehouse, 5)
    order = place(channel=channel, customer=customer, items=[(mug, 2)])
    client = login_as("Customer service")
    url = reverse("orders:detail", args=[order.number])

    page = client.get(url).content.decode()
    panel = client.get(f"{url}?panel=sourcing", **HTMX).content.decode()

    assert 'id="order-sourcing"' in page and "?panel=sourcing" in page
    assert "From WH-A: 1 parcel." in panel
    assert "Decided when placed" in panel
    assert reverse("orders:resource", args=[order.number]) in panel


def test_re_source_from_the_page_moves_the_units_and_refreshes_the_panels(
    login_as, channel, customer, warehouse, second_warehouse, mug
):
    stock(mug, warehouse, 5)
    stock(mug, second_warehouse, 5)
    order = place(channel=channel, customer=customer, items=[(mug, 2)])
    client = login_as("Customer service")

    response = client.post(
        reverse("orders:resource", args=[order.number]),
        {"line": "", "location": second_warehouse.pk},
        **HTMX,
    )

    assert response.status_code == 200
    assert "orderChanged" in response["HX-Trigger"]
    body = response.content.decode()
    assert "From WH-B: 1 parcel." in body and "Re-sourced to WH-B" in body
    assert allocated(order) == [("MUG", "WH-B", 2, 0)]


def test_a_refused_re_source_shows_its_error_on_the_location(
    login_as, channel, customer, warehouse, second_warehouse, mug
):
    stock(mug, warehouse, 5)
    second_warehouse.save()
    order = place(channel=channel, customer=customer, items=[(mug, 2)])
    client = login_as("Manager")

    response = client.post(
        reverse("orders:resource", args=[order.number]),
        {"line": order.lines.get().pk, "location": second_warehouse.pk},
        **HTMX,
    )

    assert "HX-Trigger" not in response
    assert (
        "WH-B has too little sellable stock for MUG (needs 2, has 0)." in response.content.decode()
    )
    assert allocated(order) == [("MUG", "WH-A", 2, 0)]


@pytest.mark.parametrize("role", ["Warehouse", "Finance"])
def test_roles_without_resource_order_cannot_re_source(
    login_as, role, channel, customer, warehouse, mug
):
    stock(mug, warehouse, 5)
    order = place(channel=channel, customer=customer, items=[(mug, 2)])
    client = login_as(role)
    url = reverse("orders:detail", args=[order.number])
    panel = client.get(f"{url}?panel=sourcing", **HTMX).content.decode()
    assert reverse("orders:resource", args=[order.number]) not in panel
    response = client.post(reverse("orders:resource", args=[order.number]), {})
    assert response.status_code == 403
