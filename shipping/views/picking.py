"""The pick screens: a location's pick queue (and its open pick lists), and the pick list a
picker works through with a keyboard-wedge scanner (it types the code and presses Enter).

Every change posts to its own URL with a one-time token (``core.idempotency``): a double Enter
is one pick. htmx gets the panel it changed, re-read; a plain post is redirected, so the pages
work without JavaScript too.
"""

from collections.abc import Callable
from html import escape
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseClientRedirect

from core.csv_export import csv_export, exports
from core.exceptions import DomainError
from core.idempotency import run_posted
from core.parsing import parse_ascii_int
from core.permissions import staff_view
from core.rows import RowUrl, safe_rows
from core.templatetags.oms import when
from inventory.models import Location

from .. import selectors, services
from ..models import PickList, PickListLine
from ..services.picking import DEFAULT_BATCH, MAX_BATCH, REASON_LENGTH
from .picking_pdf import pick_list_pdf

VIEW = "shipping.view_picklist"
PICK = "shipping.pick_orders"
QUEUE = "shipping/picking/queue.html"
DETAIL = "shipping/picking/pick_list.html"


class ScanTooSoon(DomainError):
    """A scan posted with the form of the scan before it (the answer had not come back): it
    picked nothing, and the picker scans the item again."""

    code = "scan_too_soon"


class BatchForm(forms.Form):
    location = forms.ModelChoiceField(queryset=selectors.pick_locations(), widget=forms.HiddenInput)
    max_orders = forms.IntegerField(
        label="Orders", min_value=1, max_value=MAX_BATCH, initial=DEFAULT_BATCH
    )


class ShortPickForm(forms.Form):
    """What each line's short-pick form posts (drawn by hand in the template, per line)."""

    line = forms.IntegerField()
    quantity = forms.IntegerField(min_value=1)
    reason = forms.CharField(max_length=REASON_LENGTH)


# --- the queue -----------------------------------------------------------------------------

ROW = (
    "<tr>\n"
    '<td class="nowrap"><a href="{url}">{number}</a></td>\n'
    '<td class="nowrap">{ship_by}</td>\n'
    "<td>{sku}</td>\n"
    "<td>{name}</td>\n"
    '<td class="nowrap">{bin}</td>\n'
    '<td class="num">{units}</td>\n'
    "</tr>\n"
)


def _queue_rows(rows: list) -> list:
    """The queue's rows in one pass each (``core.rows``): no template work per cell."""
    order_url = RowUrl("orders:detail")
    return safe_rows(
        ROW.format(
            url=escape(order_url(row.line.order.number)),
            number=escape(row.line.order.number),
            ship_by=when(row.line.order.ship_by) or "—",
            sku=escape(row.line.sku),
            name=escape(row.line.name),
            bin=escape(row.bin or "—"),
            units=row.units,
        )
        for row in rows
    )


OPTION = '<option value="{pk}"{selected}>{code} · {name}</option>'


def _location_options(choices: list[tuple[int, str, str]], chosen: Location | None) -> str:
    """The location select's options, drawn in one pass (``core.rows``): hundreds of
    locations are hundreds of template loops otherwise."""
    selected = chosen.pk if chosen else None
    return mark_safe(  # noqa: S308 (every value is escaped)
        "\n".join(
            OPTION.format(
                pk=pk,
                selected=" selected" if pk == selected else "",
                code=escape(code),
                name=escape(name),
            )
            for pk, code, name in choices
        )
    )


def _chosen_location(request: HttpRequest, choices: list[tuple[int, str, str]]) -> int | None:
    """The id of the location asked for, else of the first by priority (None: there is none)."""
    wanted = parse_ascii_int(request.GET.get("location", ""))
    ids = [pk for pk, _, _ in choices]
    return wanted if wanted in ids else next(iter(ids), None)


