"""Review extras: letters to the national system, notifications, per-enterprise reopening."""

from __future__ import annotations

import datetime as dt

from flask_appbuilder import Model
from sqlalchemy import Column, Date, DateTime, ForeignKey, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.scoping import ScopeSpec

letter_submission = Table(
    "letter_submission", Model.metadata,
    Column("letter_id", Integer, ForeignKey("submission_letter.id", ondelete="CASCADE"),
           primary_key=True),
    Column("submission_id", Integer, ForeignKey("submission.id"), primary_key=True),
)


class SubmissionLetter(Model):
    """企业信息报送函: a generated PDF listing approved records, and its stamped scan."""

    __tablename__ = "submission_letter"
    __scope__ = ScopeSpec(region="province_code")
    __audited__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    activity_id: Mapped[int] = mapped_column(Integer, ForeignKey("reporting_activity.id"),
                                             nullable=False, index=True)
    province_code: Mapped[str] = mapped_column(String(6), nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False,
                                                    default=dt.datetime.now)
    created_by: Mapped[str | None] = mapped_column(String(128))
    pdf_file: Mapped[str | None] = mapped_column(String(255))
    scan_file: Mapped[str | None] = mapped_column(String(255))
    scan_filename: Mapped[str | None] = mapped_column(String(255))
    scan_uploaded_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    activity = relationship("ReportingActivity")
    submissions = relationship("Submission", secondary=letter_submission)

    def __repr__(self) -> str:
        return f"报送函 第{self.version}版"


class Notification(Model):
    """A message in the platform's bell for one user."""

    __tablename__ = "notification"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(Integer, nullable=False, index=True)
    text_zh: Mapped[str] = mapped_column(String(500), nullable=False)
    text_en: Mapped[str] = mapped_column(String(500), nullable=False)
    link: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False,
                                                    default=dt.datetime.now)
    read_at: Mapped[dt.datetime | None] = mapped_column(DateTime, index=True)


class Reopening(Model):
    """The province lets one enterprise report after collection closed, until a date."""

    __tablename__ = "reopening"
    __audited__ = True

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    activity_id: Mapped[int] = mapped_column(Integer, ForeignKey("reporting_activity.id"),
                                             nullable=False, index=True)
    enterprise_id: Mapped[int] = mapped_column(Integer, ForeignKey("enterprise.id"),
                                               nullable=False, index=True)
    until: Mapped[dt.date] = mapped_column(Date, nullable=False)
    reason: Mapped[str] = mapped_column(Text, nullable=False)
    created_by: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False,
                                                    default=dt.datetime.now)
