"""CSV exports of the dashboard's lists, one mechanism for all of them.

Each list's export view builds the same filtered, sorted queryset as its page and hands it to
``csv_export`` with its columns. The rows stream out in chunks, read from the database through
a server-side cursor, so 100,000 rows never sit in memory and the export runs the same few
queries however many rows it writes. Cells that start like a spreadsheet formula (names and
e-mails customers typed themselves) are defused with a leading apostrophe.

A list page with no export fails ``tests/test_csv_exports.py``: an export view says which list
it exports with ``@exports(list_url_name)``, and the test pairs every list page with one.
"""

import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from decimal import Decimal
from itertools import batched, chain

from django.db import connection, transaction
from django.db.models import Expression, QuerySet
from django.db.models.query import ValuesListIterable
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.utils import timezone

from .filters import CheckedFilterSet
from .pagination import keyset_ordering

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
ROWS_PER_CHUNK = 500  # CSV rows per chunk of the response
FETCH_SIZE = 2000  # rows per fetch from the server-side cursor
BOM = "\ufeff"
ISO_8601 = 'YYYY-MM-DD"T"HH24:MI:SSTZH:TZM'  # to_char(): 2026-03-01T09:30:00+01:00
SET_LOCAL_TIME_ZONE = "SELECT set_config('TimeZone', %s, true)"  # until the transaction ends
UNSAFE_IN_FILE_NAME = re.compile(r"[^A-Za-z0-9_.-]+")

# A column: its header, and the values_list field path, annotation or expression of its value.
Column = tuple[str, str | Expression]


def exports(list_url_name: str) -> Callable:
    """Marks a view as the CSV export of the list page named ``list_url_name``. Decorators
    applied on top with ``functools.wraps`` (``staff_view``, ``require_GET``) carry it along."""

    def decorator(view: Callable) -> Callable:
        view.exports_list = list_url_name
        return view

    return decorator


def exported_list(view: Callable) -> str | None:
    """The list page a view exports, or None when it is no export."""
    return getattr(view, "exports_list", None)


def safe_cell(text: str) -> str:
    """Defuse spreadsheet formulas in text that people typed themselves."""
    return f"'{text}" if text.startswith(FORMULA_PREFIXES) else text


