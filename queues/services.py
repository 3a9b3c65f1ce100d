"""Giving queue items to people: take one, give it to someone, give it back. Each change of
owner is one ``AssignmentEvent`` in the same transaction."""

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from core.exceptions import DomainError
from core.queues import Queue, item_model

from .models import Assignment, AssignmentEvent

TAKE = "queues.take_item"
ASSIGN = "queues.assign_item"


class AssignmentError(DomainError):
    code = "assignment"


def check_may_assign(*, queue: Queue, owner, actor) -> None:
    """Taking (owner = actor) and giving back one's own needs ``take_item``; giving to anyone
    else ``assign_item``; the owner must be allowed to see the queue."""
    if not actor.has_perms((queue.permission, TAKE, *queue.owner_permissions)):
        raise AssignmentError("You may not take items of this queue.", code="forbidden")
    if owner is not None and owner != actor and not actor.has_perm(ASSIGN):
        raise AssignmentError("You may take items, not give them to others.", code="forbidden")
    if owner is not None and not (owner.is_active and owner.has_perm(queue.permission)):
        raise AssignmentError(
            f"{owner.get_username()} may not see {queue.title.lower()}.", field="owner"
        )


def _check_may_replace(*, previous, owner, actor) -> None:
    """Someone else's item is theirs: only ``assign_item`` takes it from them."""
    if previous is None or previous == actor or actor.has_perm(ASSIGN):
        return
    if owner is None:
        raise AssignmentError("Only its owner or a manager can give it back.", code="forbidden")
    raise AssignmentError(f"{previous.get_username()} owns this item already.", code="taken")


@transaction.atomic
def assign_item(*, queue: Queue, item_id: int, owner, actor) -> None:
    """Give the item to ``owner`` (None: nobody). The item must still be in the queue."""
    check_may_assign(queue=queue, owner=owner, actor=actor)
    item = queue.queryset().filter(pk=item_id).first()
    if item is None:
        raise AssignmentError("This item has left the queue.", code="gone")
    if queue.assign is not None:  # the item keeps its own owner (shipping's at-risk items)
        if owner is None:
            raise AssignmentError("Resolve this item in its own queue instead.", code="owned")
        queue.assign(item=item, owner=owner, actor=actor)
        return
    content_type = ContentType.objects.get_for_model(item_model(queue))
    current = (
        Assignment.objects.select_for_update()
        .filter(content_type=content_type, object_id=item.pk)
        .first()
    )
    previous = current.owner if current else None
    if previous == owner:
        return  # nothing changes: no event
    _check_may_replace(previous=previous, owner=owner, actor=actor)
    if owner is None:
        current.delete()
    elif current is None:
        Assignment.objects.create(
            content_type=content_type,
            object_id=item.pk,
            queue=queue.slug,
            owner=owner,
            assigned_by=actor,
        )
    else:
        current.owner, current.assigned_by, current.queue = owner, actor, queue.slug
        current.assigned_at = timezone.now()
        current.save(update_fields=["owner", "assigned_by", "queue", "assigned_at"])
    AssignmentEvent.objects.create(
        content_type=content_type,
        object_id=item.pk,
        queue=queue.slug,
        owner=owner,
        previous_owner=previous,
        actor=actor,
    )
