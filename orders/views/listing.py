"""The orders list: filters and sort in the URL, keyset pages, bulk actions and CSV export."""

import csv
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import chain
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    QueryDict,
    StreamingHttpResponse,
)
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import trigger_client_event

from core.exceptions import DomainError
from core.pagination import capped_count, count_label
from core.parsing import parse_ascii_int
from core.permissions import staff_view
from core.roles import EXPORT_ORDERS

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
    orders, sort = filters.results, filters.sort
    per_page = _page_size(request.GET.get("per_page"))
    page = selectors.order_page(
        orders,
        sort=sort,
        per_page=per_page,
        after=request.GET.get("after", ""),
        before=request.GET.get("before", ""),
    )
    count = capped_count(orders, cap=COUNT_CAP)
    applied = _applied_filters(request.GET)
    fragment = bool(request.htmx) and not request.htmx.history_restore_request
    context = {
        "filter": filters,
        "list_url": reverse("orders:list"),
        "page": page,
        "count_label": count_label(count, noun="order", cap=COUNT_CAP),
        "filter_errors": filters.invalid,
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
    orders: int = 1  # how many selected orders the outcome stands for


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
    done = sum(outcome.orders for outcome in outcomes if outcome.ok)
    refused = sum(outcome.orders for outcome in outcomes if not outcome.ok)
    response = render(
        request,
        "orders/order_list.html#bulk-results",
        {"error": error, "outcomes": outcomes, "done": done, "refused": refused},
    )
    if done:
        trigger_client_event(response, "ordersChanged")
    return response


def _selected_ids(values: list[str]) -> list[int]:
    parsed = (parse_ascii_int(value) for value in values)
    return list(dict.fromkeys(pk for pk in parsed if pk is not None))


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
    """Every selected order is counted, refused ones included: the counts add up to the
    selection. Bad input (reason, note) would refuse every order alike, so it is tried once
    and reported once for all the orders it stopped."""
    orders = selectors.orders_for_bulk_action(ids)
    outcomes = []
    for index, order in enumerate(orders):
        try:
            action.run(order, data, actor)
        except OrderValidationError as error:
            untried = orders[index:]
            numbers = ", ".join(untried_order.number for untried_order in untried)
            outcomes.append(BulkOutcome(False, f"{numbers}: {error.message}", len(untried)))
            break
        except DomainError as error:
            outcomes.append(BulkOutcome(False, _refusal(order, error.message)))
        else:
            outcomes.append(BulkOutcome(True, f"{order.number} {action.done}"))
    if missing := len(ids) - len(orders):
        outcomes.append(BulkOutcome(False, f"{missing} selected order(s) not found.", missing))
    return outcomes


def _refusal(order: Order, message: str) -> str:
    """The refusal, led by the order's number unless the message already names it."""
    return message if order.number in message else f"{order.number}: {message}"


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
BOM = "\ufeff"


class _Echo:
    """A file-like object whose write() hands the formatted CSV line back to the caller."""

    def write(self, value: str) -> str:
        return value


@staff_view("orders.view_order", EXPORT_ORDERS)
@require_GET
def order_export(request: HttpRequest) -> HttpResponse:
    """The filtered list as CSV, streamed row by row so 100,000 orders never sit in memory.

    An invalid filter is a 400 naming it, never an export of every order. ``?bom=1`` starts
    the file with a UTF-8 byte order mark, which spreadsheets need to read names right.
    """
    filters = OrderFilter(request.GET, queryset=Order.objects.all())
    if filters.invalid:
        return HttpResponseBadRequest(
            "\n".join(filters.invalid), content_type="text/plain; charset=utf-8"
        )
    rows = selectors.order_export_rows(filters.qs, sort=filters.sort)
    writer = csv.writer(_Echo())
    lines = (writer.writerow(row) for row in chain([EXPORT_HEADER], map(_csv_row, rows)))
    if request.GET.get("bom") == "1":
        lines = chain([BOM], lines)
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    filename = f"orders-{timezone.localdate():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _csv_row(row: tuple) -> Iterator[str]:
    """ISO 8601 timestamps with their offset (2026-03-01T09:30:00+01:00): unambiguous."""
    number, placed_at, *rest = row
    placed = timezone.localtime(placed_at).isoformat(timespec="seconds") if placed_at else ""
    return (_safe_cell(str(value)) for value in (number, placed, *rest))


def _safe_cell(text: str) -> str:
    """Defuse spreadsheet formulas in names and e-mails that customers typed themselves."""
    return f"'{text}" if text.startswith(FORMULA_PREFIXES) else text
