"""Who may call a view: a token with the view's scope, or a staff user (signed in to the
dashboard) reading with their Django permissions. Staff sessions never write through the API."""

from rest_framework import exceptions, permissions

from .models import IntegrationToken


def token_of(request) -> IntegrationToken | None:
    return request.auth if isinstance(request.auth, IntegrationToken) else None


class HasScope(permissions.BasePermission):
    """The view states ``read_scope`` and ``write_scope`` (``orders:read``, ``orders:write``)
    and ``staff_permission`` (``orders.view_order``) for staff sessions."""

    def has_permission(self, request, view) -> bool:
        safe = request.method in permissions.SAFE_METHODS
        token = token_of(request)
        if token is not None:
            scope = getattr(view, "read_scope" if safe else "write_scope", None)
            if scope is None or not token.integration.has_scope(scope):
                raise exceptions.PermissionDenied(
                    f"This token lacks the scope {scope}.", code="missing_scope"
                )
            return True
        if not safe:
            raise exceptions.PermissionDenied(
                "Staff sessions read through the API; writes need an integration token.",
                code="read_only_session",
            )
        staff_permission = getattr(view, "staff_permission", None)
        user = request.user
        return bool(
            user.is_staff and staff_permission is not None and user.has_perm(staff_permission)
        )
