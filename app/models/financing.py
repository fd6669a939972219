"""Recommendation lists (推荐名单) and what banks record about each recommended enterprise."""

from __future__ import annotations

import datetime as dt

from flask_appbuilder import Model
from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    and_,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.scoping import ScopeSpec

DRAFT, PUBLISHED = "draft", "published"
# What a bank records about a recommended enterprise, in the order it usually happens.
RECOMMENDED, CONTACTED, IN_APPROVAL, GRANTED, DECLINED = (
    "recommended", "contacted", "in_approval", "granted", "declined")
OUTCOMES = (RECOMMENDED, CONTACTED, IN_APPROVAL, GRANTED, DECLINED)
PROGRAMMES = ("科技创新再贷款", "科技创新专项担保计划", "积分贷")
# Stored as above (the programmes' own names); shown in English as these.
PROGRAMME_LABELS_EN = {"科技创新再贷款": "Sci-tech innovation relending",
                       "科技创新专项担保计划": "Sci-tech innovation special guarantee programme",
                       "积分贷": "Innovation points loan"}


def programme_label(programme: str, lang: str = "zh") -> str:
    """A programme in the user's language; one typed by the province as it was typed."""
    return PROGRAMME_LABELS_EN.get(programme, programme) if lang == "en" else programme


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class RecommendationList(Model):
    """A programme's list built by rules from confirmed scores; published, it reaches banks."""

    __tablename__ = "recommendation_list"
    __scope__ = ScopeSpec(region="province_code",
                          bank=lambda model, _bank_id: model.status == PUBLISHED)
    __audited__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    province_code: Mapped[str] = mapped_column(String(6), nullable=False)
    activity_id: Mapped[int] = mapped_column(Integer, ForeignKey("reporting_activity.id"),
                                             nullable=False, index=True)
    run_id: Mapped[int] = mapped_column(Integer, ForeignKey("score_run.id"), nullable=False)
    programme: Mapped[str] = mapped_column(String(64), nullable=False)
    # Whose points chose the enterprises: our run ("provincial") or the Ministry's confirmed
    # national points ("national", SPEC §12.5); the list says which.
    points_source: Mapped[str] = mapped_column(String(16), nullable=False, default="provincial",
                                               server_default="provincial")
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    rules: Mapped[dict] = mapped_column(JSON, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default=DRAFT)
    enterprises: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=_now)
    created_by: Mapped[str | None] = mapped_column(String(128))
    published_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    published_by: Mapped[str | None] = mapped_column(String(128))

    activity = relationship("ReportingActivity")
    run = relationship("ScoreRun")

    def __repr__(self) -> str:
        return self.name


def _entry_for_bank(model, bank_id: int):
    """A bank sees the entries addressed to it, once their list is published."""
    return and_(model.bank_id == bank_id, model.list_id.in_(
        select(RecommendationList.id).where(RecommendationList.status == PUBLISHED)))


class RecommendationEntry(Model):
    """One enterprise recommended to one bank (an enterprise naming three banks has three
    entries, ranked by its preference); the bank records the outcome here."""

    __tablename__ = "recommendation_entry"
    __scope__ = ScopeSpec(region="region_code", enterprise="enterprise_id", bank=_entry_for_bank)
    __audited__ = True
    __table_args__ = (Index("ix_recommendation_entry_bank_status", "bank_id", "status"),
                      Index("ix_recommendation_entry_list_region", "list_id", "region_code"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    list_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("recommendation_list.id", ondelete="CASCADE"), nullable=False)
    submission_id: Mapped[int] = mapped_column(Integer, ForeignKey("submission.id"),
                                               nullable=False)
    enterprise_id: Mapped[int] = mapped_column(Integer, ForeignKey("enterprise.id"),
                                               nullable=False, index=True)
    region_code: Mapped[str] = mapped_column(String(6), ForeignKey("region.code"),
                                             nullable=False, index=True)
    uscc: Mapped[str] = mapped_column(String(18), nullable=False)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    total: Mapped[float | None] = mapped_column(Float)
    grade: Mapped[str | None] = mapped_column(String(32))
    bank_id: Mapped[int] = mapped_column(Integer, ForeignKey("bank.id"), nullable=False)
    # 1, 2, 3: the enterprise's order of preference; None: a default bank of the province.
    preference: Mapped[int | None] = mapped_column(Integer)
    need_amount: Mapped[float | None] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default=RECOMMENDED)
    loan_amount: Mapped[float | None] = mapped_column(Float)
    loan_rate: Mapped[float | None] = mapped_column(Float)
    loan_term_months: Mapped[int | None] = mapped_column(Integer)
    loan_date: Mapped[dt.date | None] = mapped_column(Date)
    decline_reason: Mapped[str | None] = mapped_column(Text)
    outcome_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    outcome_by: Mapped[str | None] = mapped_column(String(128))

    recommendation_list = relationship("RecommendationList")
    bank = relationship("Bank")
    region = relationship("Region")
    submission = relationship("Submission")

    def __repr__(self) -> str:
        return f"{self.name} → {self.bank}"