def _render_queue(
    request: HttpRequest,
    location: Location | None,
    choices: list[tuple[int, str, str]] | None = None,
    **extra: Any,
) -> HttpResponse:
    choices = selectors.pick_location_choices() if choices is None else choices
    context: dict[str, Any] = {
        "has_locations": bool(choices),
        "location_options": _location_options(choices, location),
        "location": location,
        **extra,
    }
    if location is not None:
        queue = selectors.pick_queue(location, after=request.GET.get("after", ""))
        context |= {
            "queue": queue,
            "rows": _queue_rows(queue.rows),
            "open_lists": list(selectors.open_pick_lists(location)),
            "may_pick": request.user.has_perm(PICK),
        }
        context.setdefault(
            "batch_form", BatchForm(initial={"location": location, "max_orders": DEFAULT_BATCH})
        )
    fragment = bool(request.htmx) and not request.htmx.history_restore_request
    return render(request, f"{QUEUE}#queue" if fragment else QUEUE, context)


@staff_view(VIEW)
@require_GET
@vary_on_headers("HX-Request")
def pick_queue(request: HttpRequest) -> HttpResponse:
    choices = selectors.pick_location_choices()
    chosen = _chosen_location(request, choices)
    location = None if chosen is None else Location.objects.get(pk=chosen)
    return _render_queue(request, location, choices)


PICK_QUEUE_COLUMNS = (
    ("order", "line__order__number"),
    ("ship_by", "line__order__ship_by"),
    ("sku", "line__sku"),
    ("product", "line__name"),
    ("bin", "bin"),
    ("units", "units"),
)


@staff_view(VIEW)
@require_GET
@exports("shipping:pick_queue")
def pick_queue_export(request: HttpRequest) -> HttpResponse:
    """The whole queue of the location the page shows, every page of it."""
    chosen = _chosen_location(request, selectors.pick_location_choices())
    rows = selectors.pick_queue_export(chosen)
    return csv_export(request, rows, name="pick-queue", columns=PICK_QUEUE_COLUMNS)


@staff_view(VIEW, PICK)
@require_POST
def pick_list_create(request: HttpRequest) -> HttpResponse:
    form = BatchForm(request.POST)
    if not form.is_valid():
        return _queue_error(request, form, "Choose a location and how many orders to batch.")
    location, max_orders = form.cleaned_data["location"], form.cleaned_data["max_orders"]
    try:
        outcome = run_posted(
            request,
            scope=f"shipping.pick_list:{location.pk}",
            work=lambda: {
                "pick_list": services.create_pick_list(
                    location=location, max_orders=max_orders, actor=request.user
                ).pk
            },
        )
    except DomainError as error:
        return _queue_error(request, form, error.message)
    url = reverse("shipping:pick_list", args=[outcome.result["pick_list"]])
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def _queue_error(request: HttpRequest, form: BatchForm, message: str) -> HttpResponse:
    location = form.cleaned_data.get("location")
    if not request.htmx:
        messages.error(request, message)
        query = f"?location={location.pk}" if location else ""
        return redirect(reverse("shipping:pick_queue") + query)
    return _render_queue(request, location, batch_form=form, error=message)


# --- a pick list ---------------------------------------------------------------------------


def _render_pick_list(
    request: HttpRequest, pick_list_id: int, *, highlight: int | None = None, **extra: Any
) -> HttpResponse:
    pick_list = selectors.pick_list_for_detail(pick_list_id)
    lines = selectors.pick_list_lines(pick_list)
    context = {
        "pick_list": pick_list,
        "lines": lines,
        "progress": selectors.progress_of(lines),
        "highlight": highlight,
        "may_pick": request.user.has_perm(PICK),
        "is_open": pick_list.status == PickList.Status.OPEN,
        **extra,
    }
    template = f"{DETAIL}#pick-panel" if request.htmx else DETAIL
    return render(request, template, context)


def _highlighted(request: HttpRequest) -> int | None:
    """The line a plain post just picked (``?picked=<line id>``), to mark it."""
    return parse_ascii_int(request.GET.get("picked", ""))


@staff_view(VIEW)
@require_GET
def pick_list_detail(request: HttpRequest, pick_list_id: int) -> HttpResponse:
    return _render_pick_list(request, pick_list_id, highlight=_highlighted(request))


