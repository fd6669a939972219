"""Auto-tag rules of the enterprise profile and the cultivation pools (SPEC §12.4).

Memberships are versioned: a confirmed change opens a membership (``since``) or closes one
(``until``); nothing is overwritten, and an enterprise holds at most one open membership per
pool (a partial unique index). Confirmed proposals are kept as they were decided.
"""

from __future__ import annotations

import datetime as dt

from flask_appbuilder import Model
from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.scoping import ScopeSpec

EVALUATION_PROPOSED, EVALUATION_CONFIRMED, EVALUATION_SUPERSEDED = (
    "proposed", "confirmed", "superseded")
PROPOSED, SET_ASIDE, CONFIRMED = "proposed", "set_aside", "confirmed"


class TagRule(Model):
    """An auto tag shown on profiles when its expression holds (e.g. 研发强度 ≥ 10%)."""

    __tablename__ = "tag_rule"
    __audited__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(50), nullable=False, unique=True)
    name_en: Mapped[str | None] = mapped_column(String(80))
    expression: Mapped[str] = mapped_column(Text, nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    updated_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    updated_by: Mapped[str | None] = mapped_column(String(128))

    def __repr__(self) -> str:
        return self.name


class Pool(Model):
    """A tier of the cultivation ladder (main track, in ``position`` order) or a parallel
    track; entry and exit criteria are expressions over profile data."""

    __tablename__ = "pool"
    __audited__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(32), nullable=False, unique=True)
    name: Mapped[str] = mapped_column(String(50), nullable=False, unique=True)
    name_en: Mapped[str | None] = mapped_column(String(80))
    track: Mapped[str] = mapped_column(String(16), nullable=False, default="main")
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    entry_criterion: Mapped[str] = mapped_column(Text, nullable=False)
    exit_criterion: Mapped[str | None] = mapped_column(Text)
    # At most this many members per city (None: no cap); proposals beyond it are set aside.
    region_cap: Mapped[int | None] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    updated_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    updated_by: Mapped[str | None] = mapped_column(String(128))

    def __repr__(self) -> str:
        return self.name


class PoolEvaluation(Model):
    """One yearly (or on-demand) evaluation: its proposals wait for the province."""

    __tablename__ = "pool_evaluation"
    __audited__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    data_year: Mapped[int] = mapped_column(Integer, nullable=False)
    province_code: Mapped[str] = mapped_column(String(6), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default=EVALUATION_PROPOSED)
    evaluated: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # USCCs of enterprises a criterion lacked data for (数据不足), with why
    insufficient: Mapped[list | None] = mapped_column(JSON, deferred=True)  # can be 100,000s
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False,
                                                    default=dt.datetime.now)
    created_by: Mapped[str | None] = mapped_column(String(128))
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    confirmed_by: Mapped[str | None] = mapped_column(String(128))


class PoolProposal(Model):
    """Enter, promote or exit, with the reason each criterion gave."""

    __tablename__ = "pool_proposal"
    __scope__ = ScopeSpec(region="region_code", enterprise="enterprise_id")
    __audited__ = True
    __table_args__ = (Index("ix_pool_proposal_evaluation", "evaluation_id", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("pool_evaluation.id", ondelete="CASCADE"), nullable=False)
    enterprise_id: Mapped[int] = mapped_column(Integer, ForeignKey("enterprise.id"),
                                               nullable=False, index=True)
    uscc: Mapped[str] = mapped_column(String(18), nullable=False)
    region_code: Mapped[str] = mapped_column(String(6), nullable=False, index=True)
    pool_id: Mapped[int] = mapped_column(Integer, ForeignKey("pool.id"), nullable=False)
    leaves_pool_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("pool.id"))
    change: Mapped[str] = mapped_column(String(16), nullable=False)
    reasons: Mapped[list | None] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default=PROPOSED)
    set_aside_reason: Mapped[str | None] = mapped_column(Text)
    comment: Mapped[str | None] = mapped_column(Text)  # a city official's remark
    comment_by: Mapped[str | None] = mapped_column(String(128))
    commented_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    evaluation = relationship("PoolEvaluation")
    enterprise = relationship("Enterprise")
    pool = relationship("Pool", foreign_keys=[pool_id])
    leaves_pool = relationship("Pool", foreign_keys=[leaves_pool_id])


class PoolMembership(Model):
    """A period in a pool: opened and closed by confirmed proposals, never rewritten."""

    __tablename__ = "pool_membership"
    __scope__ = ScopeSpec(region="region_code", enterprise="enterprise_id")
    __audited__ = True
    __table_args__ = (
        Index("uq_pool_membership_open", "enterprise_id", "pool_id", unique=True,
              sqlite_where=text("until IS NULL"), postgresql_where=text("until IS NULL")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(Integer, ForeignKey("enterprise.id"),
                                               nullable=False, index=True)
    region_code: Mapped[str] = mapped_column(String(6), nullable=False, index=True)
    pool_id: Mapped[int] = mapped_column(Integer, ForeignKey("pool.id"), nullable=False,
                                         index=True)
    since: Mapped[dt.date] = mapped_column(Date, nullable=False)
    until: Mapped[dt.date | None] = mapped_column(Date)
    opened_by_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("pool_proposal.id"))
    closed_by_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("pool_proposal.id"))

    enterprise = relationship("Enterprise")
    pool = relationship("Pool")
