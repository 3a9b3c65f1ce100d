from dataclasses import dataclass

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from core.permissions import may_open, role_of


@dataclass(frozen=True)
class Section:
    """One entry of the sidebar; ``key`` is the URL namespace that marks it active. Whether a
    user sees it is what the view behind ``url_name`` requires (``core.permissions.may_open``)."""

    key: str
    label: str
    url_name: str


SECTIONS = (
    Section("backoffice", "Dashboard", "backoffice:home"),
    Section("queues", "Queues", "queues:index"),
    Section("orders", "Orders", "orders:list"),
    Section("inventory", "Inventory", "inventory:product_list"),
    Section("customers", "Customers", "customers:list"),
    # the shipments list: the one fulfilment page every role that has fulfilment may open
    Section("shipping", "Fulfilment", "shipping:shipment_list"),
    Section("payments", "Finance", "payments:list"),
    Section("reports", "Reports", "reports:overview"),
    Section("digests", "Scheduled reports", "digests:list"),
    Section("notifications", "Notifications", "notifications:list"),
    Section("importer", "Imports", "importer:index"),
    Section("webhooks", "Webhooks", "webhooks:list"),
)


def navigation(request: HttpRequest) -> dict:
    """The sidebar: only sections that exist and that the user may open.

    Computed when a template reads it: every render runs this, and the fragments htmx swaps
    in (panels, tables) show no sidebar, so they skip its permission checks and the role's
    query of the user's groups."""
    user = request.user
    if not user.is_authenticated:
        return {}
    return {
        "nav_sections": SimpleLazyObject(lambda: _sections(request)),
        "user_role": SimpleLazyObject(lambda: role_of(user)),
    }


def _sections(request: HttpRequest) -> list[dict]:
    match = request.resolver_match
    current = match.namespace if match else ""
    return [
        {
            "key": section.key,
            "label": section.label,
            "url_name": section.url_name,
            "active": section.key == current,
        }
        for section in SECTIONS
        if may_open(request.user, section.url_name)
    ]
