"""Read queries the fulfilment screens share: the pick queue of a location, its open pick
lists, and one pick list with what is left on it."""

from dataclasses import dataclass

from django.db.models import Count, Exists, F, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404

from core.pagination import COUNT_CAP, KeysetPage, capped_count, count_label, keyset_page
from inventory.models import Location, StockLevel
from orders.models import Allocation, Order, OrderStatus

from .models import PickList, PickListLine

# Orders whose units may be picked: confirmed and on their way. Placed (unconfirmed) and held
# orders wait; the queue shows them again once they are confirmed or released.
PICKABLE_ORDER_STATUSES = (
    OrderStatus.CONFIRMED,
    OrderStatus.PROCESSING,
    OrderStatus.PARTIALLY_SHIPPED,
)
PICK_QUEUE_PAGE = 50
# A picker walks the bins in order, and within a bin takes the SKUs in order, oldest order first.
WALK_ORDER = ("bin", "product__sku", "line__order_id", "pk")


def allocations_to_pick(location_id: int) -> QuerySet[Allocation]:
    """Units still on the shelf at the location (the partial index ``allocation_to_pick_idx``
    holds exactly these rows) that no open pick list there has taken yet."""
    on_open_list = PickListLine.objects.filter(
        line_id=OuterRef("line_id"),
        pick_list__location_id=location_id,
        pick_list__status=PickList.Status.OPEN,
    )
    return Allocation.objects.filter(
        location_id=location_id, quantity__gt=F("picked_quantity")
    ).exclude(Exists(on_open_list))


def pickable_allocations(location_id: int) -> QuerySet[Allocation]:
    """``allocations_to_pick`` of orders that may be picked now."""
    return allocations_to_pick(location_id).filter(line__order__status__in=PICKABLE_ORDER_STATUSES)


def orders_to_pick(location_id: int) -> QuerySet[Order]:
    """Pickable orders with units waiting at the location. The database may walk the open
    orders by ship-by (``order_open_ship_by_idx``) and stop at a page, or start from the
    location's unpicked allocations (``allocation_to_pick_idx``), whichever is fewer rows."""
    waiting = allocations_to_pick(location_id).filter(line__order_id=OuterRef("pk"))
    return Order.objects.filter(status__in=PICKABLE_ORDER_STATUSES).filter(Exists(waiting))


def bin_of_product(location_id: int) -> Subquery:
    """The bin the row's product sits in at the location ("" when it has none recorded)."""
    return Subquery(
        StockLevel.objects.filter(
            product_id=OuterRef("line__product_id"), location_id=location_id
        ).values("bin")[:1]
    )


@dataclass(frozen=True)
class PickQueue:
    """One page of the queue: the orders (oldest ship-by first, then order id, by keyset) and
    their waiting allocations as rows, each with ``units`` to pick and its ``bin``.

    ``line_count`` counts the order lines waiting in the whole queue, up to COUNT_CAP + 1: read
    from the location's entries of ``allocation_to_pick_idx``, it costs a few milliseconds where
    counting orders (each probed for a waiting allocation) cost ten times more."""

    location: Location
    page: KeysetPage[Order]
    rows: list[Allocation]
    line_count: int

    @property
    def count_label(self) -> str:
        return count_label(self.line_count, noun="order line", cap=COUNT_CAP)

    @property
    def units(self) -> int:
        return sum(row.units for row in self.rows)


def pick_queue(
    location: Location, after: str | None = None, limit: int = PICK_QUEUE_PAGE
) -> PickQueue:
    """The units ready to pick at ``location``, a page of orders at a time, in three queries
    whatever the page (the page of orders, their rows, a capped count).

    The page walks ``order_open_ship_by_idx``; as that index holds ``ship_by`` alone, the
    orders of one ship-by day are sorted by id before the page is cut: an index on
    (ship_by, id) would let the walk stop at the page's last order."""
    orders = orders_to_pick(location.pk)
    page = keyset_page(orders, sort="ship_by", per_page=limit, after=after or "")
    position = {order.pk: index for index, order in enumerate(page.rows)}
    rows = []
    if position:
        rows = list(
            allocations_to_pick(location.pk)
            .filter(line__order_id__in=position)
            .select_related("line")
            .only("pk", "line__order_id", "line__product_id", "line__sku", "line__name")
            .annotate(units=F("quantity") - F("picked_quantity"), bin=bin_of_product(location.pk))
        )
    orders_by_pk = {order.pk: order for order in page.rows}
    for row in rows:
        row.line.order = orders_by_pk[row.line.order_id]
    rows.sort(key=lambda row: (position[row.line.order_id], row.bin or "", row.line.sku, row.pk))
    return PickQueue(
        location=location,
        page=page,
        rows=rows,
        line_count=capped_count(pickable_allocations(location.pk), cap=COUNT_CAP),
    )


def pick_queue_export(location_id: int | None) -> QuerySet[Allocation]:
    """Every row of the location's queue (all its pages), in the queue's order, for values_list."""
    if location_id is None:
        return Allocation.objects.none()
    return (
        pickable_allocations(location_id)
        .annotate(units=F("quantity") - F("picked_quantity"), bin=bin_of_product(location_id))
        .order_by(
            F("line__order__ship_by").asc(nulls_last=True),
            "line__order_id",
            Coalesce("bin", Value("")),
            "line__sku",
            "pk",
        )
    )


def pick_locations() -> QuerySet[Location]:
    """Where staff pick: active locations, in priority order."""
    return Location.objects.filter(is_active=True).order_by("priority", "code")


def pick_location_choices() -> list[tuple[int, str, str]]:
    """(id, code, name) of ``pick_locations``: a select of hundreds of locations, read
    without making a model of each."""
    return list(pick_locations().values_list("pk", "code", "name"))


def open_pick_lists(location: Location) -> QuerySet[PickList]:
    """The location's open pick lists, newest first, with their unit counts."""
    return (
        PickList.objects.filter(location=location, status=PickList.Status.OPEN)
        .select_related("created_by")
        .annotate(
            units=Sum("lines__quantity", default=0),
            picked=Sum("lines__picked", default=0),
            short=Sum("lines__short", default=0),
            order_count=Count("lines__line__order_id", distinct=True),
        )
        .order_by("-created_at", "-pk")
    )


@dataclass(frozen=True)
class PickListProgress:
    units: int
    picked: int
    short: int

    @property
    def left(self) -> int:
        return self.units - self.picked - self.short


def pick_list_for_detail(pk: int) -> PickList:
    """One pick list with its location and creator; 404 when there is none."""
    return get_object_or_404(PickList.objects.select_related("location", "created_by"), pk=pk)


def pick_list_lines(pick_list: PickList) -> list[PickListLine]:
    """The list's lines in walk order, each with its order line, order and product."""
    return list(pick_list.lines.select_related("line__order", "product").order_by(*WALK_ORDER))


def progress_of(lines: list[PickListLine]) -> PickListProgress:
    return PickListProgress(
        units=sum(line.quantity for line in lines),
        picked=sum(line.picked for line in lines),
        short=sum(line.short for line in lines),
    )
