"""Lists that never count the whole table: a count stops at a cap ("1,000+ orders")."""

from functools import cached_property

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet

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
