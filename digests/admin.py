"""Scheduled reports in the admin: subscriptions editable (their next send kept in step with the
schedule), with a "send now" action; runs are the delivery log, read-only."""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from core.admin import ReadOnlyAdminMixin

from . import services
from .forms import SubscriptionForm
from .models import ReportRun, ReportSubscription


@admin.register(ReportSubscription)
class ReportSubscriptionAdmin(admin.ModelAdmin):
    form = SubscriptionForm
    list_display = (
        "name",
        "report_slug",
        "frequency",
        "time_of_day",
        "timezone",
        "format",
        "is_active",
        "next_run_at",
        "last_run_at",
    )
    list_filter = ("is_active", "frequency", "format")
    search_fields = ("name", "report_slug")
    list_select_related = ("owner",)
    fields = (
        "name",
        "report_slug",
        "query",
        "frequency",
        "weekday",
        "day_of_month",
        "time_of_day",
        "timezone",
        "format",
        "recipient_users",
        "recipient_groups",
        "is_active",
        "owner",
        "next_run_at",
        "last_run_at",
    )
    readonly_fields = ("next_run_at", "last_run_at")
    raw_id_fields = ("owner",)
    actions = ("send_now",)

    def save_model(self, request: HttpRequest, obj: ReportSubscription, form, change) -> None:
        services.schedule_next(obj)
        super().save_model(request, obj, form, change)

    @admin.action(description="Send the selected reports now", permissions=["change"])
    def send_now(self, request: HttpRequest, queryset: QuerySet[ReportSubscription]) -> None:
        created = [
            services.send_now(subscription=subscription, actor=request.user)[1]
            for subscription in queryset
        ]
        messages.success(request, f"{sum(created)} report(s) sending now.")


@admin.register(ReportRun)
class ReportRunAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "scheduled_for",
        "subscription",
        "trigger",
        "status",
        "attempts",
        "sent_at",
        "error",
    )
    list_filter = ("status", "trigger")
    list_select_related = ("subscription",)
    date_hierarchy = "scheduled_for"
