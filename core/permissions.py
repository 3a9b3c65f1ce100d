"""Access rules for dashboard views: every page needs a login, most a named permission."""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from .roles import ROLES

View = Callable[..., HttpResponse]


def staff_view(*permissions: str) -> Callable[[View], View]:
    """Anonymous users go to the login page; signed-in users without the permissions get 403."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not request.user.has_perms(permissions):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return login_required(wrapped)

    return decorator


def role_of(user) -> str:
    """The role shown beside the user's name: superuser, or the first staff role group."""
    if user.is_superuser:
        return "Administrator"
    names = [group.name for group in user.groups.all()]
    return next((name for name in ROLES if name in names), "Staff")
