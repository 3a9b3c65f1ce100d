"""Writing many rows fast: PostgreSQL's COPY of plain tuples, with primary keys taken from the
table's own sequence beforehand so that lines can point at their orders without reading them
back.

Building a model instance per row cost more than the rest of the write (``Model.__init__``
and its descriptors, for every line and event); ``bulk_create`` then spends its time building
one huge INSERT and its parameters. Here the caller gives the columns it knows (by attribute
name, ``order_id`` rather than ``order``) and a tuple per row; every other field takes its
model default, computed once per call, ``auto_now`` timestamps the moment of the call, and a
column with only a database default is left to it. psycopg adapts the values (str, int,
Decimal, bool, aware datetimes); JSON is wrapped. Other databases (the SQLite demo) build the
instances and use ``bulk_create``. Neither fires Django signals; the database's triggers and
constraints apply as for any INSERT.
"""

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection
from django.db.models import Field, JSONField, Model
from django.utils import timezone
from psycopg.types.json import Jsonb

# A default that is a fresh empty container per row may be shared: COPY serializes it.
SHAREABLE = (dict, list)


def reserve_ids(model: type[Model], count: int) -> list[int]:
    """``count`` fresh primary keys of ``model``'s table, from its identity sequence."""
    table, column = model._meta.db_table, model._meta.pk.column
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [table, column, count],
        )
        return [row[0] for row in cursor.fetchall()]


def _filled(model: type[Model], given: Sequence[str]) -> list[tuple[Field, Any]]:
    """The fields the caller does not give, with the value each row gets: its default."""
    now = timezone.now()
    filled = []
    for field in model._meta.concrete_fields:
        if field.attname in given or field.primary_key:
            continue
        if field.has_db_default() and not field.has_default():
            continue  # the database fills it
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            filled.append((field, now))
            continue
        if field.has_default() and callable(field.default) and field.default not in SHAREABLE:
            raise ValueError(f"{model.__name__}.{field.name} needs a value per row")
        filled.append((field, field.get_default()))
    return filled


def insert(model: type[Model], columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """INSERT one row per tuple of ``rows``, holding ``columns`` (attribute names) in order;
    a primary key among them is written as given (see ``reserve_ids``)."""
    if connection.vendor != "postgresql":
        model.objects.bulk_create(_instances(model, columns, rows))
        return
    fields = {field.attname: field for field in model._meta.concrete_fields}
    filled = _filled(model, columns)
    json = [index for index, name in enumerate(columns) if isinstance(fields[name], JSONField)]
    constant = [Jsonb(value) if isinstance(field, JSONField) else value for field, value in filled]
    names = [fields[name].column for name in columns] + [field.column for field, _ in filled]
    quoted = ", ".join(connection.ops.quote_name(name) for name in names)
    sql = f"COPY {connection.ops.quote_name(model._meta.db_table)} ({quoted}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for row in rows:
            if json:
                row = list(row)
                for index in json:
                    row[index] = Jsonb(row[index])
            copy.write_row((*row, *constant))


def insert_returning_ids(
    model: type[Model], columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> list[int]:
    """``insert`` that hands back the new rows' primary keys, in the order of ``rows``."""
    if connection.vendor != "postgresql":
        created = model.objects.bulk_create(_instances(model, columns, rows))
        return [obj.pk for obj in created]
    ids = reserve_ids(model, len(rows))
    pk = model._meta.pk.attname
    insert(model, (pk, *columns), [(id_, *row) for id_, row in zip(ids, rows, strict=True)])
    return ids


def _instances(
    model: type[Model], columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> list[Model]:
    """For ``bulk_create``: the instances set their own defaults and timestamps."""
    return [model(**dict(zip(columns, row, strict=True))) for row in rows]
