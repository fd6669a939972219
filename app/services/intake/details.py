"""A record's detail rows (明细表, SPEC §12.1) as every channel stores them: read and typed by
``app/domain/records/details.py``, each row keeping a ``uid`` (so that a file, a 存疑 mark
or a diff can name it across edits), the counts they derive written over the typed ones.

Used by the portal form, the batch import and the API alike; the detail findings join the
record's findings (rule ``D:<table>``), so a record with a bad row cannot be submitted.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from app.domain.records import details as D
from app.domain.records.fields import REGISTRY
from app.domain.records.validation import Finding

DETAILS = "details"  # provenance of a count computed from the rows: 由明细计算


def new_uid() -> str:
    return secrets.token_hex(6)


def _stored(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def clean_rows(table: D.DetailTable, raw_rows: Iterable[Mapping[str, Any]]) -> list[dict]:
    """Rows as stored: typed values (dates as ISO text), a uid kept or given, rows wholly
    empty dropped (an empty line of the editor, an empty line of a sheet)."""
    rows = []
    for raw in raw_rows:
        row = D.normalize_row(table, raw)
        if all(value in (None, "") for value in row.values()):
            continue
        uid = str(raw.get("uid") or "")[:32] or new_uid()
        rows.append({"uid": uid, **{k: _stored(v) for k, v in row.items()}})
    return rows


def clean(tables: Sequence[str], raw: Mapping[str, Iterable[Mapping]] | None) -> dict:
    """Every asked-for table's rows (an empty list where none came)."""
    raw = raw or {}
    return {key: clean_rows(D.TABLES[key], raw.get(key) or []) for key in tables}


def _typed(table: D.DetailTable, row: Mapping[str, Any]) -> dict:
    """A stored row read back for checking (ISO dates to dates)."""
    return D.normalize_row(table, row)


def findings(tables: Sequence[str], details: Mapping[str, Sequence[Mapping]], data_year: int,
             required: Iterable[str] = (), typed_counts: Mapping[str, Any] | None = None
             ) -> list[Finding]:
    """The rows' findings as the record's: each row rule (``check_rows``), a required table
    left empty, and — when counts were typed beside the rows (an uploaded main sheet) —
    every count the rows contradict."""
    found: list[Finding] = []
    required = set(required)
    for key in tables:
        table = D.TABLES[key]
        rows = [_typed(table, row) for row in details.get(key) or []]
        counts = tuple(table.derives)
        for finding in D.check_rows(table, rows, data_year):
            found.append(DetailFinding(f"D:{key}", "strong", counts, finding.message_zh,
                                       finding.message_en, key, finding.row, finding.column))
        if key in required and not rows:
            found.append(DetailFinding(
                f"D:{key}", "strong", counts, f"请填写{table.sheet_zh}（至少一行）。",
                f"Fill in {table.sheet_en} (at least one row).", key, None, None))
    if typed_counts is not None:
        for finding in D.contradictions(tables, details, typed_counts, _count_label):
            found.append(DetailFinding(f"D:{finding.table}", "strong", (finding.column,),
                                       finding.message_zh, finding.message_en, finding.table,
                                       None, finding.column))
    return found


def _count_label(key: str, lang: str) -> str:
    return REGISTRY[key].label_with_unit(lang) if key in REGISTRY.keys() else key


class DetailFinding(Finding):
    """A finding about a detail row: which table, row (1-based, None for the table or a
    contradicted count) and column (a column key, or the count field)."""

    def __init__(self, rule, severity, fields, message_zh, message_en, table, row, column):
        super().__init__(rule, severity, tuple(fields), message_zh, message_en)
        object.__setattr__(self, "table", table)
        object.__setattr__(self, "row", row)
        object.__setattr__(self, "column", column)


def derived(tables: Sequence[str], details: Mapping[str, Sequence[Mapping]]) -> dict[str, int]:
    return D.derived_counts(tables, {k: [_typed(D.TABLES[k], r) for r in v or []]
                                     for k, v in details.items() if k in D.TABLES})


# Pure comparisons, kept in the domain (the review side uses them too); re-exported here.
row_changes = D.row_changes
describe_row = D.describe_row
