"""Issuing and revoking integration tokens.

A token reads ``oms_<prefix>_<secret>``: the prefix finds its row (unique, indexed), the secret
is checked against its SHA-256. The plain token exists only in what ``issue_token`` returns.
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from ..exceptions import IntegrationError
from ..models import Integration, IntegrationToken

TOKEN_START = "oms_"  # noqa: S105 (the tokens' marker, not a secret)
PREFIX_BYTES = 6  # 12 hex characters
SECRET_BYTES = 32


@dataclass(frozen=True)
class IssuedToken:
    token: IntegrationToken
    plain: str  # shown once; never stored


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def secret_matches(token: IntegrationToken, secret: str) -> bool:
    return hmac.compare_digest(token.secret_hash, hash_secret(secret))


def parse_token(plain: str) -> tuple[str, str] | None:
    """(prefix, secret) of a well-formed token, else None."""
    if not plain.startswith(TOKEN_START):
        return None
    prefix, _, secret = plain.removeprefix(TOKEN_START).partition("_")
    if len(prefix) != PREFIX_BYTES * 2 or not secret:
        return None
    return prefix, secret


def issue_token(*, integration: Integration) -> IssuedToken:
    """A new token for an active integration; the plain text is in the result only."""
    if not integration.is_active:
        raise IntegrationError(f"{integration} is not active.", field="integration")
    prefix = secrets.token_hex(PREFIX_BYTES)
    secret = secrets.token_urlsafe(SECRET_BYTES)
    token = IntegrationToken.objects.create(
        integration=integration, prefix=prefix, secret_hash=hash_secret(secret)
    )
    return IssuedToken(token=token, plain=f"{TOKEN_START}{prefix}_{secret}")


def revoke_token(*, token: IntegrationToken) -> IntegrationToken:
    """Refuse the token from now on; revoking twice keeps the first time."""
    with transaction.atomic():
        token = IntegrationToken.objects.select_for_update().get(pk=token.pk)
        if token.revoked_at is None:
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
    return token
