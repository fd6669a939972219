"""Evaluation projects (versioned), score runs and their results."""

from __future__ import annotations

import datetime as dt

from flask_appbuilder import Model
from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.scoping import ScopeSpec


class EvaluationProject(Model):
    """One version of an evaluation project; editing a project with confirmed scores makes
    a new version, and scores keep the version they were computed with."""

    __tablename__ = "evaluation_project"
    __table_args__ = (UniqueConstraint("code", "version"),)
    __audited__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="draft")
    definition: Mapped[dict] = mapped_column(JSON, nullable=False)
    created_on: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False,
                                                    default=dt.datetime.now)
    created_by: Mapped[str | None] = mapped_column(String(128))

    def __repr__(self) -> str:
        return f"{self.name}（{self.code} v{self.version}）"


class ScoreRun(Model):
    __tablename__ = "score_run"
    __scope__ = ScopeSpec(region="province_code")
    __audited__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    activity_id: Mapped[int] = mapped_column(Integer, ForeignKey("reporting_activity.id"),
                                             nullable=False, index=True)
    project_id: Mapped[int] = mapped_column(Integer, ForeignKey("evaluation_project.id"),
                                            nullable=False)
    province_code: Mapped[str] = mapped_column(String(6), nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False,
                                                    default=dt.datetime.now)
    created_by: Mapped[str | None] = mapped_column(String(128))
    # scored: the records this run (re-)scored; cohort_size: every scorable record of the
    # activity that counted in its cohorts (confirmed ones included) — "re-scored 12 of 312".
    scored: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    eligible: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # None when the project has no pass rule: there is no 通过 figure to show.
    passed: Mapped[int | None] = mapped_column(Integer)
    cohort_size: Mapped[int | None] = mapped_column(Integer)
    # Per stage the cohort's size, per cohort indicator and cohort its size, lowest and
    # highest value, and the project's minimum size (domain.score_compute.Scored.cohorts).
    cohorts: Mapped[dict | None] = mapped_column(JSON)

    activity = relationship("ReportingActivity")
    project = relationship("EvaluationProject")

    def __repr__(self) -> str:
        return f"#{self.id} {self.created_at:%Y-%m-%d %H:%M}"


class ScoreResult(Model):
    """One enterprise's score in a run, with the breakdown that explains every point."""

    __tablename__ = "score_result"
    __scope__ = ScopeSpec(region="region_code", enterprise="enterprise_id")
    # run_region: the dashboard's scan of a run in a region, covered (docs/PERFORMANCE.md)
    __table_args__ = (Index("ix_score_result_run_grade", "run_id", "grade"),
                      Index("ix_score_result_run_region", "run_id", "region_code", "grade",
                            "stage", "total"),
                      # the profile radar's median of a field and stage in a run
                      Index("ix_score_result_run_field_stage", "run_id", "tech_field", "stage"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(Integer, ForeignKey("score_run.id", ondelete="CASCADE"),
                                        nullable=False, index=True)
    submission_id: Mapped[int] = mapped_column(Integer, ForeignKey("submission.id"),
                                               nullable=False, index=True)
    enterprise_id: Mapped[int] = mapped_column(Integer, ForeignKey("enterprise.id"),
                                               nullable=False, index=True)
    region_code: Mapped[str | None] = mapped_column(String(6), ForeignKey("region.code"),
                                                    index=True)
    uscc: Mapped[str] = mapped_column(String(18), nullable=False)
    name: Mapped[str | None] = mapped_column(String(100))
    tech_field: Mapped[str | None] = mapped_column(String(50))
    stage: Mapped[str | None] = mapped_column(String(32))
    eligible: Mapped[bool] = mapped_column(Boolean, nullable=False)
    total: Mapped[float | None] = mapped_column(Float)
    grade: Mapped[str | None] = mapped_column(String(32))
    passed: Mapped[bool | None] = mapped_column(Boolean)
    reasons: Mapped[list | None] = mapped_column(JSON)
    breakdown: Mapped[dict | None] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="computed")
    note: Mapped[str | None] = mapped_column(Text)
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    confirmed_by: Mapped[str | None] = mapped_column(String(128))

    run = relationship("ScoreRun")
    region = relationship("Region")
    submission = relationship("Submission")

    def __repr__(self) -> str:
        return f"{self.name} {self.total}"
