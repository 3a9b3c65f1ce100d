"""The orders list: filters and sort in the URL, keyset pages, bulk actions and CSV export."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from html import escape
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.http import (
    HttpRequest,
    HttpResponse,
    QueryDict,
)
from django.shortcuts import render
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import trigger_client_event

from core.csv_export import csv_response, exports, refused
from core.exceptions import DomainError
from core.pagination import capped_count, count_label
from core.parsing import parse_ascii_int
from core.permissions import staff_view
from core.roles import EXPORT_ORDERS, VIEW_CUSTOMERS
from core.rows import Badges, RowUrl, safe_rows
from core.templatetags.oms import money, when

from .. import selectors, services
from ..exceptions import OrderValidationError
from ..filters import SORT_FIELDS, OrderFilter
from ..models import FulfilmentStatus, HoldReason, Order, OrderStatus, PaymentStatus
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
        "rows": _rows(page.orders, show_email=request.user.has_perm(VIEW_CUSTOMERS)),
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


# The table's rows, each formatted in one pass by one format string: template tags and filters
# per cell (badges, dates, money, {% url %}) took most of the page's time, more with 100 rows.
ROW = (
    "<tr>\n"
    '<td><input type="checkbox" name="ids" value="{pk}" aria-label="Select {number}"></td>\n'
    '<td class="nowrap"><a href="{url}">{number}</a></td>\n'
    '<td class="nowrap">{placed}</td>\n'
    "<td>{customer}</td>\n"
    "<td>{channel}</td>\n"
    "<td>\n{statuses}\n</td>\n"
    '<td class="num">{units}</td>\n'
    '<td class="num">{total}</td>\n'
    "</tr>\n"
)
MUTED_LINE = '<br><span class="muted">{}</span>'
NOT_PLACED = mark_safe('<span class="muted">not placed</span>')
BADGES = Badges(OrderStatus, PaymentStatus, FulfilmentStatus)


def _rows(orders: Iterable[Order], *, show_email: bool) -> list[SafeString]:
    """The orders as table rows; the customer's e-mail only for those who may see customers."""
    detail_url = RowUrl("orders:detail")
    return safe_rows(_row(order, detail_url=detail_url, show_email=show_email) for order in orders)


def _row(order: Order, *, detail_url: RowUrl, show_email: bool) -> str:
    """The values escaped with html.escape, as Django's escape() does, without its checks for
    lazy and safe strings: the row is its hot loop."""
    customer = order.customer
    email = MUTED_LINE.format(escape(customer.email)) if show_email else ""
    hold = MUTED_LINE.format(escape(order.get_hold_reason_display())) if order.hold_reason else ""
    number = escape(order.number)
    return ROW.format(
        pk=order.pk,
        number=number,
        url=detail_url(order.number),
        placed=when(order.placed_at) if order.placed_at else NOT_PLACED,
        customer=escape(customer.name) + email,
        channel=escape(order.channel.name),
        statuses="\n".join(
            [
                BADGES[order.status],
                BADGES[order.payment_status],
                BADGES[order.fulfilment_status],
                hold,
            ]
        ),
        units=order.units,
        total=escape(money(order.total, order.currency)),
    )


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
    action = BULK_ACTIONS.get(request.POST.get("bulk_action", ""))
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


@staff_view("orders.view_order", EXPORT_ORDERS)
@require_GET
@exports("orders:list")
def order_export(request: HttpRequest) -> HttpResponse:
    """The filtered list as CSV, streamed in chunks so 100,000 orders never sit in memory
    (core.csv_export; the rows from the orders' own COPY on PostgreSQL)."""
    filters = OrderFilter(request.GET, queryset=Order.objects.all())
    if filters.invalid:
        return refused(filters.invalid)
    rows = selectors.order_export_csv(filters.qs, sort=filters.sort)
    return csv_response(request, name="orders", header=EXPORT_HEADER, lines=rows)
