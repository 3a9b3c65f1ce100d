"""The demo's scheduled report: the manager's weekly sales digest, Monday 08:00 in the shop's
time zone, by channel and compared with the week before, PDF attached."""

from datetime import time

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser

from core.reporting import get_report
from digests.models import Format, Frequency, ReportSubscription, Weekday
from digests.rendering import filters_from_query
from digests.services import save_subscription

NAME = "Weekly sales (demo)"
REPORT = "sales"


def seed_weekly_digest(manager: AbstractBaseUser) -> ReportSubscription | None:
    """Create it unless it exists (or the sales report is not installed)."""
    existing = ReportSubscription.objects.filter(name=NAME, owner=manager).first()
    if existing or get_report(REPORT) is None:
        return existing
    subscription = ReportSubscription(
        name=NAME,
        report_slug=REPORT,
        filters=filters_from_query("group=channel&compare=on"),
        frequency=Frequency.WEEKLY,
        weekday=Weekday.MONDAY,
        time_of_day=time(8, 0),
        timezone=settings.TIME_ZONE,
        format=Format.PDF,
        owner=manager,
    )
    return save_subscription(subscription=subscription, users=[manager], groups=[])
