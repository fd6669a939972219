"""Fill empty Chinese translations from a Python file defining ZH = {msgid: msgstr}.

    .venv/bin/python scripts/fill_translations.py FILE.py   (after `make i18n-update`)
"""

import runpy
import sys

from babel.messages.pofile import read_po, write_po

PO = "translations/zh/LC_MESSAGES/messages.po"

given = runpy.run_path(sys.argv[1])["ZH"]
with open(PO, "rb") as handle:
    catalog = read_po(handle)
filled = 0
for message in catalog:
    if message.id and not message.string and message.id in given:
        message.string = given[message.id]
        filled += 1
with open(PO, "wb") as handle:
    write_po(handle, catalog, omit_header=False, sort_output=True, width=76)
missing = [m.id for m in catalog if m.id and not m.string]
print(f"{filled} filled; {len(missing)} still empty")
for msgid in missing:
    print("  ", repr(msgid))
