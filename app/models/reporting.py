"""Reporting activities, their targets, submissions and review records.

A submission has one column per field of the data dictionary, generated from
the field registry: adding a field is a line in fields.csv plus a migration.
"""

from __future__ import annotations

import datetime as dt
import json

from flask_appbuilder import Model
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    cast,
    event,
    or_,
    select,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.domain import workflow
from app.domain.records import fields as F
from app.domain.records.details import TABLES as DETAIL_TABLES
from app.models.mixins import TrackedMixin
from app.models.scoping import ScopeSpec

ACTIVITY_DRAFT, ACTIVITY_OPEN, ACTIVITY_CLOSED, ACTIVITY_ARCHIVED = (
    "draft", "open", "closed", "archived")
ACTIVITY_STATUSES = (ACTIVITY_DRAFT, ACTIVITY_OPEN, ACTIVITY_CLOSED, ACTIVITY_ARCHIVED)


class ReportingActivity(TrackedMixin, Model):
    __tablename__ = "reporting_activity"
    __audited__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    data_year: Mapped[int] = mapped_column(Integer, nullable=False)
    province_code: Mapped[str] = mapped_column(String(6), ForeignKey("region.code"),
                                               nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default=ACTIVITY_DRAFT)
    review_chain: Mapped[str] = mapped_column(String(16), nullable=False,
                                              default=workflow.CHAIN_COUNTY)
    collection_start: Mapped[dt.date | None] = mapped_column(Date)
    collection_end: Mapped[dt.date | None] = mapped_column(Date)
    county_review_end: Mapped[dt.date | None] = mapped_column(Date)
    city_review_end: Mapped[dt.date | None] = mapped_column(Date)
    province_review_end: Mapped[dt.date | None] = mapped_column(Date)
    submission_end: Mapped[dt.date | None] = mapped_column(Date)
    scoring_end: Mapped[dt.date | None] = mapped_column(Date)
    instructions: Mapped[str | None] = mapped_column(Text)
    instruction_file: Mapped[str | None] = mapped_column(String(255))  # stored name
    instruction_filename: Mapped[str | None] = mapped_column(String(255))  # as uploaded
    # {"hidden": [keys], "required": [keys]} beyond the dictionary's own
    field_settings: Mapped[dict | None] = mapped_column(JSON)
    # {"W1": {"enabled": true, "thresholds": {"high": 3000}}}
    rule_settings: Mapped[dict | None] = mapped_column(JSON)
    # The detail tables (SPEC §12.1) it asks for: {"ip": {"required": false}, …}
    detail_tables: Mapped[dict | None] = mapped_column(JSON)
    # Fields whose evidence files (SPEC §12.2) are required: {"rd_expense": {"required": true}}
    evidence_fields: Mapped[dict | None] = mapped_column(JSON)
    # Province uploads go to provincial review instead of straight to approval.
    province_uploads_reviewed: Mapped[bool] = mapped_column(Boolean, nullable=False,
                                                            default=False)
    # Enterprises see the Ministry's confirmed points; the provincial ones too where the
    # province chooses (SPEC §12.5).
    show_provincial_points: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True,
                                                         server_default=true())

    province = relationship("Region")
    targets = relationship("ActivityTarget", back_populates="activity",
                           cascade="all, delete-orphan")

    def __repr__(self) -> str:
        return self.name

    def hidden_fields(self) -> set[str]:
        return set((self.field_settings or {}).get("hidden", []))

    def extra_required(self) -> set[str]:
        return set((self.field_settings or {}).get("required", []))

    def asked_tables(self) -> list[str]:
        """The detail tables this activity asks for, in the registry's order."""
        asked = self.detail_tables or {}
        return [key for key in DETAIL_TABLES if key in asked]

    def required_tables(self) -> set[str]:
        return {k for k, v in (self.detail_tables or {}).items() if (v or {}).get("required")}

    def evidence_required(self) -> set[str]:
        """Fields (and ``table:KEY`` for every row of a detail table) needing a file."""
        return {k for k, v in (self.evidence_fields or {}).items() if (v or {}).get("required")}

    def collecting(self, today: dt.date) -> bool:
        if self.status != ACTIVITY_OPEN:
            return False
        if self.collection_start and today < self.collection_start:
            return False
        return not (self.collection_end and today > self.collection_end)