def cell(value: object) -> str:
    """One value as text: timestamps in ISO 8601 in the current time zone, NULL empty,
    booleans as PostgreSQL writes them, numbers as they are (a stock movement of -3 is no
    formula), lists joined with spaces; text defused."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat(timespec="seconds")
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, list | tuple):
        return safe_cell(" ".join(map(str, value)))
    return safe_cell(str(value))


def csv_lines(rows: Iterable[Sequence], *, rows_per_chunk: int = ROWS_PER_CHUNK) -> Iterator[bytes]:
    """The rows as CSV (UTF-8, CRLF as RFC 4180), ``rows_per_chunk`` rows a chunk."""
    for chunk in batched(rows, rows_per_chunk):
        buffer = io.StringIO()
        csv.writer(buffer).writerows([cell(value) for value in row] for row in chunk)
        yield buffer.getvalue().encode()


def streamed_rows(queryset: QuerySet) -> Iterator[tuple]:
    """The rows of a ``values_list`` queryset, fetched FETCH_SIZE at a time from a server-side
    cursor: one query, constant memory. ``DISABLE_SERVER_SIDE_CURSORS`` keeps ``iterator()``
    from using one on PostgreSQL (where the whole result would land in memory), so the
    cursor is asked for here, inside a transaction, which holds it under transaction pooling
    too. The transaction lasts until the last row is read or the download is dropped."""
    with transaction.atomic(using=queryset.db):
        yield from ValuesListIterable(queryset, chunked_fetch=True, chunk_size=FETCH_SIZE)


def in_keyset_order(queryset: QuerySet, sort: str) -> QuerySet:
    """The queryset in the order a keyset-paged list (``core.pagination.keyset_page``) walks
    its pages by ``sort`` ("-created_at"): its export lists every page in the same order."""
    field, descending = sort.removeprefix("-"), sort.startswith("-")
    return queryset.order_by(*keyset_ordering(field, descending=descending))


def refused(errors: Sequence[str]) -> HttpResponse:
    """An invalid filter is a 400 naming it, never an export of every row."""
    return HttpResponseBadRequest("\n".join(errors), content_type="text/plain; charset=utf-8")


def csv_response(
    request: HttpRequest, *, name: str, header: Sequence[str], lines: Iterable[bytes]
) -> StreamingHttpResponse:
    """The header and the data lines as a streamed download named ``<name>-<today>.csv``.
    ``?bom=1`` starts the file with a UTF-8 byte order mark, which spreadsheets need to read
    names right."""
    head = b"".join(csv_lines([header]))
    if request.GET.get("bom") == "1":
        head = BOM.encode() + head
    response = StreamingHttpResponse(chain([head], lines), content_type="text/csv; charset=utf-8")
    safe_name = UNSAFE_IN_FILE_NAME.sub("-", name)  # a SKU in it may hold quotes or spaces
    filename = f"{safe_name}-{timezone.localdate():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def csv_export(
    request: HttpRequest,
    queryset: QuerySet,
    *,
    name: str,
    columns: Sequence[Column],
    errors: Sequence[str] = (),
) -> HttpResponse:
    """The queryset's rows (in its order) as a streamed CSV download of ``columns``; a 400
    when the list's filters had ``errors``."""
    if errors:
        return refused(errors)
    rows = streamed_rows(queryset.values_list(*(value for _, value in columns)))
    return csv_response(
        request, name=name, header=[head for head, _ in columns], lines=csv_lines(rows)
    )


def filtered_export(
    request: HttpRequest,
    filterset_class: type[CheckedFilterSet],
    queryset: QuerySet,
    *,
    name: str,
    columns: Sequence[Column],
    keyset_sort: str = "",
) -> HttpResponse:
    """A list's export through its own FilterSet: the rows its page shows, every page of
    them, in its order (``keyset_sort`` for a keyset-paged list, else the FilterSet's)."""
    filters = filterset_class(request.GET, queryset=queryset)
    rows = in_keyset_order(filters.qs, keyset_sort) if keyset_sort else filters.qs
    return csv_export(request, rows, name=name, columns=columns, errors=filters.invalid)


# --- PostgreSQL COPY, for exports that format their cells in SQL (the orders') -------------


def defused_sql(value: str) -> str:
    """SQL of one text cell as ``cell`` writes it: a formula defused (its one parameter is
    ``list(FORMULA_PREFIXES)``), NULL and '' both empty (NULLIF: COPY quotes '', which
    csv.writer leaves bare)."""
    return f"NULLIF(CASE WHEN left({value}, 1) = ANY(%s) THEN '''' || {value} ELSE {value} END, '')"


def copied_csv(statement: str, *, rows_per_chunk: int = ROWS_PER_CHUNK) -> Iterator[bytes]:
    """The rows of ``COPY (…) TO STDOUT WITH (FORMAT csv)``, in a transaction whose TimeZone is
    the current one (to_char writes offsets in the session's zone) until the COPY ends: Django
    reads timestamps as if in its own. COPY ends rows with LF; exports end them with CRLF, as
    RFC 4180 does. Each block COPY hands over is one row, so its last byte is the row's end
    and a line break inside a quoted cell stays as it is."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(SET_LOCAL_TIME_ZONE, [timezone.get_current_timezone_name()])
        with cursor.copy(statement) as copy:
            for rows in batched(copy, rows_per_chunk):
                yield b"".join(bytes(row[:-1]) + b"\r\n" for row in rows)
        cursor.execute(SET_LOCAL_TIME_ZONE, [connection.timezone_name])
