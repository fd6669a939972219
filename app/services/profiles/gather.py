"""Reading profiles from the records: one enterprise for its page and command, or every
enterprise of a year streamed for an evaluation (flat memory at 100,000s)."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import select

from app.domain.profiles import NUMERIC_FIELDS, Profile
from app.extensions import db
from app.models import Enterprise, ReportingActivity, ScoreResult, ScoreRun, Submission
from app.services.profiles import PROFILE_STATUSES

# What criteria read besides the numbers: kept per year like them.
CRITERIA_EXTRAS = ("qualifications", "scale", "tech_field", "sme_industry", "is_listed",
                   "is_private", "rd_institution_level", "registration_date")
_COLUMNS = NUMERIC_FIELDS + CRITERIA_EXTRAS


def _year_rows(enterprise_ids=None, up_to: int | None = None):
    """(enterprise_id, data_year, columns…) of profile records, oldest first; the latest
    record of a year wins (a year reported in two activities keeps the later one)."""
    query = (select(Submission.enterprise_id, ReportingActivity.data_year,
                    *[getattr(Submission, key) for key in _COLUMNS])
             .join(ReportingActivity, ReportingActivity.id == Submission.activity_id)
             .where(Submission.status.in_(PROFILE_STATUSES)))
    if enterprise_ids is not None:
        query = query.where(Submission.enterprise_id.in_(enterprise_ids))
    if up_to is not None:
        query = query.where(ReportingActivity.data_year <= up_to)
    return query.order_by(Submission.enterprise_id, ReportingActivity.data_year, Submission.id)


def _values(row) -> dict:
    return dict(zip(_COLUMNS, row[2:], strict=True))


def profile_of(enterprise: Enterprise, confirmed_only: bool = False) -> Profile:
    profile = Profile()
    for row in db.session.execute(_year_rows([enterprise.id])):
        profile.years[row[1]] = _values(row)
    if profile.years:
        score = latest_scores(enterprise.id, confirmed_only).get(profile.latest_year)
        if score:
            profile.score_total, profile.score_grade = score[0]["total"], score[0]["grade"]
    return profile


def latest_scores(enterprise_id: int, confirmed_only: bool) -> dict[int, list[dict]]:
    """Per data year, the latest result per project (officials: of any run; the enterprise:
    confirmed ones only), the newest project run first."""
    from app.models import EvaluationProject

    query = (select(ScoreResult.total, ScoreResult.grade, ScoreResult.status,
                    ScoreResult.run_id, ReportingActivity.data_year, EvaluationProject.code,
                    EvaluationProject.name)
             .join(ScoreRun, ScoreRun.id == ScoreResult.run_id)
             .join(ReportingActivity, ReportingActivity.id == ScoreRun.activity_id)
             .join(EvaluationProject, EvaluationProject.id == ScoreRun.project_id)
             .where(ScoreResult.enterprise_id == enterprise_id)
             .order_by(ScoreResult.run_id.desc()))
    if confirmed_only:
        query = query.where(ScoreResult.status == "confirmed")
    seen, years = set(), {}
    for row in db.session.execute(query):
        if (row.code, row.data_year) in seen:
            continue
        seen.add((row.code, row.data_year))
        years.setdefault(row.data_year, []).append(
            {"project": row.code, "project_name": row.name, "data_year": row.data_year,
             "total": row.total, "grade": row.grade, "run": row.run_id,
             "confirmed": row.status == "confirmed"})
    return years


def stream_profiles(year: int, enterprise_ids: set[int] | None = None,
                    chunk: int = 2000, everyone: bool = False) -> Iterator[tuple[int, Profile]]:
    """(enterprise_id, profile up to ``year``) for every enterprise with a profile record
    in ``year`` (and, if given, those ``enterprise_ids`` besides; with ``everyone``, every
    enterprise with a record up to ``year``), one at a time."""
    reported = select(Submission.enterprise_id).join(
        ReportingActivity, ReportingActivity.id == Submission.activity_id).where(
        Submission.status.in_(PROFILE_STATUSES),
        (ReportingActivity.data_year <= year) if everyone
        else (ReportingActivity.data_year == year))
    wanted = set(db.session.execute(reported.distinct()).scalars())
    wanted |= enterprise_ids or set()
    scores = _confirmed_scores(year)
    current, profile, done = None, Profile(), set()
    rows = db.session.execute(_year_rows(up_to=year).execution_options(yield_per=chunk))
    for row in rows:
        if row[0] != current:
            if current in wanted:
                done.add(current)
                yield current, _scored(profile, scores.get(current))
            current, profile = row[0], Profile()
        profile.years[row[1]] = _values(row)
    if current in wanted:
        done.add(current)
        yield current, _scored(profile, scores.get(current))
    for missing in sorted(wanted - done):
        yield missing, Profile()  # a member with no record up to the year: 数据不足


def _scored(profile: Profile, score) -> Profile:
    if score is not None:
        profile.score_total, profile.score_grade = score
    return profile


def _confirmed_scores(year: int) -> dict[int, tuple]:
    """The latest confirmed (total, grade) per enterprise for the year's activities."""
    query = (select(ScoreResult.enterprise_id, ScoreResult.total, ScoreResult.grade)
             .join(ScoreRun, ScoreRun.id == ScoreResult.run_id)
             .join(ReportingActivity, ReportingActivity.id == ScoreRun.activity_id)
             .where(ReportingActivity.data_year == year, ScoreResult.status == "confirmed")
             .order_by(ScoreResult.run_id))
    return {row[0]: (row[1], row[2]) for row in db.session.execute(query)}
