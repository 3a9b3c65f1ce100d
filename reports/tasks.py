"""Keeping the daily sales summary fresh (celery beat, every few minutes)."""

from celery import shared_task

from .summary import days_to_refresh, refresh_days


@shared_task
def refresh_daily_sales() -> int:
    """Recompute the last two whole days and the days of recent cancellations: idempotent
    (each day is deleted and inserted again), so a run twice or late changes nothing."""
    return refresh_days(days_to_refresh())