def _act(
    request: HttpRequest,
    pick_list_id: int,
    scope: str,
    work: Callable[[], dict[str, Any]],
    *,
    replayed: Callable[[dict[str, Any]], str],
) -> HttpResponse:
    """Run ``work`` once per posted token and answer: htmx gets the pick panel, re-read, with
    the line just picked (``result["line"]``) highlighted or the refusal shown; a plain post
    goes back to the pick list page with the same as a message. A token posted again gets
    ``replayed(result)``: what to say (or a DomainError) instead of doing it twice."""
    error = notice = ""
    line_id = None
    try:
        outcome = run_posted(request, scope=f"{scope}:{pick_list_id}", work=work)
        notice = replayed(outcome.result) if outcome.replayed else outcome.result["message"]
        line_id = outcome.result.get("line")
    except DomainError as domain_error:
        error = domain_error.message
    if not request.htmx:
        (messages.error if error else messages.success)(request, error or notice)
        url = reverse("shipping:pick_list", args=[pick_list_id])
        return redirect(f"{url}?picked={line_id}" if line_id else url)
    return _render_pick_list(request, pick_list_id, highlight=line_id, error=error, notice=notice)


@staff_view(VIEW, PICK)
@require_POST
def pick_list_scan(request: HttpRequest, pick_list_id: int) -> HttpResponse:
    pick_list = get_object_or_404(PickList, pk=pick_list_id)
    code = request.POST.get("code", "").strip()

    def work() -> dict[str, Any]:
        line = services.scan_pick(pick_list=pick_list, code=code, actor=request.user)
        where = f"from {line.bin}" if line.bin else "(no bin)"
        left = f"{line.to_pick} more on this line" if line.to_pick else "line done"
        message = f"Picked 1 × {line.product.sku} for {line.line.order.number} {where} ({left})."
        return {"line": line.pk, "message": message, "code": code.casefold()}

    def replayed(result: dict[str, Any]) -> str:
        if result["code"] != code.casefold():  # a second code sent with the first one's form
            raise ScanTooSoon(f"{code} came before the last scan was answered: scan it again.")
        return "That scan was already counted: nothing more was picked."

    return _act(request, pick_list_id, "shipping.scan", work, replayed=replayed)


@staff_view(VIEW, PICK)
@require_POST
def pick_list_short(request: HttpRequest, pick_list_id: int) -> HttpResponse:
    pick_list = get_object_or_404(PickList, pk=pick_list_id)
    form = ShortPickForm(request.POST)

    def work() -> dict[str, Any]:
        if not form.is_valid():
            raise DomainError("Give the units short (1 or more) and why.", code="invalid_form")
        data = form.cleaned_data
        line = get_object_or_404(PickListLine, pk=data["line"], pick_list=pick_list)
        services.short_pick(
            pick_list_line=line,
            quantity=data["quantity"],
            reason=data["reason"],
            actor=request.user,
        )
        return {
            "line": line.pk,
            "message": f"{data['quantity']} × {line.product.sku} short: sourced again elsewhere "
            "or backordered.",
        }

    return _act(
        request,
        pick_list_id,
        "shipping.short_pick",
        work,
        replayed=lambda result: "That short pick was already recorded.",
    )


def _close(request: HttpRequest, pick_list_id: int, action: Callable, done: str) -> HttpResponse:
    pick_list = get_object_or_404(PickList, pk=pick_list_id)
    try:
        action(pick_list=pick_list, actor=request.user)
    except DomainError as error:
        if request.htmx:
            return _render_pick_list(request, pick_list_id, error=error.message)
        messages.error(request, error.message)
    else:
        if request.htmx:
            return _render_pick_list(request, pick_list_id, notice=done)
        messages.success(request, done)
    return redirect("shipping:pick_list", pick_list_id=pick_list_id)


@staff_view(VIEW, PICK)
@require_POST
def pick_list_complete(request: HttpRequest, pick_list_id: int) -> HttpResponse:
    done = "Pick list complete: any units not picked are back in the pick queue."
    return _close(request, pick_list_id, services.complete_pick_list, done)


@staff_view(VIEW, PICK)
@require_POST
def pick_list_cancel(request: HttpRequest, pick_list_id: int) -> HttpResponse:
    done = "Pick list cancelled: its unpicked units are back in the pick queue."
    return _close(request, pick_list_id, services.cancel_pick_list, done)


@staff_view(VIEW)
@require_GET
def pick_list_print(request: HttpRequest, pick_list_id: int) -> HttpResponse:
    pick_list = selectors.pick_list_for_detail(pick_list_id)
    response = HttpResponse(pick_list_pdf(pick_list), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{pick_list}.pdf"'
    return response
