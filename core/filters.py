"""Pieces the list filters share (orders, shipments, payments): a Yes / No / Any flag, a day
picked in a date field taken as the whole local day, a "since" instant, and the "invalid
filter" guard."""

from datetime import UTC, date, datetime, time, timedelta

import django_filters as df
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django_filters.constants import EMPTY_VALUES
from django_filters.fields import IsoDateTimeField
from django_filters.widgets import BooleanWidget


def start_of_day(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())


class AnyYesNo(BooleanWidget):
    """true / false / blank in the URL, offered as Yes / No / Any."""

    def __init__(self, attrs=None) -> None:
        super().__init__(attrs)
        self.choices = [("", "Any"), ("true", "Yes"), ("false", "No")]


class UtcIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 instant, in UTC: ISO allows offsets PostgreSQL refuses (beyond ±15:59), so
    a time is never handed to the database with the offset it was written in."""

    def to_python(self, value):
        value = super().to_python(value)
        if value is None:
            return None
        try:
            return value.astimezone(UTC)
        except OverflowError as error:  # within a day of the year 1 or of 9999
            raise ValidationError(
                "Enter a time between the years 1 and 9999.", code="invalid"
            ) from error


class SinceFilter(df.IsoDateTimeFilter):
    """Rows at or after an ISO 8601 instant (``updated_since=2026-12-01T09:00:00+01:00``), what
    an integration polling for changes asks. Every date-time filter is one
    (tests/test_filters.py)."""

    field_class = UtcIsoDateTimeField

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("lookup_expr", "gte")
        super().__init__(*args, **kwargs)


class DayFilter(df.DateFilter):
    """A date picker on a timestamp: rows from the start of that local day, or (``until``) up
    to its end, so "from 3 May to 3 May" is all of 3 May."""

    def __init__(self, *args, until: bool = False, **kwargs) -> None:
        kwargs.setdefault("widget", forms.DateInput(attrs={"type": "date"}))
        super().__init__(*args, **kwargs)
        self.until = until

    def filter(self, qs: QuerySet, value: date) -> QuerySet:
        if value in EMPTY_VALUES:
            return qs
        if self.until:
            return qs.filter(**{f"{self.field_name}__lt": start_of_day(value + timedelta(days=1))})
        return qs.filter(**{f"{self.field_name}__gte": start_of_day(value)})


class CheckedFilterSet(df.FilterSet):
    """A filter set whose ``results`` are none while a value does not parse: a filter that
    failed must not widen the list (or its export) to every row. ``lenient`` fields (a sort
    that falls back to its default) are not reported."""

    lenient: tuple[str, ...] = ()

    @property
    def invalid(self) -> list[str]:
        """A "Field: error" line for each filter value that does not parse."""
        self.form.is_valid()
        return [
            f"{self.form.fields[name].label}: {' '.join(errors)}"
            for name, errors in self.form.errors.items()
            if name not in self.lenient
        ]

    @property
    def results(self) -> QuerySet:
        return self.queryset.none() if self.invalid else self.qs
