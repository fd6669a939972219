"""异议 (SPEC §12.3): lodged by anyone while a batch is 公示中 against an enterprise listed in
it; handled by officials (受理 → investigation notes → 成立 / 不成立, or 不予受理); an upheld
objection withdraws the enterprise from the batch and returns its record. The objector asks
for the outcome with the code it was given."""

from __future__ import annotations

import datetime as dt
from typing import BinaryIO

from flask import current_app
from sqlalchemy import func, select

from app.domain import publicity as P
from app.domain import workflow
from app.domain.evidence import EXTENSIONS, KINDS, judge, zip_names_of
from app.extensions import db
from app.models.publicity import Objection, PublicityBatch, PublicityEntry
from app.security.scope import ALL, scope_of
from app.services.evidence.attachments import storage
from app.services.platform import audit, notifications
from app.services.publicity import enterprise_users, is_reviewer, require_province
from app.services.review import workflow as workflow_service

MAX_REASON = 2000


def lodge(batch_id: int, uscc: str, reason: str, *, name: str | None = None,
          contact: str | None = None, ip: str | None = None,
          today: dt.date | None = None, evidence=None,
          evidence_name: str | None = None) -> Objection:
    """Accept an objection, or say why not: the batch is not under publicity (a draft, or
    closed whatever the date), its period is over, or the enterprise is not listed in it."""
    batch = db.session.get(PublicityBatch, batch_id)
    today = today or dt.date.today()
    if batch is None or batch.status == P.DRAFT:
        raise P.PublicityError("没有该公示批次。", "No such publicity batch.")
    if batch.status != P.PUBLISHED or today > batch.ends:
        raise P.PublicityError("该批次的公示期已结束，不再受理异议。",
                               "The publicity period of this batch is over: no more "
                               "objections are taken.")
    reason = (reason or "").strip()
    if not reason:
        raise P.PublicityError("请写明异议的理由。", "Give the reason for the objection.")
    if len(reason) > MAX_REASON:
        raise P.PublicityError(f"异议理由不超过 {MAX_REASON} 字。",
                               f"The reason has at most {MAX_REASON} characters.")
    _throttle(ip)
    entry = db.session.execute(select(PublicityEntry).where(
        PublicityEntry.batch_id == batch.id, PublicityEntry.uscc == (uscc or "").strip().upper(),
        PublicityEntry.status == "listed")).scalar_one_or_none()
    if entry is None:
        raise P.PublicityError("该企业不在本批公示名单中。",
                               "That enterprise is not listed in this batch.")
    kept = _keep_evidence(evidence, evidence_name) if evidence is not None else None
    objection = Objection(batch_id=batch.id, entry_id=entry.id, code=P.query_code(),
                          region_code=entry.region_code,
                          name=(name or "").strip()[:100] or None,
                          contact=(contact or "").strip()[:200] or None, reason=reason,
                          status=P.PENDING, ip=ip,
                          evidence_name=kept[0] if kept else None,
                          evidence_key=kept[1] if kept else None)
    db.session.add(objection)
    try:
        db.session.commit()
    except BaseException:
        db.session.rollback()
        if kept:
            storage().delete(kept[1])
        raise
    return objection


def _keep_evidence(stream, name: str | None) -> tuple[str, str]:
    """An optional evidence file, judged as every evidence file is (type by content, size,
    name) before a byte is kept."""
    stream.seek(0, 2)
    size = stream.tell()
    stream.seek(0)
    judged = judge(name or "", stream.read(16), size,
                   int(current_app.config["EVIDENCE_MAX_MB"]) * 1024 * 1024,
                   zip_names_of(stream))
    stream.seek(0)
    stored = storage().put(stream)
    return judged.name, stored.key


def _throttle(ip: str | None) -> None:
    """A flood from one address is refused (with when to come back); what came before it is
    kept. Counted in the database, so every process and server agrees."""
    limit = int(current_app.config.get("OBJECTIONS_PER_HOUR") or 0)
    if not ip or limit <= 0:
        return
    since = dt.datetime.now() - dt.timedelta(hours=1)
    recent = db.session.execute(select(func.count()).select_from(Objection).where(
        Objection.ip == ip, Objection.created_at >= since)).scalar()
    if recent >= limit:
        raise P.PublicityError(f"同一网络地址一小时内最多提交 {limit} 件异议，请稍后再试；"
                               "已提交的异议均已登记。",
                               f"At most {limit} objections an hour come from one address: "
                               "try again later; those already sent are registered.")


