"""Finding enterprises across their data years (企业查询, SPEC §12.4): conditions over an
enterprise-id column for the search and the pool lists (technology field, score band, pool,
reported year), a tag's rule evaluated over the candidates, and the figures a list row
shows beside the enterprise's own columns.

Tags are computed from the profile, not stored (a rule edited today changes them at once),
so a tag condition reads the profiles of the enterprises the other conditions leave: at
most ``TAG_CAP`` of them, the first by id, and says so when there were more.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import Select, and_, false, func, select
from sqlalchemy.sql.elements import ColumnElement

from app.domain.expressions import ExpressionError
from app.domain.profiles import TRUE, Profile, compile_criterion
from app.extensions import db
from app.models import (
    Pool,
    PoolMembership,
    ReportingActivity,
    ScoreResult,
    ScoreRun,
    Submission,
    TagRule,
)
from app.services.profiles import PROFILE_STATUSES
from app.services.profiles.gather import _values, _year_rows
from app.services.profiles.listing import chunks

TAG_CAP = 5000
# Score bands offered as choices ("low-high", high excluded; an empty side is open).
SCORE_BANDS = ("90-", "80-90", "70-80", "60-70", "-60")


# -- conditions over an enterprise-id column ----------------------------------------------
def _latest_years():
    """Per enterprise, the latest data year it has a profile record for."""
    return (select(Submission.enterprise_id.label("enterprise_id"),
                   func.max(ReportingActivity.data_year).label("year"))
            .join(ReportingActivity, ReportingActivity.id == Submission.activity_id)
            .where(Submission.status.in_(PROFILE_STATUSES))
            .group_by(Submission.enterprise_id).subquery())


def tech_field_is(column, value: str) -> ColumnElement:
    """The technology field of the enterprise's latest profile record is ``value``."""
    latest = _latest_years()
    return column.in_(
        select(Submission.enterprise_id)
        .join(ReportingActivity, ReportingActivity.id == Submission.activity_id)
        .join(latest, and_(latest.c.enterprise_id == Submission.enterprise_id,
                           latest.c.year == ReportingActivity.data_year))
        .where(Submission.status.in_(PROFILE_STATUSES), Submission.tech_field == value))


def reported_in(column, year: int) -> ColumnElement:
    """A profile record of data year ``year``."""
    return column.in_(
        select(Submission.enterprise_id)
        .join(ReportingActivity, ReportingActivity.id == Submission.activity_id)
        .where(Submission.status.in_(PROFILE_STATUSES), ReportingActivity.data_year == year))


def parse_band(value: str) -> tuple[float | None, float | None] | None:
    """"80-90" → (80, 90); "90-" → (90, None); "-60" → (None, 60); None when unreadable."""
    low, dash, high = (value or "").strip().partition("-")
    try:
        bounds = (float(low) if low.strip() else None, float(high) if high.strip() else None)
    except ValueError:
        return None
    if not dash or bounds == (None, None):
        return None
    return bounds


def _latest_runs(enterprise_ids: list[int] | None = None):
    """Per enterprise (of ``enterprise_ids``, or all), its newest scoring run: the latest
    score it has."""
    query = select(ScoreResult.enterprise_id.label("enterprise_id"),
                   func.max(ScoreResult.run_id).label("run_id"))
    if enterprise_ids is not None:
        query = query.where(ScoreResult.enterprise_id.in_(enterprise_ids))
    return query.group_by(ScoreResult.enterprise_id).subquery()


def score_band(column, value: str) -> ColumnElement:
    """The total of the enterprise's latest score lies in the band (low ≤ total < high)."""
    bounds = parse_band(value)
    if bounds is None:
        return false()
    low, high = bounds
    latest = _latest_runs()
    query = select(ScoreResult.enterprise_id).join(latest, and_(
        latest.c.enterprise_id == ScoreResult.enterprise_id,
        latest.c.run_id == ScoreResult.run_id))
    if low is not None:
        query = query.where(ScoreResult.total >= low)
    if high is not None:
        query = query.where(ScoreResult.total < high)
    return column.in_(query)


def in_pool(column, pool_id: int) -> ColumnElement:
    """A current (open) membership of the pool."""
    return column.in_(select(PoolMembership.enterprise_id).where(
        PoolMembership.pool_id == pool_id, PoolMembership.until.is_(None)))


# -- tags -----------------------------------------------------------------------------------
@dataclass
class TagMatch:
    rule: TagRule | None
    ids: list[int] = field(default_factory=list)  # candidates the rule holds for
    read: int = 0  # candidates whose profiles were read
    total: int = 0  # candidates the other conditions left

    @property
    def limited(self) -> bool:
        return self.read < self.total


