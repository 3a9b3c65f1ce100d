"""Webhooks in the admin: subscriptions are created on the Webhooks page (their secret is
shown once there); here they can be corrected, paused and resumed. Deliveries are a log:
read-only, with a redeliver action."""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from core.admin import ReadOnlyAdminMixin

from .exceptions import WebhookError
from .models import Delivery, Subscription
from .services import delivery as deliveries
from .services import subscriptions


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = ("url", "owner", "is_active", "failure_streak", "paused_at", "created_at")
    list_filter = ("is_active",)
    search_fields = ("url",)
    fields = ("url", "events", "owner", "is_active", "paused_at", "paused_reason", "failure_streak")
    readonly_fields = ("owner", "is_active", "paused_at", "paused_reason", "failure_streak")
    actions = ("pause", "resume")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description="Pause the selected webhooks", permissions=["change"])
    def pause(self, request: HttpRequest, queryset: QuerySet[Subscription]) -> None:
        reason = f"Paused by {request.user.get_username()}."
        count = sum(subscriptions.pause(subscription=s, reason=reason) for s in queryset)
        messages.success(request, f"{count} webhook(s) paused.")

    @admin.action(description="Resume the selected webhooks", permissions=["change"])
    def resume(self, request: HttpRequest, queryset: QuerySet[Subscription]) -> None:
        count = sum(subscriptions.resume(subscription=s) for s in queryset)
        messages.success(request, f"{count} webhook(s) resumed.")


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "created_at",
        "event_type",
        "event_id",
        "subscription",
        "status",
        "attempt_count",
        "last_status_code",
        "last_duration_ms",
        "next_attempt_at",
    )
    list_filter = ("status", "event_type")
    search_fields = ("event_id",)
    list_select_related = ("subscription",)
    actions = ("redeliver",)

    def has_manage_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("webhooks.manage_subscription")

    @admin.action(description="Redeliver the selected deliveries", permissions=["manage"])
    def redeliver(self, request: HttpRequest, queryset: QuerySet[Delivery]) -> None:
        sent = 0
        for delivery in queryset:
            try:
                deliveries.redeliver(delivery=delivery)
            except WebhookError as error:
                messages.error(request, f"Delivery {delivery.pk}: {error.message}")
            else:
                sent += 1
        messages.success(request, f"{sent} delivery(ies) queued again.")
