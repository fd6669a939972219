"""The Ministry's files: its problem list (each named record goes back to its enterprise as
国家退回, through the normal correction and review path) and its points (kept beside our own
runs, never written into them). Each file is checked whole before anything is applied, and
the same file twice changes nothing the second time."""

from __future__ import annotations

import datetime as dt
import hashlib
import io

from flask import current_app
from python_calamine import CalamineError, CalamineWorkbook
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.domain import national as D
from app.domain import workflow
from app.extensions import db
from app.models import ReportingActivity, Submission
from app.models import national as N
from app.services.national import NationalError, require_province, username
from app.services.platform import notifications

MAX_ROWS = 200_000


def read_rows(data: bytes) -> list[list]:
    if not data.startswith(b"PK"):
        raise NationalError("请上传 Excel 文件（.xlsx）。", "Upload an Excel file (.xlsx).")
    try:
        sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0)
        rows = sheet.to_python(skip_empty_area=False)
    except (CalamineError, ValueError, OSError) as error:  # corrupt or encrypted
        raise NationalError("无法读取该 Excel 文件：文件可能已损坏或设置了密码。",
                            "The workbook cannot be read: it may be damaged or "
                            "password-protected.") from error
    if len(rows) > MAX_ROWS + 1:
        raise NationalError(f"最多 {MAX_ROWS} 行。", f"At most {MAX_ROWS} rows.")
    return rows


def earlier_import(activity: ReportingActivity, kind: str, sha: str) -> N.NationalImport | None:
    return db.session.execute(select(N.NationalImport).where(
        N.NationalImport.activity_id == activity.id, N.NationalImport.kind == kind,
        N.NationalImport.sha256 == sha).limit(1)).scalar()


def records_by_uscc(activity: ReportingActivity, usccs: list[str],
                    with_history: bool = False) -> dict[str, Submission]:
    """The activity's current record of each enterprise (merged and held twins aside)."""
    found: dict[str, Submission] = {}
    query = select(Submission)
    if with_history:  # returning a record reads its review history: load it at once
        query = query.options(selectinload(Submission.reviews), selectinload(Submission.activity))
    for start in range(0, len(usccs), 5000):
        for record in db.session.execute(query.where(
                Submission.activity_id == activity.id,
                Submission.uscc.in_(usccs[start:start + 5000]),
                Submission.status.not_in((workflow.MERGED, workflow.DUPLICATE)))
                .order_by(Submission.id)).scalars():
            found[record.uscc] = record  # the latest wins
    return found


def import_feedback(activity: ReportingActivity, data: bytes,
                    filename: str | None = None) -> dict:
    """Apply the Ministry's problem list; returns SPEC §11's ``national feedback --json``."""
    require_province()
    sha = hashlib.sha256(data).hexdigest()
    rows = read_rows(data)
    problems = D.check_feedback(rows, current_app.config["PROVINCE_CODE"])
    if (earlier := earlier_import(activity, "feedback", sha)) is not None:
        return {**(earlier.result or {}), "returned": 0, "already_applied": len(problems),
                "same_file": True}
    records = records_by_uscc(activity, [p.uscc for p in problems], with_history=True)
    entries = _entries([r.id for r in records.values()])
    accounts = notifications.accounts_of(r.enterprise_id for r in records.values())
    result = {"returned": 0, "already_applied": 0, "unknown": [], "not_sent": []}
    with db.session.no_autoflush:  # 10,000s of rows: one flush at the end, not one per query
        for problem in problems:
            _apply(problem, records, entries, result, accounts)
    db.session.add(N.NationalImport(activity_id=activity.id, kind="feedback", sha256=sha,
                                    filename=(filename or "")[:255] or None, rows=len(problems),
                                    result=result, created_by=username()))
    db.session.commit()
    return result


def _entries(submission_ids: list[int]) -> dict[int, list[N.NationalBatchEntry]]:
    """Each record's batch entries, oldest first, read in a few queries."""
    found: dict[int, list[N.NationalBatchEntry]] = {}
    for start in range(0, len(submission_ids), 5000):
        for entry in db.session.execute(select(N.NationalBatchEntry).where(
                N.NationalBatchEntry.submission_id.in_(submission_ids[start:start + 5000]))
                .order_by(N.NationalBatchEntry.id)).scalars():
            found.setdefault(entry.submission_id, []).append(entry)
    return found


def _apply(problem: D.Problem, records: dict, entries: dict, result: dict,
           accounts: dict) -> None:
    record = records.get(problem.uscc)
    if record is None:
        result["unknown"].append(problem.uscc)
        return
    mine = entries.get(record.id, [])
    sent = [e for e in mine if e.state == N.SENT]
    entry = sent[-1] if sent else None
    if entry is None:
        latest = mine[-1] if mine else None
        if (latest is not None and latest.state == N.RETURNED and latest.problem == problem.text
                and latest.problem_field == problem.field):
            result["already_applied"] += 1
        else:
            result["not_sent"].append(problem.uscc)
        return
    if record.status not in workflow.PASSED_PROVINCE:  # revoked since it was sent
        result.setdefault("in_review", []).append(problem.uscc)
        return
    _return(record, entry, problem, accounts)
    result["returned"] += 1


def _return(record: Submission, entry: N.NationalBatchEntry, problem: D.Problem,
            accounts: dict) -> None:
    from app.services.review import workflow as flow

    entry.state, entry.returned_at = N.RETURNED, dt.datetime.now()
    entry.problem_field, entry.problem = problem.field, problem.text
    target = workflow.after_national_return(record.status)
    frozen = flow.snapshot(record)
    flow.move(record, target, workflow.NATIONAL_RETURN, f"国家退回：{problem.text}")
    review = record.reviews[-1]
    review.level, review.snapshot = "province", frozen
    review.fields = [problem.field] if problem.field else None
    notifications.after_review(record, workflow.NATIONAL_RETURN, problem.text, accounts)
