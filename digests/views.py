"""The Scheduled reports pages (Managers): the subscriptions, create and edit, each one's delivery
log, and "send now"."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.csv_export import csv_export, exports
from core.exceptions import DomainError
from core.forms import add_domain_error
from core.idempotency import run_posted
from core.permissions import staff_view

from . import selectors, services
from .forms import SubscriptionForm
from .models import ReportSubscription

MANAGE = "digests.manage_subscription"


@staff_view(MANAGE)
@require_GET
def subscription_list(request: HttpRequest) -> HttpResponse:
    return render(request, "digests/list.html", {"subscriptions": selectors.subscriptions()})


SUBSCRIPTION_COLUMNS = (
    ("name", "name"),
    ("report", "report_slug"),
    ("frequency", "frequency"),
    ("next_run_at", "next_run_at"),
    ("recipient_users", "user_count"),
    ("recipient_roles", "group_count"),
    ("format", "format"),
    ("active", "is_active"),
    ("last_run_at", "last_run_at"),
    ("last_run_status", "last_run_status"),
    ("owner", "owner__username"),
)


@staff_view(MANAGE)
@require_GET
@exports("digests:list")
def subscription_export(request: HttpRequest) -> HttpResponse:
    """Every scheduled report as the page lists it, with its latest run's status."""
    return csv_export(
        request,
        selectors.subscriptions_with_last_status(),
        name="scheduled-reports",
        columns=SUBSCRIPTION_COLUMNS,
    )


def _save(form: SubscriptionForm, *, owner) -> ReportSubscription:
    subscription = form.save(commit=False)
    if not subscription.pk:
        subscription.owner = owner
    return services.save_subscription(
        subscription=subscription,
        users=list(form.cleaned_data["recipient_users"]),
        groups=list(form.cleaned_data["recipient_groups"]),
    )


@staff_view(MANAGE)
@require_http_methods(["GET", "POST"])
def subscription_create(request: HttpRequest) -> HttpResponse:
    form = SubscriptionForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            outcome = run_posted(
                request,
                scope="digests.create",
                work=lambda: {"pk": _save(form, owner=request.user).pk},
            )
        except DomainError as error:  # an unknown report, a stale form
            add_domain_error(form, error)
        else:
            messages.success(request, "Scheduled report saved.")
            return redirect("digests:detail", digest_id=outcome.result["pk"])
    return render(request, "digests/form.html", {"form": form, "subscription": None})


@staff_view(MANAGE)
@require_http_methods(["GET", "POST"])
def subscription_edit(request: HttpRequest, digest_id: int) -> HttpResponse:
    subscription = get_object_or_404(ReportSubscription, pk=digest_id)
    form = SubscriptionForm(request.POST or None, instance=subscription, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            _save(form, owner=request.user)
        except DomainError as error:  # an unknown report, a stale form
            add_domain_error(form, error)
        else:
            messages.success(request, "Scheduled report saved.")
            return redirect("digests:detail", digest_id=subscription.pk)
    return render(request, "digests/form.html", {"form": form, "subscription": subscription})


@staff_view(MANAGE)
@require_GET
def subscription_detail(request: HttpRequest, digest_id: int) -> HttpResponse:
    subscription = get_object_or_404(selectors.subscriptions(), pk=digest_id)
    page = selectors.run_log(
        subscription, after=request.GET.get("after", ""), before=request.GET.get("before", "")
    )
    context = {"subscription": subscription, "page": page}
    if request.htmx:
        return render(request, "digests/detail.html#run-log", context)
    return render(request, "digests/detail.html", context)


@staff_view(MANAGE)
@require_POST
def subscription_send_now(request: HttpRequest, digest_id: int) -> HttpResponse:
    subscription = get_object_or_404(ReportSubscription, pk=digest_id)
    _run, created = services.send_now(subscription=subscription, actor=request.user)
    if created:
        messages.success(request, "Sending now: the delivery log shows when it went out.")
    else:
        messages.info(request, "It was sent this minute already.")
    return redirect("digests:detail", digest_id=subscription.pk)
