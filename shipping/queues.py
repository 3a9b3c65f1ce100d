"""Shipping's exception queues (``core.queues``): late shipments, the at-risk items (whose
owner is kept on the item by ``services.assign_at_risk``) and short picks."""

from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone

from core.queues import Queue, Sla, hours, register
from core.roles import CUSTOMER_SERVICE, MANAGER, WAREHOUSE
from orders.models import Order
from orders.queues import order_url
from orders.workflow import OPEN_STATUSES

from .models import AtRisk, PickList, PickListLine
from .services import assign_at_risk


def _late_shipments():
    """Open orders past the day they had to leave, on the open orders' ship-by index."""
    return Order.objects.filter(
        status__in=OPEN_STATUSES, ship_by__lt=timezone.localdate()
    ).select_related("customer")


def _at_risk():
    return AtRisk.objects.filter(resolved_at__isnull=True).select_related("order", "owner")


def _short_picks():
    """Open pick lists with a line picked short: stock the system counted and the shelf had not."""
    short = PickListLine.objects.filter(pick_list=OuterRef("pk"), short__gt=0)
    return PickList.objects.filter(Exists(short), status=PickList.Status.OPEN).select_related(
        "location"
    )


register(
    Queue(
        slug="late-shipments",
        title="Late shipments",
        description="Open orders past their ship-by date, latest first.",
        permission="orders.view_order",
        roles=(MANAGER, WAREHOUSE),
        items=_late_shipments,
        since="ship_by",
        sla=Sla(amber=hours(24), red=hours(48)),
        label=lambda order: order.number,
        url=order_url,
        detail=lambda order: f"{order.get_status_display()}, had to leave on {order.ship_by:%d %b}",
    )
)

register(
    Queue(
        slug="at-risk",
        title="Orders at risk",
        description="Orders that will miss their ship-by date and parcels late at the carrier.",
        permission="shipping.view_atrisk",
        roles=(MANAGER, CUSTOMER_SERVICE, WAREHOUSE),
        items=_at_risk,
        since="opened_at",
        sla=Sla(amber=hours(8), red=hours(24)),
        label=lambda item: item.order.number,
        url=lambda item: order_url(item.order),
        detail=lambda item: f"{item.get_kind_display()}: {item.reason}",
        list_url=lambda: reverse("shipping:at_risk_list"),
        owner_field="owner",
        assign=assign_at_risk,
        owner_permissions=("shipping.own_at_risk",),
    )
)

register(
    Queue(
        slug="short-picks",
        title="Stock discrepancies",
        description="Open pick lists with units picked short: the shelf held less than the count.",
        permission="shipping.pick_orders",
        roles=(MANAGER, WAREHOUSE),
        items=_short_picks,
        since="created_at",
        sla=Sla(amber=hours(4), red=hours(24)),
        label=lambda pick_list: str(pick_list),
        url=lambda pick_list: reverse("shipping:pick_list", args=[pick_list.pk]),
        detail=lambda pick_list: f"At {pick_list.location.name}",
    )
)
