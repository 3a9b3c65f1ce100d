"""Lists that never count the whole table: a count stops at a cap ("1,000+ orders"); and
keyset pages that read one page from an index however deep the page is."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import cached_property
from typing import Any

from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import F, Field, Model, OrderBy, Q, QuerySet

from .parsing import parse_ascii_int

COUNT_CAP = 1000
PAGE_DIGITS = 6  # page numbers beyond a million are not a page anyone reads


def capped_count(queryset: QuerySet, *, cap: int) -> int:
    """Count up to cap + 1 rows: a LIMITed subquery, never COUNT(*) over the whole table."""
    return queryset.order_by().values("pk")[: cap + 1].count()


def count_label(count: int, *, noun: str, cap: int) -> str:
    """'1 order', '250 orders', and '1,000+ orders' for any count above the cap."""
    if count > cap:
        return f"{cap:,}+ {noun}s"
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


class CappedPaginator(Paginator):
    """Page-number pagination whose count reads at most ``cap`` rows past the requested page.

    Page 1 of a million rows costs a count of 1,001 rows; a later page counts as far as it
    needs to know that it exists and whether more follow, so Next still works past the cap.
    """

    def __init__(self, object_list: QuerySet, per_page: int, *, cap: int | None = None) -> None:
        super().__init__(object_list, per_page)
        self.cap = COUNT_CAP if cap is None else cap
        self.requested = 1

    def get_page(self, number) -> Page:
        self.requested = parse_ascii_int(str(number or ""), max_digits=PAGE_DIGITS) or 1
        return super().get_page(self.requested)

    @property
    def limit(self) -> int:
        """The rows the count vouches for: the pages before the requested one and then the
        cap, and at least the whole requested page, so one row more tells Next is there."""
        return max((self.requested - 1) * self.per_page + self.cap, self.requested * self.per_page)

    @cached_property
    def count(self) -> int:
        return capped_count(self.object_list, cap=self.limit)

    @property
    def capped(self) -> bool:
        """True when more rows exist than were counted: the total is unknown."""
        return self.count > self.limit

    def count_label(self, *, noun: str) -> str:
        return count_label(self.count, noun=noun, cap=self.limit)


def capped_count_label(queryset: QuerySet, *, noun: str, cap: int = COUNT_CAP) -> str:
    """'25 movements' or '1,000+ movements', from a count that reads at most cap + 1 rows."""
    return count_label(capped_count(queryset, cap=cap), noun=noun, cap=cap)


# --- keyset pagination ---------------------------------------------------------------------
# A page starts after (or before) the row a cursor names, so the database reads one page's
# rows from an index on (sort field, pk) whatever the page: no OFFSET, no COUNT, no Sort.

Cursor = tuple[Any, int]  # (value of the sort field, pk) of the row a page starts beyond


@dataclass(frozen=True)
class KeysetPage[T]:
    rows: list[T]
    next_cursor: str = ""
    previous_cursor: str = ""

    @property
    def has_other_pages(self) -> bool:
        return bool(self.next_cursor or self.previous_cursor)

    def __iter__(self) -> Iterator[T]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)


def keyset_page[T: Model](
    queryset: QuerySet[T],
    *,
    sort: str,
    per_page: int,
    after: str = "",
    before: str = "",
) -> KeysetPage[T]:
    """One page of ``queryset`` sorted by ``sort`` ("-created_at") with ties broken by pk in
    the same direction, so an index on (…filters, field, pk) in that order serves it.

    ``after`` opens the next page, ``before`` the previous one; both are cursors ("value|pk")
    from an earlier page, and a malformed one opens the first page. NULLs sort as if above
    every value (first when descending), as PostgreSQL's indexes keep them.
    """
    field, descending = sort.removeprefix("-"), sort.startswith("-")
    model_field = queryset.model._meta.get_field(field)
    cursor = parse_cursor(model_field, before)
    backwards = cursor is not None
    if not backwards:
        cursor = parse_cursor(model_field, after)
    scan_descending = descending != backwards
    rows = _scan(queryset, model_field, cursor, descending=scan_descending, limit=per_page + 1)
    has_more = len(rows) > per_page
    rows = rows[:per_page]
    if backwards:
        rows.reverse()
    has_next, has_previous = (True, has_more) if backwards else (has_more, cursor is not None)
    return KeysetPage(
        rows=rows,
        next_cursor=format_cursor(rows[-1], field) if rows and has_next else "",
        previous_cursor=format_cursor(rows[0], field) if rows and has_previous else "",
    )


def keyset_ordering(field: str, *, descending: bool) -> tuple[OrderBy, OrderBy]:
    """NULLs sort as if above every value, as PostgreSQL's indexes do (first when DESC)."""
    if descending:
        return F(field).desc(nulls_first=True), F("pk").desc()
    return F(field).asc(nulls_last=True), F("pk").asc()


def _scan(
    queryset: QuerySet, model_field: Field, cursor: Cursor | None, *, descending: bool, limit: int
) -> list:
    """Up to ``limit`` rows beyond the cursor in scan order: one query for each stretch of
    the index the page spans (the NULLs and the values), each an index range with a LIMIT."""
    ordered = queryset.order_by(*keyset_ordering(model_field.name, descending=descending))
    if cursor is None:
        return list(ordered[:limit])
    rows: list = []
    for stretch in _stretches_beyond(model_field, cursor, descending=descending):
        rows += ordered.filter(stretch)[: limit - len(rows)]
        if len(rows) >= limit:
            break
    return rows


def _stretches_beyond(model_field: Field, cursor: Cursor, *, descending: bool) -> list[Q]:
    """The rows beyond the cursor in scan order, as conditions an index range can answer
    alone (an OR of NULLs and values could not: the database would read from the start).

    The redundant ``lte``/``gte`` bound lets the database start the scan at the cursor.
    """
    field, (value, pk) = model_field.name, cursor
    null = Q(**{f"{field}__isnull": True})
    tie = Q(pk__lt=pk) if descending else Q(pk__gt=pk)
    if value is None:  # among the NULLs: first in a descending scan, last in an ascending one
        return [null & tie, ~null] if descending else [null & tie]
    strictly, bound = ("lt", "lte") if descending else ("gt", "gte")
    values = Q(**{f"{field}__{bound}": value}) & (
        Q(**{f"{field}__{strictly}": value}) | (Q(**{field: value}) & tie)
    )
    return [values, null] if model_field.null and not descending else [values]


def format_cursor(row: Model, field: str) -> str:
    value = getattr(row, field)
    text = "" if value is None else value.isoformat() if isinstance(value, datetime) else value
    return f"{text}|{row.pk}"


def parse_cursor(model_field: Field, cursor: str) -> Cursor | None:
    """The cursor's (value, pk), or None when it is malformed or belongs to another sort."""
    text, separator, pk = cursor.rpartition("|")
    number = parse_ascii_int(pk)
    if not separator or number is None or "\x00" in text or (text == "" and not model_field.null):
        return None
    if text == "":
        return None, number
    try:
        value = model_field.to_python(text)
    except ValidationError:
        return None
    # A value its column cannot hold would fail in the query: malformed as well.
    return None if isinstance(value, Decimal) and not value.is_finite() else (value, number)
