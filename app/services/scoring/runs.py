"""Score runs (SPEC §9): the activity's records that passed provincial review scored
against the province cohort — every scorable record, confirmed ones with their stored
values — whoever starts the run and whichever records it re-scores."""

from __future__ import annotations

from dataclasses import replace

import orjson
from flask import g
from sqlalchemy import Text, cast, select

from app.domain import scoring, workflow
from app.domain.errors import BilingualError
from app.extensions import db
from app.models import EvaluationProject, ReportingActivity, ScoreResult, ScoreRun, Submission
from app.security.scope import UserScope, restrict
from app.services.platform import audit, bulk, jobs
from app.services.platform.unit_of_work import bulk_transaction
from app.services.review import workflow as workflow_service
from app.services.scoring import _store as score_store

SCORABLE = (workflow.APPROVED, workflow.SUBMITTED, workflow.SCORED)
# The cohort (SPEC §9): scorable records, confirmed ones included.
COHORT_STATUSES = (*SCORABLE, workflow.CONFIRMED)
COMPUTED, CONFIRMED = score_store.COMPUTED, score_store.CONFIRMED
FLAGGED = "flagged"


class ScoringError(BilingualError):
    """The run cannot be made; nothing was changed."""


def _username() -> str | None:
    return getattr(getattr(g, "user", None), "username", None)


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
                                        batch_comment(run_id)) as move:
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
            move.comment = batch_comment(run.id)
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


def batch_comment(run_id: int | None) -> str | None:
    return f"测算批次 #{run_id}" if run_id is not None else None


@jobs.handler("score_run")
def run_score_job(payload: dict, progress) -> dict:
    """A score run in a worker or thread (services.jobs), as the user who started it."""
    from app.models import AppUser

    g.user = db.session.get(AppUser, payload["user_id"])
    run = run_scores(db.session.get(ReportingActivity, payload["activity_id"]),
                     db.session.get(EvaluationProject, payload["project_id"]), progress=progress)
    progress(3, 3)
    return {"score_run_id": run.id}
