"""Requests per token (a staff session: per user), counted in the shared cache."""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from .permissions import token_of


class TokenRateThrottle(SimpleRateThrottle):
    scope = "token"

    def get_rate(self) -> str:
        # Read at each request (not at import as DRF's THROTTLE_RATES): a changed setting counts.
        return settings.OMS_API_RATE

    def get_cache_key(self, request, view) -> str:
        token = token_of(request)
        if token is not None:
            ident = f"token:{token.prefix}"
        elif request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            ident = f"anon:{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
