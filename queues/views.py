"""The queue pages: every queue the user may open with its count, and one queue a page at a
time, oldest first, with age, SLA colour and owner; take an item, give it to someone, give it
back (htmx: the row comes back re-rendered).

Each queue has its own URLs (``queues.urls``) whose view states that queue's permission, so
the URL configuration stays the one table of who may open what."""

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from core.csv_export import csv_lines, csv_response, exports
from core.exceptions import DomainError
from core.parsing import parse_ascii_int
from core.permissions import staff_view
from core.queues import Queue, visible_queues

from . import exports as queue_exports
from . import selectors, services

QUEUE_TEMPLATE = "queues/queue.html"


def queue_url(queue: Queue) -> str:
    return reverse(f"queues:{queue.slug}")


@staff_view(services.TAKE)  # every role has it; a signed-in user without a role has no queues
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """Every queue the user may open; the user's role's first. Capped counts."""
    mine = {queue.slug for queue in selectors.home_queues(request.user)}
    queues = sorted(visible_queues(request.user), key=lambda queue: queue.slug not in mine)
    context = {"counts": selectors.counts(queues), "mine": mine}
    return render(request, "queues/index.html", context)


def _context(request: HttpRequest, queue: Queue) -> dict:
    may_assign = request.user.has_perm(services.ASSIGN)
    return {
        "queue": queue,
        "queue_url": queue_url(queue),
        "assign_name": f"queues:{queue.slug}-assign",
        "export_name": f"queues:{queue.slug}-export",
        "list_url": queue.list_url() if queue.list_url else "",
        "may_give_back": queue.assign is None,  # an item with its own owner is resolved there
        "may_take": request.user.has_perms((services.TAKE, *queue.owner_permissions)),
        "people": list(selectors.assignable_users()) if may_assign else [],
        "sla_text": selectors.sla_text(queue),
    }


def _owner_filter(request: HttpRequest):
    """The page's "mine" tab: the user, or None for everyone's items."""
    return request.user if request.GET.get("mine") == "1" else None


def queue_page(queue: Queue) -> Callable[..., HttpResponse]:
    @staff_view(queue.permission)
    @require_GET
    @vary_on_headers("HX-Request")
    def view(request: HttpRequest) -> HttpResponse:
        owner = _owner_filter(request)
        mine = owner is not None
        page = selectors.page(
            queue,
            owner=owner,
            after=request.GET.get("after", ""),
            before=request.GET.get("before", ""),
        )
        context = _context(request, queue) | {"page": page, "mine": mine}
        template = f"{QUEUE_TEMPLATE}#queue-table" if request.htmx else QUEUE_TEMPLATE
        return render(request, template, context)

    view.__name__ = view.__qualname__ = f"queue_{queue.slug.replace('-', '_')}"
    return view


def queue_export(queue: Queue) -> Callable[..., HttpResponse]:
    @staff_view(queue.permission)
    @require_GET
    @exports(f"queues:{queue.slug}")
    def view(request: HttpRequest) -> HttpResponse:
        rows = queue_exports.rows(
            queue, owner=_owner_filter(request), link=request.build_absolute_uri
        )
        return csv_response(
            request, name=f"queue-{queue.slug}", header=queue_exports.HEADER, lines=csv_lines(rows)
        )

    view.__name__ = view.__qualname__ = f"export_{queue.slug.replace('-', '_')}"
    return view


def _owner(request: HttpRequest):
    """ "me", a user id, or "" (nobody); anything else is None: not a choice."""
    value = request.POST.get("owner", "")
    if value == "me":
        return request.user, True
    if value == "":
        return None, True
    user_id = parse_ascii_int(value, max_digits=12)
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first() if user_id else None
    return user, user is not None


def queue_assign(queue: Queue) -> Callable[..., HttpResponse]:
    @staff_view(queue.permission, services.TAKE, *queue.owner_permissions)
    @require_POST
    def view(request: HttpRequest, item_id: int) -> HttpResponse:
        owner, valid = _owner(request)
        error = ""
        if not valid or "owner" not in request.POST:
            error = "Choose whom to give it to."
        else:
            try:
                services.assign_item(queue=queue, item_id=item_id, owner=owner, actor=request.user)
            except DomainError as exc:
                error = exc.message
        if not request.htmx:
            if error:
                messages.error(request, error)
            return redirect(queue_url(queue))
        found = list(selectors.items(queue).filter(pk=item_id))
        context = _context(request, queue) | {
            "row": next(iter(selectors.rows_of(queue, found)), None),
            "item_id": item_id,
            "error": error,
        }
        return render(request, f"{QUEUE_TEMPLATE}#row", context)

    view.__name__ = view.__qualname__ = f"assign_{queue.slug.replace('-', '_')}"
    return view
