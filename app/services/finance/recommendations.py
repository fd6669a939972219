"""Recommendation lists (推荐名单) and loan outcomes (SPEC §9).

The province builds a list for a programme from a run's confirmed scores by rules, reviews it
(removing entries while it is a draft), and publishes it; each enterprise goes to the banks it
named, in its order of preference, or to the province's default banks if it named none.
Banks then record what happened with each enterprise.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from flask import g
from sqlalchemy import and_, delete, func, literal_column, or_, select

from app.domain.errors import BilingualError
from app.domain.regions import code_range
from app.extensions import db
from app.models import (
    AppUser,
    Bank,
    RecommendationEntry,
    RecommendationList,
    ScoreResult,
    ScoreRun,
    Submission,
)
from app.models import financing as F
from app.models.national import CONFIRMED as NATIONAL_CONFIRMED
from app.models.national import NationalPoints
from app.security import roles
from app.security.scope import restrict
from app.services.platform import notifications

SIZES = ("大型", "中型", "小型", "微型")
# Whose points choose a list's enterprises (RecommendationList.points_source).
PROVINCIAL, NATIONAL = "provincial", "national"
SOURCES = (PROVINCIAL, NATIONAL)


class RecommendationError(BilingualError):
    """The list or outcome cannot be saved as asked; nothing was changed."""


def _username() -> str | None:
    return getattr(getattr(g, "user", None), "username", None)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def clean_rules(raw: dict[str, Any]) -> dict[str, Any]:
    """The list's rules as stored: grades, minimum points, financing need, sizes, regions."""
    def number(value):
        if value in (None, ""):
            return None
        try:
            return float(value)
        except (TypeError, ValueError):
            raise RecommendationError("最低积分应为数字。",
                                      "The minimum points must be a number.") from None

    sizes = [s for s in raw.get("sizes") or [] if s in SIZES]
    regions = [r.strip() for r in raw.get("regions") or [] if r and r.strip().isdigit()]
    return {"grades": [str(x) for x in raw.get("grades") or [] if str(x).strip()],
            "min_total": number(raw.get("min_total")),
            "needs_financing": bool(raw.get("needs_financing")), "sizes": sizes,
            "regions": regions}


def _candidates(run: ScoreRun, rules: dict[str, Any], source: str = PROVINCIAL):
    """The confirmed points matching the rules, highest first: the run's own results, or the
    Ministry's confirmed points for the run's activity (grades and minimum points then apply
    to the national total and grade; each still names its record)."""
    if source == NATIONAL:
        points = NationalPoints
        query = select(points.submission_id, points.enterprise_id, points.region_code,
                       points.uscc, points.name, points.total, points.grade,
                       Submission.intended_banks, Submission.financing_need_amount).join(
            Submission, Submission.id == points.submission_id).where(
            points.activity_id == run.activity_id, points.status == NATIONAL_CONFIRMED)
    else:
        points = ScoreResult
        query = select(points.submission_id, points.enterprise_id, points.region_code,
                       points.uscc, points.name, points.total, points.grade,
                       Submission.intended_banks, Submission.financing_need_amount).join(
            Submission, Submission.id == points.submission_id).where(
            points.run_id == run.id, points.status == "confirmed", points.eligible.is_(True))
    if rules["grades"]:
        query = query.where(points.grade.in_(rules["grades"]))
    if rules["min_total"] is not None:
        query = query.where(points.total >= rules["min_total"])
    if rules["needs_financing"]:
        query = query.where(Submission.needs_financing.is_(True))
    if rules["sizes"]:
        query = query.where(Submission.scale.in_(rules["sizes"]))
    if rules["regions"]:
        query = query.where(or_(*[and_(points.region_code >= low, points.region_code < high)
                                  for low, high in map(code_range, rules["regions"])]))
    return db.session.execute(restrict(query.order_by(points.total.desc()), points))


def known_grades() -> list[str]:
    """The grades a list's rules may name: those of our results and of national points."""
    grades = set(db.session.execute(select(ScoreResult.grade).distinct().where(
        ScoreResult.grade.is_not(None))).scalars())
    grades |= set(db.session.execute(select(NationalPoints.grade).distinct().where(
        NationalPoints.grade.is_not(None))).scalars())
    return sorted(grades)


def default_banks(province_code: str) -> list[Bank]:
    return list(db.session.execute(select(Bank).where(
        Bank.is_default.is_(True), or_(Bank.province_code.is_(None),
                                       Bank.province_code == province_code))
        .order_by(Bank.id)).scalars())


