"""Writing and matching tens of thousands of rows inside the current transaction.

At 100,000 rows SQLAlchemy's per-row parameter handling (a compiled parameter dict per
row) costs more than the database itself, so rows arrive here as plain tuples. PostgreSQL
gets them through COPY (with psycopg 3), the other databases through one DB-API
executemany per chunk; either way in the session's transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import islice

import orjson
from sqlalchemy import JSON, Column, ColumnElement, Integer, Table, func, literal
from sqlalchemy.dialects.postgresql import ARRAY

from app.extensions import db

CHUNK = 5000  # rows held at once on the way to the database
IN_LIST = 900  # below SQLite's limit of bound parameters in old versions

_PLACEHOLDERS = {"qmark": "?", "format": "%s", "numeric": ":{n}", "named": ":{name}",
                 "pyformat": "%({name})s"}


def is_postgres() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def _converters(table: Table, columns: Sequence[str], dialect) -> list[tuple[int, Callable]]:
    """Per column, what turns the Python value into what the database is given: JSON text
    (None as JSON null unless the type says otherwise, as SQLAlchemy does) and, except for
    COPY, whose driver adapts values itself, the type's own bind processor (e.g. SQLite's
    datetime text)."""
    out = []
    for n, name in enumerate(columns):
        type_ = table.c[name].type
        if isinstance(type_, JSON):
            out.append((n, _json_or_null if type_.none_as_null else _json))
        elif dialect.name != "postgresql":
            processor = type_.dialect_impl(dialect).bind_processor(dialect)
            if processor is not None:
                out.append((n, processor))
    return out


def insert_rows(table: Table, columns: Sequence[str], rows: Iterable[tuple]) -> int:
    """Insert ``rows`` (tuples of Python values in ``columns`` order) in the session's
    transaction, streaming: at most CHUNK rows are held at a time. Column defaults are not
    applied: give every value that matters."""
    connection = db.session.connection()
    dialect = connection.dialect
    converters = _converters(table, columns, dialect)
    if converters:
        rows = (_converted(row, converters) for row in rows)
    names = ", ".join(columns)
    count = 0
    if dialect.name == "postgresql" and dialect.driver == "psycopg":
        raw = connection.connection.driver_connection
        with raw.cursor() as cursor, cursor.copy(
                f"COPY {table.name} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
        return count
    style = _PLACEHOLDERS[dialect.paramstyle]
    marks = ", ".join(style.format(n=n + 1, name=f"p{n}") for n in range(len(columns)))
    sql = f"INSERT INTO {table.name} ({names}) VALUES ({marks})"
    named = dialect.paramstyle in ("named", "pyformat")
    iterator = iter(rows)
    while chunk := list(islice(iterator, CHUNK)):
        if named:
            chunk = [{f"p{n}": v for n, v in enumerate(row)} for row in chunk]
        connection.exec_driver_sql(sql, chunk)
        count += len(chunk)
    return count


def _json(value) -> str:
    # orjson: the standard encoder spends 2 s formatting the 4.8 million floats of 100,000
    # breakdowns; this one 0.3 s, and reads back to the same values. (It writes NaN and
    # infinities as null, where the standard one writes tokens PostgreSQL refuses.)
    return orjson.dumps(value).decode()


def _json_or_null(value) -> str | None:
    return None if value is None else _json(value)


def _converted(row: Sequence, converters: list[tuple[int, Callable]]) -> tuple:
    values = list(row)
    for n, convert in converters:
        values[n] = convert(values[n])
    return tuple(values)


def matching(column: Column, ids: Sequence[int]) -> Iterator[ColumnElement[bool]]:
    """Conditions that together select the rows whose ``column`` is in ``ids``, for an
    UPDATE or DELETE each: on PostgreSQL one join with the unnested id array (an IN list or
    ``= ANY`` lets the planner pick another index and filter the whole table once per batch,
    quadratic at 100,000 rows), elsewhere IN lists of IN_LIST ids."""
    if not ids:
        return
    if is_postgres():
        given = func.unnest(literal(list(ids), ARRAY(Integer))).table_valued("id") \
            .render_derived(name="given")
        yield column == given.c.id
        return
    for start in range(0, len(ids), IN_LIST):
        yield column.in_(ids[start:start + IN_LIST])
