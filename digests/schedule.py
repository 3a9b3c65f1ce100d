"""When a subscription is due, and which days its report covers: calendar arithmetic in the
subscriber's time zone, so "Monday 08:00 Europe/Berlin" stays 08:00 local across summer time."""

import calendar
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from .models import Frequency

# A day's local times can repeat (autumn) or be skipped (spring); counting days from a start
# that far back always reaches the next slot without looping for ever.
_SEARCH_DAYS = 400


def _day_matches(day: date, *, frequency: str, weekday: int, day_of_month: int) -> bool:
    if frequency == Frequency.DAILY:
        return True
    if frequency == Frequency.WEEKLY:
        return day.weekday() == weekday
    last = calendar.monthrange(day.year, day.month)[1]
    return day.day == min(day_of_month, last)


def next_occurrence(
    *,
    after: datetime,
    frequency: str,
    weekday: int,
    day_of_month: int,
    time_of_day: time,
    timezone: str,
) -> datetime:
    """The first slot strictly after ``after`` (aware), in UTC.

    A local time skipped by a summer-time change is sent at the same wall-clock offset as before
    the change (02:30 becomes 03:30), one that repeats is sent at its first occurrence."""
    zone = ZoneInfo(timezone)
    day = after.astimezone(zone).date()
    for _ in range(_SEARCH_DAYS):
        if _day_matches(day, frequency=frequency, weekday=weekday, day_of_month=day_of_month):
            # in UTC: a local time in a summer-time gap never compares equal across zones
            slot = datetime.combine(day, time_of_day, tzinfo=zone).astimezone(UTC)
            if slot > after:
                return slot
        day += timedelta(days=1)
    raise ValueError("No slot within a year: the schedule is invalid.")  # pragma: no cover


def covered_days(*, scheduled_for: datetime, frequency: str, timezone: str) -> tuple[date, date]:
    """The local days, both included, a send at ``scheduled_for`` reports on: the full period
    just before it — yesterday, the 7 days to yesterday, or the previous calendar month."""
    today = scheduled_for.astimezone(ZoneInfo(timezone)).date()
    end = today - timedelta(days=1)
    if frequency == Frequency.DAILY:
        return end, end
    if frequency == Frequency.WEEKLY:
        return end - timedelta(days=6), end
    first_of_this_month = today.replace(day=1)
    last_month_end = first_of_this_month - timedelta(days=1)
    return last_month_end.replace(day=1), last_month_end
