"""A version per table, renewed after every commit that wrote to the table.

Kept pages (app/views/kept_lists.py) remember the versions of the tables they read and
are served again only while those versions are unchanged, so a kept page can never show
data older than the last commit a user could have seen.

Writes are noticed on the engine, below the ORM: every INSERT, UPDATE and DELETE that
SQLAlchemy sends (ORM flushes, Core statements, ``exec_driver_sql``) names its table; the
one write that bypasses SQLAlchemy, PostgreSQL's ``COPY`` in services/bulk.py, calls
``mark_written``. A connection's written tables get new versions when it commits, and
again when it goes back to the pool after the commit. Readers take the versions *before*
reading (``snapshot``), so a page read just before a commit is kept under the old
versions, which the second renewal has already replaced by the time the commit is
visible to anyone.

A version is a random token, not a counter: a version lost from the store (evicted,
Redis restarted) is replaced by a new token, which matches nothing kept, so a lost
version costs a page rendered again, never a stale one.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import re
import secrets
from collections.abc import Iterable, Iterator

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

log = logging.getLogger(__name__)

PREFIX = "table-version:"
_WRITTEN = "ipp_written_tables"  # in the connection's info: written, not yet committed
_COMMITTED = "ipp_committed_tables"  # committed, to renew again when checked in
_NAME = r'(?:"?\w+"?\.)?"?(\w+)"?'
_WRITE = re.compile(r"\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+" + _NAME, re.IGNORECASE)
_READ = re.compile(r"\b(?:FROM|JOIN)\s+" + _NAME, re.IGNORECASE)
_reading: contextvars.ContextVar[set[str] | None] = contextvars.ContextVar(
    "tables_read", default=None)


def _token() -> str:
    return secrets.token_hex(8)


class DataVersions:
    """Versions of the tables of one engine, kept in a cachelib store (Redis or memory)."""

    def __init__(self, store, tables: Iterable[str]):
        self.store = store
        self.tables = frozenset(tables)

    def install(self, engine: Engine) -> None:
        event.listen(engine, "after_cursor_execute", self._executed)
        event.listen(engine, "commit", self._committing)
        event.listen(engine, "rollback", self._rolled_back)
        event.listen(engine, "checkin", self._checked_in)

    # -- writes -----------------------------------------------------------------------
    def _executed(self, conn, _cursor, statement, _parameters, _context, _many) -> None:
        written = _WRITE.match(statement)
        if written:
            conn.info.setdefault(_WRITTEN, set()).add(written.group(1).lower())
        reading = _reading.get()
        if reading is not None:
            reading.update(name.lower() for name in _READ.findall(statement))

    def _committing(self, conn: Connection) -> None:
        written = conn.info.pop(_WRITTEN, None)
        if written:
            self.renew(written)
            conn.info.setdefault(_COMMITTED, set()).update(written)

    def _rolled_back(self, conn: Connection) -> None:
        conn.info.pop(_WRITTEN, None)

    def _checked_in(self, _dbapi_connection, record) -> None:
        committed = record.info.pop(_COMMITTED, None) if record is not None else None
        if committed:
            self.renew(committed)

    def renew(self, tables: Iterable[str]) -> None:
        try:
            self.store.set_many({PREFIX + name: _token() for name in tables}, timeout=0)
        except Exception:  # noqa: BLE001 — kept pages then live until their time is up
            log.warning("could not renew table versions %s", sorted(tables), exc_info=True)

    # -- reads ------------------------------------------------------------------------
    def current(self, tables: Iterable[str]) -> dict[str, str]:
        """The tables' versions now; a table without one gets a new one."""
        names = sorted(set(tables))
        found = self.store.get_many(*(PREFIX + name for name in names))
        versions = {}
        for name, version in zip(names, found, strict=True):
            if version is None:
                self.store.add(PREFIX + name, _token(), timeout=0)
                version = self.store.get(PREFIX + name)
            versions[name] = version
        return versions

    def remembered(self, key: str, tables: Iterable[str], compute, seconds: int):
        """``compute()``, kept under ``key`` while the ``tables`` it reads are unchanged."""
        try:
            kept = self.store.get(key)
            if kept is not None and self.current(kept[0]) == kept[0]:
                return kept[1]
            before = self.current(tables)
        except Exception:  # noqa: BLE001 — a store that does not answer: compute
            log.warning("kept values unavailable; computing", exc_info=True)
            return compute()
        value = compute()
        try:
            self.store.set(key, (before, value), timeout=seconds)
        except Exception:  # noqa: BLE001
            log.warning("kept values unavailable; not kept", exc_info=True)
        return value

    def snapshot(self) -> dict[str, str]:
        """Every table's version, taken before reading what is to be kept."""
        return self.current(self.tables)

    @staticmethod
    @contextlib.contextmanager
    def reading(into: set[str]) -> Iterator[set[str]]:
        """Collect the names of the tables the statements inside read from."""
        token = _reading.set(into)
        try:
            yield into
        finally:
            _reading.reset(token)


def mark_written(connection: Connection, table_name: str) -> None:
    """For writes that bypass SQLAlchemy's cursor (COPY): renew the table on commit."""
    connection.info.setdefault(_WRITTEN, set()).add(table_name.lower())
