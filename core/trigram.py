"""Trigram (pg_trgm) GIN indexes for "contains" and "starts with" searches, as a migration step.

PostgreSQL only (pg_trgm is a trusted extension: the database owner may create it); on other
databases the step does nothing. Django's icontains/istartswith compare UPPER(column), so those
indexes are on UPPER(column); a case-sensitive ``contains`` wants the bare column.
"""

from django.db import migrations


def trigram_indexes(table: str, indexes: dict[str, str]) -> migrations.RunPython:
    """A reversible migration operation creating ``{index name: indexed expression}`` on table."""

    def create(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for name, expression in indexes.items():
            using = f"gin ({expression} gin_trgm_ops)"
            schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING {using}")

    def drop(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for name in indexes:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")

    return migrations.RunPython(create, drop)
