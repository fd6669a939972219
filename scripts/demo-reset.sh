#!/usr/bin/env bash
# Start the demo again from scratch: the SQLite database of `make run` is removed and made
# anew with the demo data. It refuses any other database (DATABASE_URL set): a deployment's
# data is never thrown away by a make target.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -n "${DATABASE_URL:-}" ] && [[ "${DATABASE_URL}" != sqlite* ]]; then
  echo "DATABASE_URL names a server database: demo-reset only resets the built-in SQLite demo." >&2
  exit 1
fi
rm -f instance/app.db
export APP_ENV="${APP_ENV:-development}"
.venv/bin/flask --app app setup
.venv/bin/flask --app app demo load
echo "Demo data reset. Start the platform with: make run"
