#!/usr/bin/env bash
# Load test (issue 8): gunicorn with production settings on loopback against PostgreSQL
# (ipp_load, from prepare.py) and Redis, 50 locust users for DURATION (default 5m).
#
#   python3 -m venv /tmp/locust-venv && /tmp/locust-venv/bin/pip install locust   # once
#   .venv/bin/python benchmarks/load/prepare.py
#   benchmarks/load/run.sh                 # DURATION=2m USERS=50 LOCUST=/tmp/locust-venv/bin/locust
#
# Results: benchmarks/load/out/<tag>_stats.csv (per page), gunicorn's log beside it.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
OUT="$HERE/out"
mkdir -p "$OUT"
DURATION="${DURATION:-5m}"
USERS="${USERS:-50}"
LOCUST="${LOCUST:-/tmp/locust-venv/bin/locust}"
LOCUSTFILE="${LOCUSTFILE:-$HERE/locustfile.py}"
APP="${APP:-app:create_app()}"          # bare_fab.py's comparison passes its own app
TAG="${TAG:-load}"
WORKERS="${WORKERS:-$(( 2 * $(nproc) + 1 ))}"  # gunicorn's usual 2 × cores + 1
PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"

export APP_ENV=production
export SECRET_KEY="$(python3 -c 'import secrets; print(secrets.token_urlsafe(48))')"
export DATABASE_URL="${DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/ipp_load}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/0}"
# All simulated users come from 127.0.0.1: the per-address login limit (10/min) would refuse
# most of the 50 logins, which is not what the test measures.
export AUTH_RATE_LIMIT="1000 per 1 minute"

cd "$ROOT"
.venv/bin/gunicorn --workers "$WORKERS" --bind "127.0.0.1:$PORT" --access-logfile - \
    --error-logfile "$OUT/${TAG}_gunicorn.log" "$APP" > "$OUT/${TAG}_access.log" 2>&1 &
GUNICORN=$!
trap 'kill "$GUNICORN" 2>/dev/null || true; wait "$GUNICORN" 2>/dev/null || true' EXIT
for _ in $(seq 60); do
    curl -sf -o /dev/null "http://127.0.0.1:$PORT/login/" && break
    sleep 1
done

"$LOCUST" -f "$LOCUSTFILE" --headless -u "$USERS" -r 10 -t "$DURATION" \
    --host "http://127.0.0.1:$PORT" --csv "$OUT/$TAG" --only-summary ${LOCUST_ARGS:-} \
    > "$OUT/${TAG}_locust.log" 2>&1 || true   # locust exits 1 when any request failed

python3 - "$OUT/${TAG}_stats.csv" "$OUT/${TAG}_failures.csv" <<'EOF'
import csv, sys
print(f"{'page':34} {'requests':>8} {'errors':>6} {'req/s':>6} {'p50':>5} {'p95':>5} {'p99':>5}")
for row in csv.DictReader(open(sys.argv[1])):
    print(f"{(row['Name'] if row['Name'] != 'Aggregated' else 'ALL')[:34]:34} "
          f"{row['Request Count']:>8} {row['Failure Count']:>6} "
          f"{float(row['Requests/s']):6.1f} {row['50%']:>5} {row['95%']:>5} {row['99%']:>5}")
failures = list(csv.DictReader(open(sys.argv[2])))
for row in failures:
    print("failure:", row["Name"], row["Error"][:120], row["Occurrences"])
EOF
