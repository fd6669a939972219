"""Where benchmarks run: a fresh SQLite file, and a fresh PostgreSQL database when one answers.

Both are removed when the benchmark's process ends: each run creates its own, and 100,000
records a run would otherwise pile up.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
import uuid

SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"


def database_targets(database: str | None) -> list[str]:
    if database:
        return [database]
    folder = tempfile.mkdtemp()
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    targets = [f"sqlite:///{folder}/bench.db"]
    try:
        import psycopg

        name = f"ipp_bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(SERVER, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        atexit.register(_drop, name)
        targets.append(f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}")
    except Exception as error:  # noqa: BLE001 - PostgreSQL is optional here
        print(f"PostgreSQL not available ({error}); SQLite only.")
    return targets


def _drop(name: str) -> None:
    import psycopg

    with psycopg.connect(SERVER, autocommit=True, connect_timeout=3) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
