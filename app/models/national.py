"""The national loop (SPEC §12.5): 报送 batches to the Ministry, what each holds, the files it
sends back (problem lists, points), the national points kept beside our own runs, and the
outbox of the HTTP connector with every delivery attempt."""

from __future__ import annotations

import datetime as dt

from flask_appbuilder import Model
from sqlalchemy import (
    JSON,
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

SENT, RETURNED = "sent", "returned"  # an entry: in the Ministry's hands, or sent back
RECEIVED, CONFIRMED = "received", "confirmed"  # national points
PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"  # outbox


class NationalBatch(Model):
    """A numbered 报送 batch: the first of an activity, then supplementary ones (补报)."""

    __tablename__ = "national_batch"
    __audited__ = True
    __table_args__ = (UniqueConstraint("activity_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    activity_id: Mapped[int] = mapped_column(Integer, ForeignKey("reporting_activity.id"),
                                             nullable=False, index=True)
    number: Mapped[int] = mapped_column(Integer, nullable=False)  # 1, 2, … per activity
    supplementary: Mapped[bool] = mapped_column(nullable=False, default=False)
    records: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    channel: Mapped[str] = mapped_column(String(16), nullable=False, default="file")
    folder: Mapped[str | None] = mapped_column(String(255))  # the kept package, in storage
    manifest: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False,
                                                    default=dt.datetime.now)
    created_by: Mapped[str | None] = mapped_column(String(128))

    activity = relationship("ReportingActivity")


class NationalBatchEntry(Model):
    """A record in a batch; ``returned`` once the Ministry sends it back."""

    __tablename__ = "national_batch_entry"
    __scope__ = ScopeSpec(region="region_code")
    __table_args__ = (UniqueConstraint("batch_id", "submission_id"),
                      Index("ix_national_entry_submission", "submission_id", "state"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("national_batch.id", ondelete="CASCADE"), nullable=False)
    submission_id: Mapped[int] = mapped_column(Integer, ForeignKey("submission.id"),
                                               nullable=False)
    uscc: Mapped[str] = mapped_column(String(18), nullable=False, index=True)
    region_code: Mapped[str | None] = mapped_column(String(6), index=True)
    state: Mapped[str] = mapped_column(String(16), nullable=False, default=SENT)
    problem_field: Mapped[str | None] = mapped_column(String(64))
    problem: Mapped[str | None] = mapped_column(Text)
    returned_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    batch = relationship("NationalBatch")
    submission = relationship("Submission")


class NationalImport(Model):
    """A file the Ministry sent back, kept by its SHA-256: the same file twice changes
    nothing the second time."""

    __tablename__ = "national_import"
    __audited__ = True
    __table_args__ = (Index("ix_national_import_sha", "activity_id", "kind", "sha256"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    activity_id: Mapped[int] = mapped_column(Integer, ForeignKey("reporting_activity.id"),
                                             nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)  # feedback | points
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    filename: Mapped[str | None] = mapped_column(String(255))
    rows: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    result: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False,
                                                    default=dt.datetime.now)
    created_by: Mapped[str | None] = mapped_column(String(128))


class NationalPoints(Model):
    """The Ministry's points for a record sent to it: a source of its own beside our runs,
    never written into them. The province confirms them (积分反馈确认)."""

    __tablename__ = "national_points"
    __scope__ = ScopeSpec(region="region_code", enterprise="enterprise_id")
    __audited__ = True
    __table_args__ = (UniqueConstraint("activity_id", "submission_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    activity_id: Mapped[int] = mapped_column(Integer, ForeignKey("reporting_activity.id"),
                                             nullable=False, index=True)
    submission_id: Mapped[int] = mapped_column(Integer, ForeignKey("submission.id"),
                                               nullable=False)
    enterprise_id: Mapped[int] = mapped_column(Integer, ForeignKey("enterprise.id"),
                                               nullable=False, index=True)
    uscc: Mapped[str] = mapped_column(String(18), nullable=False)
    name: Mapped[str | None] = mapped_column(String(100))
    region_code: Mapped[str | None] = mapped_column(String(6), index=True)
    project_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("evaluation_project.id"))
    total: Mapped[float] = mapped_column(Float, nullable=False)
    grade: Mapped[str | None] = mapped_column(String(32))
    indicators: Mapped[dict | None] = mapped_column(JSON)
    # Our latest run's figures for the same record, kept at import for the comparison.
    provincial_total: Mapped[float | None] = mapped_column(Float)
    provincial_grade: Mapped[str | None] = mapped_column(String(32))
    import_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("national_import.id"))
    status: Mapped[str] = mapped_column(String(16), nullable=False, default=RECEIVED)
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    confirmed_by: Mapped[str | None] = mapped_column(String(128))

    submission = relationship("Submission")
    project = relationship("EvaluationProject")


class NationalOutbox(Model):
    """One record to push to the national interface, with its idempotency key."""

    __tablename__ = "national_outbox"
    __table_args__ = (Index("ix_national_outbox_status", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("national_batch.id", ondelete="CASCADE"), nullable=False,
        index=True)
    submission_id: Mapped[int] = mapped_column(Integer, ForeignKey("submission.id"),
                                               nullable=False)
    idempotency_key: Mapped[str] = mapped_column(String(80), nullable=False, unique=True)
    payload: Mapped[dict] = mapped_column(JSON, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default=PENDING)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    delivered_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class NationalDeliveryAttempt(Model):
    """Every attempt to deliver an outbox row: when, the answer, how long it took."""

    __tablename__ = "national_delivery_attempt"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    outbox_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("national_outbox.id", ondelete="CASCADE"), nullable=False,
        index=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=dt.datetime.now)
    status_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    milliseconds: Mapped[int | None] = mapped_column(Integer)
