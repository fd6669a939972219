"""The yearly pool evaluation (proposals with reasons), comments, setting aside and the
province's confirmation, which opens and closes memberships (never rewrites them)."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from flask import current_app, g
from sqlalchemy import func, select, update

from app.domain import pools as P
from app.extensions import db
from app.models import Enterprise, Pool, PoolEvaluation, PoolMembership, PoolProposal
from app.models import profiles as M
from app.security import roles
from app.services.profiles import ProfileError
from app.services.profiles.criteria import ensure_defaults, latest_year, tiers
from app.services.profiles.gather import stream_profiles


def _username() -> str | None:
    return getattr(getattr(g, "user", None), "username", None)


def _require_province() -> None:
    user = getattr(g, "user", None)
    names = {r.name for r in getattr(user, "roles", None) or []}
    if user is not None and not names & {roles.ADMIN, roles.PROVINCE_ADMIN}:
        raise ProfileError("只有省级管理员可以评估和确认培育库。",
                           "Only the province administrator may evaluate and confirm pools.")


def open_memberships(enterprise_ids=None) -> dict[int, set[str]]:
    query = select(PoolMembership.enterprise_id, Pool.key).join(Pool).where(
        PoolMembership.until.is_(None))
    if enterprise_ids is not None:
        query = query.where(PoolMembership.enterprise_id.in_(enterprise_ids))
    members: dict[int, set[str]] = {}
    for enterprise_id, key in db.session.execute(query):
        members.setdefault(enterprise_id, set()).add(key)
    return members


def evaluate(year: int | None = None, flush_every: int = 2000) -> PoolEvaluation:
    """Propose entries, promotions and exits for every enterprise with a profile record in
    ``year`` (default: the latest such year) and every current member."""
    _require_province()
    ensure_defaults()
    year = year if year is not None else latest_year()
    if year is None:
        raise ProfileError("还没有通过审核的填报记录，无法评估培育库。",
                           "No record has passed review yet: there is nothing to evaluate.")
    ladder = tiers()
    if not ladder:
        raise ProfileError("没有启用的培育库：请先在“培育库设置”中启用。",
                           "No pool is active: activate one under Pool settings first.")
    pool_ids = dict(db.session.execute(select(Pool.key, Pool.id)).all())
    members = open_memberships()
    regions = dict(db.session.execute(select(Enterprise.id, Enterprise.region_code)).all())
    usccs = dict(db.session.execute(select(Enterprise.id, Enterprise.uscc)).all())
    # An older evaluation still waiting is superseded: two open ones could propose the
    # same entry twice.
    db.session.execute(update(PoolEvaluation).where(
        PoolEvaluation.status == M.EVALUATION_PROPOSED).values(
        status=M.EVALUATION_SUPERSEDED))  # without loading their 数据不足 lists
    evaluation = PoolEvaluation(data_year=year, created_by=_username(), evaluated=0,
                                province_code=current_app.config["PROVINCE_CODE"])
    db.session.add(evaluation)
    db.session.flush()
    insufficient, pending = [], []
    for enterprise_id, profile in stream_profiles(year, set(members)):
        evaluation.evaluated += 1
        decision = P.decide(profile, ladder, members.get(enterprise_id, set()), year)
        if decision.insufficient:
            insufficient.append({"uscc": usccs[enterprise_id], "reasons": list(decision.reasons)})
            continue
        for proposal in decision.proposals:
            pending.append({
                "evaluation_id": evaluation.id, "enterprise_id": enterprise_id,
                "uscc": usccs[enterprise_id], "region_code": regions[enterprise_id],
                "pool_id": pool_ids[proposal.pool], "change": proposal.change,
                "leaves_pool_id": pool_ids.get(proposal.leaves) if proposal.leaves else None,
                "reasons": list(proposal.reasons), "status": M.PROPOSED})
        if len(pending) >= flush_every:
            db.session.execute(PoolProposal.__table__.insert(), pending)
            pending = []
    if pending:
        db.session.execute(PoolProposal.__table__.insert(), pending)
    evaluation.insufficient = insufficient
    db.session.commit()
    return evaluation


def _open_evaluation(evaluation: PoolEvaluation) -> None:
    if evaluation.status == M.EVALUATION_SUPERSEDED:
        raise ProfileError("该评估已被更新的评估替代，请处理最新一次评估。",
                           "A later evaluation has replaced this one: work on the latest.")
    if evaluation.status == M.EVALUATION_CONFIRMED:
        raise ProfileError("该评估已确认：确认后的变动不能修改，只能由下一次评估替代。",
                           "This evaluation is confirmed: confirmed changes cannot be edited, "
                           "only superseded by a later evaluation.")


def comment(proposal: PoolProposal, text: str) -> PoolProposal:
    """A city or county official's remark on a proposal in its area (the province's too)."""
    _open_evaluation(proposal.evaluation)
    text = (text or "").strip()
    if not text:
        raise ProfileError("请填写意见。", "Enter your comment.")
    proposal.comment, proposal.comment_by = text[:2000], _username()
    proposal.commented_at = dt.datetime.now()
    db.session.commit()
    return proposal


def set_aside(proposal: PoolProposal, reason: str, restore: bool = False) -> PoolProposal:
    _require_province()
    _open_evaluation(proposal.evaluation)
    if restore:
        proposal.status, proposal.set_aside_reason = M.PROPOSED, None
    else:
        if not (reason or "").strip():
            raise ProfileError("请填写暂不采纳的理由。", "Enter why the proposal is set aside.")
        proposal.status, proposal.set_aside_reason = M.SET_ASIDE, reason.strip()
    db.session.commit()
    return proposal


def _city(region_code: str) -> str:
    return region_code[:4] + "00"


def confirm(evaluation: PoolEvaluation, today: dt.date | None = None) -> int:
    """Confirm every proposal not set aside (by the province or a region's cap): exits and
    promotions close memberships, entries and promotions open them, all dated today."""
    _require_province()
    _open_evaluation(evaluation)
    today = today or dt.date.today()
    caps = dict(db.session.execute(select(Pool.id, Pool.region_cap).where(
        Pool.region_cap.is_not(None))).all())
    held = Counter()
    if caps:
        rows = db.session.execute(select(PoolMembership.pool_id, PoolMembership.region_code)
                                  .where(PoolMembership.until.is_(None),
                                         PoolMembership.pool_id.in_(caps)))
        held.update((pool_id, _city(region)) for pool_id, region in rows)
    proposals = db.session.execute(select(PoolProposal).where(
        PoolProposal.evaluation_id == evaluation.id, PoolProposal.status == M.PROPOSED)
        .order_by(PoolProposal.id)).scalars().all()
    already = set(db.session.execute(select(PoolMembership.enterprise_id,
                                            PoolMembership.pool_id).where(
        PoolMembership.until.is_(None))).all())
    # Exits first: a place an exit frees in a capped pool can go to an entry of the same run.
    proposals.sort(key=lambda p: p.change != P.EXIT)
    confirmed = 0
    for proposal in proposals:
        if proposal.change == P.EXIT:
            _close(proposal.enterprise_id, proposal.pool_id, proposal, today)
            held[(proposal.pool_id, _city(proposal.region_code))] -= 1
            already.discard((proposal.enterprise_id, proposal.pool_id))
        else:
            place = (proposal.pool_id, _city(proposal.region_code))
            if proposal.pool_id in caps and held[place] >= caps[proposal.pool_id]:
                proposal.status = M.SET_ASIDE
                proposal.set_aside_reason = "超出该市名额 / over the city's cap"
                continue
            if (proposal.enterprise_id, proposal.pool_id) in already:
                proposal.status = M.SET_ASIDE
                proposal.set_aside_reason = "已在该库中 / already a member"
                continue
            if proposal.change == P.PROMOTE and proposal.leaves_pool_id:
                _close(proposal.enterprise_id, proposal.leaves_pool_id, proposal, today)
            db.session.add(PoolMembership(enterprise_id=proposal.enterprise_id,
                                          region_code=proposal.region_code,
                                          pool_id=proposal.pool_id, since=today,
                                          opened_by_id=proposal.id))
            held[place] += 1
            already.add((proposal.enterprise_id, proposal.pool_id))
        proposal.status = M.CONFIRMED
        confirmed += 1
        db.session.flush()
    evaluation.status = M.EVALUATION_CONFIRMED
    evaluation.confirmed_at, evaluation.confirmed_by = dt.datetime.now(), _username()
    db.session.commit()
    return confirmed


def _close(enterprise_id: int, pool_id: int, proposal: PoolProposal, today: dt.date) -> None:
    membership = db.session.execute(select(PoolMembership).where(
        PoolMembership.enterprise_id == enterprise_id, PoolMembership.pool_id == pool_id,
        PoolMembership.until.is_(None))).scalar()
    if membership is not None:
        membership.until, membership.closed_by_id = today, proposal.id


def counts(evaluation: PoolEvaluation) -> dict[str, int]:
    rows = db.session.execute(select(PoolProposal.status, func.count()).where(
        PoolProposal.evaluation_id == evaluation.id).group_by(PoolProposal.status))
    return dict(rows.all())
