"""Trigram indexes so "name contains" and "e-mail starts with" stay fast on a big customer table.

PostgreSQL only (pg_trgm is a trusted extension: the database owner may create it). Django's
icontains/istartswith compare UPPER(column), so the indexes are on UPPER(column).
"""

from django.db import migrations

INDEXES = {
    "customer_name_trgm": "UPPER(name) gin_trgm_ops",
    "customer_email_trgm": "UPPER(email) gin_trgm_ops",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, expression in INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON customers_customer USING gin ({expression})"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("customers", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