def tag_matches(tag_id: int, candidates: Select, cap: int | None = None) -> TagMatch:
    """The enterprises among ``candidates`` (a select of enterprise ids) that the tag's rule
    holds for, reading at most ``cap`` (default ``TAG_CAP``) profiles, the first by id."""
    cap = cap or TAG_CAP
    rule = db.session.get(TagRule, tag_id)
    if rule is None:
        return TagMatch(None)
    try:
        criterion = compile_criterion(rule.expression)
    except ExpressionError:
        return TagMatch(rule)  # saved rules were checked; one broken since holds for none
    found = candidates.subquery()
    key = list(found.c)[0]
    total = db.session.execute(select(func.count(func.distinct(key)))).scalar() or 0
    ids = list(db.session.execute(select(key).distinct().order_by(key).limit(cap)).scalars())
    held = [enterprise_id for enterprise_id, profile in profiles_of(ids)
            if criterion.evaluate(profile)[0] == TRUE]
    return TagMatch(rule, held, len(ids), total)


def profiles_of(enterprise_ids: Iterable[int]):
    """(enterprise id, profile) as an official's profile page reads it — every year's record
    and the latest year's newest score — a thousand enterprises per query."""
    for part in chunks(enterprise_ids):
        profiles: dict[int, Profile] = {i: Profile() for i in part}
        for row in db.session.execute(_year_rows(part)):
            profiles[row[0]].years[row[1]] = _values(row)
        scores = _newest_scores(part)
        for enterprise_id, profile in profiles.items():
            score = scores.get((enterprise_id, profile.latest_year))
            if score is not None:
                profile.score_total, profile.score_grade = score
            yield enterprise_id, profile


def _newest_scores(enterprise_ids: list[int]) -> dict[tuple[int, int], tuple]:
    """(enterprise id, data year) → (total, grade) of the newest run."""
    rows = db.session.execute(
        select(ScoreResult.enterprise_id, ReportingActivity.data_year, ScoreResult.total,
               ScoreResult.grade)
        .join(ScoreRun, ScoreRun.id == ScoreResult.run_id)
        .join(ReportingActivity, ReportingActivity.id == ScoreRun.activity_id)
        .where(ScoreResult.enterprise_id.in_(enterprise_ids))
        .order_by(ScoreResult.run_id.desc()))
    found: dict[tuple[int, int], tuple] = {}
    for enterprise_id, year, total, grade in rows:
        found.setdefault((enterprise_id, year), (total, grade))
    return found


# -- what a row shows -------------------------------------------------------------------------
@dataclass
class Figures:
    tech_field: str | None = None
    latest_year: int | None = None
    years: list[int] = field(default_factory=list)
    score_total: float | None = None
    score_grade: str | None = None
    pools: list[Pool] = field(default_factory=list)


def figures(enterprise_ids: Iterable[int]) -> dict[int, Figures]:
    """Per enterprise: the years it reported, its latest record's technology field, its
    latest score and its current pools; three queries per thousand enterprises."""
    found: dict[int, Figures] = {}
    pools = {p.id: p for p in db.session.execute(select(Pool)).scalars()}
    for part in chunks(set(enterprise_ids)):
        for enterprise_id in part:
            found[enterprise_id] = Figures()
        rows = db.session.execute(
            select(Submission.enterprise_id, ReportingActivity.data_year, Submission.tech_field)
            .join(ReportingActivity, ReportingActivity.id == Submission.activity_id)
            .where(Submission.enterprise_id.in_(part), Submission.status.in_(PROFILE_STATUSES))
            .order_by(ReportingActivity.data_year, Submission.id))
        for enterprise_id, year, tech_field in rows:
            shown = found[enterprise_id]
            if year not in shown.years:
                shown.years.append(year)
            shown.latest_year, shown.tech_field = year, tech_field
        latest = _latest_runs(part)
        for enterprise_id, total, grade in db.session.execute(
                select(ScoreResult.enterprise_id, ScoreResult.total, ScoreResult.grade)
                .join(latest, and_(latest.c.enterprise_id == ScoreResult.enterprise_id,
                                   latest.c.run_id == ScoreResult.run_id))):
            found[enterprise_id].score_total = total
            found[enterprise_id].score_grade = grade
        for enterprise_id, pool_id in db.session.execute(
                select(PoolMembership.enterprise_id, PoolMembership.pool_id).where(
                    PoolMembership.enterprise_id.in_(part), PoolMembership.until.is_(None))):
            found[enterprise_id].pools.append(pools[pool_id])
    for shown in found.values():
        shown.pools.sort(key=lambda p: (p.position, p.id))
    return found
