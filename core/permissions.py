"""Access rules for dashboard views, stated once and readable by code.

Every staff view is wrapped by ``staff_view(*permissions)``, which records the permissions on
the view itself. That makes the URL configuration the one table of URL → permission: the
sidebar asks ``may_open(user, url_name)``, and the access test walks ``routes()`` so a URL whose
view states no permission (and is not on its public allow-list) fails the suite.
"""

from collections.abc import Callable, Iterator
from functools import cache, wraps
from typing import NamedTuple

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver, get_resolver

from .roles import ROLES

View = Callable[..., HttpResponse]


def staff_view(*permissions: str) -> Callable[[View], View]:
    """Anonymous users go to the login page; signed-in users without the permissions get 403.

    The permissions are kept on the view as ``required_permissions`` (decorators applied on top
    with ``functools.wraps`` carry it along), which is what ``permissions_for`` reads."""

    def decorator(view: View) -> View:
        @wraps(view)
        def checked(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not request.user.has_perms(permissions):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapped = login_required(checked)
        wrapped.required_permissions = permissions
        return wrapped

    return decorator


def view_permissions(view: Callable) -> tuple[str, ...] | None:
    """The permissions a view states, or None when it is not a staff view."""
    return getattr(view, "required_permissions", None)


class Route(NamedTuple):
    """One URL pattern of the resolver: its qualified name (``orders:detail``; empty when the
    pattern has none), its route text, its view and the names of its URL keyword arguments."""

    name: str
    route: str
    view: Callable
    kwarg_names: tuple[str, ...]


def routes(resolver: URLResolver | None = None) -> Iterator[Route]:
    """Every URL pattern the resolver knows, walking includes and namespaces."""
    yield from _walk(resolver or get_resolver(), namespace="", prefix="", kwarg_names=())


def _walk(
    resolver: URLResolver, *, namespace: str, prefix: str, kwarg_names: tuple[str, ...]
) -> Iterator[Route]:
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        names = kwarg_names + tuple(entry.pattern.regex.groupindex)
        if isinstance(entry, URLPattern):
            qualified = f"{namespace}{entry.name}" if entry.name else ""
            yield Route(qualified, route, entry.callback, names)
        else:
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry, namespace=inner, prefix=route, kwarg_names=names)


@cache
def _views_by_name(resolver: URLResolver) -> dict[str, Callable]:
    # Keyed by the resolver: get_resolver() returns a new one when ROOT_URLCONF changes.
    return {route.name: route.view for route in routes(resolver) if route.name}


def permissions_for(url_name: str) -> tuple[str, ...]:
    """The permissions the view behind ``url_name`` requires.

    Raises LookupError for an unknown name or a view that is not a staff view: asking what a
    public page requires is a mistake in the caller, not an empty answer."""
    view = _views_by_name(get_resolver()).get(url_name)
    if view is None:
        raise LookupError(f"no URL named {url_name!r}")
    permissions = view_permissions(view)
    if permissions is None:
        raise LookupError(f"the view of {url_name!r} is not a staff_view")
    return permissions


def may_open(user, url_name: str) -> bool:
    """Whether the user, signed in, would get the page rather than a 403 or the login page."""
    return user.is_authenticated and user.has_perms(permissions_for(url_name))


def role_of(user) -> str:
    """The role shown beside the user's name: superuser, or the first staff role group."""
    if user.is_superuser:
        return "Administrator"
    names = [group.name for group in user.groups.all()]
    return next((name for name in ROLES if name in names), "Staff")
