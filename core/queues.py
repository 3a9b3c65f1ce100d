"""What an exception queue is, and the one registry of them.

A queue is the work that needs someone now — late shipments, holds, authorizations about to
lapse, failed messages — as one small definition its domain registers in ``<app>/queues.py``
(found by ``autodiscover`` when the queues app starts). The queues app renders every definition
the same way: a page of items oldest first with their age, SLA colour and owner, the
assignment buttons, and the counts on the home page.

Like ``core.reporting``, the definitions live in core because every domain sits below the
queues app and may not import it.

An item's age runs from its ``since`` (a field, or an expression the queryset can order by:
when it was put on hold, the day it had to leave); the SLA turns it amber at ``sla.amber`` and
red at ``sla.red``. ``settings.OMS_QUEUE_SLA = {"holds": {"amber_hours": 4, "red_hours": 24}}``
overrides a queue's thresholds without a code change.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.db.models import Expression, F, Model, QuerySet
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules


class Colour(StrEnum):
    GREEN = "green"
    AMBER = "amber"
    RED = "red"

    @property
    def label(self) -> str:
        """The words beside the colour: a colour is never the only sign."""
        return {"green": "On time", "amber": "Due soon", "red": "Overdue"}[self.value]


@dataclass(frozen=True)
class Sla:
    amber: timedelta
    red: timedelta

    def colour(self, age: timedelta) -> Colour:
        if age >= self.red:
            return Colour.RED
        if age >= self.amber:
            return Colour.AMBER
        return Colour.GREEN


@dataclass(frozen=True)
class Queue:
    """One queue. ``items()`` is the open items, filtered on an index (partial indexes of open
    work, so the cost is the work in hand, not the history); ``since`` the field or expression
    an item's age runs from, which the page also sorts by (oldest first).

    ``assign``/``owner_field``: for a model that keeps its own owner (shipping's at-risk items),
    assignment goes through its service and the owner is read from that field; every other
    queue's owners are kept by the queues app, for any model."""

    slug: str
    title: str
    description: str
    permission: str  # who may see it and its items
    roles: tuple[str, ...]  # the roles whose home page shows it
    items: Callable[[], QuerySet]
    since: str | Expression
    sla: Sla
    label: Callable[[Any], str]  # what the item is called in the list: "SO-000123"
    url: Callable[[Any], str]  # the item's own page
    detail: Callable[[Any], str] = lambda item: ""  # a line about why it is in the queue
    list_url: Callable[[], str] | None = None  # the domain's own full list, when it has one
    owner_field: str | None = None
    assign: Callable[..., Any] | None = None  # assign(*, item, owner, actor)
    owner_permissions: tuple[str, ...] = ()  # beyond ``queues.take_item``, to take its items

    def queryset(self) -> QuerySet:
        """The items with their age's start as ``queue_since`` (NULLs left out: no age)."""
        since = F(self.since) if isinstance(self.since, str) else self.since
        return self.items().annotate(queue_since=since).filter(queue_since__isnull=False)

    @property
    def thresholds(self) -> Sla:
        override = getattr(settings, "OMS_QUEUE_SLA", {}).get(self.slug)
        if not override:
            return self.sla
        return Sla(
            amber=timedelta(
                hours=override.get("amber_hours", self.sla.amber.total_seconds() / 3600)
            ),
            red=timedelta(hours=override.get("red_hours", self.sla.red.total_seconds() / 3600)),
        )


def age_of(since: datetime | date, *, now: datetime | None = None) -> timedelta:
    """How long the item has waited; a date counts from the start of that local day."""
    if not isinstance(since, datetime):
        since = datetime.combine(since, time.min, tzinfo=timezone.get_current_timezone())
    return (now or timezone.now()) - since


def hours(n: float) -> timedelta:
    return timedelta(hours=n)


_REGISTRY: dict[str, Queue] = {}


def register(queue: Queue) -> Queue:
    if queue.slug in _REGISTRY and _REGISTRY[queue.slug] is not queue:
        raise ValueError(f"A queue {queue.slug!r} is registered already.")
    _REGISTRY[queue.slug] = queue
    return queue


def get_queue(slug: str) -> Queue | None:
    return _REGISTRY.get(slug)


def all_queues() -> Sequence[Queue]:
    return sorted(_REGISTRY.values(), key=lambda queue: queue.title)


def visible_queues(user) -> list[Queue]:
    """The queues the user may open."""
    return [queue for queue in all_queues() if user.has_perm(queue.permission)]


def item_model(queue: Queue) -> type[Model]:
    return queue.items().model


def autodiscover() -> None:
    """Import every installed app's ``queues`` module, where it registers its queues."""
    autodiscover_modules("queues")
