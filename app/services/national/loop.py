"""The national loop in figures (SPEC §12.5, issue 22 item 5): per city, how many records were
reported to the Ministry, returned by it, corrected, reported again, and how many national
points were received and confirmed; for the comparison screen, how the national points differ
from our own run's. Every figure is a grouped query within the user's scope (a city reviewer
sees its own city), never a loop over rows."""

from __future__ import annotations

from dataclasses import dataclass, fields

from sqlalchemy import Float, and_, case, cast, distinct, func, literal, or_, select

from app.domain import workflow
from app.extensions import db
from app.models import ReportingActivity, Submission
from app.models import national as N
from app.security.scope import restrict
from app.services.national.batches import eligible
from app.services.national.points import TOLERANCE

# A record the Ministry returned counts as corrected once it is back in the review chain or
# past it again — whatever level it waits at, the enterprise has done its part.
CORRECTED_STATES = frozenset({workflow.PENDING_COUNTY, workflow.PENDING_CITY,
                              workflow.PENDING_PROVINCE}) | workflow.PASSED_PROVINCE
# The histogram of national − provincial points: these edges, open at both ends.
EDGES = (-20, -10, -5, -1, 1, 5, 10, 20)


def _city(column):
    return func.substr(column, 1, 4)


@dataclass
class LoopRow:
    city: str | None  # a city's code (4 digits); None for the total
    reported: int = 0
    returned: int = 0
    corrected: int = 0
    rereported: int = 0
    points_received: int = 0
    points_confirmed: int = 0


FIGURES = tuple(f.name for f in fields(LoopRow) if f.name != "city")


def _entry_figures(activity_id: int, grouped: bool):
    entry = N.NationalBatchEntry
    returned = entry.state == N.RETURNED

    def records(condition):
        return func.count(distinct(case((condition, entry.submission_id))))

    columns = [func.count(distinct(entry.submission_id)), records(returned),
               records(and_(returned, Submission.status.in_(CORRECTED_STATES))),
               records(N.NationalBatch.supplementary.is_(True))]
    key = _city(entry.region_code)
    query = select(key if grouped else literal(None), *columns).select_from(entry).join(
        N.NationalBatch, N.NationalBatch.id == entry.batch_id).join(
        Submission, Submission.id == entry.submission_id).where(
        N.NationalBatch.activity_id == activity_id)
    if grouped:
        query = query.group_by(key)
    return db.session.execute(restrict(query, entry)).all()


def _points_figures(activity_id: int, grouped: bool):
    points = N.NationalPoints
    key = _city(points.region_code)
    query = select(key if grouped else literal(None), func.count(),
                   func.coalesce(func.sum(case((points.status == N.CONFIRMED, 1), else_=0)), 0)
                   ).where(points.activity_id == activity_id)
    if grouped:
        query = query.group_by(key)
    return db.session.execute(restrict(query, points)).all()


def loop_by_city(activity: ReportingActivity) -> tuple[list[LoopRow], LoopRow]:
    """The loop's figures per city of the user's area (cities in code order), and in all.
    The total is counted on its own: a record counts once even if its region changed
    between batches."""
    found: dict[str | None, LoopRow] = {}
    total = LoopRow(None)
    for grouped in (True, False):
        for city, *counts in _entry_figures(activity.id, grouped):
            row = found.setdefault(city, LoopRow(city)) if grouped else total
            row.reported, row.returned, row.corrected, row.rereported = counts
        for city, received, confirmed in _points_figures(activity.id, grouped):
            row = found.setdefault(city, LoopRow(city)) if grouped else total
            row.points_received, row.points_confirmed = received, int(confirmed or 0)
    return sorted(found.values(), key=lambda r: r.city or ""), total


# -- the comparison of national and provincial points --------------------------------------
def _has_provincial():
    points = N.NationalPoints
    return or_(points.provincial_total.is_not(None), points.provincial_grade.is_not(None))


def grade_differs():
    """The national grade is not our run's (a record our run did not score never differs)."""
    points = N.NationalPoints
    return and_(_has_provincial(),
                func.coalesce(points.grade, "") != func.coalesce(points.provincial_grade, ""))


