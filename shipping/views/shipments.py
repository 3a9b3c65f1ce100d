"""The shipments list (filters in the URL, keyset pages, rows built in one pass), a shipment's
page with its tracking timeline, and the order page's Shipments panel."""

from collections.abc import Iterable
from html import escape

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from core.csv_export import exports, filtered_export
from core.pagination import capped_count, count_label, keyset_page
from core.permissions import staff_view
from core.rows import Badges, RowUrl, safe_rows
from core.templatetags.oms import when
from orders.models import Order

from .. import tasks
from ..filters import ON_THE_WAY, ShipmentFilter
from ..models import AtRisk, Shipment, ShipmentStatus

VIEW_SHIPMENTS = "shipping.view_shipment"
BUY_LABELS = "shipping.ship_orders"
PAGE_SIZES = (25, 50, 100)
DEFAULT_PAGE_SIZE = 50
COUNT_CAP = 1000
SORT = "-created_at"
DEMO_TICK = ("shipping:demo-tracking-tick", 60)  # cache key, seconds between ticks
PANEL_SHIPMENTS = 20  # an order with more parcels than this links to the list for the rest

BADGES = Badges(ShipmentStatus)
DELAYED_BADGE = '<span class="badge badge-danger">Delayed</span>'
ROW = (
    "<tr>\n"
    "<td>{select}</td>\n"
    '<td class="nowrap"><a href="{url}">#{pk}</a></td>\n'
    '<td class="nowrap"><a href="{order_url}">{order}</a></td>\n'
    '<td class="nowrap">{created}</td>\n'
    "<td>{location}</td>\n"
    "<td>{carrier}</td>\n"
    "<td>{status}</td>\n"
    "<td>{tracking}</td>\n"
    '<td class="nowrap">{eta}</td>\n'
    "</tr>\n"
)
CHECKBOX = '<input type="checkbox" name="ids" value="{pk}" aria-label="Select shipment {pk}">'
TRACKING_LINK = '<a href="{url}" rel="noopener noreferrer" target="_blank">{number}</a>'
MUTED = '<span class="muted">{}</span>'


class IdUrl:
    """The URL of ``viewname`` for each row's integer id: reversed once, the id put in."""

    SAMPLE = 987654321

    def __init__(self, viewname: str) -> None:
        self.head, _, self.tail = reverse(viewname, args=[self.SAMPLE]).partition(str(self.SAMPLE))

    def __call__(self, pk: int) -> str:
        return f"{self.head}{pk}{self.tail}"


def is_delayed(shipment: Shipment, today=None) -> bool:
    today = today or timezone.localdate()
    if shipment.status == ShipmentStatus.EXCEPTION:
        return True
    eta = shipment.estimated_delivery
    return shipment.status in ON_THE_WAY and eta is not None and eta < today


def tracking_cell(shipment: Shipment) -> str:
    if not shipment.tracking_number:
        return MUTED.format("—")
    number = escape(shipment.tracking_number)
    if shipment.tracking_url:
        return TRACKING_LINK.format(url=escape(shipment.tracking_url), number=number)
    return number


def _carrier_cell(shipment: Shipment) -> str:
    if shipment.carrier_id is None:
        return MUTED.format("not chosen")
    service = f" · {escape(shipment.service.name)}" if shipment.service_id else ""
    return escape(shipment.carrier.name) + service


def shipment_rows(shipments: Iterable[Shipment], *, selectable: bool) -> list[SafeString]:
    """The shipments as table rows; a checkbox on those waiting for a label when the user may
    buy labels."""
    detail_url, order_url = IdUrl("shipping:shipment_detail"), RowUrl("orders:detail")
    today = timezone.localdate()
    rows = []
    for shipment in shipments:
        waiting = shipment.status == ShipmentStatus.LABEL_PENDING
        status = BADGES[shipment.status]
        if is_delayed(shipment, today):
            status += " " + DELAYED_BADGE
        if waiting and shipment.label_error:
            status += " " + MUTED.format(escape(shipment.label_error))
        rows.append(
            ROW.format(
                select=CHECKBOX.format(pk=shipment.pk) if selectable and waiting else "",
                pk=shipment.pk,
                url=detail_url(shipment.pk),
                order_url=order_url(shipment.order.number),
                order=escape(shipment.order.number),
                created=when(shipment.created_at),
                location=escape(shipment.location.code),
                carrier=_carrier_cell(shipment),
                status=status,
                tracking=tracking_cell(shipment),
                eta=when(shipment.estimated_delivery) if shipment.estimated_delivery else "",
            )
        )
    return safe_rows(rows)


def _page_size(value: str | None) -> int:
    return int(value) if value in {str(size) for size in PAGE_SIZES} else DEFAULT_PAGE_SIZE


def listed(queryset):
    return queryset.select_related("order", "location", "carrier", "service").only(
        "id",
        "status",
        "created_at",
        "tracking_number",
        "tracking_url",
        "estimated_delivery",
        "label_error",
        "order__number",
        "location__code",
        "carrier__name",
        "service__name",
    )


