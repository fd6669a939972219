#!/usr/bin/env bash
# Backs up the platform: the database as a pg_dump custom-format archive, then the
# uploaded files (workbooks, letters, stamped scans, instruction files) as a tarball,
# both named by date in BACKUP_DIR; then removes backups older than RETENTION_DAYS.
#
# Settings come from the environment, as the app's do (ipp-backup.service loads
# /etc/ipp/ipp.env):
#   DATABASE_URL     the app's database (postgresql+psycopg://… or postgresql://…)
#   UPLOAD_FOLDER    the app's file store; skipped when unset or not created yet
#   BACKUP_DIR       where backups go (default /var/backups/ipp)
#   RETENTION_DAYS   age in days after which backups are deleted (default 14)
# Restore with ipp-restore.sh; docs/DEPLOY.md has the whole procedure.
set -euo pipefail

: "${DATABASE_URL:?DATABASE_URL is not set (e.g. set -a; . /etc/ipp/ipp.env; set +a)}"
BACKUP_DIR="${BACKUP_DIR:-/var/backups/ipp}"
RETENTION_DAYS="${RETENTION_DAYS:-14}"
UPLOAD_FOLDER="${UPLOAD_FOLDER:-}"

log() { echo "$(date '+%F %T') ipp-backup: $*"; }

# libpq (pg_dump) does not understand SQLAlchemy's "+psycopg" driver suffix.
pg_url="$(sed -E 's#^postgres(ql)?(\+[A-Za-z0-9_]+)?://#postgresql://#' <<<"$DATABASE_URL")"
case "$pg_url" in
  postgresql://*) ;;
  *) echo "ipp-backup: DATABASE_URL is not PostgreSQL; this script backs up PostgreSQL only." >&2
     exit 2 ;;
esac
[[ "$RETENTION_DAYS" =~ ^[0-9]+$ ]] || { echo "ipp-backup: RETENTION_DAYS must be a number" >&2; exit 2; }

# Backups hold personal data and password hashes: readable by their owner only.
umask 077
mkdir -p "$BACKUP_DIR"
# Two runs at once (a manual run during the timer's) would race on the same names.
exec 9>"$BACKUP_DIR/.ipp-backup.lock"
if ! flock -n 9; then
  echo "ipp-backup: another backup is running" >&2
  exit 1
fi

stamp="$(date +%Y%m%d-%H%M%S)"
db_file="$BACKUP_DIR/ipp-db-$stamp.dump"
files_file="$BACKUP_DIR/ipp-files-$stamp.tar.gz"
# Written under a temporary name and renamed when complete, so a dump cut short by a full
# disk or a kill never looks like a good backup.
partial_db="$BACKUP_DIR/.ipp-db-$stamp.partial"
partial_files="$BACKUP_DIR/.ipp-files-$stamp.partial"
trap 'rm -f "$partial_db" "$partial_files"' EXIT

# The database first, the files second: a file uploaded in between is merely extra after
# a restore, whereas the other order could restore rows pointing at missing files.
# -Fc is compressed and lets pg_restore choose what to restore; one consistent snapshot
# while the app keeps running.
log "dumping the database to $db_file"
pg_dump --format=custom --file="$partial_db" "$pg_url"
# A dump pg_restore cannot list is no backup: fail now rather than on the day it is needed.
pg_restore --list "$partial_db" >/dev/null
mv "$partial_db" "$db_file"

if [ -n "$UPLOAD_FOLDER" ] && [ -d "$UPLOAD_FOLDER" ]; then
  log "archiving $UPLOAD_FOLDER to $files_file"
  tar --create --gzip --file="$partial_files" --directory="$UPLOAD_FOLDER" .
  mv "$partial_files" "$files_file"
else
  # The app creates the folder at its first upload; until then there is nothing to keep.
  log "no upload folder ${UPLOAD_FOLDER:-(UPLOAD_FOLDER unset)}: files skipped"
fi

# Only reached after a successful backup (set -e), so failing backups never delete the
# last good ones.
find "$BACKUP_DIR" -maxdepth 1 -type f \( -name 'ipp-db-*.dump' -o -name 'ipp-files-*.tar.gz' \) \
  -mtime "+$RETENTION_DAYS" -print -delete | sed 's/^/removed old backup /'
log "done: $db_file ($(du -h "$db_file" | cut -f1))"