def add_note(objection_id: int, text: str, user) -> Objection:
    """An investigation note: the province, or a reviewer whose area holds the enterprise.
    A note on a pending objection accepts it (调查中)."""
    objection = _objection(objection_id)
    if not _may_handle(objection, user):
        raise P.PublicityError("您无权处理该异议。", "You may not handle this objection.")
    if objection.status not in (P.PENDING, P.INVESTIGATING):
        raise P.PublicityError("该异议已办结。", "This objection is settled.")
    if not (text or "").strip():
        raise P.PublicityError("请填写调查情况。", "Write what the investigation found.")
    notes = list(objection.notes or [])
    notes.append({"at": dt.datetime.now().isoformat(timespec="minutes"),
                  "by": getattr(user, "username", None), "text": text.strip()[:2000]})
    objection.notes = notes
    objection.status = P.INVESTIGATING
    db.session.commit()
    return objection


def _may_handle(objection: Objection, user) -> bool:
    """The province, or a reviewer whose area holds the enterprise objected to."""
    scope = scope_of(user)
    region = objection.entry.region_code
    return scope.kind == ALL or bool(is_reviewer(user) and scope.region_code
                                     and region.startswith(scope.region_code))


def open_evidence(objection_id: int, user) -> tuple[Objection, str, BinaryIO]:
    """The objection's evidence file, for who may handle the objection (see ``add_note``):
    the objection, the file's media type and its bytes to stream and close. The read is in
    the audit log. Anyone else — and an objection without a file — is told it does not
    exist."""
    objection = db.session.get(Objection, objection_id)
    if objection is None or not objection.evidence_key or not _may_handle(objection, user):
        raise P.PublicityError("没有该文件。", "No such file.")
    name = objection.evidence_name or ""
    # The name's extension was checked against the content when the file was accepted.
    kind = EXTENSIONS.get("." + name.rsplit(".", 1)[-1].lower()) if "." in name else None
    media_type = KINDS[kind][1] if kind else "application/octet-stream"
    handle = storage().open(objection.evidence_key)
    try:
        audit.record(audit.DOWNLOAD, object_type="Objection", object_id=str(objection.id),
                     object_repr=name, detail="异议佐证材料", commit=True)
    except BaseException:
        handle.close()
        raise
    return objection, media_type, handle


def _objection(objection_id: int) -> Objection:
    objection = db.session.get(Objection, objection_id)
    if objection is None:
        raise P.PublicityError("没有该异议。", "No such objection.")
    return objection


def decide(objection_id: int, outcome: str, reason: str, user) -> Objection:
    """不予受理, 成立 or 不成立, by the province. 成立 withdraws the enterprise from the batch
    and returns its record to the enterprise with the reason."""
    require_province(user)
    objection = _objection(objection_id)
    P.check_objection_move(objection.status, outcome)
    reason = (reason or "").strip()
    if not reason:
        raise P.PublicityError("请填写决定的理由。", "Give the reason for the decision.")
    if objection.batch.status != P.PUBLISHED:
        raise P.PublicityError("该批次已公告，异议不能再改变结果。",
                               "The batch is announced: the objection can no longer change it.")
    objection.status, objection.decision_reason = outcome, reason
    objection.decided_by, objection.decided_at = getattr(user, "username", None), \
        dt.datetime.now()
    entry = objection.entry
    if outcome == P.UPHELD and entry.status == "listed":
        entry.status, entry.withdrawn_reason = "withdrawn", reason
        record = entry.submission
        workflow_service.move(record, workflow.RETURNED, workflow.RETURN,
                              f"公示异议成立：{reason}")
        notifications.notify(enterprise_users(entry.enterprise_id),
                             f"公示期间有人对您提出异议，经核实成立，您已撤出公示名单：{reason}",
                             f"An objection during publicity was upheld and you were "
                             f"withdrawn from the list: {reason}",
                             f"/portal/activity/{record.activity_id}")
    audit.record(audit.UPDATE, object_type="Objection", object_id=str(objection.id),
                 detail=f"异议决定：{P.OBJECTION_STATES[outcome][0]}")
    db.session.commit()
    return objection


def outcome_of(code: str) -> Objection | None:
    """What the objector may see with its code: the state and the decision's reason."""
    return db.session.execute(select(Objection).where(
        Objection.code == (code or "").strip().upper())).scalar_one_or_none()
