"""The orders domain's exception queues (``core.queues``): holds by age, backorders past their
date. Both read open orders only, on the partial indexes of open orders."""

from django.db.models import DateTimeField, Exists, OuterRef, Subquery
from django.urls import reverse
from django.utils import timezone

from core.queues import Queue, Sla, hours, register
from core.roles import CUSTOMER_SERVICE, MANAGER, WAREHOUSE

from .models import HoldReason, Order, OrderEvent, OrderLine, OrderStatus
from .workflow import OPEN_STATUSES


def last_event_at(type_: str) -> Subquery:
    """When the outer order last had an event of ``type_`` (its timeline index, one row)."""
    events = OrderEvent.objects.filter(order=OuterRef("pk"), type=type_).order_by("-created_at")
    return Subquery(events.values("created_at")[:1], output_field=DateTimeField())


def order_url(order: Order) -> str:
    return reverse("orders:detail", args=[order.number])


def _holds():
    return Order.objects.filter(status=OrderStatus.ON_HOLD).select_related("customer")


def _late_backorders():
    backordered = OrderLine.objects.filter(order=OuterRef("pk"), quantity_backordered__gt=0)
    return Order.objects.filter(
        Exists(backordered), status__in=OPEN_STATUSES, ship_by__lt=timezone.localdate()
    ).select_related("customer")


register(
    Queue(
        slug="holds",
        title="Orders on hold",
        description="Orders on hold, longest held first.",
        permission="orders.hold_order",
        roles=(MANAGER, CUSTOMER_SERVICE),
        items=_holds,
        since=last_event_at(OrderEvent.Type.HELD),
        sla=Sla(amber=hours(24), red=hours(72)),
        label=lambda order: order.number,
        url=order_url,
        detail=lambda order: " — ".join(
            filter(None, [HoldReason(order.hold_reason).label, order.hold_note])
        ),
        list_url=lambda: reverse("orders:list") + "?on_hold=true",
    )
)

register(
    Queue(
        slug="late-backorders",
        title="Backorders past their date",
        description="Open orders waiting for backordered units after the day they had to leave.",
        permission="orders.view_order",
        roles=(MANAGER, CUSTOMER_SERVICE, WAREHOUSE),
        items=_late_backorders,
        since="ship_by",
        sla=Sla(amber=hours(24), red=hours(72)),
        label=lambda order: order.number,
        url=order_url,
        detail=lambda order: f"{order.customer.name}: had to leave on {order.ship_by:%d %b}",
        list_url=lambda: reverse("orders:list") + "?has_backorders=true",
    )
)
