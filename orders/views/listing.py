"""The orders list: filters and sort in the URL, keyset pages, bulk actions and CSV export."""

import csv
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import chain
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import trigger_client_event

from core.exceptions import DomainError
from core.permissions import staff_view

from .. import selectors, services
from ..exceptions import OrderValidationError
from ..filters import SORT_FIELDS, OrderFilter
from ..models import HoldReason, Order, OrderStatus
from ..services import Actor

PAGE_SIZES = (25, 50, 100)
DEFAULT_PAGE_SIZE = 50
COUNT_CAP = 1000
BULK_LIMIT = 500
FILTER_PARAMS_IGNORED_BY_TABS = frozenset({"o", "per_page", "after", "before"})

# Saved views: (label, preset query). On hold lists its reasons as a second row of tabs.
ON_HOLD = {"on_hold": "true"}
SAVED_VIEWS = (
    ("All", {}),
    ("Awaiting confirmation", {"status": OrderStatus.PLACED}),
    ("On hold", ON_HOLD),
    ("Backordered", {"has_backorders": "true"}),
    ("Late to ship", {"late": "true"}),
    ("Cancelled", {"status": OrderStatus.CANCELLED}),
)
HOLD_VIEWS = tuple((label, ON_HOLD | {"hold_reason": value}) for value, label in HoldReason.choices)


# --- the list ----------------------------------------------------------------------------


@staff_view("orders.view_order")
@require_GET
@vary_on_headers("HX-Request")
def order_list(request: HttpRequest) -> HttpResponse:
    filters = OrderFilter(request.GET, queryset=Order.objects.all())
    orders, sort = filters.qs, filters.sort
    per_page = _page_size(request.GET.get("per_page"))
    page = selectors.order_page(
        orders,
        sort=sort,
        per_page=per_page,
        after=request.GET.get("after", ""),
        before=request.GET.get("before", ""),
    )
    count = selectors.capped_count(orders, cap=COUNT_CAP)
    applied = _applied_filters(request.GET)
    fragment = bool(request.htmx) and not request.htmx.history_restore_request
    context = {
        "filter": filters,
        "list_url": reverse("orders:list"),
        "page": page,
        "count_label": _count_label(count),
        "per_page": per_page,
        "page_sizes": PAGE_SIZES,
        "sort": sort,
        "sort_links": _sort_links(sort),
        "saved_views": _tabs(SAVED_VIEWS, _main_view_of(applied)),
        "hold_views": _tabs(HOLD_VIEWS, applied) if applied.get("on_hold") == ["true"] else [],
        "hold_reasons": HoldReason.choices,
        "fragment": fragment,
    }
    template = "orders/order_list.html#order-table" if fragment else "orders/order_list.html"
    return render(request, template, context)


def _page_size(value: str | None) -> int:
    return int(value) if value in {str(size) for size in PAGE_SIZES} else DEFAULT_PAGE_SIZE


def _count_label(count: int) -> str:
    if count > COUNT_CAP:
        return f"{COUNT_CAP:,}+ orders"
    return f"{count:,} order{'' if count == 1 else 's'}"


def _sort_links(current: str) -> dict[str, dict[str, str]]:
    """Per sortable column: the sort a click on its header asks for, and the arrow to show."""
    links = {}
    for field in SORT_FIELDS:
        descending = f"-{field}"
        links[field] = {
            "next": field if current == descending else descending,
            "arrow": {descending: "↓", field: "↑"}.get(current, ""),
        }
    return links


def _applied_filters(query: QueryDict) -> dict[str, list[str]]:
    applied = {
        key: [value for value in values if value]
        for key, values in query.lists()
        if key not in FILTER_PARAMS_IGNORED_BY_TABS
    }
    return {key: values for key, values in applied.items() if values}


def _main_view_of(applied: dict[str, list[str]]) -> dict[str, list[str]]:
    """A hold reason is a sub-view of On hold, which stays highlighted while one is picked."""
    if applied.get("on_hold") == ["true"]:
        return {key: values for key, values in applied.items() if key != "hold_reason"}
    return applied


def _tabs(views: Iterable[tuple[str, dict[str, str]]], applied: dict[str, list[str]]) -> list[dict]:
    """Saved views as links; one is active when the filters applied are exactly its preset."""
    return [
        {
            "label": label,
            "query": urlencode(preset),
            "active": applied == {key: [value] for key, value in preset.items()},
        }
        for label, preset in views
    ]


# --- bulk actions --------------------------------------------------------------------------


