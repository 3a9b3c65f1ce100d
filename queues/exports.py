"""A queue's CSV export (``core.csv_export``): every item, oldest first, as its page lists them.

An item's name and link come from its queue's definition (Python, not SQL), so the rows are
made from model instances, read through a server-side cursor as ``core.csv_export`` reads
values: ``FETCH_SIZE`` items a fetch, and one query for the owners of each fetch."""

from collections.abc import Callable, Iterator
from itertools import batched

from django.db import transaction
from django.db.models.query import ModelIterable

from core.csv_export import FETCH_SIZE
from core.queues import Queue

from . import selectors

HEADER = ("item", "why", "since", "age", "sla", "owner", "link")


def rows(queue: Queue, *, owner=None, link: Callable[[str], str] = str) -> Iterator[tuple]:
    """The queue's items (``owner``'s only: "mine"), oldest first, ties by pk; ``link`` makes
    an item's path a full address."""
    queryset = selectors.items(queue, owner=owner).order_by("queue_since", "pk")
    with transaction.atomic(using=queryset.db):
        fetched = ModelIterable(queryset, chunked_fetch=True, chunk_size=FETCH_SIZE)
        for found in batched(fetched, FETCH_SIZE):
            for row in selectors.rows_of(queue, list(found)):
                owner_name = row.owner.get_username() if row.owner else ""
                yield (
                    row.label,
                    row.detail,
                    row.item.queue_since,
                    row.age_label,
                    row.colour.label,
                    owner_name,
                    link(row.url),
                )
