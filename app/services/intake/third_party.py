"""Loading third-party data (tax, statistics…) into an activity as prefilled values.

One row per USCC; columns named by field labels or keys. Values land only in
records the enterprise has not yet submitted, marked as third-party data.
Everything is checked first and written in one transaction: a bad file changes nothing.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from python_calamine import CalamineError, CalamineWorkbook
from sqlalchemy import select

from app.domain import workflow
from app.domain.errors import BilingualError
from app.domain.records.fields import REGISTRY
from app.domain.records.normalize import Normalizer
from app.extensions import db
from app.models import Enterprise, ReportingActivity
from app.services.intake import reporting

MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 100_000


class ThirdPartyError(BilingualError):
    """Said in both languages."""


@dataclass
class LoadReport:
    rows: int = 0
    applied: int = 0
    values: int = 0
    unknown: list[str] = field(default_factory=list)  # USCCs of no known enterprise
    submitted: list[str] = field(default_factory=list)  # records already past the draft
    problems: list[tuple[int, str, str]] = field(default_factory=list)  # (row, field, message)


def _read(data: bytes) -> list[list]:
    if len(data) > MAX_BYTES:
        raise ThirdPartyError("文件超过 20 MB。", "The file is larger than 20 MB.")
    if not data.startswith(b"PK"):
        raise ThirdPartyError("请上传 Excel 文件（.xlsx）。", "Upload an Excel file (.xlsx).")
    try:
        sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0)
        rows = sheet.to_python(skip_empty_area=False)
    except (CalamineError, ValueError, OSError) as error:  # corrupt or encrypted
        raise ThirdPartyError("无法读取该 Excel 文件：文件可能已损坏或设置了密码。",
                              "The workbook cannot be read: it may be damaged or "
                              "password-protected.") from error
    if len(rows) > MAX_ROWS + 1:
        raise ThirdPartyError(f"最多 {MAX_ROWS} 行。", f"At most {MAX_ROWS} rows.")
    return rows


def load(activity: ReportingActivity, data: bytes) -> LoadReport:
    rows = _read(data)
    if not rows:
        raise ThirdPartyError("文件是空的。", "The file is empty.")
    columns = {i: REGISTRY.match_header(h) for i, h in enumerate(rows[0])}
    columns = {i: key for i, key in columns.items() if key}
    if "uscc" not in columns.values():
        raise ThirdPartyError("找不到“统一社会信用代码”列：第一行应为字段名称。",
                              "No “unified social credit code” column: the first row must "
                              "name the fields.")
    normalizer = Normalizer(reporting.lookups_for(activity.province_code))
    report = LoadReport()
    by_uscc = {e.uscc: e for e in db.session.execute(select(Enterprise)).scalars()}
    pending = []
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell not in (None, "") for cell in row):
            continue
        report.rows += 1
        values = {}
        for index, key in columns.items():
            raw = row[index] if index < len(row) else None
            value, problem, _note = normalizer.value(REGISTRY[key], raw)
            if problem is not None:
                report.problems.append((number, REGISTRY[key].label_zh, problem.message_zh))
            elif value is not None:
                values[key] = value
        uscc = values.pop("uscc", None)
        enterprise = by_uscc.get(uscc) if uscc else None
        if enterprise is None:
            report.unknown.append(str(uscc or f"第 {number} 行"))
            continue
        pending.append((enterprise, values))
    for enterprise, values in pending:
        submission = reporting.start_submission(activity, enterprise, commit=False)
        if submission.status not in workflow.EDITABLE_BY_ENTERPRISE:
            report.submitted.append(enterprise.uscc)
            continue
        provenance = dict(submission.provenance or {})
        for key, value in values.items():
            setattr(submission, key, value)
            provenance[key] = reporting.THIRD_PARTY
            report.values += 1
        submission.provenance = provenance
        report.applied += 1
    db.session.commit()
    return report

