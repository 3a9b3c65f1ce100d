from django.conf import settings
from django.db import models


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class NumberSequence(models.Model):
    """Counters for human-readable numbers on databases without sequences (the SQLite demo).

    On PostgreSQL the numbers come from real sequences (see ``core.sequences``); this table is
    only written on SQLite.
    """

    name = models.CharField(max_length=50, unique=True)
    value = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name}={self.value}"


class IdempotencyKey(models.Model):
    """A form token that was used, and what its first post made (``core.idempotency``).

    The unique ``token`` is the lock: it is written in the same transaction as the work.
    """

    token = models.CharField(max_length=64, unique=True)
    scope = models.CharField(max_length=100)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    result = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)  # purged by age

    def __str__(self) -> str:
        return f"{self.scope} {self.token[:8]}…"
