"""Evaluation projects and score runs: import, score, confirm, export."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import orjson
from flask import g
from sqlalchemy import Text, cast, func, select

from app.domain import project_files, scoring, workflow
from app.domain.errors import BilingualError
from app.extensions import db
from app.models import EvaluationProject, ReportingActivity, ScoreResult, ScoreRun, Submission
from app.security.scope import UserScope, restrict
from app.services import audit, bulk, jobs, score_store
from app.services import workflow as workflow_service
from app.services.unit_of_work import bulk_transaction

SCORABLE = (workflow.APPROVED, workflow.SUBMITTED, workflow.SCORED)
# The cohort (SPEC §9): scorable records, confirmed ones included.
COHORT_STATUSES = (*SCORABLE, workflow.CONFIRMED)
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
    """Score the activity's records that passed provincial review (or the chosen ones, or
    those in ``scope``) against the province cohort (SPEC §9): every scorable record of the
    activity counts, confirmed ones with the values stored when they were confirmed.
    Re-running replaces unconfirmed results only; confirmed scores stay frozen."""
    if project_row.status != "published":
        raise ScoringError("只能使用已发布的评价项目测算。",
                           "Only a published project can be used for scoring.")
    project = scoring.parse(project_row.definition)
    columns = [*_BASE_COLUMNS, *sorted(project.fields_used - set(_BASE_COLUMNS))]
    in_activity = (Submission.activity_id == activity.id,
                   Submission.status.in_(COHORT_STATUSES))
    asked = restrict(select(Submission.id).where(*in_activity), Submission, scope)
    if submission_ids:
        asked = asked.where(Submission.id.in_(submission_ids))
    with bulk_transaction():
        cohort = dict(db.session.execute(select(Submission.id, Submission.status).where(
            *in_activity)).all())
        wanted = set(db.session.execute(asked).scalars())
        frozen = _frozen_members(activity, project, cohort)
        codes = _cohort_codes(project)
        rows = _records(columns, in_activity, cohort, frozen, codes)
        for submission_id, member in frozen.items():  # an indicator added since: its data
            if not member.values.keys() >= codes:
                frozen[submission_id] = replace(member, record=rows[submission_id])
        rows = [r for r in rows.values() if r["id"] not in frozen]
        targets = [r for r in rows if r["id"] in wanted]
        companions = [r for r in rows if r["id"] not in wanted]
        if not targets:
            if wanted:
                raise ScoringError("所选记录的积分都已确认，没有需要重新测算的记录；"
                                   "已确认的积分保持不变。",
                                   "Every chosen record's score is already confirmed: nothing "
                                   "to score again, and confirmed scores stay as they are.")
            raise ScoringError("没有可测算的记录：记录须已通过省级审核（已通过待报送或已报送）。",
                               "Nothing to score: records must have passed provincial review.")
        if progress:
            progress(1, 3)
        ids = [r["id"] for r in targets]
        run_id = score_store.reserve_run_id()
        with workflow_service.bulk_move(ids, workflow.SUBMITTED, workflow.SCORED, workflow.SCORE,
                                        _batch_comment(run_id)) as move:
            scored = scoring.score_cohort(
                project, [(r["id"], r) for r in targets], activity.data_year,
                companions=[(r["id"], r) for r in companions], frozen=list(frozen.values()))
            results = scored.results
            scored.cohorts["confirmed"] = len(frozen)
            size = len(cohort)
            if progress:  # before this transaction writes: SQLite would keep it waiting
                progress(2, 3)
            move.wait()
            run = ScoreRun(id=run_id, activity_id=activity.id, project_id=project_row.id,
                           province_code=activity.province_code, created_by=_username(),
                           scored=len(results), eligible=sum(r.eligible for r in results),
                           passed=sum(bool(r.passed) for r in results)
                           if project.decides_pass else None,
                           cohort_size=size, cohorts=scored.cohorts)
            db.session.add(run)
            db.session.flush()
            move.comment = _batch_comment(run.id)
            # A run over the whole cohort supersedes every unconfirmed result before it.
            score_store.replace_unconfirmed(run, project_row.code,
                                            ids if companions else None)
            score_store.insert_results(run.id, {r["id"]: r for r in targets}, results)
        audit.record(audit.CREATE, object_type="ScoreRun", object_id=str(run.id),
                     detail=f"{project_row.code} v{project_row.version}: re-scored "
                            f"{len(results)} of {size} (cohort {size}, "
                            f"{len(frozen)} confirmed)")
    return run


def _cohort_codes(project: scoring.Project) -> set[str]:
    return {i.code for i in project.indicators if i.method in scoring.COHORT_METHODS}


def _frozen_members(activity: ReportingActivity, project: scoring.Project,
                    cohort: dict[int, str]) -> dict[int, scoring.FrozenMember]:
    """The activity's confirmed results of the project code whose records are in the
    cohort, as members with their stored stage, eligibility and indicator values (the
    breakdown read as text and decoded with orjson: tens of thousands of them)."""
    query = select(ScoreResult.submission_id, ScoreResult.stage, ScoreResult.tech_field,
                   ScoreResult.eligible, cast(ScoreResult.breakdown, Text)).join(ScoreRun).join(
        EvaluationProject).where(ScoreRun.activity_id == activity.id,
                                 EvaluationProject.code == project.code,
                                 ScoreResult.status == CONFIRMED)
    wanted = _cohort_codes(project)
    members = {}
    for submission_id, stage, tech_field, eligible, breakdown in db.session.execute(query):
        if submission_id not in cohort:  # no longer scorable (approval revoked): not counted
            continue
        stored = orjson.loads(breakdown) if breakdown else {}
        values = {code: stored[code][0] for code in wanted if code in stored}
        members[submission_id] = scoring.FrozenMember(stage, tech_field, bool(eligible), values)
    return members


def _records(columns: list[str], in_activity, cohort: dict[int, str],
             frozen: dict[int, scoring.FrozenMember], codes: set[str]) -> dict[int, dict]:
    """The data of every cohort record that is scored or lends its current values: all but
    the frozen members with every value stored. Read by status, then by id the few
    confirmed records that are not frozen or miss an indicator added since."""
    selected = [getattr(Submission, c) for c in columns]
    rows = {row[0]: dict(zip(columns, row, strict=True)) for row in db.session.execute(
        select(*selected).where(*in_activity, Submission.status != workflow.CONFIRMED))}
    extra = [submission_id for submission_id, status in cohort.items()
             if status == workflow.CONFIRMED and (
                 submission_id not in frozen or not frozen[submission_id].values.keys() >= codes)]
    for match in bulk.among(Submission.id, extra):
        rows.update({row[0]: dict(zip(columns, row, strict=True))
                     for row in db.session.execute(select(*selected).where(match))})
    return rows


def small_cohorts(run: ScoreRun) -> list[tuple[str, int]]:
    """The run's stages whose cohort is below the project's minimum, with their sizes."""
    if not run.cohorts:
        return []
    project = scoring.parse(run.project.definition)
    return project.small_cohorts(run.cohorts.get("stages") or {})


def _batch_comment(run_id: int | None) -> str | None:
    return f"测算批次 #{run_id}" if run_id is not None else None


class SmallCohortsNotAccepted(ScoringError):
    """The run has cohorts below the minimum size: confirming needs a second, explicit yes."""


def confirm(run: ScoreRun, result_ids: list[int] | None = None,
            usccs: list[str] | None = None, accept_small_cohorts: bool = False,
            scope: UserScope | None = None) -> int:
    """积分反馈确认: confirmed results are frozen and shown to the enterprise. ``usccs``
    confirms those enterprises' results only; a code not in the run confirms nothing. A
    run with cohorts below the minimum size needs ``accept_small_cohorts``, which the audit
    log keeps with the stages and sizes."""
    query = select(ScoreResult).where(ScoreResult.run_id == run.id,
                                      ScoreResult.status != CONFIRMED)
    if usccs:
        codes = list(dict.fromkeys(c.strip().upper() for c in usccs))
        known = set(db.session.execute(restrict(select(ScoreResult.uscc).where(
            ScoreResult.run_id == run.id, ScoreResult.uscc.in_(codes)), ScoreResult,
            scope)).scalars())
        unknown = [c for c in codes if c not in known]
        if unknown:
            raise ScoringError(f"以下统一社会信用代码不在测算批次 #{run.id} 中："
                               f"{'、'.join(unknown)}。未确认任何结果。",
                               f"Not in score run #{run.id}: {', '.join(unknown)}. Nothing "
                               "was confirmed.")
        query = query.where(ScoreResult.uscc.in_(codes))
    if result_ids:
        query = query.where(ScoreResult.id.in_(result_ids))
    small = small_cohorts(run)
    if small and not accept_small_cohorts:
        raise SmallCohortsNotAccepted(
            f"测算批次 #{run.id} 有同级比较群体小于最少 {run.cohorts['min_size']} 家："
            f"{describe_small(run, small, 'zh')}。请确认知晓后再确认积分。",
            f"Score run #{run.id} has cohorts below the minimum of {run.cohorts['min_size']}: "
            f"{describe_small(run, small, 'en')}. Accept them explicitly to confirm.")
    results = list(db.session.execute(restrict(query, ScoreResult, scope)).scalars())
    now = dt.datetime.now()
    for result in results:
        result.status = CONFIRMED
        result.confirmed_at = now
        result.confirmed_by = _username()
    workflow_service.move_many([r.submission_id for r in results], workflow.SCORED,
                               workflow.CONFIRMED, workflow.CONFIRM_SCORE, _batch_comment(run.id))
    detail = f"{len(results)} results confirmed"
    if small:
        detail += ("; 已知晓并接受小样本同级比较群体（最少 "
                   f"{run.cohorts['min_size']} 家）：{describe_small(run, small, 'zh')}")
    audit.record(audit.UPDATE, object_type="ScoreRun", object_id=str(run.id), detail=detail)
    db.session.commit()
    return len(results)


def describe_small(run: ScoreRun, small: list[tuple[str, int]], lang: str) -> str:
    """"初创期 12 家、稳定期 20 家" — stages by the project's names."""
    names = {s.code: s.name for s in scoring.parse(run.project.definition).stages}
    if lang == "en":
        return ", ".join(f"{'all' if code == '*' else code} {size}" for code, size in small)
    return "、".join(f"{names.get(code) or ('全部' if code == '*' else code)} {size} 家"
                    for code, size in small)


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


