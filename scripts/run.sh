#!/usr/bin/env bash
# Upgrades the database, loads the demo and serves the platform with gunicorn, with
# APP_ENV=production unless set (README, "Settings"; config.py defaults to development).
set -euo pipefail
PORT="${PORT:-8000}"
mkdir -p instance
# A random key kept on this machine, so sessions survive restarts.
if [ -z "${SECRET_KEY:-}" ]; then
  [ -s instance/secret_key ] || .venv/bin/python -c "import secrets; print(secrets.token_urlsafe(48))" > instance/secret_key
  SECRET_KEY="$(cat instance/secret_key)"
fi
export SECRET_KEY APP_ENV="${APP_ENV:-production}"
.venv/bin/flask --app app setup
.venv/bin/flask --app app demo load
echo
echo "Innovation Points Platform: http://127.0.0.1:${PORT}/   (demo logins above, password Demo#2026)"
echo
exec .venv/bin/gunicorn --workers "${WORKERS:-2}" --bind "127.0.0.1:${PORT}" \
  --access-logfile - 'app:create_app()'
