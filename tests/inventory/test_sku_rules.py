"""SKUs stay well-formed (issue 8, point 6): letters, digits and - _ . only, unique ignoring
case, in the admin, in the service that creates products and in the database itself."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from inventory import services
from inventory.exceptions import ProductError
from inventory.models import Product
from tests import factories

pytestmark = pytest.mark.django_db

ADD_URL = "admin:inventory_product_add"


def admin_post(sku: str) -> dict[str, str]:
    return {
        "sku": sku,
        "name": "Test product",
        "unit_price": "10.00",
        "cost": "4.00",
        "weight_grams": "0",
        "reorder_point": "0",
        "reorder_quantity": "0",
        "is_active": "on",
        "stock_levels-TOTAL_FORMS": "0",
        "stock_levels-INITIAL_FORMS": "0",
    }


def test_a_sku_with_a_slash_is_refused_in_the_admin(admin_client):
    response = admin_client.post(reverse(ADD_URL), admin_post("TEST/SLASH"))

    assert response.status_code == 200  # the form again, with its error
    assert "may only contain letters A–Z, digits and - _ ." in response.content.decode()
    assert not Product.objects.filter(sku="TEST/SLASH").exists()


def test_a_well_formed_sku_is_saved_in_the_admin(admin_client):
    response = admin_client.post(reverse(ADD_URL), admin_post("TEST_OK-1.5"))
    assert response.status_code == 302
    assert Product.objects.filter(sku="TEST_OK-1.5").exists()


def test_a_sku_differing_only_in_case_is_refused_in_the_admin(admin_client):
    factories.ProductFactory(sku="MUG-1")
    response = admin_client.post(reverse(ADD_URL), admin_post("mug-1"))
    assert "already exists (SKUs ignore case)" in response.content.decode()
    assert Product.objects.filter(sku__iexact="mug-1").count() == 1


@pytest.mark.parametrize("sku", ["TEST/SLASH", "A B", "ÄPFEL", "x\x00y", "", "tab\tx"])
def test_the_service_refuses_a_malformed_sku_on_its_field(sku):
    with pytest.raises(ProductError) as refused:
        services.create_product(sku=sku, name="Test", unit_price=Decimal("1.00"))
    assert refused.value.field == "sku"
    assert not Product.objects.exists()


def test_the_service_refuses_a_sku_that_exists_in_another_case():
    services.create_product(sku="MUG-1", name="Mug", unit_price=Decimal("1.00"))
    with pytest.raises(ProductError, match="ignore case"):
        services.create_product(sku="mug-1", name="Mug", unit_price=Decimal("1.00"))


def test_the_service_creates_a_well_formed_product():
    product = services.create_product(
        sku=" TEE_2.XL ", name="Tee", unit_price=Decimal("12.50"), cost=Decimal("5")
    )
    assert (product.sku, product.unit_price, product.cost) == ("TEE_2.XL", Decimal("12.50"), 5)


def test_the_service_refuses_a_price_out_of_range_on_its_field():
    with pytest.raises(ProductError) as refused:
        services.create_product(sku="BIG", name="Big", unit_price=Decimal("1e15"))
    assert refused.value.field == "unit_price"


def test_the_database_refuses_what_skips_the_validator():
    """Bulk loads and seeders do not run validators: the constraints still hold."""
    factories.ProductFactory(sku="MUG-1")
    with pytest.raises(IntegrityError), transaction.atomic():
        Product.objects.bulk_create([Product(sku="BAD/SKU", name="x", unit_price=1)])
    with pytest.raises(IntegrityError), transaction.atomic():
        Product.objects.bulk_create([Product(sku="mug-1", name="x", unit_price=1)])