class ActivityTarget(Model):
    """How many enterprises a region is expected to bring into an activity."""

    __tablename__ = "activity_target"
    __table_args__ = (UniqueConstraint("activity_id", "region_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    activity_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("reporting_activity.id", ondelete="CASCADE"), nullable=False)
    region_code: Mapped[str] = mapped_column(String(6), ForeignKey("region.code"),
                                             nullable=False)
    target: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

    activity = relationship("ReportingActivity", back_populates="targets")
    region = relationship("Region")


def _column_for(field: F.Field) -> Column:
    """The database column that holds a dictionary field."""
    kind = {
        F.DATE: Date, F.DECIMAL: Float, F.INT: Integer, F.BOOL: Boolean,
        F.MULTI_ENUM: JSON, F.BANK_LIST: JSON,
    }.get(field.type)
    if kind is None:
        kind = String(field.max_length if field.type == F.TEXT else 100)
        if field.type in (F.USCC,):
            kind = String(18)
        elif field.type == F.REGION:
            kind = String(6)
    return Column(field.key, kind, nullable=True)


def _submission_for_bank(model, bank_id: int):
    """A bank sees the reports of enterprises that named it as an intended bank or were
    recommended to it in a published list (SPEC §2)."""
    from app.extensions import db
    from app.models.financing import PUBLISHED, RecommendationEntry, RecommendationList
    from app.models.organisation import Bank

    bank = db.session.get(Bank, bank_id)
    recommended = model.id.in_(select(RecommendationEntry.submission_id).join(
        RecommendationList).where(RecommendationEntry.bank_id == bank_id,
                                  RecommendationList.status == PUBLISHED))
    if bank is None:
        return recommended
    # The bank list is JSON text; a name may be stored with or without \u escapes.
    banks = cast(model.intended_banks, Text)
    return or_(banks.contains(json.dumps(bank.name), autoescape=True),
               banks.contains(json.dumps(bank.name, ensure_ascii=False), autoescape=True),
               recommended)


class Submission(TrackedMixin, Model):
    """One enterprise's data for one activity (SPEC §3)."""

    __tablename__ = "submission"
    __scope__ = ScopeSpec(region="region_code", enterprise="enterprise_id",
                          bank=_submission_for_bank)
    __audited__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    activity_id: Mapped[int] = mapped_column(Integer, ForeignKey("reporting_activity.id"),
                                             nullable=False, index=True)
    enterprise_id: Mapped[int] = mapped_column(Integer, ForeignKey("enterprise.id"),
                                               nullable=False, index=True)
    status: Mapped[str] = mapped_column(String(24), nullable=False, default=workflow.DRAFT)
    channel: Mapped[str] = mapped_column(String(16), nullable=False, default="self")
    # {field: "last_year" | "third_party" | "enterprise" | "upload" | "api"}
    provenance: Mapped[dict | None] = mapped_column(JSON)
    # What was typed but could not be read, kept to show again: {field: text}
    draft_inputs: Mapped[dict | None] = mapped_column(JSON)
    findings: Mapped[list | None] = mapped_column(JSON)
    # Detail rows (SPEC §12.1): {"ip": [{"uid": "…", "ip_type": "发明专利", …}], …}
    details: Mapped[dict | None] = mapped_column(JSON)
    error_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    warning_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    warning_rules: Mapped[str | None] = mapped_column(String(200))  # "W1 W9" for filtering
    # The qualifications as plain text (F.option_set), kept by the listener below and by
    # the batch writer: the dashboard groups by it inside its covering index.
    qualification_set: Mapped[str | None] = mapped_column(String(200))
    signed_name: Mapped[str | None] = mapped_column(String(100))
    signed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    signed_ip: Mapped[str | None] = mapped_column(String(45))
    commitment_text: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    batch_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("upload_batch.id"),
                                                 index=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    activity = relationship("ReportingActivity")
    enterprise = relationship("Enterprise")
    batch = relationship("UploadBatch")
    reviews = relationship("ReviewRecord", back_populates="submission",
                           order_by="ReviewRecord.id")

    __mapper_args__ = {"version_id_col": version}

    def __repr__(self) -> str:
        return f"{self.name or ''}（{self.uscc or ''}）"


for _field in F.REGISTRY:
    if _field.key not in ("region_code",):
        setattr(Submission, _field.key, _column_for(_field))
# The county code is both a dictionary field and the scope column.
Submission.region_code = Column("region_code", String(6), ForeignKey("region.code"),
                                nullable=True, index=True)
Submission.region = relationship("Region", foreign_keys=[Submission.region_code])


@event.listens_for(Submission.qualifications, "set")
def _keep_qualification_set(target, value, _old, _initiator):
    target.qualification_set = F.option_set(value)


Index("ix_submission_activity_status", Submission.activity_id, Submission.status)
Index("ix_submission_activity_region", Submission.activity_id, Submission.region_code)
# The dashboard's grouped scans read only these columns: on SQLite the index covers them, so
# the scans never touch the wide rows (docs/PERFORMANCE.md). JSON cannot be in a PostgreSQL
# B-tree, so the qualifications are there as their plain-text copy.
Index("ix_submission_dashboard", Submission.activity_id, Submission.region_code,
      Submission.status, Submission.changed_on, Submission.needs_financing,
      Submission.financing_need_amount, Submission.tech_field, Submission.scale,
      Submission.warning_rules, Submission.qualification_set)


class ReviewRecord(Model):
    """Who did what to which submission, at which level, when, with which comment."""

    __tablename__ = "review_record"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    submission_id: Mapped[int] = mapped_column(Integer, ForeignKey("submission.id"),
                                               nullable=False, index=True)
    action: Mapped[str] = mapped_column(String(24), nullable=False)
    from_status: Mapped[str | None] = mapped_column(String(24))
    to_status: Mapped[str] = mapped_column(String(24), nullable=False)
    comment: Mapped[str | None] = mapped_column(Text)
    # Fields a reviewer asks to fix, and the values as they were when returned
    fields: Mapped[list | None] = mapped_column(JSON)
    snapshot: Mapped[dict | None] = mapped_column(JSON)
    # Detail rows marked 存疑: [{"table": "ip", "uid": "…", "row": 2, "reason": "…"}]
    doubts: Mapped[list | None] = mapped_column(JSON)
    level: Mapped[str | None] = mapped_column(String(16))
    user_id: Mapped[int | None] = mapped_column(Integer)
    username: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False,
                                                    default=dt.datetime.now)

    submission = relationship("Submission", back_populates="reviews")
