#!/usr/bin/env bash
# Runs the whole suite on SQLite, then on PostgreSQL when one is reachable
# (TEST_DATABASE_URL, or a server on 127.0.0.1:5432). REQUIRE_POSTGRES=1 makes a
# missing PostgreSQL an error, as in CI.
set -euo pipefail
PY=.venv/bin/python

echo "== Lint"
.venv/bin/ruff check .
echo "== Layers and capability packages (docs/ARCHITECTURE.md)"
.venv/bin/lint-imports --no-cache

echo "== Tests on SQLite"
TEST_DATABASE_URL= "$PY" -m pytest "$@"

url="${TEST_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/test}"
if "$PY" - "$url" <<'PYEOF'
import sys
import psycopg
from config import normalize_database_url
from sqlalchemy.engine import make_url
u = make_url(normalize_database_url(sys.argv[1]))
try:
    psycopg.connect(host=u.host, port=u.port or 5432, user=u.username, password=u.password,
                    dbname=u.database, connect_timeout=3).close()
except Exception as error:
    print(f"PostgreSQL not reachable at {u.host}:{u.port or 5432}: {error}", file=sys.stderr)
    sys.exit(1)
PYEOF
then
  echo "== Tests on PostgreSQL"
  TEST_DATABASE_URL="$url" "$PY" -m pytest "$@"
elif [ "${REQUIRE_POSTGRES:-0}" = "1" ]; then
  echo "REQUIRE_POSTGRES=1 but PostgreSQL is not reachable: start it or set TEST_DATABASE_URL." >&2
  exit 1
else
  echo "PostgreSQL not reachable: its run was skipped (set TEST_DATABASE_URL to include it)."
fi
