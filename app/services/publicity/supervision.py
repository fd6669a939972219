"""The province keeps watching registered enterprises (SPEC §12.3): 集中抽查 (a seeded, repeatable
draw per county; each drawn enterprise a task for its reviewers), the 异常名单 (added and
removed with reasons, published, never deleted) and each enterprise's 诚信档案 (the dated
list of objections, checks, revocations, anomalies and returned reports)."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from markupsafe import escape
from sqlalchemy import select

from app.domain import publicity as P
from app.domain import workflow
from app.extensions import db
from app.models import Enterprise, ReviewRecord, Submission
from app.models.publicity import (
    Anomaly,
    Notice,
    Objection,
    PublicityEntry,
    Registration,
    SpotCheck,
    SpotCheckTask,
)
from app.security.scope import restrict, scope_of
from app.services.platform import audit, notifications
from app.services.publicity import enterprise_users, is_reviewer, require_province


def draw(user, share: float, region: str, seed: int | None = None,
         title: str | None = None) -> SpotCheck:
    """Draw ``share`` of the active registrations of each county within ``region`` (the
    same seed over the same registrations draws the same enterprises)."""
    require_province(user)
    seed = seed if seed is not None else secrets.randbelow(2**31)
    active = db.session.execute(select(Registration).where(
        Registration.status == "active", Registration.region_code.startswith(region))
        .order_by(Registration.number)).scalars().all()
    if not active:
        raise P.PublicityError("该地区没有在库企业可抽查。",
                               "No registered enterprise in that area to check.")
    by_county: dict[str, dict[str, Registration]] = {}
    for registration in active:
        by_county.setdefault(registration.region_code, {})[registration.number] = registration
    check = SpotCheck(title=(title or f"{dt.date.today().year} 年集中抽查").strip()[:200],
                      region_code=region, share=share, seed=seed,
                      created_by=getattr(user, "username", None))
    db.session.add(check)
    db.session.flush()
    for county, registrations in sorted(by_county.items()):
        for number in P.draw_sample(list(registrations), share, seed):
            found = registrations[number]
            db.session.add(SpotCheckTask(
                check_id=check.id, registration_id=found.id, enterprise_id=found.enterprise_id,
                name=found.name, uscc=found.uscc, region_code=county, status="pending"))
    db.session.commit()
    return check


def record_finding(task_id: int, user, finding: str, problem: bool) -> SpotCheckTask:
    """A reviewer of the enterprise's area (or the province) writes what the check found."""
    task = db.session.execute(restrict(select(SpotCheckTask).where(
        SpotCheckTask.id == task_id), SpotCheckTask, scope_of(user))).scalar_one_or_none()
    if task is None or not (is_reviewer(user) or _is_province(user)):
        raise P.PublicityError("没有该抽查任务，或您无权处理。",
                               "No such check task, or you may not handle it.")
    if not (finding or "").strip():
        raise P.PublicityError("请填写核查情况。", "Write what the check found.")
    task.finding, task.problem, task.status = finding.strip()[:2000], bool(problem), "done"
    task.done_by, task.done_at = getattr(user, "username", None), dt.datetime.now()
    db.session.commit()
    return task


def _is_province(user) -> bool:
    try:
        require_province(user)
    except P.PublicityError:
        return False
    return True


def add_anomaly(user, uscc: str, reason: str, source: str) -> Anomaly:
    require_province(user)
    enterprise = db.session.execute(select(Enterprise).where(
        Enterprise.uscc == (uscc or "").strip().upper())).scalar_one_or_none()
    if enterprise is None:
        raise P.PublicityError("没有该统一社会信用代码的企业。", "No enterprise has that code.")
    if not (reason or "").strip() or not (source or "").strip():
        raise P.PublicityError("请填写列入原因和来源。", "Give the reason and its source.")
    if db.session.execute(select(Anomaly.id).where(
            Anomaly.enterprise_id == enterprise.id, Anomaly.removed_at.is_(None))).first():
        raise P.PublicityError("该企业已在异常名单中。", "The enterprise is already listed.")
    anomaly = Anomaly(enterprise_id=enterprise.id, uscc=enterprise.uscc, name=enterprise.name,
                      region_code=enterprise.region_code, reason=reason.strip(),
                      source=source.strip()[:200], added_by=getattr(user, "username", None))
    db.session.add(anomaly)
    db.session.add(Notice(kind="anomaly", title=f"关于将{enterprise.name}列入异常名单的公告",
                          body_html=f"<p>{escape(enterprise.name)}（{escape(enterprise.uscc)}）："
                                    f"{escape(reason.strip())}（来源：{escape(source.strip())}）。</p>",
                          published_at=dt.datetime.now(), created_by=anomaly.added_by))
    notifications.notify(enterprise_users(enterprise.id), f"您已被列入异常名单：{reason}",
                         f"You were put on the anomaly list: {reason}")
    db.session.commit()
    return anomaly


