"""Evidence files on records (佐证材料, SPEC §12.2): add, read, delete, and clean up.

One rule for every way in (portal, review page, CLI, API): a file is judged by its content
before a byte is kept (``app/domain/evidence.py``), streamed to the storage whole or not at
all, and written with its row in one transaction (the file is removed again if the row
cannot be). Who may read a file is who may read its record — the enterprise, its reviewing
chain, the province — never a bank; each read is in the audit log.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from flask import current_app
from sqlalchemy import func, select

from app.domain import workflow
from app.domain.errors import BilingualError
from app.domain.evidence import EvidenceRefused, judge, zip_names_of
from app.domain.records.details import TABLES
from app.domain.records.fields import REGISTRY
from app.extensions import db
from app.models import Attachment, Objection, Submission
from app.models.notice_files import NoticeAttachment
from app.security.scope import BANK, ENTERPRISE, NOTHING, restrict, scope_of
from app.services.evidence.storage import Storage, storage_from
from app.services.platform import audit

MB = 1024 * 1024


class AttachmentError(BilingualError):
    """Not found, not allowed, or not accepted: the message says which and what to do."""


NOT_FOUND = ("没有找到该记录或文件，或您无权查看。",
             "No such record or file, or you may not see it.")


def storage() -> Storage:
    return storage_from(current_app.config)


def _scope(user):
    return scope_of(user)


def readable_submission(submission_id: int, user) -> Submission | None:
    """The record if ``user`` may read its files: the enterprise itself, reviewers whose area
    holds it, the province; banks never (they see financing needs, not evidence)."""
    scope = _scope(user)
    if scope.kind in (BANK, NOTHING):
        return None
    return db.session.execute(restrict(select(Submission).where(
        Submission.id == submission_id), Submission, scope)).scalar_one_or_none()


def _may_change(submission: Submission, user) -> bool:
    """The enterprise while its record is a draft or returned; officials of its area at any
    time before the record leaves the province (their upload channel, a correction)."""
    scope = _scope(user)
    if scope.kind == ENTERPRISE:
        return submission.status in workflow.EDITABLE_BY_ENTERPRISE
    return submission.status not in (workflow.SUBMITTED, workflow.SCORED, workflow.CONFIRMED,
                                      workflow.MERGED)


def _target(submission: Submission, field: str | None, table: str | None,
            uid: str | None) -> None:
    if field:
        if field not in REGISTRY.keys():
            raise AttachmentError(f"没有名为“{field}”的填报字段。", f"There is no field “{field}”.")
        return
    if table not in TABLES or not uid or not any(
            row.get("uid") == uid for row in (submission.details or {}).get(table) or []):
        raise AttachmentError("该明细行不存在，请刷新页面后重试。",
                              "That detail row does not exist: reload the page and try again.")


def _size_of(stream: BinaryIO) -> int:
    stream.seek(0, os.SEEK_END)
    size = stream.tell()
    stream.seek(0)
    return size


def add(submission_id: int, user, stream: BinaryIO, name: str, *, field: str | None = None,
        table: str | None = None, uid: str | None = None) -> Attachment:
    """Keep a file for a field (or a detail row) of a record, as ``user``. ``stream`` must
    be seekable (a spooled upload, an open file). Refused with the reason, nothing kept:
    not found or not allowed, too large (a file or the record's total), a type outside
    PDF/JPG/PNG/OFD judged by content, a bad name, an empty file."""
    submission = readable_submission(submission_id, user)
    if submission is None:
        raise AttachmentError(*NOT_FOUND)
    if not _may_change(submission, user):
        raise AttachmentError("记录已提交，不能再添加或删除佐证材料；如需修改，请等待审核退回。",
                              "The record is submitted: files can be added or removed "
                              "again once it is returned to you.")
    _target(submission, field, table, uid)
    config = current_app.config
    size = _size_of(stream)
    head = stream.read(16)
    stream.seek(0)
    judged = judge(name, head, size, int(config["EVIDENCE_MAX_MB"]) * MB, zip_names_of(stream))
    stream.seek(0)
    used = db.session.execute(select(func.coalesce(func.sum(Attachment.bytes), 0)).where(
        Attachment.submission_id == submission.id)).scalar()
    limit = int(config["EVIDENCE_RECORD_MAX_MB"]) * MB
    if used + size > limit:
        raise EvidenceRefused(
            f"本记录的佐证材料合计不能超过 {limit // MB} MB（已有 {used / MB:.1f} MB）："
            "请压缩文件或删除不需要的材料。",
            f"A record's files may total at most {limit // MB} MB ({used / MB:.1f} MB "
            "already): compress the file or remove ones no longer needed.")
    store = storage()
    stored = store.put(stream)
    if stored.size != size:  # the upload was cut short: keep nothing
        store.delete(stored.key)
        raise EvidenceRefused("文件没有完整上传，请重新上传。",
                              "The file did not arrive whole: upload it again.")
    row = Attachment(submission_id=submission.id, field=field or None,
                     detail_table=None if field else table, detail_uid=None if field else uid,
                     name=judged.name, kind=judged.kind, media_type=judged.media_type,
                     bytes=stored.size, sha256=stored.sha256, storage_key=stored.key,
                     uploaded_by_id=getattr(user, "id", None),
                     uploaded_by=getattr(user, "username", None), created_at=dt.datetime.now())
    try:
        db.session.add(row)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        store.delete(stored.key)
        raise
    return row


def readable(attachment_id: int, user) -> Attachment:
    row = db.session.get(Attachment, attachment_id)
    if row is None or readable_submission(row.submission_id, user) is None:
        raise AttachmentError(*NOT_FOUND)
    return row


@dataclass(frozen=True)
class Opened:
    attachment: Attachment
    signed_url: str | None  # S3: a short-lived link; local: None, stream ``chunks()``

    def chunks(self, size: int = 256 * 1024) -> Iterator[bytes]:
        with storage().open(self.attachment.storage_key) as handle:
            while chunk := handle.read(size):
                yield chunk


def open_for(attachment_id: int, user) -> Opened:
    """A file for reading, after the permission check, written to the audit log."""
    row = readable(attachment_id, user)
    audit.record(audit.DOWNLOAD, object_type="Attachment", object_id=str(row.id),
                 object_repr=row.name, detail=f"submission {row.submission_id}", commit=True)
    return Opened(row, storage().signed_url(row.storage_key, row.name, row.media_type))


def delete(attachment_id: int, user) -> None:
    row = readable(attachment_id, user)
    if not _may_change(row.submission, user):
        raise AttachmentError("记录已提交，不能再删除佐证材料。",
                              "The record is submitted: its files cannot be removed.")
    key = row.storage_key
    db.session.delete(row)
    db.session.commit()
    storage().delete(key)


def forget_rows(submission_id: int, rows: list[tuple[str, str]]) -> int:
    """Drop the attachment rows of detail rows that no longer exist (the caller commits);
    their files are left to ``cleanup``, so a failed commit loses nothing."""
    if not rows:
        return 0
    gone = db.session.execute(select(Attachment).where(
        Attachment.submission_id == submission_id,
        Attachment.detail_table.is_not(None))).scalars().all()
    dropped = [a for a in gone if (a.detail_table, a.detail_uid) in set(rows)]
    for row in dropped:
        db.session.delete(row)
    return len(dropped)


def of_submission(submission_id: int) -> list[Attachment]:
    return list(db.session.execute(select(Attachment).where(
        Attachment.submission_id == submission_id).order_by(Attachment.id)).scalars())


def missing(submission: Submission, attachments: list[Attachment] | None = None) -> list[str]:
    """What still lacks a required file: field keys, and ``table:uid`` for detail rows of a
    table whose rows each need one (``table:KEY`` in the activity's evidence settings)."""
    required = submission.activity.evidence_required()
    if not required:
        return []
    rows = of_submission(submission.id) if attachments is None else attachments
    have = {a.field for a in rows if a.field} | {f"{a.detail_table}:{a.detail_uid}"
                                                 for a in rows if a.detail_table}
    lacking = [key for key in required if not key.startswith("table:") and key not in have]
    for key in sorted(k for k in required if k.startswith("table:")):
        table = key.split(":", 1)[1]
        lacking += [f"{table}:{row.get('uid')}" for row in
                    (submission.details or {}).get(table) or []
                    if f"{table}:{row.get('uid')}" not in have]
    return lacking


def cleanup(dry_run: bool = False) -> dict:
    """Stored files no attachment row names, or whose record is gone (orphans): counted,
    and removed unless ``dry_run``; rows whose record is gone go with them."""
    named = {key: owner for key, owner in db.session.execute(select(
        Attachment.storage_key, Attachment.submission_id))}
    living = set(db.session.execute(select(Submission.id).where(
        Submission.id.in_(set(named.values())))).scalars()) if named else set()
    # The evidence of a public objection (公示异议) and the files of portal pages (政策文件)
    # live in the same storage.
    elsewhere = set(db.session.execute(select(Objection.evidence_key).where(
        Objection.evidence_key.is_not(None))).scalars())
    elsewhere |= set(db.session.execute(select(NoticeAttachment.storage_key)).scalars())
    store = storage()
    orphans = [key for key in store.keys()
               if named.get(key) not in living and key not in elsewhere]
    removed = 0
    if not dry_run:
        gone = [key for key, owner in named.items() if owner not in living]
        if gone:
            db.session.execute(Attachment.__table__.delete().where(
                Attachment.storage_key.in_(gone)))
            db.session.commit()
        for key in orphans:
            store.delete(key)
            removed += 1
    return {"orphans": len(orphans), "removed": removed}
