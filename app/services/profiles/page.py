"""What the profile page (企业画像, SPEC §12.4) shows of one enterprise: its figures per data
year, its scores with their rank in the province cohort, a radar of its points by dimension
against the median of its field and stage, financing, pools and review history.

An official in scope sees all of it; the enterprise itself its confirmed scores only, no
rank or median (they describe other enterprises), and of its review history the returns.

The scores among their cohort (ranks, the radar's medians) are cohorts.py's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from app.domain import workflow
from app.domain.profiles import NUMERIC_FIELDS, TRUE, Profile
from app.domain.records.uscc_kinds import EntityKind, kind_of
from app.extensions import db
from app.models import (
    Bank,
    Enterprise,
    RecommendationEntry,
    RecommendationList,
    ReportingActivity,
    ReviewRecord,
    Submission,
)
from app.models.financing import PUBLISHED
from app.security.scope import ENTERPRISE, UserScope, current_scope
from app.services.profiles import PROFILE_STATUSES
from app.services.profiles.cohorts import Radar, ScoreLine, radar_of, ranks, score_lines
from app.services.profiles.criteria import active_tags
from app.services.profiles.gather import CRITERIA_EXTRAS
from app.services.profiles.profile import find, memberships

# The key figures of the multi-year table and its charts, with how each is shown.
AMOUNT, PERCENT, COUNT = "amount", "percent", "number"
FIGURES: tuple[tuple[str, str], ...] = (
    ("revenue", AMOUNT), ("rd_expense", AMOUNT), ("rd_intensity", PERCENT),
    ("rd_staff_share", PERCENT), ("invention_patents", COUNT), ("ip_count", COUNT),
    ("tech_contract_in", AMOUNT), ("tech_contract_out", AMOUNT))
# Figures worked out from two fields: numerator ÷ denominator, in per cent.
DERIVED = {"rd_intensity": ("rd_expense", "revenue"), "rd_staff_share": ("rd_staff", "employees")}
FINANCING_FIELDS = ("needs_financing", "financing_need_amount", "financing_need_types",
                    "intended_banks", "financing_purpose")
_COLUMNS = tuple(dict.fromkeys((*NUMERIC_FIELDS, *CRITERIA_EXTRAS, *FINANCING_FIELDS)))


def share(numerator, denominator) -> float | None:
    """numerator ÷ denominator in per cent; None without both or with a zero denominator."""
    if numerator is None or denominator in (None, 0):
        return None
    return float(numerator) / float(denominator) * 100


@dataclass
class ProfilePage:
    enterprise: Enterprise
    own: bool
    kind: EntityKind | None
    latest: dict[str, Any]  # the latest year's values (field, size, qualifications …)
    years: list[dict[str, Any]]  # per data year, oldest first: year, figures, financing
    tags: list[tuple[str, str | None]]  # (name, English name)
    scores: list[ScoreLine]  # newest data year first
    radar: Radar | None  # officials only
    pools: list[dict]
    reviews: list[dict]
    entries: list[dict] = field(default_factory=list)

    @property
    def latest_year(self) -> int | None:
        return self.years[-1]["year"] if self.years else None


def build(uscc: str, scope: UserScope | None = None) -> ProfilePage:
    """The page of the enterprise with this credit code as the user of ``scope`` (default:
    the current user) may see it: an official in scope all of it, the enterprise itself
    the reduced page. ProfileError NOT_FOUND for a code unknown or outside the scope."""
    scope = scope or current_scope()
    enterprise = find(uscc, scope)
    own = scope.kind == ENTERPRISE
    rows = _year_values(enterprise.id)
    scores = score_lines(enterprise.id, confirmed_only=own)
    profile = Profile(years={year: {k: values.get(k) for k in (*NUMERIC_FIELDS,
                                                                *CRITERIA_EXTRAS)}
                             for year, values in rows.items()})
    if profile.years:
        same_year = [line for line in scores if line.data_year == profile.latest_year]
        if same_year:  # as gather.profile_of: the year's newest run
            profile.score_total = same_year[0].result.total
            profile.score_grade = same_year[0].result.grade
    radar = None
    if not own:
        radar = radar_of(scores, ranks(scores))
    latest = rows[max(rows)] if rows else {}
    return ProfilePage(
        enterprise=enterprise, own=own, kind=kind_of(enterprise.uscc), latest=latest,
        years=[year_row(year, values) for year, values in sorted(rows.items())],
        tags=tags(profile) if profile.years else [], scores=scores, radar=radar,
        pools=memberships(enterprise.id), reviews=reviews(enterprise.id, own),
        entries=financing_entries(enterprise.id, own))


def year_row(year: int, values: dict) -> dict[str, Any]:
    row = {"year": year}
    for key, _kind in FIGURES:
        row[key] = share(*(values.get(k) for k in DERIVED[key])) if key in DERIVED \
            else values.get(key)
    row.update({key: values.get(key) for key in FINANCING_FIELDS})
    return row


def _year_values(enterprise_id: int) -> dict[int, dict]:
    """{data year: values} of the records that passed provincial review; the latest record
    of a year wins, as in the pool evaluation (gather.profile_of)."""
    query = (select(ReportingActivity.data_year,
                    *[getattr(Submission, key) for key in _COLUMNS])
             .join(ReportingActivity, ReportingActivity.id == Submission.activity_id)
             .where(Submission.enterprise_id == enterprise_id,
                    Submission.status.in_(PROFILE_STATUSES))
             .order_by(ReportingActivity.data_year, Submission.id))
    return {row[0]: dict(zip(_COLUMNS, row[1:], strict=True))
            for row in db.session.execute(query)}


def tags(profile: Profile) -> list[tuple[str, str | None]]:
    """The auto tags that hold (as profile.tags_of), with their English names."""
    return [(rule.name, rule.name_en) for rule, criterion in active_tags()
            if criterion.evaluate(profile)[0] == TRUE]


def reviews(enterprise_id: int, own: bool) -> list[dict]:
    """The review history of the enterprise's records, newest first; for the enterprise
    itself only the returns, with the level and the reason it was given."""
    query = (select(ReviewRecord, ReportingActivity.data_year, ReportingActivity.name)
             .join(Submission, Submission.id == ReviewRecord.submission_id)
             .join(ReportingActivity, ReportingActivity.id == Submission.activity_id)
             .where(Submission.enterprise_id == enterprise_id)
             .order_by(ReviewRecord.created_at.desc(), ReviewRecord.id.desc()))
    if own:
        query = query.where(ReviewRecord.action == workflow.RETURN)
    return [{"at": record.created_at, "data_year": year, "activity": activity,
             "action": record.action, "to_status": record.to_status, "level": record.level,
             "username": None if own else record.username, "comment": record.comment}
            for record, year, activity in db.session.execute(query)]


def financing_entries(enterprise_id: int, own: bool) -> list[dict]:
    """The enterprise's recommendations to banks and what the banks recorded, newest
    first; the enterprise, like the banks, sees those of published lists only."""
    query = (select(RecommendationEntry, RecommendationList.name, RecommendationList.programme,
                    RecommendationList.status, Bank.name)
             .join(RecommendationList, RecommendationList.id == RecommendationEntry.list_id)
             .join(Bank, Bank.id == RecommendationEntry.bank_id)
             .where(RecommendationEntry.enterprise_id == enterprise_id)
             .order_by(RecommendationEntry.id.desc()))
    if own:
        query = query.where(RecommendationList.status == PUBLISHED)
    return [{"list": name, "programme": programme, "published": status == PUBLISHED,
             "bank": bank, "status": entry.status, "need_amount": entry.need_amount,
             "loan_amount": entry.loan_amount, "loan_rate": entry.loan_rate,
             "loan_term_months": entry.loan_term_months, "loan_date": entry.loan_date,
             "decline_reason": entry.decline_reason}
            for entry, name, programme, status, bank in db.session.execute(query)]