def remove_anomaly(user, anomaly_id: int, reason: str) -> Anomaly:
    require_province(user)
    anomaly = db.session.get(Anomaly, anomaly_id)
    if anomaly is None or anomaly.removed_at is not None:
        raise P.PublicityError("该企业不在异常名单中。", "The enterprise is not on the list.")
    if not (reason or "").strip():
        raise P.PublicityError("请填写移出的依据。", "Give the grounds for taking it off.")
    anomaly.removed_at, anomaly.removed_reason = dt.datetime.now(), reason.strip()
    anomaly.removed_by = getattr(user, "username", None)
    db.session.add(Notice(kind="anomaly", title=f"关于将{anomaly.name}移出异常名单的公告",
                          body_html=f"<p>{escape(anomaly.name)}（{escape(anomaly.uscc)}）："
                                    f"{escape(reason.strip())}。</p>",
                          published_at=anomaly.removed_at, created_by=anomaly.removed_by))
    audit.record(audit.UPDATE, object_type="Anomaly", object_id=str(anomaly.id),
                 object_repr=anomaly.name, detail=f"移出异常名单：{reason}"[:500])
    db.session.commit()
    return anomaly


@dataclass(frozen=True)
class Event:
    day: dt.date
    kind: str  # objection, check, revocation, anomaly, returned
    text_zh: str
    text_en: str


def integrity_record(enterprise_id: int, user) -> tuple[Enterprise, list[Event]]:
    """诚信档案, newest first, for officials whose area holds the enterprise."""
    enterprise = db.session.execute(restrict(select(Enterprise).where(
        Enterprise.id == enterprise_id), Enterprise, scope_of(user))).scalar_one_or_none()
    if enterprise is None or not (is_reviewer(user) or _is_province(user)):
        raise P.PublicityError("没有该企业，或您无权查看。", "No such enterprise, or you may not "
                               "see it.")
    events: list[Event] = []
    for o in db.session.execute(select(Objection).join(PublicityEntry).where(
            PublicityEntry.enterprise_id == enterprise.id)).scalars():
        zh, en = P.OBJECTION_STATES[o.status]
        events.append(Event(o.created_at.date(), "objection", f"公示异议（{zh}）：{o.reason}",
                            f"Objection ({en}): {o.reason}"))
    for t in db.session.execute(select(SpotCheckTask).where(
            SpotCheckTask.enterprise_id == enterprise.id)).scalars():
        state = ("发现问题" if t.problem else "未发现问题") if t.status == "done" else "待核查"
        events.append(Event((t.done_at or t.check.created_at).date(), "check",
                            f"集中抽查（{state}）：{t.finding or ''}",
                            f"Spot check ({'problem' if t.problem else t.status}): "
                            f"{t.finding or ''}"))
    for r in db.session.execute(select(Registration).where(
            Registration.enterprise_id == enterprise.id)).scalars():
        events.append(Event(r.announced_on, "registration", f"入库登记 {r.number}",
                            f"Registered as {r.number}"))
        if r.revoked_at:
            events.append(Event(r.revoked_at.date(), "revocation",
                                f"撤销入库登记 {r.number}：{r.revoked_reason}",
                                f"Registration {r.number} revoked: {r.revoked_reason}"))
    for a in db.session.execute(select(Anomaly).where(
            Anomaly.enterprise_id == enterprise.id)).scalars():
        events.append(Event(a.added_at.date(), "anomaly", f"列入异常名单：{a.reason}（{a.source}）",
                            f"Put on the anomaly list: {a.reason} ({a.source})"))
        if a.removed_at:
            events.append(Event(a.removed_at.date(), "anomaly", f"移出异常名单：{a.removed_reason}",
                                f"Taken off the anomaly list: {a.removed_reason}"))
    for review in db.session.execute(select(ReviewRecord).join(Submission).where(
            Submission.enterprise_id == enterprise.id,
            ReviewRecord.action.in_((workflow.RETURN, workflow.NATIONAL_RETURN)))).scalars():
        national = review.action == workflow.NATIONAL_RETURN
        events.append(Event(review.created_at.date(), "returned",
                            f"{'国家退回' if national else '填报被退回'}：{review.comment or ''}",
                            f"{'Returned by the Ministry' if national else 'Report returned'}: "
                            f"{review.comment or ''}"))
    events.sort(key=lambda e: e.day, reverse=True)
    return enterprise, events
