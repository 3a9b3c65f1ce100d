"""One-time form tokens: a double click (or a resent form) is one effect.

Every form that creates something renders a fresh token in a hidden input
(``{% load idempotency %}{% idempotency_field %}``). The view runs its service through
``run_once``: the first post with a token writes ``(token → result)`` in the same transaction as
the work, so the unique token column decides which of two concurrent posts does the work. The
other one waits on PostgreSQL's unique index until the first commits, then reads its result and
answers as the first did (the same order, the same panel) without doing anything. A refused
service call rolls the token back with everything else: the corrected form may post it again.
"""

import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.http import HttpRequest, QueryDict
from django.utils import timezone

from .exceptions import DomainError
from .models import IdempotencyKey

FIELD = "idempotency_token"
# What ``new_token`` makes: URL-safe base64, 43 characters for 32 bytes.
TOKEN = re.compile(r"[A-Za-z0-9_-]{32,64}", re.ASCII)

Result = dict[str, Any]


class StaleForm(DomainError):
    """A post without a usable token (a page from before tokens, or a token from elsewhere)."""

    code = "stale_form"

    def __init__(self, message: str = "This form is out of date: reload the page and try again."):
        super().__init__(message, field=FIELD)
        self.args = (message,)


@dataclass(frozen=True)
class Outcome:
    result: Result
    replayed: bool  # True: an earlier post with this token did the work


def new_token() -> str:
    """When it was made (8 hex digits of the Unix time), then 32 random bytes: a token older
    than the retention is refused, so a form re-posted after its record was purged is never
    done a second time."""
    return f"{int(time.time()):08x}{secrets.token_urlsafe(32)}"


def _issued_at(token: str) -> datetime | None:
    stamp = token[:8]
    if not re.fullmatch(r"[0-9a-f]{8}", stamp):
        return None
    return datetime.fromtimestamp(int(stamp, 16), tz=UTC)


def posted_token(data: QueryDict) -> str:
    """The posted token, or StaleForm when it is missing or not one ``new_token`` makes."""
    token = data.get(FIELD, "")
    issued = _issued_at(token)
    retention = timedelta(days=settings.OMS_FORM_TOKEN_DAYS)
    if not TOKEN.fullmatch(token) or issued is None or issued < timezone.now() - retention:
        raise StaleForm
    return token


def run_once(
    *,
    token: str,
    scope: str,
    actor: AbstractBaseUser,
    work: Callable[[], Result],
) -> Outcome:
    """Do ``work`` unless a post with ``token`` already did; either way return its result.

    ``scope`` names what the form creates (``orders.create``, ``payments.record:SO-000123``):
    a token replayed to another form or by another user is refused rather than answered with
    someone else's result.
    """
    with transaction.atomic():
        try:
            with transaction.atomic():
                key = IdempotencyKey.objects.create(token=token, scope=scope, user=actor)
        except IntegrityError:
            return Outcome(_earlier_result(token, scope, actor), replayed=True)
        key.result = work()
        key.save(update_fields=["result"])
    return Outcome(key.result, replayed=False)


def run_posted(request: HttpRequest, *, scope: str, work: Callable[[], Result]) -> Outcome:
    """``run_once`` for a view: the token the form posted, the signed-in user as actor."""
    return run_once(token=posted_token(request.POST), scope=scope, actor=request.user, work=work)


def _earlier_result(token: str, scope: str, actor: AbstractBaseUser) -> Result:
    key = IdempotencyKey.objects.get(token=token)
    if key.scope != scope or key.user_id != actor.pk:
        raise StaleForm("This form was already sent from another page: reload and try again.")
    return key.result


def purge_used_tokens(*, older_than: timedelta, now: datetime | None = None) -> int:
    """Forget tokens used longer ago than ``older_than`` (no older token is accepted any more:
    ``posted_token`` refuses it as out of date). Returns how many were deleted."""
    cutoff = (now or timezone.now()) - older_than
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
    return deleted
