"""The customer's order-status page and its downloads: public, the signed link is the key.

No login and no staff layout. A link that opens nothing answers 404 with one page whatever
was wrong with it. Every answer is private and never stored (``Cache-Control``), sends no
``Referer`` onwards (the token is in the URL: a click on the carrier's tracking link must not
hand it over) and is kept out of search engines.
"""

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from documents.services import drawn
from orders.models import Order

from . import selectors
from .links import order_for_token

View = Callable[..., HttpResponse]


def _by_link(view: View) -> View:
    """Open the order of the link, or answer the one "link not valid" page; set the headers."""

    @wraps(view)
    def opened(request: HttpRequest, token: str, **kwargs) -> HttpResponse:
        order = order_for_token(token)
        response = (
            _not_found(request) if order is None else view(request, order, token=token, **kwargs)
        )
        response["Cache-Control"] = "private, no-store"
        response["Referrer-Policy"] = "no-referrer"
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response

    return opened


def _not_found(request: HttpRequest) -> HttpResponse:
    context = {"shop": settings.OMS_SHOP, "days": settings.OMS_STATUS_LINK_DAYS}
    return render(request, "portal/link_not_valid.html", context, status=404)


@require_GET
@_by_link
def order_status(request: HttpRequest, order: Order, *, token: str) -> HttpResponse:
    context = {
        "page": selectors.status_page(order),
        "order": order,
        "token": token,
        "shop": settings.OMS_SHOP,
    }
    return render(request, "portal/order_status.html", context)


@require_GET
@_by_link
def document(request: HttpRequest, order: Order, *, token: str, document_id: int) -> HttpResponse:
    found = selectors.customer_document(order, document_id)
    found = drawn(found) if found is not None else None  # drawn now if it was left for later
    if found is None:
        return _not_found(request)
    return FileResponse(
        found.file.open("rb"),
        as_attachment=True,
        filename=found.filename,
        content_type=found.content_type,
    )
