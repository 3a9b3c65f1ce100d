"""Writing many rows fast: PostgreSQL's COPY, with primary keys taken from the table's own
sequence beforehand so that lines can point at their orders without reading them back.

``bulk_create`` spends most of a large import building one huge INSERT and its parameters;
COPY streams the rows. Values go as the model holds them (psycopg adapts them), JSON
wrapped, ``auto_now`` timestamps set to the moment of the batch; a column with only a
database default is left to it. Other databases (the SQLite demo) use ``bulk_create``.
COPY fires no Django signals, as ``bulk_create`` fires none; the database's
triggers and constraints apply as for any INSERT.
"""

from collections.abc import Callable, Sequence
from operator import attrgetter
from typing import Any

from django.db import connection
from django.db.models import Field, JSONField, Model
from django.utils import timezone
from psycopg.types.json import Jsonb


def reserve_ids(model: type[Model], count: int) -> list[int]:
    """``count`` fresh primary keys of ``model``'s table, from its identity sequence."""
    table, column = model._meta.db_table, model._meta.pk.column
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [table, column, count],
        )
        return [row[0] for row in cursor.fetchall()]


def _reader(field: Field, now) -> Callable[[Model], Any]:
    """How to read ``field``'s value for COPY, fast: most values go as they are (psycopg
    adapts str, int, Decimal, bool, aware datetimes); JSON is wrapped, timestamps set."""
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return lambda obj: now
    if isinstance(field, JSONField):
        return lambda obj: Jsonb(getattr(obj, field.attname))
    return attrgetter(field.attname)


def insert(model: type[Model], objects: Sequence[Model], *, with_ids: bool = False) -> None:
    """INSERT ``objects``; ``with_ids``: they carry their primary keys (``reserve_ids``)."""
    if connection.vendor != "postgresql":
        model.objects.bulk_create(objects)
        return
    fields = [
        field
        for field in model._meta.concrete_fields
        if (with_ids or not field.primary_key)
        and not (field.has_db_default() and not field.has_default())
    ]
    now = timezone.now()
    readers = [_reader(field, now) for field in fields]
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    sql = f"COPY {table} ({columns}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for obj in objects:
            copy.write_row([read(obj) for read in readers])
