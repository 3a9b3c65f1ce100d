"""The at-risk queue: open items, most urgent first, each with who owns it; "Take", give it to
someone of Customer service or the Warehouse, or resolve it with a note."""

from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from core.csv_export import csv_export, exports, in_keyset_order
from core.exceptions import DomainError
from core.pagination import capped_count_label, keyset_page
from core.parsing import clean_text, parse_ascii_int
from core.permissions import staff_view

from ..models import AtRisk
from ..services import risk

VIEW_AT_RISK = "shipping.view_atrisk"
OWN_AT_RISK = (VIEW_AT_RISK, "shipping.own_at_risk")
PER_PAGE = 50
QUEUE_SORT = "deadline"  # most urgent first


def _open_items(request: HttpRequest) -> tuple[QuerySet[AtRisk], str, bool]:
    """The open items the queue's filters pick: of a kind (``kind``), the user's (``mine=1``)."""
    items = AtRisk.objects.filter(resolved_at__isnull=True)
    kind = request.GET.get("kind", "")
    if kind in AtRisk.Kind.values:
        items = items.filter(kind=kind)
    mine = request.GET.get("mine") == "1"
    if mine:
        items = items.filter(owner=request.user)
    return items, kind, mine


@staff_view(VIEW_AT_RISK)
@require_GET
def at_risk_list(request: HttpRequest) -> HttpResponse:
    items, kind, mine = _open_items(request)
    page = keyset_page(
        items.select_related("order", "shipment", "owner"),
        sort=QUEUE_SORT,
        per_page=PER_PAGE,
        after=request.GET.get("after", ""),
        before=request.GET.get("before", ""),
    )
    may_own = request.user.has_perms(OWN_AT_RISK)
    context = {
        "page": page,
        "today": timezone.localdate(),
        "now": timezone.now(),
        "kinds": AtRisk.Kind.choices,
        "kind": kind,
        "mine": mine,
        "count_label": capped_count_label(items, noun="open item"),
        "may_own": may_own,
        "people": list(risk.assignable_users().only("id", "username")) if may_own else [],
    }
    return render(request, "shipping/risk/queue.html", context)


AT_RISK_COLUMNS = (
    ("order", "order__number"),
    ("shipment", "shipment_id"),
    ("kind", "kind"),
    ("reason", "reason"),
    ("deadline", "deadline"),
    ("owner", "owner__username"),
    ("opened_at", "opened_at"),
)


@staff_view(VIEW_AT_RISK)
@require_GET
@exports("shipping:at_risk_list")
def at_risk_export(request: HttpRequest) -> HttpResponse:
    items, _, _ = _open_items(request)
    ordered = in_keyset_order(items, QUEUE_SORT)
    return csv_export(request, ordered, name="at-risk", columns=AT_RISK_COLUMNS)


def _open_item(item_id: int) -> AtRisk:
    return get_object_or_404(AtRisk.objects.select_related("order"), pk=item_id)


def _back(request: HttpRequest) -> HttpResponse:
    """Back to the queue the form was posted from (its filters kept)."""
    query = clean_text(request.POST.get("back", ""), max_length=500) or ""
    url = reverse("shipping:at_risk_list")
    return redirect(f"{url}?{query}" if query.isprintable() and query.isascii() else url)


def _act(request: HttpRequest, action, success: str) -> HttpResponse:
    try:
        action()
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, success)
    return _back(request)


@staff_view(*OWN_AT_RISK)
@require_POST
def at_risk_take(request: HttpRequest, item_id: int) -> HttpResponse:
    item = _open_item(item_id)
    return _act(
        request,
        lambda: risk.assign_at_risk(item=item, owner=request.user, actor=request.user),
        f"Order {item.order.number}'s item is yours.",
    )


@staff_view(*OWN_AT_RISK)
@require_POST
def at_risk_assign(request: HttpRequest, item_id: int) -> HttpResponse:
    item = _open_item(item_id)
    owner_id = parse_ascii_int(request.POST.get("owner", ""))
    owner = risk.assignable_users().filter(pk=owner_id).first() if owner_id else None
    return _act(
        request,
        lambda: risk.assign_at_risk(item=item, owner=owner, actor=request.user),
        f"Order {item.order.number}'s item given to {owner.get_username() if owner else ''}.",
    )


@staff_view(*OWN_AT_RISK)
@require_POST
def at_risk_resolve(request: HttpRequest, item_id: int) -> HttpResponse:
    item = _open_item(item_id)
    return _act(
        request,
        lambda: risk.resolve_at_risk(
            item=item, note=request.POST.get("note", ""), actor=request.user
        ),
        f"Order {item.order.number}'s item resolved.",
    )
