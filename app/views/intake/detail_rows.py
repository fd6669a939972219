"""The portal form's detail tables (明细表, SPEC §12.1): rows read from the posted form, and
what the page shows beside them — the editors per dimension, each row's findings, the rows a
reviewer marked 存疑, the evidence each field and row carries.

Rows are posted as ``detail-<table>-<n>-<column>`` with a hidden ``detail-<table>-<n>-uid``;
``details=1`` says the editors were on the page (without it the stored rows stay as they are).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from flask import current_app, request, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.domain import workflow
from app.domain.records.details import TABLES, DetailTable
from app.domain.records.fields import REGISTRY
from app.extensions import db
from app.models import ReportingActivity, ReviewRecord, Submission
from app.services.intake import details as detail_service
from app.services.intake import reporting
from app.views.evidence.shown import files_of

FIELD_NAME = re.compile(r"^detail-([a-z]+)-(\d{1,4})-([a-z_]+)$")
MAX_ROWS = 500  # a table's rows on one form; more is not a form's work (use the batch sheet)

# The options of the detail tables as the English page names them (stored values stay Chinese).
OPTION_LABELS = {
    "发明专利": _l("Invention patent"),
    "实用新型": _l("Utility model patent"),
    "外观设计": _l("Industrial design patent"),
    "软件著作权": _l("Software copyright"),
    "集成电路布图设计": _l("Integrated circuit layout design"),
    "植物新品种": _l("New plant variety"),
    "地市级": _l("City level"),
    "省级": _l("Provincial level"),
    "国家级": _l("National level"),
    "国家标准": _l("National standard"),
    "行业标准": _l("Industry standard"),
}


def derived_fields(rows: dict) -> list[str]:
    """The count fields the given tables derive (shown read-only: 由明细计算)."""
    return [count for key in rows for count in TABLES[key].derives]


def option_label(value: str) -> str:
    return str(OPTION_LABELS.get(value, value))


def rows_from_form(activity: ReportingActivity) -> dict[str, list[dict]] | None:
    """{table: [row, …]} of every asked-for table as posted, in the editor's order; None
    when the form carried no editors (the stored rows then stay)."""
    asked = activity.asked_tables()
    if not asked or request.form.get("details") != "1":
        return None
    found: dict[str, dict[int, dict]] = {key: {} for key in asked}
    for name, value in request.form.items():
        match = FIELD_NAME.match(name)
        if not match or match[1] not in found:
            continue
        key, index, column = match[1], int(match[2]), match[3]
        if column != "uid" and column not in TABLES[key].keys:
            continue
        rows = found[key]
        if index in rows or len(rows) < MAX_ROWS:
            rows.setdefault(index, {})[column] = value
    return {key: [rows[i] for i in sorted(rows)] for key, rows in found.items()}


@dataclass
class Editor:
    """One detail table on the form."""

    table: DetailTable
    rows: list[dict]
    required: bool
    files_required: bool
    derives: list[str]  # the labels of the counts its rows give
    findings: list[dict] = field(default_factory=list)  # about the table as a whole


def is_iso_date(value) -> bool:
    try:
        dt.date.fromisoformat(str(value))
        return True
    except ValueError:
        return False


def doubts_of(submission: Submission) -> dict[str, str]:
    """``table:uid`` -> the reason, for the rows the reviewer marked 存疑 when returning the
    record (the latest return; shown while the record is back with the enterprise)."""
    if submission.status != workflow.RETURNED:
        return {}
    doubts = db.session.execute(
        select(ReviewRecord.doubts).where(ReviewRecord.submission_id == submission.id,
                                          ReviewRecord.action == workflow.RETURN)
        .order_by(ReviewRecord.id.desc()).limit(1)).scalar_one_or_none()
    rows = submission.details or {}
    found = {}
    for doubt in doubts or []:
        key, uid = doubt.get("table"), doubt.get("uid")
        if not uid and doubt.get("row") and key in rows:  # named by its place only
            place = int(doubt["row"]) - 1
            uid = rows[key][place].get("uid") if 0 <= place < len(rows[key]) else None
        if key and uid:
            found[f"{key}:{uid}"] = doubt.get("reason") or ""
    return found


def form_context(submission: Submission, lang: str) -> dict:
    """What ``portal/form.html`` needs for the detail tables and the evidence files."""
    activity = submission.activity
    asked = activity.asked_tables()
    stored = submission.details or {}
    evidence = activity.evidence_required()
    editors: dict[str, list[Editor]] = {}
    for key in asked:
        table = TABLES[key]
        editors.setdefault(table.dimension, []).append(Editor(
            table, list(stored.get(key) or []), key in activity.required_tables(),
            f"table:{key}" in evidence,
            [REGISTRY[c].label(lang) for c in table.derives if c in REGISTRY]))
    by_table = {e.table.key: e for group in editors.values() for e in group}
    row_findings: dict[str, list[dict]] = {}  # "table:row:column" -> findings
    field_findings: dict[str, list[dict]] = {}
    for finding in submission.findings or []:
        if finding.get("table"):
            if finding.get("row"):
                place = f"{finding['table']}:{finding['row']}:{finding.get('column') or ''}"
                row_findings.setdefault(place, []).append(finding)
            elif finding["table"] in by_table:
                by_table[finding["table"]].findings.append(finding)
            else:
                field_findings.setdefault("_record", []).append(finding)
            continue
        for key in finding["fields"] or ["_record"]:
            field_findings.setdefault(key, []).append(finding)
    derived = detail_service.derived(asked, stored) if asked else {}
    editable = submission.status in workflow.EDITABLE_BY_ENTERPRISE
    return {
        "editors": editors, "derived": derived, "row_findings": row_findings,
        "findings_by_field": field_findings, "doubts": doubts_of(submission),
        "files": files_of(submission.id), "evidence_required": evidence,
        "missing_evidence": reporting.missing_evidence(submission) if editable else [],
        "upload_url": url_for("EvidenceView.upload", submission_id=submission.id),
        "option_label": option_label, "is_iso_date": is_iso_date,
        "max_file_mb": int(current_app.config["EVIDENCE_MAX_MB"]),
    }
