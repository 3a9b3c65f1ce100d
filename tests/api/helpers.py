from decimal import Decimal

from tests.factories import ship_to


def order_payload(external_id: str = "EXT-1", *, sku: str = "MUG", quantity: int = 2, **overrides):
    return {
        "external_id": external_id,
        "customer": {"email": "Ada@Example.com", "name": "Ada Lovelace"},
        "lines": [{"sku": sku, "quantity": quantity, "unit_price": str(Decimal("12.50"))}],
        "shipping_address": ship_to(),
    } | overrides
