"""积分反馈确认: a run's results frozen (all, chosen ones, or those enterprises'), the
second yes a run with small cohorts needs, and outliers flagged."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from app.domain import scoring, workflow
from app.extensions import db
from app.models import ScoreResult, ScoreRun
from app.security.scope import UserScope, restrict
from app.services.platform import audit
from app.services.review import workflow as workflow_service
from app.services.scoring.runs import CONFIRMED, FLAGGED, ScoringError, _username, batch_comment


def small_cohorts(run: ScoreRun) -> list[tuple[str, int]]:
    """The run's stages whose cohort is below the project's minimum, with their sizes."""
    if not run.cohorts:
        return []
    project = scoring.parse(run.project.definition)
    return project.small_cohorts(run.cohorts.get("stages") or {})


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
                               workflow.CONFIRMED, workflow.CONFIRM_SCORE, batch_comment(run.id))
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
