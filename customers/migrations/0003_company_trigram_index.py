"""A trigram index on company, so the orders search ("company contains") stays fast too.

PostgreSQL only, like 0002: icontains compares UPPER(column), so the index is on UPPER(company).
"""

from django.db import migrations

NAME = "customer_company_trgm"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {NAME} ON customers_customer "
        "USING gin (UPPER(company) gin_trgm_ops)"
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {NAME}")


class Migration(migrations.Migration):
    dependencies = [("customers", "0002_trigram_search_indexes")]

    operations = [migrations.RunPython(create, drop)]
