"""The public after-life of a result (SPEC §12.3): 公示 batches and their entries, 异议,
registrations (入库登记编号) and their revocation, and the notices the public portal shows."""

from __future__ import annotations

import datetime as dt

from flask_appbuilder import Model
from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.scoping import ScopeSpec


class PublicityBatch(Model):
    """A numbered 公示 list: 草稿 → 公示中 (immutable) → 已公告."""

    __tablename__ = "publicity_batch"
    __audited__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    activity_id: Mapped[int] = mapped_column(Integer, ForeignKey("reporting_activity.id"),
                                             nullable=False, index=True)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    number: Mapped[str | None] = mapped_column(String(40), unique=True)  # at publishing
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="draft")
    days: Mapped[int] = mapped_column(Integer, nullable=False, default=5)
    starts: Mapped[dt.date | None] = mapped_column(Date)
    ends: Mapped[dt.date | None] = mapped_column(Date)
    corrects_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("publicity_batch.id"))
    note: Mapped[str | None] = mapped_column(Text)  # a correction says what it corrects
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False,
                                                    default=dt.datetime.now)
    created_by: Mapped[str | None] = mapped_column(String(128))
    published_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    published_by: Mapped[str | None] = mapped_column(String(128))
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    activity = relationship("ReportingActivity")
    corrects = relationship("PublicityBatch", remote_side=[id])
    entries = relationship("PublicityEntry", back_populates="batch",
                           order_by="PublicityEntry.id")

    def __repr__(self) -> str:
        return self.number or self.title


class PublicityEntry(Model):
    """An enterprise on a batch: the public fields only (name, USCC, region, field), kept as
    they were listed."""

    __tablename__ = "publicity_entry"
    __table_args__ = (UniqueConstraint("batch_id", "submission_id",
                                       name="uq_publicity_entry_record"),)
    __scope__ = ScopeSpec(region="region_code", enterprise="enterprise_id")

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[int] = mapped_column(Integer, ForeignKey("publicity_batch.id"),
                                          nullable=False, index=True)
    submission_id: Mapped[int] = mapped_column(Integer, ForeignKey("submission.id"),
                                               nullable=False, index=True)
    enterprise_id: Mapped[int] = mapped_column(Integer, ForeignKey("enterprise.id"),
                                               nullable=False)
    uscc: Mapped[str] = mapped_column(String(18), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    region_code: Mapped[str] = mapped_column(String(6), ForeignKey("region.code"),
                                             nullable=False)
    tech_field: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="listed")
    withdrawn_reason: Mapped[str | None] = mapped_column(Text)

    batch = relationship("PublicityBatch", back_populates="entries")
    submission = relationship("Submission")
    region = relationship("Region")


class Objection(Model):
    """异议 lodged by anyone against a listed enterprise while its batch is 公示中."""

    __tablename__ = "objection"
    __audited__ = True
    __audit_redacted__ = frozenset({"contact"})
    # Reviewers see (and investigate) objections against enterprises in their area.
    __scope__ = ScopeSpec(region="region_code")

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[int] = mapped_column(Integer, ForeignKey("publicity_batch.id"),
                                          nullable=False, index=True)
    entry_id: Mapped[int] = mapped_column(Integer, ForeignKey("publicity_entry.id"),
                                          nullable=False, index=True)
    region_code: Mapped[str] = mapped_column(String(6), nullable=False, index=True)
    code: Mapped[str] = mapped_column(String(16), nullable=False, unique=True)
    name: Mapped[str | None] = mapped_column(String(100))
    contact: Mapped[str | None] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="pending")
    decision_reason: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[str | None] = mapped_column(String(128))
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    notes: Mapped[list | None] = mapped_column(JSON)  # investigation notes, dated, by whom
    evidence_name: Mapped[str | None] = mapped_column(String(200))
    evidence_key: Mapped[str | None] = mapped_column(String(128))
    ip: Mapped[str | None] = mapped_column(String(45))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False,
                                                    default=dt.datetime.now)

    batch = relationship("PublicityBatch")
    entry = relationship("PublicityEntry")


