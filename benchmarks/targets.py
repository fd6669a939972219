"""Where benchmarks run: a fresh SQLite file, and a fresh PostgreSQL database when one answers."""

from __future__ import annotations

import tempfile
import uuid


def database_targets(database: str | None) -> list[str]:
    if database:
        return [database]
    targets = [f"sqlite:///{tempfile.mkdtemp()}/bench.db"]
    try:
        import psycopg

        name = f"ipp_bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres",
                             autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        targets.append(f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}")
    except Exception as error:  # noqa: BLE001 - PostgreSQL is optional here
        print(f"PostgreSQL not available ({error}); SQLite only.")
    return targets
