"""Evaluation projects and score runs: import, score, confirm, export."""

from __future__ import annotations

import datetime as dt

from flask import g
from sqlalchemy import func, select

from app.domain import project_files, scoring, workflow
from app.domain.errors import BilingualError
from app.extensions import db
from app.models import EvaluationProject, ReportingActivity, ScoreResult, ScoreRun, Submission
from app.security.scope import UserScope, restrict
from app.services import audit, jobs, score_store
from app.services import workflow as workflow_service
from app.services.unit_of_work import bulk_transaction

SCORABLE = (workflow.APPROVED, workflow.SUBMITTED, workflow.SCORED)
COMPUTED, CONFIRMED = score_store.COMPUTED, score_store.CONFIRMED
FLAGGED = "flagged"


class ScoringError(BilingualError):
    """The run cannot be made; nothing was changed."""


def _username() -> str | None:
    return getattr(getattr(g, "user", None), "username", None)


def import_project(data: bytes | str, status: str = "published") -> EvaluationProject:
    """A project file becomes the next version of its code (checked first: nothing is
    saved from a file that is not a valid project)."""
    project = project_files.load(data)
    latest = db.session.execute(select(func.max(EvaluationProject.version)).where(
        EvaluationProject.code == project.code)).scalar() or 0
    row = EvaluationProject(code=project.code, version=latest + 1, name=project.name,
                            status=status, definition=dict(project.definition),
                            created_by=_username())
    db.session.add(row)
    db.session.commit()
    return row


def latest_published(code: str) -> EvaluationProject | None:
    return db.session.execute(select(EvaluationProject).where(
        EvaluationProject.code == code, EvaluationProject.status == "published")
        .order_by(EvaluationProject.version.desc()).limit(1)).scalar_one_or_none()


_BASE_COLUMNS = ("id", "enterprise_id", "region_code", "tech_field", "uscc", "name")
BREAKDOWN_KEYS = score_store.BREAKDOWN_KEYS


def breakdown_of(result: ScoreResult) -> dict[str, dict]:
    return {code: dict(zip(BREAKDOWN_KEYS, values, strict=True))
            for code, values in (result.breakdown or {}).items()}


def run_scores(activity: ReportingActivity, project_row: EvaluationProject,
               submission_ids: list[int] | None = None, scope: UserScope | None = None,
               progress=None) -> ScoreRun:
    """Score the activity's records that passed provincial review (or the chosen ones).
    Re-running replaces unconfirmed results only; confirmed scores stay frozen."""
    if project_row.status != "published":
        raise ScoringError("只能使用已发布的评价项目测算。",
                           "Only a published project can be used for scoring.")
    project = scoring.parse(project_row.definition)
    columns = [*_BASE_COLUMNS, *sorted(project.fields_used - set(_BASE_COLUMNS))]
    query = select(*[getattr(Submission, c) for c in columns]).where(
        Submission.activity_id == activity.id, Submission.status.in_(SCORABLE))
    if submission_ids:
        query = query.where(Submission.id.in_(submission_ids))
    frozen = set(db.session.execute(select(ScoreResult.submission_id).join(ScoreRun).join(
        EvaluationProject).where(ScoreRun.activity_id == activity.id,
                                 EvaluationProject.code == project_row.code,
                                 ScoreResult.status == CONFIRMED)).scalars())
    with bulk_transaction():
        rows = [dict(zip(columns, row, strict=True))
                for row in db.session.execute(restrict(query, Submission, scope))]
        rows = [r for r in rows if r["id"] not in frozen]
        if not rows:
            raise ScoringError("没有可测算的记录：记录须已通过省级审核（已通过待报送或已报送）。",
                               "Nothing to score: records must have passed provincial review.")
        if progress:
            progress(1, 3)
        ids = [r["id"] for r in rows]
        run_id = score_store.reserve_run_id()
        with workflow_service.bulk_move(ids, workflow.SUBMITTED, workflow.SCORED, workflow.SCORE,
                                        _batch_comment(run_id)) as move:
            results = scoring.score(project, [(r["id"], r) for r in rows], activity.data_year)
            if progress:  # before this transaction writes: SQLite would keep it waiting
                progress(2, 3)
            move.wait()
            run = ScoreRun(id=run_id, activity_id=activity.id, project_id=project_row.id,
                           province_code=activity.province_code, created_by=_username(),
                           scored=len(results), eligible=sum(r.eligible for r in results),
                           passed=sum(bool(r.passed) for r in results))
            db.session.add(run)
            db.session.flush()
            move.comment = _batch_comment(run.id)
            score_store.replace_unconfirmed(run, project_row.code, ids)
            score_store.insert_results(run.id, {r["id"]: r for r in rows}, results)
        audit.record(audit.CREATE, object_type="ScoreRun", object_id=str(run.id),
                     detail=f"{project_row.code} v{project_row.version}: {len(results)} scored")
    return run


