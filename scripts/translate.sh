#!/usr/bin/env bash
# Extract, merge and fill the Chinese catalogue under a lock, so that two people (or agents)
# working in one checkout never overwrite each other's translations:
#   scripts/translate.sh FILE.py      FILE.py defines ZH = {msgid: 中文}
set -euo pipefail
cd "$(dirname "$0")/.."
exec 9>/tmp/ipp-translations.lock
flock 9
make -s i18n-update >/dev/null 2>&1
.venv/bin/python scripts/fill_translations.py "$1"
make -s translations >/dev/null
