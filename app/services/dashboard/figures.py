"""数据看板: an activity's figures in one region, counted by the database in the user's scope.

Every figure is an aggregate query through ``restrict``; Python only adds up grouped counts
(for instance the counts per combination of warning rules into counts per rule). The region
shown is the user's own or one inside it (the drill-down); per-region tables have one row per
region one level below it (cities of a province, counties of a city; a county shows itself).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import String, and_, case, func, select, type_coerce

from app.domain import workflow
from app.domain.regions import code_range, contains, level_of
from app.extensions import db
from app.models import (
    ActivityTarget,
    RecommendationEntry,
    RecommendationList,
    Region,
    ReportingActivity,
    ScoreResult,
    ScoreRun,
    Submission,
)
from app.models.financing import PUBLISHED
from app.security.scope import ALL, UserScope, restrict
from app.services.finance.recommendations import LoanFigures, loan_figures
from app.services.scoring import stats as score_stats

# Records that entered the review chain ("submitted"); drafts are the enterprise's own
# business and a merged record is counted through the one it was merged into.
NOT_COUNTED = (workflow.DRAFT, workflow.MERGED)
APPROVED_SET = (workflow.APPROVED, workflow.SUBMITTED, workflow.SCORED, workflow.CONFIRMED)
SENT_SET = (workflow.SUBMITTED, workflow.SCORED, workflow.CONFIRMED)


class DashboardNotFound(LookupError):
    """An activity or region the user may not look at: the view answers 404."""


@dataclass(frozen=True)
class Area:
    activity: ReportingActivity
    region: str
    region_name: str
    scope: UserScope

    @property
    def row_length(self) -> int:
        """Code length of the rows of per-region tables."""
        return min(len(self.region) + 2, 6)


def activities_for(scope: UserScope, province: str) -> list[tuple[int, str]]:
    """Activities a bureau may look at: its province's (every one for the administrator)."""
    query = select(ReportingActivity.id, ReportingActivity.name).order_by(
        ReportingActivity.id.desc())
    if scope.kind != ALL:
        query = query.where(ReportingActivity.province_code == (scope.region_code or "")[:2])
    else:
        query = query.where(ReportingActivity.province_code == province)
    return [tuple(row) for row in db.session.execute(query)]


def area_for(scope: UserScope, province: str, activity_id: int | None,
             region: str | None) -> Area:
    """The activity (default: the latest) and region (default: the user's) to show, or
    DashboardNotFound when either is unknown or outside the user's scope."""
    choices = dict(activities_for(scope, province))
    if activity_id is None and choices:
        activity_id = next(iter(choices))
    if activity_id not in choices:
        raise DashboardNotFound("activity")
    own = scope.region_code if scope.kind != ALL else province
    region = region or own
    try:
        level_of(region)
    except ValueError:
        raise DashboardNotFound("region") from None
    if not contains(own, region):
        raise DashboardNotFound("region")
    found = db.session.get(Region, region)
    if found is None:
        raise DashboardNotFound("region")
    return Area(db.session.get(ReportingActivity, activity_id), region, found.label(), scope)


def _within(column, region: str):
    low, high = code_range(region)
    return and_(column >= low, column < high)


def _submissions(area: Area, *columns):
    return restrict(select(*columns).where(
        Submission.activity_id == area.activity.id,
        _within(Submission.region_code, area.region)), Submission, area.scope)


def _row_key(column, area: Area):
    return func.substr(column, 1, area.row_length)


def rows_of(area: Area) -> list[tuple[str, str]]:
    """(code, name) of the per-region rows, names in the reader's language: the regions one
    level down, or the county."""
    if len(area.region) == 6:
        return [(area.region, area.region_name)]
    return [(r.code, r.label()) for r in db.session.execute(select(Region).where(
        Region.parent_code == area.region).order_by(Region.code)).scalars()]


@dataclass
class Counts:
    """Counts of one (row region, status) group."""
    count: int = 0
    oldest: dt.datetime | None = None
    needing: int = 0
    need_amount: float = 0.0