def _fill(recommendation: RecommendationList) -> int:
    """The list's entries from its rules; returns the number of enterprises."""
    banks_by_name = {b.name: b.id for b in db.session.execute(select(Bank)).scalars()}
    defaults = [b.id for b in default_banks(recommendation.province_code)]
    rows, enterprises = [], 0
    for r in _candidates(recommendation.run, recommendation.rules,
                         recommendation.points_source or PROVINCIAL):
        named = [banks_by_name[n] for n in (r.intended_banks or []) if n in banks_by_name]
        targets = [(bank_id, rank) for rank, bank_id in enumerate(named, 1)] or \
            [(bank_id, None) for bank_id in defaults]
        if not targets:
            continue
        enterprises += 1
        rows += [{"list_id": recommendation.id, "submission_id": r.submission_id,
                  "enterprise_id": r.enterprise_id, "region_code": r.region_code,
                  "uscc": r.uscc, "name": r.name or r.uscc, "total": r.total, "grade": r.grade,
                  "bank_id": bank_id, "preference": rank, "need_amount": r.financing_need_amount,
                  "status": F.RECOMMENDED} for bank_id, rank in targets]
    if rows:
        db.session.execute(RecommendationEntry.__table__.insert(), rows)
    return enterprises


def build_list(run: ScoreRun, programme: str, name: str, rules: dict[str, Any],
               source: str = PROVINCIAL) -> RecommendationList:
    """A draft list of ``run``'s activity by ``rules``, chosen by our run's confirmed
    scores (``source`` "provincial") or by the Ministry's confirmed points ("national")."""
    programme, name = programme.strip(), name.strip()
    if not programme:
        raise RecommendationError("请选择或填写项目名称（如 科技创新再贷款）。",
                                  "Choose or name the programme (e.g. 科技创新再贷款).")
    if source not in SOURCES:
        raise RecommendationError("请选择积分来源：省级积分或国家积分。",
                                  "Choose the points source: provincial or national.")
    rules = clean_rules(rules)
    recommendation = RecommendationList(
        province_code=run.province_code, activity_id=run.activity_id, run_id=run.id,
        programme=programme, name=name or f"{programme}推荐名单", rules=rules,
        points_source=source, created_by=_username())
    db.session.add(recommendation)
    db.session.flush()
    recommendation.enterprises = _fill(recommendation)
    if not recommendation.enterprises:
        db.session.rollback()
        if source == NATIONAL:
            raise RecommendationError(
                "没有符合规则的已确认国家积分企业（国家积分须先导入并确认；或这些企业没有可推荐的银行："
                "请在金融机构名录中设定默认银行）。",
                "No confirmed national points match these rules (import and confirm the "
                "Ministry's points first; or no bank to send them to: mark default banks in "
                "the bank directory).")
        raise RecommendationError(
            "没有符合规则的已确认积分企业（或这些企业没有可推荐的银行：请在金融机构名录中设定默认银行）。",
            "No confirmed score matches these rules (or no bank to send them to: mark default "
            "banks in the bank directory).")
    db.session.commit()
    return recommendation


def _draft(recommendation: RecommendationList) -> None:
    if recommendation.status != F.DRAFT:
        raise RecommendationError("名单已发布，不能再修改。",
                                  "The list is published and can no longer be changed.")


def rebuild(recommendation: RecommendationList, rules: dict[str, Any]) -> int:
    _draft(recommendation)
    recommendation.rules = clean_rules(rules)
    db.session.execute(delete(RecommendationEntry).where(
        RecommendationEntry.list_id == recommendation.id))
    recommendation.enterprises = _fill(recommendation)
    db.session.commit()
    return recommendation.enterprises


def remove_entries(entries: list[RecommendationEntry]) -> int:
    """Reviewing a draft: take enterprises off the list (all their banks)."""
    for entry in entries:
        _draft(entry.recommendation_list)
    pairs = {(e.list_id, e.enterprise_id) for e in entries}
    for list_id, enterprise_id in pairs:
        db.session.execute(delete(RecommendationEntry).where(
            RecommendationEntry.list_id == list_id,
            RecommendationEntry.enterprise_id == enterprise_id))
    for list_id in {p[0] for p in pairs}:
        row = db.session.get(RecommendationList, list_id)
        row.enterprises = db.session.execute(select(func.count(
            RecommendationEntry.enterprise_id.distinct())).where(
            RecommendationEntry.list_id == list_id)).scalar()
    db.session.commit()
    return len(pairs)


def publish(recommendation: RecommendationList) -> int:
    """The list reaches its banks: each bank user is told how many enterprises it got."""
    _draft(recommendation)
    recommendation.status = F.PUBLISHED
    recommendation.published_at, recommendation.published_by = _now(), _username()
    counts = dict(db.session.execute(select(RecommendationEntry.bank_id, func.count()).where(
        RecommendationEntry.list_id == recommendation.id)
        .group_by(RecommendationEntry.bank_id)).all())
    for user in db.session.execute(select(AppUser).where(AppUser.bank_id.in_(list(counts))))\
            .scalars():
        if any(r.name == roles.BANK for r in user.roles):
            n = counts[user.bank_id]
            notifications.notify(
                [user.id], f"{recommendation.name}：向贵行推荐 {n} 家企业，请及时对接并登记结果。",
                f"{recommendation.name}: {n} enterprises recommended to your bank; please "
                "contact them and record the outcomes.", "/recommended/list/")
    db.session.commit()
    return len(counts)