class Registration(Model):
    """入库登记: an announced enterprise's number; revoked (撤销) with a published notice,
    which bars its records of that data year (strong rule S9) unless the province lifts it."""

    __tablename__ = "registration"
    __audited__ = True
    __scope__ = ScopeSpec(region="region_code", enterprise="enterprise_id")

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(40), nullable=False, unique=True)
    serial_scope: Mapped[str] = mapped_column(String(40), nullable=False)
    serial: Mapped[int] = mapped_column(Integer, nullable=False)
    batch_id: Mapped[int] = mapped_column(Integer, ForeignKey("publicity_batch.id"),
                                          nullable=False)
    entry_id: Mapped[int] = mapped_column(Integer, ForeignKey("publicity_entry.id"),
                                          nullable=False, unique=True)
    submission_id: Mapped[int] = mapped_column(Integer, ForeignKey("submission.id"),
                                               nullable=False)
    enterprise_id: Mapped[int] = mapped_column(Integer, ForeignKey("enterprise.id"),
                                               nullable=False, index=True)
    uscc: Mapped[str] = mapped_column(String(18), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    region_code: Mapped[str] = mapped_column(String(6), ForeignKey("region.code"),
                                             nullable=False)
    data_year: Mapped[int] = mapped_column(Integer, nullable=False)
    announced_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="active")
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    revoked_by: Mapped[str | None] = mapped_column(String(128))
    revoked_reason: Mapped[str | None] = mapped_column(Text)
    bar_lifted: Mapped[bool] = mapped_column(default=False, nullable=False)

    batch = relationship("PublicityBatch")
    enterprise = relationship("Enterprise")


Index("ix_publicity_entry_list", PublicityEntry.batch_id, PublicityEntry.status,
      PublicityEntry.id)
Index("uq_registration_serial", Registration.serial_scope, Registration.serial, unique=True)


class Notice(Model):
    """A published text of the portal: 通知公告, 政策文件, 公示, 公告, 撤销公告, 异常名单."""

    __tablename__ = "notice"
    __audited__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), nullable=False, index=True)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    body_html: Mapped[str] = mapped_column(Text, nullable=False, default="")
    batch_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("publicity_batch.id"))
    registration_id: Mapped[int | None] = mapped_column(Integer,
                                                        ForeignKey("registration.id"))
    published_at: Mapped[dt.datetime | None] = mapped_column(DateTime, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False,
                                                    default=dt.datetime.now)
    created_by: Mapped[str | None] = mapped_column(String(128))


class SpotCheck(Model):
    """集中抽查: a reproducible random draw (the seed is kept) of registered enterprises,
    per county, with a chosen share; each drawn enterprise is a task for its reviewers."""

    __tablename__ = "spot_check"
    __audited__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    region_code: Mapped[str] = mapped_column(String(6), nullable=False)  # the area drawn in
    share: Mapped[float] = mapped_column(nullable=False)
    seed: Mapped[int] = mapped_column(Integer, nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False,
                                                    default=dt.datetime.now)
    created_by: Mapped[str | None] = mapped_column(String(128))

    tasks = relationship("SpotCheckTask", back_populates="check",
                         order_by="SpotCheckTask.region_code")

    def __repr__(self) -> str:
        return self.title


class SpotCheckTask(Model):
    __tablename__ = "spot_check_task"
    __audited__ = True
    __scope__ = ScopeSpec(region="region_code", enterprise="enterprise_id")

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    check_id: Mapped[int] = mapped_column(Integer, ForeignKey("spot_check.id"), nullable=False,
                                          index=True)
    registration_id: Mapped[int] = mapped_column(Integer, ForeignKey("registration.id"),
                                                 nullable=False)
    enterprise_id: Mapped[int] = mapped_column(Integer, ForeignKey("enterprise.id"),
                                               nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    uscc: Mapped[str] = mapped_column(String(18), nullable=False)
    region_code: Mapped[str] = mapped_column(String(6), nullable=False, index=True)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="pending")
    finding: Mapped[str | None] = mapped_column(Text)
    problem: Mapped[bool | None] = mapped_column()
    done_by: Mapped[str | None] = mapped_column(String(128))
    done_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    check = relationship("SpotCheck", back_populates="tasks")
    registration = relationship("Registration")


class Anomaly(Model):
    """异常名单: an enterprise put on the list with a reason and a source, taken off by the
    rules (a reason too); both published and audited, never deleted."""

    __tablename__ = "anomaly"
    __audited__ = True
    __scope__ = ScopeSpec(region="region_code", enterprise="enterprise_id")

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(Integer, ForeignKey("enterprise.id"),
                                               nullable=False, index=True)
    uscc: Mapped[str] = mapped_column(String(18), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    region_code: Mapped[str] = mapped_column(String(6), nullable=False, index=True)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    source: Mapped[str] = mapped_column(String(200), nullable=False)
    added_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False,
                                                  default=dt.datetime.now)
    added_by: Mapped[str | None] = mapped_column(String(128))
    removed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    removed_by: Mapped[str | None] = mapped_column(String(128))
    removed_reason: Mapped[str | None] = mapped_column(Text)
