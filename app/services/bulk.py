"""Inserting many rows in the current transaction without SQLAlchemy's per-row work.

Core's executemany spends most of its time building a parameter dictionary per row and
passing every value through its type's processor (docs/PERFORMANCE.md, batch upload).
Here rows are plain tuples; only the columns whose type needs converting for the
driver (JSON, and dates and booleans on SQLite) go through the same processors, so the
stored values are what Core would have stored. PostgreSQL with psycopg 3 gets ``COPY``;
other databases a DBAPI executemany. Rows are written on the session's connection,
inside its transaction: a rollback removes them with everything else.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator, Mapping, Sequence
from typing import Any

from sqlalchemy import ARRAY, Table, any_, bindparam

from app.extensions import db

# Ways to write, chosen from the connection; "core" (SQLAlchemy Core, as before) is the
# reference the tests compare the others with.
COPY, EXECUTEMANY, CORE = "copy", "executemany", "core"
forced_method: str | None = None
SLICE = 900


def method_for(dialect) -> str:
    if forced_method:
        return forced_method
    if dialect.name == "postgresql" and dialect.driver == "psycopg":
        return COPY
    return EXECUTEMANY


def among(column, values: Sequence) -> Iterator:
    """Conditions ``column IN values`` for a long list of values: one array parameter on
    PostgreSQL (an IN list of thousands costs psycopg more to bind than the query takes),
    and slices under SQLite's limit of parameters elsewhere."""
    if db.session.get_bind().dialect.name == "postgresql":
        if values:
            yield column == any_(bindparam(None, list(values), type_=ARRAY(column.type)))
        return
    for start in range(0, len(values), SLICE):
        yield column.in_(values[start:start + SLICE])


def insert_rows(table: Table, columns: Sequence[str], rows: list[tuple],
                constants: Mapping[str, Any] | None = None,
                encoded: Collection[str] = ()) -> None:
    """Insert ``rows`` (tuples in ``columns`` order) into ``table``.

    ``constants`` are columns with the same value in every row. Columns left out that
    have a Python-side default get it, evaluated once for all rows (Core evaluates it
    per row: timestamps then differ by microseconds, nothing else). ``encoded`` names
    JSON columns whose values the caller already serialized with ``json.dumps``, the
    serializer Core uses.
    """
    if not rows:
        return
    connection = db.session.connection()
    dialect = connection.dialect
    columns = list(columns)
    constants = {**(constants or {})}
    method = method_for(dialect)
    if method == CORE:
        _core(table, columns, rows, constants, encoded)
        return
    constants.update(_defaults(table, [*columns, *constants]))
    rows = _processed(table, columns, rows, dialect, encoded)
    if constants:
        (extra,) = _processed(table, list(constants), [tuple(constants.values())], dialect,
                              encoded)
        columns += list(constants)
        rows = [row + extra for row in rows]
    if method == COPY:
        _copy(connection, table, columns, rows)
    else:
        _executemany(connection, table, columns, rows)


def _defaults(table: Table, columns: list[str]) -> dict[str, Any]:
    given = set(columns)
    values = {}
    for column in table.columns:
        default = column.default
        if column.name in given or default is None or column.primary_key:
            continue
        if default.is_scalar:
            values[column.name] = default.arg
        elif default.is_callable:
            values[column.name] = default.arg(None)  # Core wraps plain callables to take ctx
    return values


def _processed(table, columns, rows, dialect, encoded) -> list[tuple]:
    processors = []
    for index, name in enumerate(columns):
        if name in encoded:
            continue
        processor = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        if processor is not None:
            processors.append((index, processor))
    if not processors:
        return rows
    # Column by column: one map() per converted column instead of a loop per row.
    by_column = list(zip(*rows, strict=True))
    for index, processor in processors:
        by_column[index] = map(processor, by_column[index])
    return list(zip(*by_column, strict=True))


def _core(table, columns, rows, constants, encoded) -> None:
    decode = [(i, json.loads) if name in encoded else (i, None) for i, name in enumerate(columns)]
    db.session.execute(table.insert(), [
        {**{columns[i]: (f(v) if f else v) for (i, f), v in zip(decode, row, strict=True)},
         **constants} for row in rows])


def _executemany(connection, table, columns, rows) -> None:
    preparer = connection.dialect.identifier_preparer
    names = ", ".join(preparer.quote(name) for name in columns)
    style = connection.dialect.paramstyle
    if style == "qmark":
        marks = ", ".join("?" * len(columns))
    elif style == "numeric":
        marks = ", ".join(f":{i}" for i in range(1, len(columns) + 1))
    elif style in ("format", "pyformat"):
        marks = ", ".join(["%s"] * len(columns))
    else:
        raise NotImplementedError(f"paramstyle {style}")
    connection.exec_driver_sql(
        f"INSERT INTO {preparer.format_table(table)} ({names}) VALUES ({marks})", rows)


def _copy(connection, table, columns, rows) -> None:
    preparer = connection.dialect.identifier_preparer
    names = ", ".join(preparer.quote(name) for name in columns)
    raw = connection.connection.driver_connection
    with raw.cursor() as cursor, cursor.copy(
            f"COPY {preparer.format_table(table)} ({names}) FROM STDIN") as copy:
        write = copy.write_row
        for row in rows:
            write(row)