@dataclass
class Facts:
    cells: dict[tuple[str, str], Counts]  # (row region, status) -> counts
    values: Counter  # (field, value) -> submitted records, for one-choice fields


ONE_CHOICE = ("tech_field", "scale")


def facts(area: Area) -> Facts:
    """Both scans below (what the tables of every tab need)."""
    return Facts(cells(area), one_choice(area))


def cells(area: Area) -> dict[tuple[str, str], Counts]:
    """Progress, funnel, statuses, workload and financing needs from one scan grouped by
    county and status, which is the dashboard index's own order: SQLite aggregates as it
    reads instead of sorting the activity's rows (docs/PERFORMANCE.md). Python adds the
    counties up to the page's rows."""
    needs = Submission.needs_financing.is_(True)
    query = _submissions(
        area, Submission.region_code, Submission.status, func.count(),
        # as text: parsing a datetime for each of the groups costs more than the query
        type_coerce(func.min(Submission.changed_on), String),
        func.sum(case((needs, 1), else_=0)),
        func.sum(case((needs, Submission.financing_need_amount), else_=0)),
    ).group_by(Submission.region_code, Submission.status)
    result: dict[tuple[str, str], Counts] = {}
    length = area.row_length
    for county, status, count, oldest, needing, amount in db.session.execute(query):
        cell = result.setdefault(((county or "")[:length], status), Counts())
        cell.count += count
        if isinstance(oldest, str):  # SQLite
            oldest = dt.datetime.fromisoformat(oldest)
        cell.oldest = min(filter(None, (cell.oldest, oldest)), default=None)
        cell.needing += needing or 0
        cell.need_amount += float(amount or 0)
    return result


def one_choice(area: Area) -> Counter:
    """Submitted records per (field, value) of the one-choice fields: a second scan, made
    only for the tab that shows them."""
    choices = [getattr(Submission, name) for name in ONE_CHOICE]
    values: Counter = Counter()
    for *chosen, count in db.session.execute(
            counted(area, *choices, func.count()).group_by(*choices)):
        for name, value in zip(ONE_CHOICE, chosen, strict=True):
            values[name, value] += count
    return values


def targets(area: Area) -> dict[str, int]:
    """Target per row region: its own target, or else the sum of its counties' targets."""
    key = _row_key(ActivityTarget.region_code, area)
    own = func.length(ActivityTarget.region_code) == area.row_length
    query = select(key, func.sum(case((own, ActivityTarget.target), else_=0)),
                   func.sum(case((func.length(ActivityTarget.region_code) == 6,
                                  ActivityTarget.target), else_=0)),
                   func.sum(case((own, 1), else_=0))).where(
        ActivityTarget.activity_id == area.activity.id,
        _within(ActivityTarget.region_code, area.region)).group_by(key)
    return {code: int(own_target if has_own else counties)
            for code, own_target, counties, has_own in db.session.execute(query)}


@dataclass(frozen=True)
class Progress:
    code: str
    name: str
    target: int
    submitted: int
    approved: int
    returned: int

    @property
    def share(self) -> float | None:
        """Submitted records as a share of the target (None without a target)."""
        return round(self.submitted / self.target, 4) if self.target else None


def progress(area: Area, cells: dict, goals: dict[str, int]) -> list[Progress]:
    def total(code, statuses=None, exclude=()):
        return sum(c.count for (k, s), c in cells.items() if k == code
                   and (statuses is None or s in statuses) and s not in exclude)

    return [Progress(code, name, goals.get(code, 0), total(code, exclude=NOT_COUNTED),
                     total(code, APPROVED_SET), total(code, workflow.RETURNED_STATES))
            for code, name in rows_of(area)]


def funnel_stages(chain: str) -> list[tuple[str, tuple[str, ...]]]:
    """(stage, statuses a record may have once it reached the stage), first to last."""
    levels = workflow.CHAINS[chain]
    stages = [("submitted", tuple(s for s in workflow.STATUSES if s not in NOT_COUNTED))]
    for position, status in enumerate(levels):
        stages.append((f"past_{workflow.level_of_status(status)}",
                       (*levels[position + 1:], *APPROVED_SET)))
    stages.append(("sent", SENT_SET))
    return stages


