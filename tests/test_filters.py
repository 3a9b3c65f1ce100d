"""Rules every FilterSet keeps, whoever writes it."""

from datetime import UTC

import django_filters as df
import pytest
from django_filters import FilterSet

from core.filters import SinceFilter


def every_filterset() -> list[type[FilterSet]]:
    found, todo = [], [FilterSet]
    while todo:
        for subclass in todo.pop().__subclasses__():
            found.append(subclass)
            todo.append(subclass)
    return found


def test_every_date_time_filter_reads_the_time_in_utc():
    """ISO 8601 allows offsets PostgreSQL refuses (beyond ±15:59): a filter handing
    ``…+17:39`` on as written was a server error (found by the API's schemathesis run)."""
    import oms.urls  # noqa: F401  (every view, so every FilterSet, is imported)

    offenders = [
        f"{filterset.__module__}.{filterset.__name__}.{name}"
        for filterset in every_filterset()
        for name, flt in filterset.base_filters.items()
        if isinstance(flt, df.IsoDateTimeFilter | df.DateTimeFilter)
        and not isinstance(flt, SinceFilter)
    ]
    assert offenders == []


@pytest.mark.parametrize(
    ("written", "in_utc"),
    [
        ("1184-10-28T11:23:50+17:39", "1184-10-27T17:44:50+00:00"),
        ("2026-12-01T09:00:00+01:00", "2026-12-01T08:00:00+00:00"),
    ],
)
def test_a_since_filter_reads_any_offset_as_utc(written, in_utc):
    value = SinceFilter().field.clean(written)
    assert value.tzinfo == UTC and value.isoformat() == in_utc


def test_a_time_beyond_the_calendar_is_an_invalid_filter():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        SinceFilter().field.clean("0001-01-01T00:30:00+15:00")
