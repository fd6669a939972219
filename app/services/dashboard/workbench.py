"""工作台: what each role has to do today, counted in the user's scope.

An enterprise sees its open activities with their deadlines, the state of its own report,
what was returned and why, and its confirmed score. A reviewer sees what waits at its level
(oldest first, and how many came back corrected) and its deadlines; the province also its
key figures, open activities and runs awaiting confirmation; a bank the enterprises newly
recommended to it and the outcomes still to record.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import exists, func, select

from app.domain import workflow
from app.extensions import db
from app.models import (
    ActivityTarget,
    RecommendationEntry,
    RecommendationList,
    ReportingActivity,
    ReviewRecord,
    ScoreResult,
    ScoreRun,
    Submission,
)
from app.models.financing import CONTACTED, GRANTED, IN_APPROVAL, PUBLISHED, RECOMMENDED
from app.models.national import NationalPoints
from app.models.reporting import ACTIVITY_OPEN
from app.security.scope import ENTERPRISE, UserScope, restrict
from app.services.finance.recommendations import LoanFigures, loan_figures
from app.services.national import mine

DEADLINE_OF_LEVEL = {"county": "county_review_end", "city": "city_review_end",
                     "province": "province_review_end"}


def open_activities(province: str) -> list[ReportingActivity]:
    return list(db.session.execute(select(ReportingActivity).where(
        ReportingActivity.status == ACTIVITY_OPEN,
        ReportingActivity.province_code == province).order_by(
        ReportingActivity.id.desc())).scalars())


def days_left(deadline: dt.date | None, today: dt.date) -> int | None:
    return (deadline - today).days if deadline else None


# -- enterprise ------------------------------------------------------------------------------
@dataclass
class EnterpriseTask:
    activity: ReportingActivity
    deadline: dt.date | None
    days_left: int | None
    submission: Submission | None
    returned: ReviewRecord | None  # the return in force, with the reviewer's reason


def enterprise_tasks(enterprise_id: int, province: str, today: dt.date
                     ) -> list[EnterpriseTask]:
    tasks = []
    for activity in open_activities(province):
        submission = db.session.execute(select(Submission).where(
            Submission.activity_id == activity.id, Submission.enterprise_id == enterprise_id,
            Submission.status != workflow.MERGED).order_by(Submission.id.desc())
            .limit(1)).scalar_one_or_none()
        returned = None
        if submission is not None and submission.status in workflow.RETURNED_STATES:
            returned = db.session.execute(select(ReviewRecord).where(
                ReviewRecord.submission_id == submission.id,
                ReviewRecord.action.in_((workflow.RETURN, workflow.NATIONAL_RETURN)))
                .order_by(ReviewRecord.id.desc())
                .limit(1)).scalar_one_or_none()
        tasks.append(EnterpriseTask(activity, activity.collection_end,
                                    days_left(activity.collection_end, today), submission,
                                    returned))
    return tasks


def confirmed_scores(enterprise_id: int, limit: int = 3) -> list[ScoreResult]:
    """Its confirmed provincial results, of activities whose province shows them."""
    return mine.shown_provincial(UserScope(ENTERPRISE, enterprise_id=enterprise_id), limit)


def national_points(enterprise_id: int, limit: int = 3) -> list[NationalPoints]:
    """Its national points the province confirmed (the Ministry's total and grade)."""
    return mine.confirmed_points(UserScope(ENTERPRISE, enterprise_id=enterprise_id), limit)


# -- reviewers --------------------------------------------------------------------------------
@dataclass
class Queue:
    level: str
    waiting: int = 0
    oldest: dt.datetime | None = None
    resubmitted: int = 0  # waiting records that were returned once and came back corrected

    def age_days(self, now: dt.datetime) -> int | None:
        return (now - self.oldest).days if self.oldest else None


def queue(scope: UserScope, level: str) -> Queue:
    status = workflow.LEVEL_STATUS[level]
    waiting = restrict(select(Submission.id, Submission.submitted_at, Submission.changed_on)
                       .where(Submission.status == status), Submission, scope).subquery()
    came_back = exists().where(ReviewRecord.submission_id == waiting.c.id,
                               ReviewRecord.action == workflow.RETURN)
    count, oldest, resubmitted = db.session.execute(select(
        func.count(), func.min(func.coalesce(waiting.c.submitted_at, waiting.c.changed_on)),
        func.count().filter(came_back))).one()
    return Queue(level, count or 0, oldest, resubmitted or 0)


@dataclass
class Deadline:
    activity: ReportingActivity
    label: str  # what ends: the level's review, or collection
    date: dt.date
    days_left: int


def deadlines(level: str | None, province: str, today: dt.date) -> list[Deadline]:
    """The open activities' dates that concern the user, nearest first."""
    found = []
    for activity in open_activities(province):
        if activity.collection_end:
            found.append(Deadline(activity, "collection", activity.collection_end,
                                  days_left(activity.collection_end, today)))
        date = getattr(activity, DEADLINE_OF_LEVEL[level]) if level else None
        if date:
            found.append(Deadline(activity, level, date, days_left(date, today)))
    return sorted((d for d in found if d.days_left >= 0), key=lambda d: d.date)


# -- province ---------------------------------------------------------------------------------
@dataclass
class Kpis:
    activity: ReportingActivity
    reported: int = 0
    target: int = 0
    approved: int = 0  # passed provincial review, at any later step
    scored: int = 0
    confirmed: int = 0
    needing_financing: int = 0
    need_amount: float = 0.0
    loans: LoanFigures = field(default_factory=LoanFigures)


PAST_PROVINCE = (workflow.APPROVED, workflow.SUBMITTED, workflow.SCORED, workflow.CONFIRMED)


def kpis(activity: ReportingActivity, scope: UserScope) -> Kpis:
    """Key figures of an activity in the scope: reported / target, approved, scored,
    confirmed, financing needs, loans granted (each loan once)."""
    counted = Submission.status.notin_((workflow.DRAFT, workflow.MERGED))
    needs = counted & Submission.needs_financing.is_(True)
    row = db.session.execute(restrict(select(
        func.count().filter(counted),
        func.count().filter(Submission.status.in_(PAST_PROVINCE)),
        func.count().filter(Submission.status.in_((workflow.SCORED, workflow.CONFIRMED))),
        func.count().filter(Submission.status == workflow.CONFIRMED),
        func.count().filter(needs),
        func.coalesce(func.sum(Submission.financing_need_amount).filter(needs), 0))
        .where(Submission.activity_id == activity.id), Submission, scope)).one()
    region = scope.region_code or activity.province_code
    target = db.session.execute(select(func.coalesce(func.sum(ActivityTarget.target), 0))
                                .where(ActivityTarget.activity_id == activity.id,
                                       ActivityTarget.region_code == region)).scalar() or 0
    if not target:  # targets set per city only: their sum
        target = db.session.execute(select(func.coalesce(func.sum(ActivityTarget.target), 0))
                                    .where(ActivityTarget.activity_id == activity.id,
                                           func.length(ActivityTarget.region_code)
                                           == len(region) + 2,
                                           ActivityTarget.region_code.startswith(region))
                                    ).scalar() or 0
    lists = select(RecommendationList.id).where(RecommendationList.activity_id == activity.id,
                                                RecommendationList.status == PUBLISHED)
    loans = loan_figures(None, RecommendationEntry.list_id.in_(lists), scope=scope) \
        .get(None, LoanFigures())
    return Kpis(activity, row[0], int(target), row[1], row[2], row[3], row[4], float(row[5]),
                loans)


@dataclass
class RunAwaiting:
    run: ScoreRun
    unconfirmed: int


def runs_awaiting(province: str, limit: int = 5) -> list[RunAwaiting]:
    """Runs of the province with results not yet confirmed, newest first."""
    rows = db.session.execute(select(ScoreRun, func.count(ScoreResult.id)).join(
        ScoreResult, ScoreResult.run_id == ScoreRun.id).where(
        ScoreRun.province_code == province, ScoreResult.status != "confirmed")
        .group_by(ScoreRun.id).order_by(ScoreRun.id.desc()).limit(limit)).all()
    return [RunAwaiting(run, count) for run, count in rows]


# -- banks ------------------------------------------------------------------------------------
@dataclass
class BankTasks:
    new: int = 0  # recommended, not yet contacted
    open: int = 0  # outcomes still to record: recommended, contacted, in approval
    granted: int = 0
    latest: list[RecommendationEntry] = field(default_factory=list)


def bank_tasks(scope: UserScope, limit: int = 8) -> BankTasks:
    published = RecommendationEntry.list_id.in_(select(RecommendationList.id).where(
        RecommendationList.status == PUBLISHED))
    new, open_, granted = db.session.execute(restrict(select(
        func.count().filter(RecommendationEntry.status == RECOMMENDED),
        func.count().filter(RecommendationEntry.status.in_((RECOMMENDED, CONTACTED,
                                                             IN_APPROVAL))),
        func.count().filter(RecommendationEntry.status == GRANTED)).where(published),
        RecommendationEntry, scope)).one()
    latest = list(db.session.execute(restrict(select(RecommendationEntry).where(
        published, RecommendationEntry.status == RECOMMENDED).order_by(
        RecommendationEntry.id.desc()).limit(limit), RecommendationEntry, scope)).scalars())
    return BankTasks(new or 0, open_ or 0, granted or 0, latest)
