"""Notifications' exception queue (``core.queues``): messages that failed to go out."""

from django.urls import reverse

from core.queues import Queue, Sla, hours, register
from core.roles import CUSTOMER_SERVICE, MANAGER

from .models import Notification


def _failed():
    """Failed messages, on their partial index."""
    return Notification.objects.filter(status=Notification.Status.FAILED)


register(
    Queue(
        slug="failed-notifications",
        title="Failed notifications",
        description="Customer and staff messages that did not go out, oldest first.",
        permission="notifications.view_notification",
        roles=(MANAGER, CUSTOMER_SERVICE),
        items=_failed,
        since="created_at",
        sla=Sla(amber=hours(2), red=hours(24)),
        label=lambda message: f"{message.get_kind_display()} to {message.recipient}",
        url=lambda message: reverse("notifications:message", args=[message.pk]),
        detail=lambda message: message.error,
        list_url=lambda: reverse("notifications:list"),
    )
)
