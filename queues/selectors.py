"""Reading the queues: one page of a queue (oldest first, by keyset on the age's start), each
item with its age, SLA colour and owner; and the capped counts the home page shows."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from core.pagination import KeysetPage
from core.parsing import parse_ascii_int
from core.queues import Colour, Queue, age_of, item_model, visible_queues
from core.roles import MANAGER, ROLES

from .models import Assignment

PER_PAGE = 50
HOME_CAP = 99  # the home page says "99+" rather than count a long queue


@dataclass(frozen=True)
class Row:
    item: Any
    label: str
    url: str
    detail: str
    age: timedelta
    colour: Colour
    owner: Any  # a user, or None

    @property
    def pk(self) -> int:
        return self.item.pk

    @property
    def age_label(self) -> str:
        """ "3 d 4 h", "5 h 10 min", "12 min"; "due in 2 h" before its start."""
        seconds = int(self.age.total_seconds())
        if seconds < 0:
            return f"starts in {duration_label(-seconds)}"
        return duration_label(seconds)


def duration_label(seconds: int) -> str:
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    minutes = rest // 60
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{minutes} min"


@dataclass(frozen=True)
class QueueCount:
    queue: Queue
    count: int

    @property
    def label(self) -> str:
        return f"{HOME_CAP}+" if self.count > HOME_CAP else str(self.count)


def items(queue: Queue, *, owner=None) -> QuerySet:
    """The queue's open items; ``owner``: only those owned by that user ("mine")."""
    queryset = queue.queryset()
    if owner is None:
        return queryset
    if queue.owner_field:
        return queryset.filter(**{queue.owner_field: owner})
    mine = Assignment.objects.filter(
        content_type=ContentType.objects.get_for_model(item_model(queue)),
        object_id=OuterRef("pk"),
        owner=owner,
    )
    return queryset.filter(Exists(mine))


def page(
    queue: Queue, *, owner=None, after: str = "", before: str = "", per_page: int = PER_PAGE
) -> KeysetPage[Row]:
    """One page, oldest first, ties by pk: a range of the items' index with a LIMIT."""
    queryset = items(queue, owner=owner)
    cursor = _parse_cursor(queryset, before or after)
    backwards = bool(before) and cursor is not None
    ordering = ("-queue_since", "-pk") if backwards else ("queue_since", "pk")
    scan = queryset.order_by(*ordering)
    if cursor is not None:
        value, pk = cursor
        beyond = Q(queue_since=value) & (Q(pk__lt=pk) if backwards else Q(pk__gt=pk))
        strictly = Q(queue_since__lt=value) if backwards else Q(queue_since__gt=value)
        scan = scan.filter(strictly | beyond)
    found = list(scan[: per_page + 1])
    more = len(found) > per_page
    found = found[:per_page]
    if backwards:
        found.reverse()
    has_next, has_previous = (True, more) if backwards else (more, cursor is not None)
    return KeysetPage(
        rows=rows_of(queue, found),
        next_cursor=_cursor(found[-1]) if found and has_next else "",
        previous_cursor=_cursor(found[0]) if found and has_previous else "",
    )


def rows_of(queue: Queue, found: list) -> list[Row]:
    """The items with their age, colour and owner (one query for the owners of the page)."""
    now, sla = timezone.now(), queue.thresholds
    owners = owners_of(queue, [item.pk for item in found])
    rows = []
    for item in found:
        age = age_of(item.queue_since, now=now)
        rows.append(
            Row(
                item=item,
                label=queue.label(item),
                url=queue.url(item),
                detail=queue.detail(item),
                age=age,
                colour=sla.colour(age),
                owner=owners.get(item.pk),
            )
        )
    return rows


def owners_of(queue: Queue, pks: list[int]) -> dict[int, Any]:
    if not pks:
        return {}
    if queue.owner_field:
        owner_ids = dict(
            item_model(queue)
            .objects.filter(pk__in=pks)
            .values_list("pk", f"{queue.owner_field}_id")
        )
        users = get_user_model().objects.in_bulk([pk for pk in owner_ids.values() if pk])
        return {pk: users.get(owner_id) for pk, owner_id in owner_ids.items() if owner_id}
    assignments = Assignment.objects.filter(
        content_type=ContentType.objects.get_for_model(item_model(queue)), object_id__in=pks
    ).select_related("owner")
    return {assignment.object_id: assignment.owner for assignment in assignments}


def sla_text(queue: Queue) -> str:
    sla = queue.thresholds
    amber, red = (int(limit.total_seconds()) for limit in (sla.amber, sla.red))
    return f"Amber from {duration_label(amber)} old, red from {duration_label(red)}."


def _cursor(item) -> str:
    value = item.queue_since
    text = value.isoformat()
    return f"{text}|{item.pk}"


def _parse_cursor(queryset: QuerySet, cursor: str) -> tuple[Any, int] | None:
    """The cursor's (age start, pk), or None when malformed (the first page opens)."""
    text, separator, pk = cursor.rpartition("|")
    number = parse_ascii_int(pk)
    if not separator or number is None or not text or "\x00" in text:
        return None
    field = queryset.query.annotations["queue_since"].output_field
    try:
        value = field.to_python(text)
    except ValidationError:
        return None
    if isinstance(value, datetime) and timezone.is_naive(value):
        return None
    return value, number


def home_queues(user) -> list[Queue]:
    """The queues the user's role works (a superuser: the Manager's), of those the user may
    open."""
    queues = visible_queues(user)
    if user.is_superuser:
        roles = {MANAGER}
    else:
        roles = {name for name in user.groups.values_list("name", flat=True) if name in ROLES}
    return [queue for queue in queues if roles & set(queue.roles)]


def counts(queues: list[Queue]) -> list[QueueCount]:
    """Every queue's count in one statement, each a LIMITed subquery: the cost is at most
    ``HOME_CAP`` + 1 index entries per queue, and one round trip for all of them."""
    if not queues:
        return []
    parts, params = [], []
    for number, queue in enumerate(queues):
        capped = queue.queryset().order_by().values("pk")[: HOME_CAP + 1]
        sql, part_params = capped.query.sql_with_params()
        parts.append(f"(SELECT COUNT(*) FROM ({sql}) AS queue_{number})")  # noqa: S608
        params.extend(part_params)
    with connection.cursor() as cursor:
        # the parts are Django's own compiled SQL, their values passed as parameters
        cursor.execute(f"SELECT {', '.join(parts)}", params)
        found = cursor.fetchone()
    return [QueueCount(queue, count) for queue, count in zip(queues, found, strict=True)]


def assignable_users() -> QuerySet:
    """People an item may be given to: active staff of a role."""
    return (
        get_user_model()
        .objects.filter(is_active=True, is_staff=True, groups__name__in=ROLES)
        .distinct()
        .only("id", "username")
        .order_by("username")
    )
