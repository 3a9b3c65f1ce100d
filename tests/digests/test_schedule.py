"""The schedule in the subscriber's time zone: its slots and the days each one reports on."""

from datetime import UTC, date, datetime, time

from digests.schedule import covered_days, next_occurrence

WEEKLY_MONDAY_8 = {
    "frequency": "weekly",
    "weekday": 0,
    "day_of_month": 1,
    "time_of_day": time(8, 0),
    "timezone": "Europe/Berlin",
}


def test_monday_8_in_berlin_is_7_utc_in_winter_and_6_utc_in_summer():
    sunday_winter = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
    sunday_summer = datetime(2026, 6, 28, 12, 0, tzinfo=UTC)

    assert next_occurrence(after=sunday_winter, **WEEKLY_MONDAY_8) == datetime(
        2026, 11, 30, 7, 0, tzinfo=UTC
    )
    assert next_occurrence(after=sunday_summer, **WEEKLY_MONDAY_8) == datetime(
        2026, 6, 29, 6, 0, tzinfo=UTC
    )


def test_the_slot_itself_is_not_after_itself():
    slot = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)

    assert next_occurrence(after=slot, **WEEKLY_MONDAY_8) == datetime(2026, 12, 7, 7, 0, tzinfo=UTC)


def test_a_monthly_day_31_is_the_last_day_of_a_shorter_month():
    schedule = WEEKLY_MONDAY_8 | {"frequency": "monthly", "day_of_month": 31}

    slot = next_occurrence(after=datetime(2027, 2, 1, tzinfo=UTC), **schedule)

    assert slot == datetime(2027, 2, 28, 7, 0, tzinfo=UTC)


def test_a_daily_time_skipped_by_summer_time_is_sent_an_hour_later_that_day():
    schedule = WEEKLY_MONDAY_8 | {"frequency": "daily", "time_of_day": time(2, 30)}

    slot = next_occurrence(after=datetime(2026, 3, 28, 12, 0, tzinfo=UTC), **schedule)

    assert slot == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)  # 03:30 CEST


def test_each_frequency_reports_on_the_full_period_before_its_slot():
    monday = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)
    berlin = "Europe/Berlin"

    assert covered_days(scheduled_for=monday, frequency="daily", timezone=berlin) == (
        date(2026, 11, 29),
        date(2026, 11, 29),
    )
    assert covered_days(scheduled_for=monday, frequency="weekly", timezone=berlin) == (
        date(2026, 11, 23),
        date(2026, 11, 29),
    )
    assert covered_days(scheduled_for=monday, frequency="monthly", timezone=berlin) == (
        date(2026, 10, 1),
        date(2026, 10, 31),
    )


def test_the_local_day_decides_not_the_utc_day():
    # 23:30 UTC on Sunday is already Monday 00:30 in Berlin
    late = datetime(2026, 11, 29, 23, 30, tzinfo=UTC)

    assert covered_days(scheduled_for=late, frequency="daily", timezone="Europe/Berlin") == (
        date(2026, 11, 29),
        date(2026, 11, 29),
    )
