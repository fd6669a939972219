"""Evidence files (佐证材料, SPEC §12.2): one row per stored file, attached to a field of a
record or to one of its detail rows. The bytes live in the evidence storage
(``app/services/evidence/storage.py``) under ``storage_key``; who may read a file is who may
read its record."""

from __future__ import annotations

import datetime as dt

from flask_appbuilder import Model
from sqlalchemy import (
    BigInteger,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship


class Attachment(Model):
    __tablename__ = "attachment"
    __audited__ = True  # uploads and deletions land in the audit log with the change
    __table_args__ = (UniqueConstraint("storage_key", name="uq_attachment_storage_key"),
                      Index("ix_attachment_submission", "submission_id", "field"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    submission_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("submission.id", name="fk_attachment_submission",
                            ondelete="CASCADE"), nullable=False)
    field: Mapped[str | None] = mapped_column(String(64))  # a dictionary field's key
    detail_table: Mapped[str | None] = mapped_column(String(16))  # or a detail row's table
    detail_uid: Mapped[str | None] = mapped_column(String(32))  # … and the row's uid
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    kind: Mapped[str] = mapped_column(String(8), nullable=False)  # pdf, jpeg, png, ofd
    media_type: Mapped[str] = mapped_column(String(64), nullable=False)
    bytes: Mapped[int] = mapped_column(BigInteger, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    storage_key: Mapped[str] = mapped_column(String(128), nullable=False)
    uploaded_by_id: Mapped[int | None] = mapped_column(Integer)
    uploaded_by: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False,
                                                    default=dt.datetime.now)

    submission = relationship("Submission")

    def __repr__(self) -> str:
        return self.name
