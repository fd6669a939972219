#!/usr/bin/env bash
# Restores a backup made by ipp-backup.sh:
#
#   ipp-restore.sh ipp-db-YYYYmmdd-HHMMSS.dump [ipp-files-YYYYmmdd-HHMMSS.tar.gz]
#
# into the EMPTY database named by DATABASE_URL, and the files into UPLOAD_FOLDER, which
# must be missing or empty. It refuses anything else rather than merge a backup into live
# data: recreate the database (and move the old upload folder aside) first, as
# docs/DEPLOY.md shows. Connect as the role that should own the tables (the app's own),
# since ownership is not taken from the dump.
set -euo pipefail

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
  echo "usage: $0 DATABASE_DUMP [FILES_TARBALL]" >&2
  exit 2
fi
dump="$1"
files="${2:-}"
: "${DATABASE_URL:?DATABASE_URL is not set (the database to restore into)}"

log() { echo "$(date '+%F %T') ipp-restore: $*"; }

# libpq (pg_restore, psql) does not understand SQLAlchemy's "+psycopg" driver suffix.
pg_url="$(sed -E 's#^postgres(ql)?(\+[A-Za-z0-9_]+)?://#postgresql://#' <<<"$DATABASE_URL")"
case "$pg_url" in
  postgresql://*) ;;
  *) echo "ipp-restore: DATABASE_URL is not PostgreSQL." >&2; exit 2 ;;
esac

[ -r "$dump" ] || { echo "ipp-restore: cannot read $dump" >&2; exit 2; }
pg_restore --list "$dump" >/dev/null
if [ -n "$files" ]; then
  [ -r "$files" ] || { echo "ipp-restore: cannot read $files" >&2; exit 2; }
  : "${UPLOAD_FOLDER:?UPLOAD_FOLDER is not set (where the files go)}"
  if [ -d "$UPLOAD_FOLDER" ] && [ -n "$(ls -A "$UPLOAD_FOLDER")" ]; then
    echo "ipp-restore: $UPLOAD_FOLDER is not empty; move it aside first." >&2
    exit 1
  fi
  # Check the archive before touching the database, so a bad one stops everything.
  tar --list --gzip --file="$files" >/dev/null
fi

tables="$(psql "$pg_url" --no-psqlrc --tuples-only --no-align --quiet \
  --command "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")"
if [ "$tables" != "0" ]; then
  echo "ipp-restore: the target database already has $tables tables; restore only into an" \
       "empty database (dropdb/createdb first)." >&2
  exit 1
fi

# One transaction: any error leaves the database as empty as it was. --no-owner/--no-acl:
# the restoring role owns everything, whatever role owned it on the backed-up server.
log "restoring $dump"
pg_restore --no-owner --no-acl --exit-on-error --single-transaction \
  --dbname="$pg_url" "$dump"
# pg_restore does not carry planner statistics; without them the first queries are slow.
psql "$pg_url" --no-psqlrc --quiet --command "ANALYZE"

if [ -n "$files" ]; then
  log "restoring files into $UPLOAD_FOLDER"
  mkdir -p "$UPLOAD_FOLDER"
  tar --extract --gzip --file="$files" --directory="$UPLOAD_FOLDER" --no-same-owner
fi

log "done. Next: flask --app app setup (brings an older backup's schema up to this release)."
