from django.http import HttpRequest

from .permissions import role_of


def navigation(request: HttpRequest) -> dict:
    """The sidebar: only sections that exist and that the user may open."""
    user = request.user
    if not user.is_authenticated:
        return {}
    match = request.resolver_match
    section = match.namespace if match else ""
    sections = [
        ("core", "Dashboard", "core:home", None),
        ("orders", "Orders", "orders:list", "orders.view_order"),
        ("inventory", "Inventory", "inventory:product_list", "inventory.view_product"),
        ("customers", "Customers", "customers:list", "customers.view_customer"),
        ("payments", "Finance", "payments:list", "payments.view_payment"),
    ]
    return {
        "nav_sections": [
            {"key": key, "label": label, "url_name": url_name, "active": key == section}
            for key, label, url_name, perm in sections
            if perm is None or user.has_perm(perm)
        ],
        "user_role": role_of(user),
    }