def _batch_comment(run_id: int | None) -> str | None:
    return f"测算批次 #{run_id}" if run_id is not None else None


def confirm(run: ScoreRun, result_ids: list[int] | None = None) -> int:
    """积分反馈确认: confirmed results are frozen and shown to the enterprise."""
    query = select(ScoreResult).where(ScoreResult.run_id == run.id,
                                      ScoreResult.status != CONFIRMED)
    if result_ids:
        query = query.where(ScoreResult.id.in_(result_ids))
    results = list(db.session.execute(restrict(query, ScoreResult)).scalars())
    now = dt.datetime.now()
    for result in results:
        result.status = CONFIRMED
        result.confirmed_at = now
        result.confirmed_by = _username()
    workflow_service.move_many([r.submission_id for r in results], workflow.SCORED,
                               workflow.CONFIRMED, workflow.CONFIRM_SCORE, _batch_comment(run.id))
    audit.record(audit.UPDATE, object_type="ScoreRun", object_id=str(run.id),
                 detail=f"{len(results)} results confirmed")
    db.session.commit()
    return len(results)


def flag(result_ids: list[int], note: str) -> int:
    if not (note or "").strip():
        raise ScoringError("请填写标记原因。", "Give a note saying why.")
    results = list(db.session.execute(restrict(select(ScoreResult).where(
        ScoreResult.id.in_(result_ids), ScoreResult.status != CONFIRMED), ScoreResult)).scalars())
    for result in results:
        result.status = FLAGGED
        result.note = note.strip()
    db.session.commit()
    return len(results)


def run_json(run: ScoreRun) -> dict:
    """SPEC §11's `scores run --json` form."""
    results = db.session.execute(select(ScoreResult).where(ScoreResult.run_id == run.id)
                                 .order_by(ScoreResult.id)).scalars()
    return {"run": run.id, "results": [
        {"uscc": r.uscc, "eligible": r.eligible, "stage": r.stage, "total": r.total,
         "grade": r.grade, "passed": r.passed,
         "indicators": {code: b["points"] for code, b in breakdown_of(r).items()}}
        for r in results]}


def export_run(run: ScoreRun, path: str, scope: UserScope | None = None) -> int:
    """The run's results with their breakdown, one row per enterprise."""
    from app.services.excel import write_workbook

    project = scoring.parse(run.project.definition)
    indicators = project.indicators
    headers = ["统一社会信用代码", "企业名称", "所属地区", "发展阶段", "符合条件", "总分", "等级",
               "是否通过", "状态", "说明"]
    for indicator in indicators:
        headers += [f"{indicator.name}-取值", f"{indicator.name}-标准化值",
                    f"{indicator.name}-权重", f"{indicator.name}-得分"]
    stages = {s.code: s.name for s in project.stages}

    def rows():
        for r in db.session.execute(restrict(select(ScoreResult).where(
                ScoreResult.run_id == run.id).order_by(ScoreResult.total.desc()),
                ScoreResult, scope)).scalars():
            row = [r.uscc, r.name, r.region.full_name if r.region else r.region_code,
                   stages.get(r.stage, r.stage), "是" if r.eligible else "否", r.total, r.grade,
                   {True: "是", False: "否"}.get(r.passed, ""), r.status,
                   "；".join(r.reasons or [])]
            breakdown = breakdown_of(r)
            for indicator in indicators:
                b = breakdown.get(indicator.code) or {}
                row += [b.get("value"), b.get("normalized"), b.get("weight"), b.get("points")]
            yield row

    return write_workbook(path, "积分测算结果", headers, rows())


@jobs.handler("score_run")
def run_score_job(payload: dict, progress) -> dict:
    """A score run in a worker or thread (services.jobs), as the user who started it."""
    from app.models import AppUser

    g.user = db.session.get(AppUser, payload["user_id"])
    run = run_scores(db.session.get(ReportingActivity, payload["activity_id"]),
                     db.session.get(EvaluationProject, payload["project_id"]), progress=progress)
    progress(3, 3)
    return {"score_run_id": run.id}


def grade_table(run: ScoreRun, by: str) -> list[tuple[str, dict[str, int]]]:
    """Grades counted per city (by="city") or per stage (by="stage"), in the user's scope."""
    key = func.substr(ScoreResult.region_code, 1, 4) if by == "city" else ScoreResult.stage
    rows = db.session.execute(restrict(select(key, ScoreResult.grade, func.count()).where(
        ScoreResult.run_id == run.id).group_by(key, ScoreResult.grade), ScoreResult)).all()
    table: dict[str, dict[str, int]] = {}
    for group, grade, count in rows:
        table.setdefault(str(group or "—"), {})[grade or "—"] = count
    return sorted(table.items())
