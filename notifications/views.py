"""The Communications panel of the order page, the Notifications page (failures to retry),
each message as it was sent, and the templates previewed with a sample order.

A message's HTML is served on its own URL, framed by the page that shows it: sandboxed (no
script runs), with a policy of its own that lets the e-mail's inline styles and remote images
show, and framed only by our own pages.
"""

from functools import wraps

from anymail.exceptions import AnymailConfigurationError
from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.csp import CSP
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.csp import csp_override, csp_report_only_override
from django.views.decorators.http import require_GET, require_POST

from core import idempotency
from core.csv_export import csv_export, exports, in_keyset_order
from core.exceptions import DomainError
from core.permissions import staff_view
from orders.models import Order

from . import selectors, services
from .models import Kind, Notification
from .rendering import SAMPLE_CONTEXT, sample_order
from .rendering import render as render_message

VIEW = "notifications.view_notification"
RESEND = "notifications.resend_notification"
PANEL = "notifications/order_panel.html"
EMAIL_HTML_POLICY = {
    "default-src": [CSP.NONE],
    "style-src": [CSP.UNSAFE_INLINE],
    "img-src": ["https:", "http:", "data:"],
    "frame-ancestors": [CSP.SELF],
}


def provider_webhook(view):
    """An e-mail provider's report is only taken with the shared secret set (anymail checks
    it on every request): without it anyone could flag a customer's address. A provider whose
    own keys are not configured here is not ours: 404, never a server error."""

    @wraps(view)
    def checked(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not settings.ANYMAIL.get("WEBHOOK_SECRET"):
            raise Http404("E-mail provider webhooks are not configured.")
        try:
            return view(request, *args, **kwargs)
        except AnymailConfigurationError as error:
            raise Http404("This e-mail provider is not configured.") from error

    return checked


def _email_html(view):
    return xframe_options_sameorigin(
        csp_override(EMAIL_HTML_POLICY)(csp_report_only_override(EMAIL_HTML_POLICY)(view))
    )


@staff_view(VIEW)
@require_GET
def order_panel(request: HttpRequest, number: str) -> HttpResponse:
    order = get_object_or_404(Order.objects.only("pk", "number", "email"), number=number)
    return _panel(request, order)


def _panel(request: HttpRequest, order: Order, **extra) -> HttpResponse:
    context = {
        "order": order,
        "notifications": selectors.for_order(order),
        "may_resend": request.user.has_perm(RESEND),
        **extra,
    }
    return render(request, PANEL, context)


@staff_view(VIEW)
@require_GET
def failures(request: HttpRequest) -> HttpResponse:
    page = selectors.failures(
        after=request.GET.get("after", ""), before=request.GET.get("before", "")
    )
    context = {"page": page, "may_resend": request.user.has_perm(RESEND)}
    if request.htmx:
        return render(request, "notifications/failures.html#failure-table", context)
    return render(request, "notifications/failures.html", context)


FAILURE_COLUMNS = (
    ("notification", "pk"),
    ("created_at", "created_at"),
    ("order", "order__number"),
    ("kind", "kind"),
    ("channel", "channel"),
    ("recipient", "recipient"),
    ("subject", "subject"),
    ("attempts", "attempts"),
    ("error", "error"),
)


@staff_view(VIEW)
@require_GET
@exports("notifications:list")
def failure_export(request: HttpRequest) -> HttpResponse:
    """Every failed message, newest first, as the Notifications page lists them."""
    rows = in_keyset_order(selectors.failed(), selectors.FAILURES_SORT)
    return csv_export(request, rows, name="failed-notifications", columns=FAILURE_COLUMNS)


@staff_view(VIEW)
@require_GET
def message(request: HttpRequest, notification_id: int) -> HttpResponse:
    notification = get_object_or_404(selectors.with_order(), pk=notification_id)
    return render(request, "notifications/message.html", {"notification": notification})


@staff_view(VIEW)
@require_GET
@_email_html
def message_html(request: HttpRequest, notification_id: int) -> HttpResponse:
    notification = get_object_or_404(Notification.objects.only("body_html"), pk=notification_id)
    return HttpResponse(notification.body_html or "<p>(no HTML part)</p>")


@staff_view(RESEND)
@require_POST
def resend(request: HttpRequest, notification_id: int) -> HttpResponse:
    notification = get_object_or_404(selectors.with_order(), pk=notification_id)

    def work() -> dict:
        token = request.POST.get(idempotency.FIELD, "")
        again = services.resend(notification=notification, token=token, actor=request.user)
        return {"id": again.pk}

    try:
        idempotency.run_posted(request, scope=f"notifications.resend:{notification.pk}", work=work)
    except DomainError as error:
        note, ok = error.message, False
    else:
        note, ok = (
            f"{notification.get_kind_display()} to {notification.recipient} queued again.",
            True,
        )
    order = notification.order
    if request.htmx and order is not None and request.POST.get("from") == "panel":
        return _panel(request, order, notice=note if ok else "", error="" if ok else note)
    (messages.success if ok else messages.error)(request, note)
    return redirect("notifications:list")


@staff_view(VIEW)
@require_GET
def previews(request: HttpRequest) -> HttpResponse:
    kinds = [{"value": kind.value, "label": kind.label} for kind in Kind]
    return render(request, "notifications/previews.html", {"kinds": kinds})


def _sample(kind: str, channel: str = Notification.Channel.EMAIL):
    if kind not in Kind.values:
        raise Http404("No such message.")
    order, lines, shipment = sample_order()
    parcel = [(line.name, line.quantity) for line in lines]
    return render_message(
        kind,
        channel=channel,
        order=order,
        lines=lines,
        shipment=shipment,
        parcel=parcel,
        context=SAMPLE_CONTEXT,
    )


@staff_view(VIEW)
@require_GET
def preview(request: HttpRequest, kind: str) -> HttpResponse:
    rendered = _sample(kind)
    return render(request, "notifications/preview.html", {"kind": Kind(kind), "rendered": rendered})


@staff_view(VIEW)
@require_GET
@_email_html
def preview_html(request: HttpRequest, kind: str) -> HttpResponse:
    return HttpResponse(_sample(kind).html)
