"""Reads for the scheduled-report pages."""

from django.db.models import Count, OuterRef, QuerySet, Subquery

from core.pagination import KeysetPage, keyset_page

from .models import ReportRun, ReportSubscription

RUNS_PER_PAGE = 50
LOG_SORT = "-scheduled_for"  # newest first (the unique index, read backwards)


def subscriptions() -> QuerySet[ReportSubscription]:
    """With their owner and recipient counts, in one query."""
    return ReportSubscription.objects.select_related("owner").annotate(
        user_count=Count("recipient_users", distinct=True),
        group_count=Count("recipient_groups", distinct=True),
    )


def subscriptions_with_last_status() -> QuerySet[ReportSubscription]:
    """``subscriptions`` with their latest run's status (the runs' unique index, read
    backwards, once per subscription)."""
    latest = ReportRun.objects.filter(subscription=OuterRef("pk")).order_by(LOG_SORT)
    return subscriptions().annotate(last_run_status=Subquery(latest.values("status")[:1]))


def run_log(
    subscription: ReportSubscription, *, after: str = "", before: str = ""
) -> KeysetPage[ReportRun]:
    """A page of the subscription's runs, newest first."""
    return keyset_page(
        ReportRun.objects.filter(subscription=subscription).select_related("requested_by"),
        sort=LOG_SORT,
        per_page=RUNS_PER_PAGE,
        after=after,
        before=before,
    )