def by_status(cells: dict) -> Counter:
    counts: Counter = Counter()
    for (_code, status), cell in cells.items():
        counts[status] += cell.count
    return counts


@dataclass(frozen=True)
class Workload:
    level: str
    status: str
    waiting: int
    oldest_days: int | None
    per_row: dict[str, int] = field(default_factory=dict)


def workload(area: Area, cells: dict, today: dt.date) -> list[Workload]:
    """Records waiting at each level of the chain, and how long the oldest has waited: since
    its last change, which for a waiting record is the moment it reached the level."""
    result = []
    for status in workflow.CHAINS[area.activity.review_chain]:
        group = {k: c for (k, s), c in cells.items() if s == status}
        oldest = min((c.oldest for c in group.values() if c.oldest), default=None)
        result.append(Workload(workflow.level_of_status(status), status,
                               sum(c.count for c in group.values()),
                               (today - oldest.date()).days if oldest else None,
                               {k: c.count for k, c in group.items()}))
    return result


def counted(area: Area, *columns):
    return _submissions(area, *columns).where(Submission.status.notin_(NOT_COUNTED))


def warnings(area: Area) -> Counter:
    """Submitted records per weak rule: the database counts each combination of rules from
    the dashboard index, Python adds the combinations up per rule."""
    result: Counter = Counter()
    for rules, count in db.session.execute(
            counted(area, Submission.warning_rules, func.count())
            .where(Submission.warning_rules.is_not(None))
            .group_by(Submission.warning_rules)):
        for rule in set((rules or "").split()):
            result[rule] += count
    return result


def qualifications(area: Area) -> Counter:
    """Submitted records per qualification, from the combinations of options as plain text
    (``qualification_set``, in the dashboard index). Apart from the warnings: each tab asks
    for its own, and two narrow groupings cost less than the one of both columns."""
    result: Counter = Counter()
    for combination, count in db.session.execute(
            counted(area, Submission.qualification_set, func.count())
            .where(Submission.qualification_set.is_not(None))
            .group_by(Submission.qualification_set)):
        for option in (combination or "").split("|") if combination else ():
            result[option] += count
    return result


# -- scores -----------------------------------------------------------------------------------
def latest_run(activity: ReportingActivity) -> ScoreRun | None:
    # A run's id and project are not sensitive; its results are scoped row by row below.
    return db.session.execute(select(ScoreRun).where(ScoreRun.activity_id == activity.id)
                              .order_by(ScoreRun.id.desc()).limit(1)).scalar()


def runs_of(activity: ReportingActivity) -> list[ScoreRun]:
    """The activity's score runs, newest first: the dashboard's run selector."""
    return list(db.session.execute(select(ScoreRun).where(
        ScoreRun.activity_id == activity.id).order_by(ScoreRun.id.desc())).scalars())


def run_of(activity: ReportingActivity, run_id: int | None) -> ScoreRun | None:
    if run_id is None:
        return latest_run(activity)
    run = db.session.get(ScoreRun, run_id)
    if run is None or run.activity_id != activity.id:
        raise DashboardNotFound("run")
    return run


def score_figures(area: Area, run: ScoreRun) -> dict:
    """Histogram of totals (score_stats' bins), grades per row region and stages, from one
    grouped scan of the run's results in the area."""
    key = _row_key(ScoreResult.region_code, area)
    bin_ = case((ScoreResult.total.is_(None), -1),
                else_=score_stats.histogram_bin(ScoreResult.total))
    query = restrict(select(key, ScoreResult.grade, ScoreResult.stage, bin_, func.count())
                     .where(ScoreResult.run_id == run.id,
                            _within(ScoreResult.region_code, area.region))
                     .group_by(key, ScoreResult.grade, ScoreResult.stage, bin_),
                     ScoreResult, area.scope)
    histogram = [0] * score_stats.BINS
    grades: dict[str, Counter] = {}
    stages: Counter = Counter()
    for code, grade, stage, index, count in db.session.execute(query):
        if index >= 0:
            histogram[int(index)] += count
        if grade is not None:
            grades.setdefault(code, Counter())[grade] += count
        stages[stage or "—"] += count
    return {"histogram": histogram, "grades": grades, "stages": stages}


