"""Files of a portal page (政策文件, 通知公告): added and removed by province staff, read by
anyone once the page is published.

A file is judged by its content exactly as evidence is (``app/domain/evidence.py``: PDF,
JPEG, PNG, OFD; no HTML, SVG, script, archive or Office file, so nothing active is ever
served from the portal), kept in the evidence storage, and written with its row in one
transaction (the file is removed again if the row cannot be). Additions and removals are in
the audit log through the row itself; officials' reads are recorded by ``open_for``. An
anonymous download of a published page's file is not: the file is as public as the page.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from typing import BinaryIO

from flask import current_app
from sqlalchemy import select

from app.domain.evidence import EvidenceRefused, judge, zip_names_of
from app.domain.publicity import PublicityError
from app.extensions import db
from app.models.notice_files import NoticeAttachment
from app.models.publicity import Notice
from app.services.evidence.attachments import storage
from app.services.platform import audit
from app.services.publicity import require_province
from app.services.publicity.content import KINDS

MB = 1024 * 1024
NOT_FOUND = ("没有找到该文件。", "No such file.")


class NoticeFileError(PublicityError):
    """Not found or not allowed: the message says which."""


def _page(notice_id: int) -> Notice:
    notice = db.session.get(Notice, notice_id)
    # Batch, announcement and revocation notices are written by the system, without files.
    if notice is None or notice.kind not in KINDS:
        raise NoticeFileError("没有该页面。", "No such page.")
    return notice


def _size_of(stream: BinaryIO) -> int:
    stream.seek(0, os.SEEK_END)
    size = stream.tell()
    stream.seek(0)
    return size


def add(notice_id: int, user, stream: BinaryIO, name: str) -> NoticeAttachment:
    """Attach a file to a page, as province staff. ``stream`` must be seekable (a spooled
    upload, an open file). Refused with the reason, nothing kept: a type outside
    PDF/JPG/PNG/OFD judged by content, content not matching the extension, an empty or too
    large file, a name with a path separator or a control character."""
    require_province(user)
    notice = _page(notice_id)
    size = _size_of(stream)
    head = stream.read(16)
    stream.seek(0)
    judged = judge(name, head, size, int(current_app.config["EVIDENCE_MAX_MB"]) * MB,
                   zip_names_of(stream))
    stream.seek(0)
    store = storage()
    stored = store.put(stream)
    if stored.size != size:  # the upload was cut short: keep nothing
        store.delete(stored.key)
        raise EvidenceRefused("文件没有完整上传，请重新上传。",
                              "The file did not arrive whole: upload it again.")
    row = NoticeAttachment(notice_id=notice.id, filename=judged.name, storage_key=stored.key,
                           bytes=stored.size, sha256=stored.sha256,
                           content_type=judged.media_type, created_at=dt.datetime.now(),
                           created_by=getattr(user, "username", None))
    try:
        db.session.add(row)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        store.delete(stored.key)
        raise
    return row


def delete(notice_id: int, attachment_id: int, user) -> None:
    """Remove a file from its page; the row (and its audit row) first, then the bytes."""
    require_province(user)
    row = _of_page(notice_id, attachment_id)
    key = row.storage_key
    db.session.delete(row)
    db.session.commit()
    storage().delete(key)


def _of_page(notice_id: int, attachment_id: int) -> NoticeAttachment:
    row = db.session.get(NoticeAttachment, attachment_id)
    if row is None or row.notice_id != notice_id:
        raise NoticeFileError(*NOT_FOUND)
    _page(notice_id)
    return row


def of_notice(notice_id: int) -> list[NoticeAttachment]:
    return list(db.session.execute(select(NoticeAttachment).where(
        NoticeAttachment.notice_id == notice_id).order_by(NoticeAttachment.id)).scalars())


@dataclass(frozen=True)
class Opened:
    attachment: NoticeAttachment

    def handle(self) -> BinaryIO:
        """The stored bytes, for the caller to stream and close."""
        return storage().open(self.attachment.storage_key)


def open_public(notice_id: int, attachment_id: int) -> Opened:
    """A file of a published page, for anyone; a draft's files do not exist for the
    public."""
    row = _of_page(notice_id, attachment_id)
    if row.notice.published_at is None:
        raise NoticeFileError(*NOT_FOUND)
    return Opened(row)


def open_for(notice_id: int, attachment_id: int, user) -> Opened:
    """A file of any page (a draft's too), for province staff; the read is audited."""
    require_province(user)
    row = _of_page(notice_id, attachment_id)
    audit.record(audit.DOWNLOAD, object_type="NoticeAttachment", object_id=str(row.id),
                 object_repr=row.filename, detail=f"notice {row.notice_id}", commit=True)
    return Opened(row)