RESULT_STATUS_ZH = {COMPUTED: "已测算待确认", CONFIRMED: "已确认", FLAGGED: "已标记异常"}


def cohort_summary(run: ScoreRun) -> dict:
    """What the run page, its export and the confirmation screen say about the cohort:
    re-scored of the cohort, each stage's size (by the project's names) and the stages
    below the minimum."""
    project = scoring.parse(run.project.definition)
    cohorts = run.cohorts or {}
    sizes = cohorts.get("stages") or {}
    names = {s.code: s.name for s in project.stages}
    small = dict(project.small_cohorts(sizes))
    order = [s.code for s in project.stages] or ["*"]
    return {"scored": run.scored, "cohort_size": run.cohort_size,
            "confirmed": cohorts.get("confirmed"), "min_size": project.min_cohort_size,
            "uses_cohorts": project.uses_cohorts, "decides_pass": project.decides_pass,
            "stages": [(code, names.get(code) or ("全部" if code == "*" else code),
                        sizes.get(code, 0), code in small) for code in order if code in sizes],
            "small": [(names.get(code) or code, size) for code, size in small.items()]}


def export_run(run: ScoreRun, path: str, scope: UserScope | None = None) -> int:
    """The run's results with their breakdown, one row per enterprise; a second sheet says
    how the run was made: re-scored of the cohort, each stage's cohort and its warnings."""
    from app.services.excel import write_workbook

    project = scoring.parse(run.project.definition)
    indicators = project.indicators
    headers = ["统一社会信用代码", "企业名称", "所属地区", "发展阶段", "符合条件", "总分", "等级",
               *(["是否通过"] if project.decides_pass else []), "状态", "说明"]
    for indicator in indicators:
        headers += [f"{indicator.name}-取值", f"{indicator.name}-标准化值",
                    f"{indicator.name}-权重", f"{indicator.name}-得分"]
    stages = {s.code: s.name for s in project.stages}

    def rows():
        for r in db.session.execute(restrict(select(ScoreResult).where(
                ScoreResult.run_id == run.id).order_by(ScoreResult.total.desc()),
                ScoreResult, scope)).scalars():
            row = [r.uscc, r.name, r.region.full_name if r.region else r.region_code,
                   stages.get(r.stage, r.stage), "是" if r.eligible else "否", r.total, r.grade]
            if project.decides_pass:
                row.append({True: "是", False: "否"}.get(r.passed, ""))
            row += [RESULT_STATUS_ZH.get(r.status, r.status), "；".join(r.reasons or [])]
            breakdown = breakdown_of(r)
            for indicator in indicators:
                b = breakdown.get(indicator.code) or {}
                row += [b.get("value"), b.get("normalized"), b.get("weight"), b.get("points")]
            yield row

    return write_workbook(path, "积分测算结果", headers, rows(),
                          extra_sheets={"测算说明": _run_notes(run)})


def _run_notes(run: ScoreRun) -> list[list]:
    summary = cohort_summary(run)
    notes = [["测算批次", f"#{run.id}"], ["填报活动", run.activity.name],
             ["评价项目", str(run.project)],
             ["测算时间", run.created_at.strftime("%Y-%m-%d %H:%M")],
             ["本次测算企业数", run.scored]]
    if summary["cohort_size"] is not None:
        notes += [["同级比较群体（全省本活动可测算企业，含已确认）", summary["cohort_size"]],
                  ["其中已确认（按确认时的取值计入）", summary["confirmed"] or 0],
                  ["最少同级比较群体规模", summary["min_size"]], [],
                  ["发展阶段", "群体规模", "提示"]]
        notes += [[name, size, f"群体小于最少 {summary['min_size']} 家，积分仅供参考，确认前请核实"
                   if small and summary["uses_cohorts"] else ""]
                  for _code, name, size, small in summary["stages"]]
    return notes


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
