"""Human-readable document numbers (SO-000123, RMA-000045) from database sequences.

PostgreSQL sequences never hand out the same value twice and never block another transaction,
unlike ``max()+1``. SQLite has no sequences; the demo there uses a counter row, which is safe
because SQLite serialises writers.
"""

from django.db import connection

from .models import NumberSequence

SEQUENCES = ("order_number",)


def sequence_sql_name(name: str) -> str:
    if name not in SEQUENCES:
        raise ValueError(f"unknown sequence {name!r}")
    return f"oms_{name}_seq"


def next_value(name: str) -> int:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT nextval(%s)", [sequence_sql_name(name)])
            return cursor.fetchone()[0]
    counter, _ = NumberSequence.objects.get_or_create(name=sequence_sql_name(name))
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE core_numbersequence SET value = value + 1 WHERE id = %s RETURNING value",
            [counter.pk],
        )
        return cursor.fetchone()[0]


def next_number(name: str, prefix: str, width: int = 6) -> str:
    return f"{prefix}-{next_value(name):0{width}d}"