def points_differ():
    """As ``points.differs``: the totals more than the tolerance apart, or the grades differ."""
    points = N.NationalPoints
    gap = func.abs(cast(points.total, Float) - cast(points.provincial_total, Float))
    return and_(_has_provincial(), or_(points.provincial_total.is_(None), gap > TOLERANCE,
                                       func.coalesce(points.grade, "")
                                       != func.coalesce(points.provincial_grade, "")))


def bin_labels() -> list[str]:
    inner = [f"{low} ~ {high}" for low, high in zip(EDGES, EDGES[1:], strict=False)]
    return [f"< {EDGES[0]}", *inner, f"≥ {EDGES[-1]}"]


def difference_bins(activity: ReportingActivity) -> list[int]:
    """How many enterprises fall in each bin of (national − provincial) points; those our
    run did not score are left out."""
    points = N.NationalPoints
    gap = points.total - points.provincial_total
    bin_of = case(*((gap < edge, index) for index, edge in enumerate(EDGES)),
                  else_=len(EDGES))
    rows = db.session.execute(restrict(select(bin_of, func.count()).where(
        points.activity_id == activity.id, points.provincial_total.is_not(None)).group_by(
        bin_of), points)).all()
    counts = [0] * (len(EDGES) + 1)
    for index, count in rows:
        counts[int(index)] = count
    return counts


@dataclass
class CityComparison:
    city: str | None
    received: int = 0
    confirmed: int = 0
    differing: int = 0
    grade_differs: int = 0


def comparison_by_city(activity: ReportingActivity) -> tuple[list[CityComparison],
                                                             CityComparison]:
    """Per city of the user's area and in all: national points received, confirmed, those
    differing from ours and those whose grade differs."""
    points = N.NationalPoints

    def counted(condition):
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    columns = (func.count(), counted(points.status == N.CONFIRMED), counted(points_differ()),
               counted(grade_differs()))
    key = _city(points.region_code)
    where = points.activity_id == activity.id
    rows = db.session.execute(restrict(select(key, *columns).where(where).group_by(key),
                                       points)).all()
    cities = [CityComparison(city, *(int(v) for v in values)) for city, *values in rows]
    whole = db.session.execute(restrict(select(*columns).where(where), points)).one()
    return sorted(cities, key=lambda c: c.city or ""), CityComparison(None,
                                                                      *(int(v) for v in whole))


def waiting_confirmation(activity: ReportingActivity) -> int:
    """National points of the activity received and not yet confirmed (the user's area)."""
    points = N.NationalPoints
    return db.session.execute(restrict(select(func.count()).where(
        points.activity_id == activity.id, points.status == N.RECEIVED), points)).scalar() or 0


def activities_with_points() -> list[int]:
    """Activities with national points in the user's area, the newest first."""
    points = N.NationalPoints
    return list(db.session.execute(restrict(select(points.activity_id).distinct(), points)
                                   .order_by(points.activity_id.desc())).scalars())


# -- batches ---------------------------------------------------------------------------------
def next_batch(activity: ReportingActivity) -> tuple[int, int]:
    """(records left to report, the number the next batch would get)."""
    left = db.session.execute(select(func.count()).select_from(
        eligible(activity).subquery())).scalar() or 0
    last = db.session.execute(select(func.max(N.NationalBatch.number)).where(
        N.NationalBatch.activity_id == activity.id)).scalar() or 0
    return left, last + 1


def entry_counts(batch: N.NationalBatch) -> dict[str, int]:
    entry = N.NationalBatchEntry
    rows = db.session.execute(restrict(select(entry.state, func.count()).where(
        entry.batch_id == batch.id).group_by(entry.state), entry)).all()
    return {state: count for state, count in rows}


def batch_entries(batch: N.NationalBatch, state: str | None = None, page: int = 0,
                  size: int = 100) -> list[tuple[N.NationalBatchEntry, str | None]]:
    """A page of the batch's entries with each enterprise's name, returned ones first."""
    entry = N.NationalBatchEntry
    query = select(entry, Submission.name).join(Submission, Submission.id == entry.submission_id
                                                 ).where(entry.batch_id == batch.id)
    if state:
        query = query.where(entry.state == state)
    query = query.order_by((entry.state == N.RETURNED).desc(), entry.id).offset(
        max(page, 0) * size).limit(size)
    return [(row[0], row[1]) for row in db.session.execute(restrict(query, entry))]
