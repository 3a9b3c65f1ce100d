"""``Authorization: Bearer oms_<prefix>_<secret>``: the integration's owner is the user, the
token is ``request.auth``. Missing, unknown, revoked or malformed: 401."""

from datetime import timedelta

from django.db.models import Q
from django.utils import timezone
from rest_framework import authentication, exceptions

from .models import IntegrationToken
from .services.tokens import parse_token, secret_matches

# last_used_at is written at most this often per token: one UPDATE a minute, not per request.
LAST_USED_EVERY = timedelta(minutes=1)


class BearerTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        keyword, _, plain = header.partition(" ")
        if keyword.lower() != self.keyword.lower():
            return None  # another scheme: not ours to refuse
        parsed = parse_token(plain.strip())
        if parsed is None:
            raise exceptions.AuthenticationFailed("The token is malformed.")
        prefix, secret = parsed
        token = (
            IntegrationToken.objects.select_related("integration__owner", "integration__channel")
            .filter(prefix=prefix)
            .first()
        )
        if token is None or not secret_matches(token, secret):
            raise exceptions.AuthenticationFailed("The token is not valid.")
        if token.revoked_at is not None:
            raise exceptions.AuthenticationFailed("The token has been revoked.")
        if not token.integration.is_active or not token.integration.owner.is_active:
            raise exceptions.AuthenticationFailed("The integration is not active.")
        touch(token)
        return token.integration.owner, token

    def authenticate_header(self, request) -> str:
        return f'{self.keyword} realm="api"'


def touch(token: IntegrationToken) -> None:
    """Note the token's use, unless it was noted less than a minute ago."""
    now = timezone.now()
    if token.last_used_at and now - token.last_used_at < LAST_USED_EVERY:
        return
    IntegrationToken.objects.filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_EVERY), pk=token.pk
    ).update(last_used_at=now)
    token.last_used_at = now
