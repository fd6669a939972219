"""Files attached to a portal page (政策文件, 通知公告): the bytes live in the evidence
storage (``app/services/evidence/storage.py``) under ``storage_key``, judged by content as
evidence is (PDF, JPEG, PNG, OFD), so no active content is ever served from the portal.
Anyone may download those of a published page; a draft's stay with the province staff."""

from __future__ import annotations

import datetime as dt

from flask_appbuilder import Model
from sqlalchemy import BigInteger, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship


class NoticeAttachment(Model):
    __tablename__ = "notice_attachment"
    __audited__ = True  # additions and removals land in the audit log with the change
    __table_args__ = (UniqueConstraint("storage_key", name="uq_notice_attachment_storage_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    notice_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("notice.id", name="fk_notice_attachment_notice",
                            ondelete="CASCADE"), nullable=False, index=True)
    filename: Mapped[str] = mapped_column(String(200), nullable=False)
    storage_key: Mapped[str] = mapped_column(String(128), nullable=False)
    bytes: Mapped[int] = mapped_column(BigInteger, nullable=False)
    sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    content_type: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False,
                                                    default=dt.datetime.now)
    created_by: Mapped[str | None] = mapped_column(String(128))

    # Declared here so that the page's model stays as it is; the database removes the rows
    # with their page (the stored files then become orphans for ``attachments cleanup``).
    notice = relationship("Notice", backref=backref(
        "attachments", order_by="NoticeAttachment.id", passive_deletes=True))

    def __repr__(self) -> str:
        return self.filename
