"""Notifications report: the messages decided over the period, by kind or channel — how many
went out, failed (the provider refused them, or they bounced) or were held back.

A message counts on the local day it was decided (``created_at``); "bounced" is the provider's
word on it afterwards (``delivery_status``), and a bounced message is failed as well.
"""

from typing import Any

from django.db.models import Count, Q, QuerySet

from core.reporting import (
    Chart,
    Column,
    Headline,
    Params,
    Report,
    day_bounds,
    percent,
    register,
)
from notifications.models import Kind, Notification

PERMISSION = "notifications.view_notification"
Status = Notification.Status
FIGURES = {
    "messages": Count("pk"),
    "sent": Count("pk", filter=Q(status=Status.SENT)),
    "failed": Count("pk", filter=Q(status=Status.FAILED)),
    "bounced": Count("pk", filter=Q(delivery_status="bounced")),
    "suppressed": Count("pk", filter=Q(status=Status.SUPPRESSED)),
    "queued": Count("pk", filter=Q(status=Status.QUEUED)),
}
LABELS = {"kind": dict(Kind.choices), "channel": dict(Notification.Channel.choices)}


def decided(params: Params, using: str) -> QuerySet[Notification]:
    start, end = day_bounds(params)
    messages = Notification.objects.using(using).filter(created_at__gte=start, created_at__lt=end)
    if params.channels:
        messages = messages.filter(order__channel_id__in=params.channels)
    return messages


def notification_rows(params: Params, using: str) -> list[dict[str, Any]]:
    group = params.group_by if params.group_by in LABELS else "kind"
    rows = decided(params, using).order_by().values(group).annotate(**FIGURES).order_by(group)
    # a label for each of at most a few dozen groups
    return [
        {"group": LABELS[group].get(row[group], row[group])} | {key: row[key] for key in FIGURES}
        for row in rows
    ]


def notification_headlines(params: Params, using: str) -> list[Headline]:
    totals = decided(params, using).aggregate(**FIGURES)
    return [
        Headline("Messages", totals["messages"]),
        Headline("Sent", totals["sent"]),
        Headline("Failed", totals["failed"]),
        Headline("Bounced", totals["bounced"]),
        Headline("Failure rate", percent(totals["failed"], totals["messages"]), kind="percent"),
    ]


register(
    Report(
        slug="notifications",
        title="Notifications sent, failed and bounced",
        section="Notifications",
        description="Customer and staff messages decided in the period, by kind or channel: "
        "sent, failed (bounces included), bounced, held back (suppressed) and still queued.",
        columns=(
            Column("group", "Kind or channel"),
            Column("messages", "Messages", "int"),
            Column("sent", "Sent", "int"),
            Column("failed", "Failed", "int"),
            Column("bounced", "Bounced", "int"),
            Column("suppressed", "Suppressed", "int"),
            Column("queued", "Queued", "int"),
        ),
        rows=notification_rows,
        headlines=notification_headlines,
        chart=Chart("stacked_bar", x="group", y=("sent", "failed", "suppressed")),
        permission=PERMISSION,
        group_by_choices=(("kind", "Kind"), ("channel", "Channel")),
        filters=("period", "channel"),
    )
)
