"""A trigram index on phone, so every arm of the customer free-text search has an index: the
OR over e-mail, name, company and phone becomes a BitmapOr of indexes, never a table scan.
``phone__contains`` is a case-sensitive LIKE, so the index is on the column itself."""

from django.db import migrations

from core.trigram import trigram_indexes


class Migration(migrations.Migration):
    dependencies = [("customers", "0003_company_trigram_index")]

    operations = [trigram_indexes("customers_customer", {"customer_phone_trgm": "phone"})]
