"""The dashboard's 培育 tab (SPEC §12.4): the pool pyramid — open memberships per tier and
region — and the flows between tiers that the confirmed evaluations of a data year made.

Counted by the database in the user's scope and the area shown (memberships and proposals
carry their enterprise's county); Python only adds up grouped counts. A year's flows are the
confirmed proposals of the evaluations *of that data year* (``PoolEvaluation.data_year``),
whenever they were confirmed: an evaluation reads one year's records, so its changes belong
to that year.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlalchemy import and_, case, func, select

from app.domain.pools import ENTER, EXIT, MAIN, PARALLEL, PROMOTE
from app.domain.regions import code_range
from app.extensions import db
from app.models import Pool, PoolEvaluation, PoolMembership, PoolProposal
from app.models.profiles import CONFIRMED
from app.security.scope import UserScope, restrict

# Ends of a flow that are not a pool: an enterprise entering from no pool, or leaving.
OUTSIDE, LEFT = "outside", "left"


@dataclass(frozen=True)
class PoolInfo:
    id: int
    key: str
    name: str
    name_en: str | None
    track: str
    position: int
    active: bool

    def label(self, language: str) -> str:
        return self.name_en if language == "en" and self.name_en else self.name


@dataclass(frozen=True)
class Flow:
    """``count`` enterprises moved from ``source`` to ``target``: a pool id, or OUTSIDE
    (entered from no pool) / LEFT (left the pool); ``track`` is the pools' track."""
    source: int | str
    target: int | str
    count: int
    track: str


def pools() -> list[PoolInfo]:
    """Every pool, the main track's tiers in their order first, then the parallel tracks;
    an inactive pool too, since its members stay members until an exit is confirmed."""
    rows = db.session.execute(select(Pool).order_by(Pool.position, Pool.id)).scalars()
    found = [PoolInfo(p.id, p.key, p.name, p.name_en, p.track if p.track == PARALLEL else MAIN,
                      p.position, p.active) for p in rows]
    return sorted(found, key=lambda p: p.track != MAIN)


def _within(column, region: str):
    low, high = code_range(region)
    return and_(column >= low, column < high)


def members(scope: UserScope, region: str, row_length: int) -> dict[tuple[str, int], int]:
    """Open memberships per (region of ``row_length`` digits, pool id) inside ``region``."""
    key = func.substr(PoolMembership.region_code, 1, row_length)
    query = restrict(select(key, PoolMembership.pool_id, func.count()).where(
        PoolMembership.until.is_(None), _within(PoolMembership.region_code, region))
        .group_by(key, PoolMembership.pool_id), PoolMembership, scope)
    return {(code, pool_id): count for code, pool_id, count in db.session.execute(query)}


def flow_years() -> list[int]:
    """Data years with a confirmed evaluation, newest first (the year selector)."""
    return list(db.session.execute(select(PoolEvaluation.data_year).where(
        PoolEvaluation.confirmed_at.is_not(None)).distinct().order_by(
        PoolEvaluation.data_year.desc())).scalars())


def _confirmed(proposal, year: int):
    """Conditions for the confirmed proposals of ``year``'s evaluations."""
    return (proposal.status == CONFIRMED,
            proposal.evaluation_id.in_(select(PoolEvaluation.id).where(
                PoolEvaluation.data_year == year)))


def flows(scope: UserScope, region: str, year: int) -> list[Flow]:
    """The moves confirmed for ``year`` inside ``region``: entries from no pool, promotions
    from the tier left, exits out of the pool — and, on the main track, an exit and an entry
    of the same enterprise in the same evaluation as one move from the old tier to the new
    (typically one that falls back a tier), not as two unrelated flows."""
    track = {p.id: p.track for p in pools()}
    grouped = restrict(select(PoolProposal.change, PoolProposal.pool_id,
                              PoolProposal.leaves_pool_id, func.count())
                       .where(*_confirmed(PoolProposal, year),
                              _within(PoolProposal.region_code, region))
                       .group_by(PoolProposal.change, PoolProposal.pool_id,
                                 PoolProposal.leaves_pool_id), PoolProposal, scope)
    counts: Counter = Counter()
    for change, pool_id, leaves, count in db.session.execute(grouped):
        if change == ENTER:
            counts[OUTSIDE, pool_id] += count
        elif change == PROMOTE:
            counts[leaves if leaves is not None else OUTSIDE, pool_id] += count
        elif change == EXIT:
            counts[pool_id, LEFT] += count
    for old, new, count in _moves_down(scope, region, year):
        counts[OUTSIDE, new] -= count
        counts[old, LEFT] -= count
        counts[old, new] += count
    result = [Flow(source, target, count,
                   track.get(target if source == OUTSIDE else source, MAIN))
              for (source, target), count in counts.items() if count > 0]
    return sorted(result, key=lambda f: (-f.count, str(f.source), str(f.target)))


def _moves_down(scope: UserScope, region: str, year: int) -> list[tuple[int, int, int]]:
    """(tier left, tier entered, enterprises) of main-track exits paired with a main-track
    entry of the same enterprise in the same evaluation. Grouped per enterprise and
    evaluation, then per pair: one pass over the year's confirmed proposals whatever the
    planner's statistics (a self-join on them read 10,000 rows per exit on PostgreSQL right
    after an evaluation, before ANALYZE: docs/PERFORMANCE.md)."""
    proposal = PoolProposal
    old = func.max(case((proposal.change == EXIT, proposal.pool_id)))
    new = func.max(case((proposal.change == ENTER, proposal.pool_id)))
    main = select(Pool.id).where(Pool.track != PARALLEL)
    pairs = restrict(select(old.label("old"), new.label("new")).where(
        *_confirmed(proposal, year), proposal.change.in_((ENTER, EXIT)),
        proposal.pool_id.in_(main), _within(proposal.region_code, region))
        .group_by(proposal.evaluation_id, proposal.enterprise_id)
        .having(and_(old.is_not(None), new.is_not(None))), proposal, scope).subquery()
    return [tuple(row) for row in db.session.execute(
        select(pairs.c.old, pairs.c.new, func.count()).group_by(pairs.c.old, pairs.c.new))]
