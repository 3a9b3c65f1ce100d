"""Trigram indexes for "SKU starts with" and "name contains" on products (see core.trigram)."""

from django.db import migrations

from core.trigram import trigram_indexes


class Migration(migrations.Migration):
    dependencies = [("inventory", "0003_sku_rules_and_write_off")]

    operations = [
        trigram_indexes(
            "inventory_product",
            {"product_sku_trgm": "UPPER(sku)", "product_name_trgm": "UPPER(name)"},
        )
    ]