def tick_demo_tracking() -> None:
    """The demo runs with no worker and no beat (eager tasks): there the shipment pages queue
    the demo tracking task, at most once a minute, to run after the response. With a broker,
    beat runs it (``CELERY_BEAT_SCHEDULE``)."""
    key, seconds = DEMO_TICK
    if (
        settings.OMS_DEMO_TRACKING
        and settings.CELERY_TASK_ALWAYS_EAGER
        and cache.add(key, True, seconds)
    ):
        tasks.advance_demo_tracking.delay()


@staff_view(VIEW_SHIPMENTS)
@require_GET
@vary_on_headers("HX-Request")
def shipment_list(request: HttpRequest) -> HttpResponse:
    tick_demo_tracking()
    filters = ShipmentFilter(request.GET, queryset=Shipment.objects.all())
    shipments = filters.results
    per_page = _page_size(request.GET.get("per_page"))
    page = keyset_page(
        listed(shipments),
        sort=SORT,
        per_page=per_page,
        after=request.GET.get("after", ""),
        before=request.GET.get("before", ""),
    )
    selectable = request.user.has_perm(BUY_LABELS)
    fragment = bool(request.htmx) and not request.htmx.history_restore_request
    context = {
        "filter": filters,
        "list_url": reverse("shipping:shipment_list"),
        "page": page,
        "rows": shipment_rows(page.rows, selectable=selectable),
        "selectable": selectable,
        "count_label": count_label(
            capped_count(shipments, cap=COUNT_CAP), noun="shipment", cap=COUNT_CAP
        ),
        "filter_errors": filters.invalid,
        "per_page": per_page,
        "page_sizes": PAGE_SIZES,
        "fragment": fragment,
    }
    template = "shipping/shipments/list.html"
    return render(request, f"{template}#shipment-table" if fragment else template, context)


SHIPMENT_COLUMNS = (
    ("shipment", "pk"),
    ("order", "order__number"),
    ("created_at", "created_at"),
    ("location", "location__code"),
    ("carrier", "carrier__name"),
    ("service", "service__name"),
    ("status", "status"),
    ("tracking_number", "tracking_number"),
    ("tracking_url", "tracking_url"),
    ("estimated_delivery", "estimated_delivery"),
    ("shipped_at", "shipped_at"),
    ("delivered_at", "delivered_at"),
    ("label_error", "label_error"),
)


@staff_view(VIEW_SHIPMENTS)
@require_GET
@exports("shipping:shipment_list")
def shipment_export(request: HttpRequest) -> HttpResponse:
    return filtered_export(
        request,
        ShipmentFilter,
        Shipment.objects.all(),
        name="shipments",
        columns=SHIPMENT_COLUMNS,
        keyset_sort=SORT,
    )


# What the timeline says for our own steps without a description, and for carrier scans.
STEP_WORDS = {
    ShipmentStatus.LABEL_PENDING: "Waiting for a label",
    ShipmentStatus.LABEL_CREATED: "Label created",
    ShipmentStatus.IN_TRANSIT: "On its way",
    ShipmentStatus.OUT_FOR_DELIVERY: "Out for delivery",
    ShipmentStatus.DELIVERED: "Delivered",
    ShipmentStatus.EXCEPTION: "Held up at the carrier",
    ShipmentStatus.RETURNED_TO_SENDER: "On its way back to us",
    ShipmentStatus.CANCELLED: "Cancelled",
    ShipmentStatus.READY_FOR_PICKUP: "Ready for pickup",
    ShipmentStatus.COLLECTED: "Collected by the customer",
}


@staff_view(VIEW_SHIPMENTS)
@require_GET
def shipment_detail(request: HttpRequest, shipment_id: int) -> HttpResponse:
    tick_demo_tracking()
    shipment = get_object_or_404(
        Shipment.objects.select_related(
            "order", "location", "carrier", "service", "label_batch", "manifest", "box"
        ),
        pk=shipment_id,
    )
    events = [
        {
            "event": event,
            "words": STEP_WORDS.get(event.status, event.get_status_display()),
        }
        for event in shipment.tracking_events.select_related("carrier").order_by(
            "-occurred_at", "-pk"
        )
    ]
    context = {
        "shipment": shipment,
        "lines": shipment.lines.select_related("line"),
        "events": events,
        "delayed": is_delayed(shipment),
        "at_risk": AtRisk.objects.filter(
            resolved_at__isnull=True, shipment=shipment
        ).select_related("owner"),
        "may_buy": request.user.has_perm(BUY_LABELS),
    }
    return render(request, "shipping/shipments/detail.html", context)


@staff_view(VIEW_SHIPMENTS)
@require_GET
def order_panel(request: HttpRequest, number: str) -> HttpResponse:
    """The order page's Shipments panel: each parcel with its status and tracking link."""
    order = get_object_or_404(Order.objects.only("id", "number"), number=number)
    shipments = list(
        listed(Shipment.objects.filter(order=order)).order_by("-created_at", "-pk")[
            : PANEL_SHIPMENTS + 1
        ]
    )
    context = {
        "order": order,
        "rows": shipment_rows(shipments[:PANEL_SHIPMENTS], selectable=False),
        "more": len(shipments) > PANEL_SHIPMENTS,
    }
    return render(request, "shipping/shipments/order_panel.html", context)
