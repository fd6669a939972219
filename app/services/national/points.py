"""National points (积分反馈): the Ministry's points file, matched to records of a sent batch
and kept as a source of its own — our runs are never written — with the comparison against
the activity's latest provincial run, and the province's confirmation in bulk."""

from __future__ import annotations

import datetime as dt
import hashlib

from flask import current_app
from sqlalchemy import func, select, update

from app.domain import national as D
from app.domain.scoring.parsing import parse
from app.extensions import db
from app.models import EvaluationProject, ReportingActivity, ScoreResult, ScoreRun
from app.models import national as N
from app.security.scope import current_scope, scope_clause
from app.services.national import NationalError, require_province, username
from app.services.national.batches import ever_sent
from app.services.national.feedback import earlier_import, read_rows, records_by_uscc

TOLERANCE = 0.01


def latest_project(activity: ReportingActivity) -> EvaluationProject | None:
    """The project of the activity's latest run: its grades are the file's."""
    run = db.session.execute(select(ScoreRun).where(ScoreRun.activity_id == activity.id)
                             .order_by(ScoreRun.id.desc()).limit(1)).scalar()
    return run.project if run is not None else None


def _provincial(activity: ReportingActivity, project: EvaluationProject | None,
                submission_ids: list[int]) -> dict[int, tuple]:
    """submission -> (total, grade) of its latest result in a run of ``project``."""
    if project is None or not submission_ids:
        return {}
    found = {}
    for start in range(0, len(submission_ids), 5000):
        rows = db.session.execute(
            select(ScoreResult.submission_id, ScoreResult.total, ScoreResult.grade)
            .join(ScoreRun, ScoreRun.id == ScoreResult.run_id)
            .where(ScoreRun.activity_id == activity.id, ScoreRun.project_id == project.id,
                   ScoreResult.submission_id.in_(submission_ids[start:start + 5000]))
            .order_by(ScoreResult.run_id))
        found.update({r.submission_id: (r.total, r.grade) for r in rows})
    return found


def differs(national_total, national_grade, provincial) -> bool:
    if provincial is None:
        return False
    total, grade = provincial
    if total is None or abs(national_total - total) > TOLERANCE:
        return True
    return (national_grade or None) != (grade or None)


def import_points(activity: ReportingActivity, data: bytes, filename: str | None = None) -> dict:
    """SPEC §11's ``national points --json``: matched, unmatched, differing, already_applied."""
    require_province()
    sha = hashlib.sha256(data).hexdigest()
    project = latest_project(activity)
    grades, indicators = (), ()
    if project is not None:
        parsed = parse(project.definition, check_totals=False)
        grades = [g.grade for g in parsed.grades]
        indicators = [i.code for group in parsed.groups for i in group.indicators]
    points = D.check_points(read_rows(data), current_app.config["PROVINCE_CODE"], grades,
                            indicators)
    if (earlier := earlier_import(activity, "points", sha)) is not None:
        return {**(earlier.result or {}), "already_applied": len(points), "same_file": True}
    records = records_by_uscc(activity, [p.uscc for p in points])
    sent = set(db.session.execute(ever_sent(activity.id).where(
        N.NationalBatchEntry.submission_id.in_([r.id for r in records.values()]))).scalars()) \
        if records else set()
    matched = [(p, records[p.uscc]) for p in points
               if p.uscc in records and records[p.uscc].id in sent]
    provincial = _provincial(activity, project, [r.id for _, r in matched])
    kept = {row.submission_id: row for row in db.session.execute(select(N.NationalPoints).where(
        N.NationalPoints.activity_id == activity.id,
        N.NationalPoints.submission_id.in_([r.id for _, r in matched]))).scalars()} \
        if matched else {}
    result = {"matched": len(matched),
              "unmatched": [p.uscc for p in points if not (p.uscc in records
                                                           and records[p.uscc].id in sent)],
              "differing": 0, "already_applied": 0}
    record = N.NationalImport(activity_id=activity.id, kind="points", sha256=sha,
                              filename=(filename or "")[:255] or None, rows=len(points),
                              created_by=username())
    db.session.add(record)
    db.session.flush()
    for item, submission in matched:
        ours = provincial.get(submission.id)
        if differs(item.total, item.grade, ours):
            result["differing"] += 1
        row = kept.get(submission.id)
        values = {"total": item.total, "grade": item.grade, "indicators": item.indicators or None}
        if row is not None and all(getattr(row, k) == v for k, v in values.items()):
            result["already_applied"] += 1
            continue
        if row is None:
            row = N.NationalPoints(activity_id=activity.id, submission_id=submission.id,
                                   enterprise_id=submission.enterprise_id, uscc=item.uscc,
                                   name=submission.name, region_code=submission.region_code)
            db.session.add(row)
        for key, value in values.items():
            setattr(row, key, value)
        row.project_id = project.id if project is not None else None
        row.provincial_total, row.provincial_grade = ours if ours else (None, None)
        row.import_id, row.status = record.id, N.RECEIVED  # changed points wait again
        row.confirmed_at = row.confirmed_by = None
    record.result = result
    db.session.commit()
    return result


def confirm(activity: ReportingActivity, usccs: list[str] | None = None) -> int:
    """积分反馈确认: the province confirms the received national points (all, or those)."""
    require_province()
    query = update(N.NationalPoints).where(N.NationalPoints.activity_id == activity.id,
                                          N.NationalPoints.status == N.RECEIVED,
                                          scope_clause(N.NationalPoints, current_scope()))
    if usccs:
        query = query.where(N.NationalPoints.uscc.in_([u.strip().upper() for u in usccs]))
    done = db.session.execute(query.values(status=N.CONFIRMED, confirmed_at=dt.datetime.now(),
                                           confirmed_by=username())).rowcount
    db.session.commit()
    return done


def summary(activity: ReportingActivity) -> dict[str, int]:
    rows = db.session.execute(select(N.NationalPoints.status, func.count()).where(
        N.NationalPoints.activity_id == activity.id).group_by(N.NationalPoints.status)).all()
    counts = dict(rows)
    return {"received": sum(counts.values()), "confirmed": counts.get(N.CONFIRMED, 0)}


def refuse_unknown_activity(activity_id: int) -> ReportingActivity:
    activity = db.session.get(ReportingActivity, activity_id)
    if activity is None:
        raise NationalError(f"没有编号为 {activity_id} 的填报活动。",
                            f"There is no activity #{activity_id}.")
    return activity
