"""The lists' "缺少佐证材料 N 项" column: how many required evidence files each record of the
page still lacks, counted for the whole page at once (one query for the page's attachments,
none for records of activities that require no files) while the list is rendered — so a
kept list (views/shell/kept_lists.py) also depends on the attachment table it read."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from app.domain import display
from app.services.review import missing_files
from app.views.shell.filters import SubmissionInterface
from app.views.shell.tags import tag

COLUMN = "missing_evidence"
LABEL = _l("Evidence files")


class WithMissingEvidence(SubmissionInterface):
    """Submissions whose list rows carry ``missing_evidence``: None where the activity
    requires no files, else how many required files the record lacks."""

    def get_values(self, lst, list_columns):
        if COLUMN not in list_columns:
            yield from super().get_values(lst, list_columns)
            return
        items = list(lst)
        lacking = missing_files.lacking(items)
        for item, values in zip(items, super().get_values(items, list_columns), strict=True):
            keys = lacking.get(item.id)
            values[COLUMN] = None if keys is None else len(keys)
            yield values


def missing_tag(count) -> Markup:
    if count is None:
        return Markup(display.MISSING)
    if not count:
        return tag(_("All files present"), "green", data_missing="0")
    return tag(_("%(n)s evidence files missing", n=count), "red", data_missing=str(count))


def without_column(columns) -> list[str]:
    """Sorting and exporting leave the column out: it is counted, not stored."""
    return [c for c in columns if c != COLUMN]
