"""我的积分 from both sources (SPEC §12.5): the Ministry's points once the province has
confirmed them (never those merely received — they may still change), and our own confirmed
results only for activities whose province chose to show them (``show_provincial_points``).
Everything is read in the user's scope: an enterprise sees only its own."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.extensions import db
from app.models import ReportingActivity, ScoreResult, ScoreRun, Submission
from app.models import national as N
from app.security.scope import UserScope, restrict
from app.services.scoring import CONFIRMED


def confirmed_points(scope: UserScope | None = None,
                     limit: int | None = None) -> list[N.NationalPoints]:
    """The confirmed national points in the scope, newest confirmation first, each with its
    record's activity (the screen names it)."""
    query = select(N.NationalPoints).where(N.NationalPoints.status == N.CONFIRMED).options(
        joinedload(N.NationalPoints.submission).joinedload(Submission.activity)).order_by(
        N.NationalPoints.confirmed_at.desc(), N.NationalPoints.id.desc())
    if limit is not None:
        query = query.limit(limit)
    return list(db.session.execute(restrict(query, N.NationalPoints, scope)).scalars())


def shown_provincial(scope: UserScope | None = None,
                     limit: int | None = None) -> list[ScoreResult]:
    """Our confirmed results in the scope, of activities that show them to enterprises."""
    query = select(ScoreResult).join(ScoreRun, ScoreRun.id == ScoreResult.run_id).join(
        ReportingActivity, ReportingActivity.id == ScoreRun.activity_id).where(
        ScoreResult.status == CONFIRMED,
        ReportingActivity.show_provincial_points.is_(True)).order_by(ScoreResult.id.desc())
    if limit is not None:
        query = query.limit(limit)
    return list(db.session.execute(restrict(query, ScoreResult, scope)).scalars())