def scored(area: Area, run: ScoreRun) -> int:
    """Results of the run in the area: what the score tables add up to (the page's key
    figure), counted from the run's index without grouping."""
    return db.session.execute(restrict(select(func.count()).select_from(ScoreResult).where(
        ScoreResult.run_id == run.id, _within(ScoreResult.region_code, area.region)),
        ScoreResult, area.scope)).scalar() or 0


# -- financing --------------------------------------------------------------------------------
def _loan_conditions(area: Area) -> tuple:
    return (RecommendationEntry.list_id.in_(published_lists(area.activity.id)),
            _within(RecommendationEntry.region_code, area.region))


def loans(area: Area) -> dict[str | None, LoanFigures]:
    """Entries of the activity's published lists per row region (and under None, the area's
    total counted across regions): enterprises recommended and granted, loans and amount,
    each enterprise and each loan counted once (recommendations.loan_figures)."""
    figures = loan_figures(_row_key(RecommendationEntry.region_code, area),
                           *_loan_conditions(area), scope=area.scope)
    return {**figures, None: loan_total(area)}


def loan_total(area: Area) -> LoanFigures:
    """The area's loan figures counted across its regions (the financing table's 合计 and
    the page's key figure)."""
    return loan_figures(None, *_loan_conditions(area), scope=area.scope).get(None,
                                                                             LoanFigures())


def published_lists(activity_id: int | None):
    query = select(RecommendationList.id).where(RecommendationList.status == PUBLISHED)
    if activity_id is not None:
        query = query.where(RecommendationList.activity_id == activity_id)
    return query


@dataclass(frozen=True)
class BankRow:
    programme: str
    status: str
    count: int
    need_amount: float
    loan_amount: float


def bank_figures(scope: UserScope, activity_id: int | None) -> list[BankRow]:
    """A bank's own entries by programme and outcome, with the amounts needed and lent."""
    query = restrict(select(RecommendationList.programme, RecommendationEntry.status,
                            func.count(), func.sum(RecommendationEntry.need_amount),
                            func.sum(RecommendationEntry.loan_amount))
                     .join(RecommendationList,
                           RecommendationList.id == RecommendationEntry.list_id)
                     .where(RecommendationEntry.list_id.in_(published_lists(activity_id)))
                     .group_by(RecommendationList.programme, RecommendationEntry.status)
                     .order_by(RecommendationList.programme), RecommendationEntry, scope)
    return [BankRow(programme, status, count, float(need or 0), float(lent or 0))
            for programme, status, count, need, lent in db.session.execute(query)]


def bank_enterprises_by_status(scope: UserScope, activity_id: int | None) -> dict[str, int]:
    """The bank's enterprises per outcome, each enterprise once per outcome."""
    query = restrict(select(RecommendationEntry.status,
                            func.count(RecommendationEntry.enterprise_id.distinct()))
                     .where(RecommendationEntry.list_id.in_(published_lists(activity_id)))
                     .group_by(RecommendationEntry.status), RecommendationEntry, scope)
    return dict(db.session.execute(query).all())


def bank_loans(scope: UserScope, activity_id: int | None) -> LoanFigures:
    """The bank's loans across programmes, each loan counted once."""
    return loan_figures(None, RecommendationEntry.list_id.in_(published_lists(activity_id)),
                        scope=scope).get(None, LoanFigures())


def bank_activities(scope: UserScope) -> list[tuple[int, str]]:
    """Activities with published lists addressed to the bank."""
    ids = restrict(select(RecommendationEntry.list_id), RecommendationEntry, scope)
    return [tuple(row) for row in db.session.execute(
        select(ReportingActivity.id, ReportingActivity.name).where(
            ReportingActivity.id.in_(select(RecommendationList.activity_id).where(
                RecommendationList.id.in_(ids)))).order_by(ReportingActivity.id.desc()))]
