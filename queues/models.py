"""Who owns a queue item: one assignment per item of any model (content type + id), and the
log of every change of owner, since a generic item has no timeline of its own to write to."""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models


class Assignment(models.Model):
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    queue = models.SlugField(max_length=50, help_text="The queue it was taken in.")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="queue_assignments"
    )
    assigned_at = models.DateTimeField(auto_now_add=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id"], name="queue_assignment_once_per_item"
            ),
        ]
        indexes = [
            # "Mine": the owner's items of one kind
            models.Index(fields=["owner", "content_type", "object_id"], name="queue_owner_idx"),
        ]
        permissions = [
            ("take_item", "Can take queue items and give them back"),
            ("assign_item", "Can give queue items to anyone"),
        ]

    def __str__(self) -> str:
        return f"{self.content_type_id}:{self.object_id} → {self.owner_id}"


class AssignmentEvent(models.Model):
    """Append-only: who gave which item to whom (``owner`` None: given back), and when."""

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    queue = models.SlugField(max_length=50)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    previous_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(
                fields=["content_type", "object_id", "-created_at"], name="queue_event_item_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.queue} {self.object_id}: {self.previous_owner_id} → {self.owner_id}"
