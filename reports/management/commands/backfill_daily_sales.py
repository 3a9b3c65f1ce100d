"""Fill the daily sales summary for past days: ``manage.py backfill_daily_sales --days 400``
(or ``--since 2025-01-01``). Safe to rerun: each day is recomputed whole."""

from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from orders.models import Order
from reports.summary import refresh_days


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, help="this many days back from yesterday")
        parser.add_argument("--since", type=date.fromisoformat, help="from this local day")

    def handle(self, *args, days: int | None, since: date | None, **options) -> None:
        today = timezone.localdate()
        if since is None and days is None:
            first = Order.objects.filter(placed_at__isnull=False).order_by("placed_at").first()
            since = timezone.localdate(first.placed_at) if first else today
        elif since is None:
            since = today - timedelta(days=days)
        count = refresh_days(since + timedelta(days=n) for n in range((today - since).days))
        self.stdout.write(f"{count} days summarised, {since} to {today - timedelta(days=1)}.")