@dataclass(frozen=True)
class BulkAction:
    permission: str
    done: str
    run: Callable[[Order, QueryDict, Actor], Order]


BULK_ACTIONS = {
    "confirm": BulkAction(
        "orders.confirm_order",
        "confirmed",
        lambda order, data, actor: services.confirm_order(order=order, actor=actor),
    ),
    "hold": BulkAction(
        "orders.hold_order",
        "put on hold",
        lambda order, data, actor: services.hold_order(
            order=order,
            reason=data.get("hold_reason", ""),
            note=data.get("hold_note", ""),
            actor=actor,
        ),
    ),
    "cancel": BulkAction(
        "orders.cancel_order",
        "cancelled",
        lambda order, data, actor: services.cancel_order(
            order=order, reason=data.get("cancel_reason", ""), actor=actor
        ),
    ),
}


@dataclass(frozen=True)
class BulkOutcome:
    ok: bool
    message: str


@staff_view("orders.view_order")
@require_POST
def order_bulk_action(request: HttpRequest) -> HttpResponse:
    """Run one action on each selected order, each in its own transaction, and report each."""
    action = BULK_ACTIONS.get(request.POST.get("action", ""))
    if action is not None and not request.user.has_perm(action.permission):
        raise PermissionDenied
    ids = _selected_ids(request.POST.getlist("ids"))
    error = _bulk_request_error(action, ids)
    outcomes = [] if error else _run_bulk(action, ids, request.POST, request.user)
    done = sum(outcome.ok for outcome in outcomes)
    response = render(
        request,
        "orders/order_list.html#bulk-results",
        {"error": error, "outcomes": outcomes, "done": done, "refused": len(outcomes) - done},
    )
    if done:
        trigger_client_event(response, "ordersChanged")
    return response


def _selected_ids(values: list[str]) -> list[int]:
    return list(dict.fromkeys(int(value) for value in values if value.isdigit()))


def _bulk_request_error(action: BulkAction | None, ids: list[int]) -> str:
    if action is None:
        return "Choose an action."
    if not ids:
        return "Select at least one order."
    if len(ids) > BULK_LIMIT:
        return f"At most {BULK_LIMIT} orders per bulk action; {len(ids)} were selected."
    return ""


def _run_bulk(
    action: BulkAction, ids: list[int], data: QueryDict, actor: Actor
) -> list[BulkOutcome]:
    orders = selectors.orders_for_bulk_action(ids)
    outcomes = []
    for order in orders:
        try:
            action.run(order, data, actor)
        except DomainError as error:
            outcomes.append(BulkOutcome(ok=False, message=f"{order.number}: {error.message}"))
            if isinstance(error, OrderValidationError):
                break  # the input (reason, note) is at fault: every other order would fail alike
        else:
            outcomes.append(BulkOutcome(ok=True, message=f"{order.number} {action.done}"))
    if missing := len(ids) - len(orders):
        outcomes.append(BulkOutcome(ok=False, message=f"{missing} selected order(s) not found."))
    return outcomes


# --- CSV export ----------------------------------------------------------------------------

EXPORT_HEADER = (
    "number",
    "placed_at",
    "status",
    "payment_status",
    "fulfilment_status",
    "channel",
    "customer_name",
    "customer_email",
    "items",
    "subtotal",
    "discount",
    "shipping",
    "tax",
    "total",
    "currency",
)
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


class _Echo:
    """A file-like object whose write() hands the formatted CSV line back to the caller."""

    def write(self, value: str) -> str:
        return value


@staff_view("orders.view_order")
@require_GET
def order_export(request: HttpRequest) -> StreamingHttpResponse:
    """The filtered list as CSV, streamed row by row so 100,000 orders never sit in memory."""
    filters = OrderFilter(request.GET, queryset=Order.objects.all())
    rows = selectors.order_export_rows(filters.qs, sort=filters.sort)
    writer = csv.writer(_Echo())
    lines = (writer.writerow(row) for row in chain([EXPORT_HEADER], map(_csv_row, rows)))
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    filename = f"orders-{timezone.localdate():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _csv_row(row: tuple) -> Iterator[str]:
    number, placed_at, *rest = row
    placed = timezone.localtime(placed_at).strftime("%Y-%m-%d %H:%M:%S") if placed_at else ""
    return (_safe_cell(str(value)) for value in (number, placed, *rest))


def _safe_cell(text: str) -> str:
    """Defuse spreadsheet formulas in names and e-mails that customers typed themselves."""
    return f"'{text}" if text.startswith(FORMULA_PREFIXES) else text
