"""The Webhooks pages: subscriptions (create: the secret is shown once), pause and resume,
and each subscription's delivery log with redelivery."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.csv_export import csv_export, exports
from core.permissions import staff_view

from . import selectors
from .exceptions import WebhookError
from .forms import SubscriptionForm
from .models import Delivery, Subscription
from .services import delivery as deliveries
from .services import subscriptions as service

MANAGE = "webhooks.manage_subscription"


@staff_view(MANAGE)
@require_http_methods(["GET", "POST"])
def subscription_list(request: HttpRequest) -> HttpResponse:
    form = SubscriptionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            subscription = service.create_subscription(
                url=form.cleaned_data["url"], events=form.cleaned_data["events"], owner=request.user
            )
        except WebhookError as error:
            form.add_error(error.field or None, error.message)
        else:
            # The one time the secret is shown: this response, never stored in the session.
            return render(request, "webhooks/created.html", {"subscription": subscription})
    context = {"form": form, "subscriptions": selectors.subscriptions()}
    return render(request, "webhooks/list.html", context)


SUBSCRIPTION_COLUMNS = (
    ("url", "url"),
    ("events", "events"),
    ("owner", "owner__username"),
    ("active", "is_active"),
    ("paused_at", "paused_at"),
    ("paused_reason", "paused_reason"),
    ("failures_in_a_row", "failure_streak"),
    ("created_at", "created_at"),
)
DELIVERY_COLUMNS = (
    ("delivery", "pk"),
    ("event_type", "event_type"),
    ("event_id", "event_id"),
    ("status", "status"),
    ("attempts", "attempt_count"),
    ("last_status_code", "last_status_code"),
    ("last_duration_ms", "last_duration_ms"),
    ("last_error", "last_error"),
    ("next_attempt_at", "next_attempt_at"),
    ("created_at", "created_at"),
)


@staff_view(MANAGE)
@require_GET
@exports("webhooks:list")
def subscription_export(request: HttpRequest) -> HttpResponse:
    return csv_export(
        request, selectors.subscriptions(), name="webhooks", columns=SUBSCRIPTION_COLUMNS
    )


@staff_view(MANAGE)
@require_GET
@exports("webhooks:detail")
def delivery_export(request: HttpRequest, subscription_id: int) -> HttpResponse:
    """The subscription's whole delivery log, newest first."""
    subscription = get_object_or_404(selectors.subscriptions(), pk=subscription_id)
    return csv_export(
        request,
        selectors.deliveries(subscription),
        name=f"webhook-{subscription.pk}-deliveries",
        columns=DELIVERY_COLUMNS,
    )


@staff_view(MANAGE)
@require_GET
def subscription_detail(request: HttpRequest, subscription_id: int) -> HttpResponse:
    subscription = get_object_or_404(selectors.subscriptions(), pk=subscription_id)
    page = selectors.delivery_log(
        subscription, after=request.GET.get("after", ""), before=request.GET.get("before", "")
    )
    context = {"subscription": subscription, "page": page}
    if request.htmx:
        return render(request, "webhooks/detail.html#delivery-log", context)
    return render(request, "webhooks/detail.html", context)


@staff_view(MANAGE)
@require_POST
def subscription_pause(request: HttpRequest, subscription_id: int) -> HttpResponse:
    subscription = get_object_or_404(Subscription, pk=subscription_id)
    if service.pause(subscription=subscription, reason=f"Paused by {request.user.get_username()}."):
        messages.success(request, "Webhook paused: its deliveries wait for the resume.")
    return redirect("webhooks:detail", subscription_id=subscription.pk)


@staff_view(MANAGE)
@require_POST
def subscription_resume(request: HttpRequest, subscription_id: int) -> HttpResponse:
    subscription = get_object_or_404(Subscription, pk=subscription_id)
    if service.resume(subscription=subscription):
        messages.success(request, "Webhook resumed: the deliveries that waited go out now.")
    return redirect("webhooks:detail", subscription_id=subscription.pk)


@staff_view(MANAGE)
@require_POST
def delivery_redeliver(request: HttpRequest, delivery_id: int) -> HttpResponse:
    delivery = get_object_or_404(Delivery, pk=delivery_id)
    try:
        deliveries.redeliver(delivery=delivery)
    except WebhookError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Delivery {delivery.pk} queued again.")
    return redirect("webhooks:detail", subscription_id=delivery.subscription_id)
