"""Upload batches and background jobs."""

from __future__ import annotations

import datetime as dt

from flask_appbuilder import Model
from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.scoping import ScopeSpec


class UploadBatch(Model):
    """One uploaded file: who, when, what passed and failed, and the failure details."""

    __tablename__ = "upload_batch"
    # A bureau sees the batches uploaded in its region.
    __scope__ = ScopeSpec(region="uploader_region")

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    activity_id: Mapped[int] = mapped_column(Integer, ForeignKey("reporting_activity.id"),
                                             nullable=False, index=True)
    uploader_id: Mapped[int | None] = mapped_column(Integer)
    uploader_name: Mapped[str | None] = mapped_column(String(128))
    uploader_region: Mapped[str | None] = mapped_column(String(6), index=True)
    channel: Mapped[str] = mapped_column(String(16), nullable=False, default="upload")
    filename: Mapped[str] = mapped_column(String(255), nullable=False)
    stored_file: Mapped[str | None] = mapped_column(String(255))
    file_sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False,
                                                    default=dt.datetime.now)
    total: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    passed: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    failed: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    warned: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    duplicates: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # Headers as uploaded; failed rows: {"row", "values", "errors": [{rule, fields, zh, en}]}
    headers: Mapped[list | None] = mapped_column(JSON)
    failures: Mapped[list | None] = mapped_column(JSON)
    # Per-row verdicts in the form of SPEC §11
    verdicts: Mapped[list | None] = mapped_column(JSON)

    activity = relationship("ReportingActivity")

    def __repr__(self) -> str:
        return f"{self.filename} ({self.created_at:%Y-%m-%d %H:%M})"


class BackgroundJob(Model):
    """Long work (an upload of many rows) run outside the request, with its progress."""

    __tablename__ = "background_job"
    __scope__ = ScopeSpec()  # own jobs only: see services.jobs

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    user_id: Mapped[int | None] = mapped_column(Integer, index=True)
    title: Mapped[str] = mapped_column(String(255), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="queued")
    done: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    total: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    message: Mapped[str | None] = mapped_column(String(1000))
    result: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False,
                                                    default=dt.datetime.now)
    heartbeat_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
