"""``Idempotency-Key`` on POSTs: the first response to a key is the answer to every retry.

The record is inserted in the same transaction as the work. On PostgreSQL a second request
with the same key blocks on the unique index until the first commits, then reads its
response and replays it: one execution, the same answer twice. If the first fails (an error
response is raised, not returned), its record rolls back with its work and a retry runs afresh.
Records are purged after a day (``api.tasks.purge_idempotency_records``).
"""

import hashlib
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import wraps

from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.response import Response

from .exceptions import IdempotencyKeyReused
from .models import IdempotencyRecord
from .permissions import token_of

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
KEEP_FOR = timedelta(hours=24)


def owner_of(request) -> str:
    token = token_of(request)
    if token is not None:
        return f"integration:{token.integration_id}"
    return f"user:{request.user.pk}"


def fingerprint_of(request) -> str:
    digest = hashlib.sha256()
    digest.update(request.method.encode())
    digest.update(b"\n")
    digest.update(request.path.encode())
    digest.update(b"\n")
    digest.update(request.body)
    return digest.hexdigest()


def replay(record: IdempotencyRecord, fingerprint: str) -> Response:
    if record.fingerprint != fingerprint:
        raise IdempotencyKeyReused(
            f"This {HEADER} was used for another request; use a new key for a new request.",
            field=HEADER,
        )
    return Response(record.body, status=record.status, headers={"Idempotent-Replayed": "true"})


def idempotency_key(request) -> str:
    """The request's key ("" without one); one too long is refused, before any work."""
    key = request.headers.get(HEADER, "").strip()
    if len(key) > MAX_KEY_LENGTH:
        raise exceptions.ValidationError(
            {HEADER: [f"At most {MAX_KEY_LENGTH} characters."]}, code="max_length"
        )
    return key


def idempotent(handler: Callable) -> Callable:
    """Wrap a view's ``post``: runs after authentication, so the key is per integration."""

    @wraps(handler)
    def wrapped(view, request, *args, **kwargs):
        key = idempotency_key(request)
        if not key:
            return handler(view, request, *args, **kwargs)
        owner, fingerprint = owner_of(request), fingerprint_of(request)
        with transaction.atomic():
            try:
                with transaction.atomic():
                    record = IdempotencyRecord.objects.create(
                        owner=owner, key=key, fingerprint=fingerprint
                    )
            except IntegrityError:
                # Committed by an earlier (or a concurrent, now finished) request.
                return replay(IdempotencyRecord.objects.get(owner=owner, key=key), fingerprint)
            response = handler(view, request, *args, **kwargs)
            record.status = response.status_code
            record.body = response.data
            record.save(update_fields=["status", "body"])
        return response

    return wrapped


def purge_records(*, now: datetime | None = None) -> int:
    """Delete records older than KEEP_FOR; how many went."""
    cutoff = (now or timezone.now()) - KEEP_FOR
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted
