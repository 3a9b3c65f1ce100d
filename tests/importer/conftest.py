import pytest

from tests import factories
from tests.factories import stock


@pytest.fixture
def catalogue(warehouse):
    """A channel "web", SKUs MUG-1 to MUG-3 with 50 in stock, five customers."""
    factories.SalesChannelFactory(code="web")
    products = [factories.ProductFactory(sku=f"MUG-{n}") for n in range(1, 4)]
    for product in products:
        stock(product, warehouse, 50)
    customers = [factories.CustomerFactory(email=f"c{n}@example.com") for n in range(5)]
    return {
        "emails": [customer.email for customer in customers],
        "skus": [product.sku for product in products],
        "customers": customers,
    }
