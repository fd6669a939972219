"""Writing and matching tens of thousands of rows inside the current transaction.

At 100,000 rows SQLAlchemy's per-row work costs more than the database itself: Core's
executemany builds a parameter dictionary per row and passes every value through its
type's processor (docs/PERFORMANCE.md, batch upload and score runs). Here rows are plain
tuples; only the columns whose type needs converting for the driver (JSON, and dates and
booleans on SQLite) go through the same processors, so the stored values are what Core
would have stored. PostgreSQL with psycopg 3 gets ``COPY``; other databases a DBAPI
executemany. Rows are written on the session's connection, inside its transaction: a
rollback removes them with everything else.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from itertools import islice
from typing import Any

import orjson
from sqlalchemy import ARRAY, JSON, Table, any_, bindparam, func, literal

from app.extensions import db
from app.services.platform.data_versions import mark_written

# Ways to write, chosen from the connection; "core" (SQLAlchemy Core, as before) is the
# reference the tests compare the others with.
COPY, EXECUTEMANY, CORE = "copy", "executemany", "core"
forced_method: str | None = None
SLICE = 900  # values per IN list: below SQLite's limit of bound parameters in old versions
CHUNK = 5000  # rows held converted at once on the way to the database

# Positional styles take the tuples as they are; named ones get a dict per row.
_PLACEHOLDERS = {"qmark": "?", "format": "%s", "pyformat": "%s", "numeric": ":{n}",
                 "named": ":{name}"}


def is_postgres(dialect=None) -> bool:
    """Whether the session's database (or ``dialect``'s) is PostgreSQL."""
    return (dialect or db.session.get_bind().dialect).name == "postgresql"


def method_for(dialect) -> str:
    if forced_method:
        return forced_method
    # COPY needs psycopg 3's cursor.copy; psycopg2 and others get executemany.
    if is_postgres(dialect) and dialect.driver == "psycopg":
        return COPY
    return EXECUTEMANY


def among(column, values: Sequence, *, join: bool = False) -> Iterator:
    """Conditions that together select the rows whose ``column`` is in ``values``: run
    the statement once per condition.

    On PostgreSQL there is one condition with the values as one array parameter (an IN
    list of thousands costs psycopg more to bind than the query takes). By default it is
    ``= ANY(array)``, for SELECTs. With ``join`` (UPDATE and DELETE over many ids) it
    joins the unnested array instead: there ``= ANY`` lets the planner pick another index
    and filter the whole table, quadratic at 100,000 rows, while the join is linear
    whatever the statistics. (In a SELECT the join would repeat a row per repeated value;
    an UPDATE or DELETE touches each row once.) Elsewhere: IN lists of SLICE values.
    """
    if not values:
        return
    if is_postgres():
        array = ARRAY(column.type)
        if join:
            given = func.unnest(literal(list(values), array)).table_valued("id") \
                .render_derived(name="given")
            yield column == given.c.id
        else:
            yield column == any_(bindparam(None, list(values), type_=array))
        return
    for start in range(0, len(values), SLICE):
        yield column.in_(values[start:start + SLICE])


def fast_json(value) -> str:
    """JSON text with orjson, for ``insert_rows(json_dumps=...)``.

    The standard encoder spends 2 s formatting the 4.8 million floats of 100,000 score
    breakdowns; this one 0.3 s, and reads back to the same values. Its text is compact
    (no spaces), so callers whose stored text is compared with Core's keep json.dumps.
    (It writes NaN and infinities as null, where the standard one writes tokens
    PostgreSQL refuses.)"""
    return orjson.dumps(value).decode()


def insert_rows(table: Table, columns: Sequence[str], rows: Iterable[tuple],
                constants: Mapping[str, Any] | None = None, encoded: Collection[str] = (),
                json_dumps: Callable[[Any], str] | None = None) -> int:
    """Insert ``rows`` (tuples in ``columns`` order) into ``table``; return how many.

    ``rows`` may be a generator: at most CHUNK rows are held converted at a time.
    ``constants`` are columns with the same value in every row. Columns left out that
    have a Python-side default get it, evaluated once for all rows (Core evaluates it
    per row: timestamps then differ by microseconds, nothing else). ``encoded`` names
    JSON columns whose values the caller already serialized with ``json.dumps``, the
    serializer Core uses. ``json_dumps`` serializes the other JSON columns instead of
    the type's processor (None stays SQL NULL only where the type says none_as_null,
    as in SQLAlchemy).
    """
    iterator = iter(rows)
    chunk = list(islice(iterator, CHUNK))
    if not chunk:  # no connection taken, no transaction begun
        return 0
    connection = db.session.connection()
    dialect = connection.dialect
    columns = list(columns)
    constants = {**(constants or {})}
    method = method_for(dialect)
    if method == CORE:
        rows = chunk + list(iterator)
        _core(table, columns, rows, constants, encoded)
        return len(rows)
    constants.update(_defaults(table, [*columns, *constants]))
    extra = ()
    if constants:
        (extra,) = _processed([tuple(constants.values())], _converters(
            table, list(constants), dialect, encoded, json_dumps))
    converters = _converters(table, columns, dialect, encoded, json_dumps)
    columns += list(constants)
    write = _copy if method == COPY else _executemany
    if method == COPY:  # bypasses SQLAlchemy's cursor, where writes are noticed
        mark_written(connection, table.name)
    count = 0
    with write(connection, table, columns) as send:
        while chunk:
            rows = _processed(chunk, converters)
            send([row + extra for row in rows] if extra else rows)
            count += len(chunk)
            chunk = list(islice(iterator, CHUNK))
    return count


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


def _converters(table, columns, dialect, encoded, json_dumps) -> list[tuple[int, Callable]]:
    converters = []
    for index, name in enumerate(columns):
        if name in encoded:
            continue
        type_ = table.c[name].type
        if json_dumps is not None and isinstance(type_, JSON):
            processor = _json_converter(json_dumps, type_.none_as_null)
        else:
            processor = type_.dialect_impl(dialect).bind_processor(dialect)
        if processor is not None:
            converters.append((index, processor))
    return converters


def _json_converter(dumps: Callable[[Any], str], none_as_null: bool) -> Callable:
    if none_as_null:
        return lambda value: None if value is None else dumps(value)
    return dumps  # None becomes JSON null, as SQLAlchemy writes it


def _processed(rows: list[tuple], converters) -> list[tuple]:
    if not converters:
        return rows
    # Column by column: one map() per converted column instead of a loop per row.
    by_column = list(zip(*rows, strict=True))
    for index, convert in converters:
        by_column[index] = map(convert, by_column[index])
    return list(zip(*by_column, strict=True))


def _core(table, columns, rows, constants, encoded) -> None:
    decode = [(i, json.loads) if name in encoded else (i, None) for i, name in enumerate(columns)]
    db.session.execute(table.insert(), [
        {**{columns[i]: (f(v) if f else v) for (i, f), v in zip(decode, row, strict=True)},
         **constants} for row in rows])


@contextmanager
def _executemany(connection, table, columns) -> Iterator[Callable[[list[tuple]], None]]:
    """One DBAPI executemany per chunk of rows."""
    preparer = connection.dialect.identifier_preparer
    style = connection.dialect.paramstyle
    if style not in _PLACEHOLDERS:
        raise NotImplementedError(f"paramstyle {style}")
    marks = ", ".join(_PLACEHOLDERS[style].format(n=n + 1, name=f"p{n}")
                      for n in range(len(columns)))
    names = ", ".join(preparer.quote(name) for name in columns)
    sql = f"INSERT INTO {preparer.format_table(table)} ({names}) VALUES ({marks})"

    def send(rows: list[tuple]) -> None:
        if style == "named":
            rows = [{f"p{n}": v for n, v in enumerate(row)} for row in rows]
        connection.exec_driver_sql(sql, rows)

    yield send


@contextmanager
def _copy(connection, table, columns) -> Iterator[Callable[[list[tuple]], None]]:
    """One COPY for all the chunks, written row by row as they come."""
    preparer = connection.dialect.identifier_preparer
    names = ", ".join(preparer.quote(name) for name in columns)
    raw = connection.connection.driver_connection
    with raw.cursor() as cursor, cursor.copy(
            f"COPY {preparer.format_table(table)} ({names}) FROM STDIN") as copy:
        write = copy.write_row

        def send(rows: list[tuple]) -> None:
            for row in rows:
                write(row)

        yield send