def record_outcome(entry: RecommendationEntry, status: str, *, amount=None, rate=None,
                   term=None, date=None, reason: str = "") -> RecommendationEntry:
    """What the bank did; a granted loan needs its amount and date, a decline (未获批) its
    reason and no amount. Everything is checked before the entry changes: a refused outcome
    leaves the entry exactly as it was."""
    if entry.recommendation_list.status != F.PUBLISHED:
        raise RecommendationError("名单尚未发布。", "The list is not published yet.")
    if status not in F.OUTCOMES:
        raise RecommendationError("请选择对接结果。", "Choose an outcome.")
    loan = {"loan_amount": None, "loan_rate": None, "loan_term_months": None,
            "loan_date": None, "decline_reason": None}
    if status == F.GRANTED:
        loan["loan_amount"] = _positive(amount, "贷款金额（万元）", "The loan amount (10k yuan)")
        loan["loan_rate"] = _positive(rate, "年利率（%）", "The annual rate (%)", optional=True,
                                      upper=36)
        term_value = _positive(term, "期限（月）", "The term (months)", optional=True, upper=360)
        loan["loan_term_months"] = int(term_value) if term_value is not None else None
        if not isinstance(date, dt.date):
            raise RecommendationError("请填写放款日期。", "Enter the date the loan was granted.")
        if date > dt.date.today():
            raise RecommendationError("放款日期不能晚于今天。", "The loan date cannot be in the "
                                      "future.")
        loan["loan_date"] = date
    if status == F.DECLINED:
        if not (reason or "").strip():
            raise RecommendationError("请说明未获批的原因。", "Say why the loan was not approved.")
        loan["decline_reason"] = reason.strip()
    entry.status = status
    for key, value in loan.items():
        setattr(entry, key, value)
    entry.outcome_at, entry.outcome_by = _now(), _username()
    db.session.commit()
    return entry


def _positive(raw, label_zh: str, label_en: str, optional: bool = False, upper=None):
    if raw in (None, "") and optional:
        return None
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise RecommendationError(f"{label_zh}应为数字。", f"{label_en} must be a number.") \
            from None
    if value <= 0 or (upper is not None and value > upper):
        bound = f"，且不超过 {upper}" if upper else ""
        raise RecommendationError(f"{label_zh}应大于 0{bound}。",
                                  f"{label_en} must be above 0"
                                  f"{f' and at most {upper}' if upper else ''}.")
    return value


@dataclass(frozen=True)
class LoanFigures:
    """What banks recorded, each enterprise and each loan counted once: an enterprise on
    several lists or sent to several banks is one enterprise, and a loan recorded on several
    entries (the same enterprise, bank, date and amount) is one loan."""

    recommended: int = 0  # enterprises recommended
    enterprises_granted: int = 0  # enterprises with at least one loan
    loans: int = 0  # distinct loans
    amount: float = 0.0  # 万元, each distinct loan once


def loan_figures(key, *conditions, scope=None, join_lists: bool = False
                 ) -> dict[Any, LoanFigures]:
    """Per ``key`` (a column expression over recommendation entries, or None for one total
    under the key None): LoanFigures of the entries meeting ``conditions``, in the scope."""
    group = key if key is not None else literal_column("'*'")
    entry = RecommendationEntry

    def base(*columns):
        query = select(group.label("key"), *columns).where(*conditions)
        if join_lists:
            query = query.join(RecommendationList,
                               RecommendationList.id == entry.list_id)
        return restrict(query, entry, scope)

    granted = entry.status == F.GRANTED
    counted = base(entry.enterprise_id, entry.status).distinct().subquery()
    people = {row.key: row for row in db.session.execute(
        select(counted.c.key, func.count(counted.c.enterprise_id.distinct()).label("recommended"),
               func.count(counted.c.enterprise_id.distinct()).filter(
                   counted.c.status == F.GRANTED).label("granted"))
        .group_by(counted.c.key))}
    loans = base(entry.enterprise_id, entry.bank_id, entry.loan_date, entry.loan_amount) \
        .where(granted).distinct().subquery()
    money = {row.key: row for row in db.session.execute(
        select(loans.c.key, func.count().label("loans"),
               func.coalesce(func.sum(loans.c.loan_amount), 0).label("amount"))
        .group_by(loans.c.key))}
    return {(None if key is None else k): LoanFigures(
        people[k].recommended if k in people else 0, people[k].granted if k in people else 0,
        money[k].loans if k in money else 0, float(money[k].amount) if k in money else 0.0)
        for k in {*people, *money}}


def outcome_summary(by: str | None) -> list[tuple[Any, int, int, int, float]]:
    """Per city, bank or programme (or, with ``by=None``, one total), in the user's scope:
    enterprises recommended, enterprises granted a loan, loans granted and the amount granted
    (万元), each enterprise and loan counted once — published lists only."""
    key = {"city": func.substr(RecommendationEntry.region_code, 1, 4),
           "bank": RecommendationEntry.bank_id,
           "programme": RecommendationList.programme, None: None}[by]
    figures = loan_figures(key, RecommendationList.status == F.PUBLISHED, join_lists=True)
    return [(k, f.recommended, f.enterprises_granted, f.loans, f.amount)
            for k, f in sorted(figures.items(), key=lambda kv: str(kv[0]))]
