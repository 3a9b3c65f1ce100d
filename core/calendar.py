"""Business days (Monday to Friday; public holidays are not modelled): when a carrier collects,
when a parcel arrives, and the day an order must leave (``Order.ship_by``)."""

from datetime import date, timedelta

SATURDAY = 5


def next_business_day_from(day: date) -> date:
    """The day itself on a weekday, else the following Monday."""
    while day.weekday() >= SATURDAY:
        day += timedelta(days=1)
    return day


def add_business_days(day: date, days: int) -> date:
    """``days`` business days after ``day`` (which first moves off a weekend)."""
    day = next_business_day_from(day)
    while days > 0:
        day += timedelta(days=1)
        if day.weekday() < SATURDAY:
            days -= 1
    return day
