"""公示 batches (SPEC §12.3): chosen by the province, published (numbered, immutable, a period
of working days), closed (公告: every listed enterprise without an upheld objection gets its
入库登记编号). Each function validates, acts and commits once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.domain import publicity as P
from app.domain import workflow
from app.extensions import db
from app.models import ReportingActivity, ScoreResult, ScoreRun, Submission
from app.models.publicity import Notice, PublicityBatch, PublicityEntry, Registration
from app.services.platform import audit, notifications
from app.services.publicity import enterprise_users, require_province

# Records that passed provincial review, whatever happened after (reported, scored).
LISTABLE = (workflow.APPROVED, workflow.SUBMITTED, workflow.SCORED, workflow.CONFIRMED)
MAX_NOTE = 2000


def calendar() -> tuple[list[dt.date], list[dt.date]]:
    config = current_app.config
    return (P.parse_days(config.get("PUBLICITY_HOLIDAYS") or []),
            P.parse_days(config.get("PUBLICITY_WORKDAYS") or []))


def _chosen(activity: ReportingActivity, usccs: Sequence[str] | None, run: ScoreRun | None,
            passed: bool, grades: Sequence[str] | None,
            corrected: PublicityBatch | None = None) -> list[Submission]:
    query = select(Submission).where(Submission.activity_id == activity.id,
                                     Submission.status.in_(LISTABLE))
    if usccs:
        query = query.where(Submission.uscc.in_(sorted(set(usccs))))
    if run is not None:
        if run.activity_id != activity.id:
            raise P.PublicityError("该测算批次不属于此活动。",
                                   "That score run belongs to another activity.")
        results = select(ScoreResult.submission_id).where(ScoreResult.run_id == run.id)
        if passed:
            results = results.where(ScoreResult.passed.is_(True))
        if grades:
            results = results.where(ScoreResult.grade.in_(list(grades)))
        query = query.where(Submission.id.in_(results))
    # Not twice: a record already on a batch that is not withdrawn from it stays there — but
    # a correction may list again (with its data as it is now) a record of the batch it
    # corrects.
    listed = select(PublicityEntry.submission_id).where(PublicityEntry.status != "withdrawn")
    if corrected is not None:
        listed = listed.where(PublicityEntry.batch_id != corrected.id)
    return list(db.session.execute(query.where(Submission.id.notin_(listed))
                                   .order_by(Submission.region_code, Submission.uscc)).scalars())


def create(activity_id: int, user, *, usccs: Sequence[str] | None = None,
           run_id: int | None = None, passed: bool = False,
           grades: Sequence[str] | None = None, days: int = P.DEFAULT_DAYS,
           title: str | None = None, corrects: int | None = None,
           note: str | None = None) -> PublicityBatch:
    """A draft batch of the activity's approved records: those named, or a run's passed or
    graded ones; records already listed elsewhere are left out. ``corrects`` makes it the
    更正 of a published (or announced) batch of the same activity, which stays as it was:
    ``note`` (required then) says what is corrected, and the corrected batch's records may
    be listed again."""
    require_province(user)
    activity = db.session.get(ReportingActivity, activity_id)
    if activity is None:
        raise P.PublicityError("没有该填报活动。", "No such activity.")
    corrected = _corrected(corrects, activity) if corrects else None
    note = (note or "").strip()
    if corrected is not None and not note:
        raise P.PublicityError("请写明更正的内容，例如哪家企业的哪项信息有误、应为什么。",
                               "Say what the correction corrects: which enterprise, which "
                               "detail was wrong and what it should be.")
    if corrected is not None and len(note) > MAX_NOTE:
        raise P.PublicityError(f"更正说明不超过 {MAX_NOTE} 字。",
                               f"The correction note has at most {MAX_NOTE} characters.")
    if not (1 <= days <= 60):
        raise P.PublicityError("公示期应为 1 至 60 个工作日。",
                               "The period is 1 to 60 working days.")
    run = db.session.get(ScoreRun, run_id) if run_id else None
    if run_id and run is None:
        raise P.PublicityError("没有该测算批次。", "No such score run.")
    records = _chosen(activity, usccs, run, passed, grades, corrected)
    if not records:
        raise P.PublicityError("没有可公示的企业：只能公示已通过省级审核、"
                               "且未在其他公示批次中的记录。",
                               "Nothing to list: only records that passed provincial review "
                               "and are on no other batch can be listed.")
    default = f"{corrected.title}（更正）" if corrected else f"{activity.name} 公示"
    batch = PublicityBatch(activity_id=activity.id, days=days, status=P.DRAFT,
                           title=(title or default).strip()[:200],
                           created_by=getattr(user, "username", None),
                           corrects_id=corrected.id if corrected else None,
                           note=note if corrected else None)
    db.session.add(batch)
    db.session.flush()
    db.session.add_all(PublicityEntry(
        batch_id=batch.id, submission_id=r.id, enterprise_id=r.enterprise_id, uscc=r.uscc,
        name=r.name or r.uscc, region_code=r.region_code, tech_field=r.tech_field,
        status="listed") for r in records)
    db.session.commit()
    return batch


def _corrected(batch_id: int, activity: ReportingActivity) -> PublicityBatch:
    """The batch a correction corrects: published or announced (a draft is simply edited
    by making it again), of the same activity."""
    corrected = db.session.get(PublicityBatch, batch_id)
    if corrected is None or corrected.status == P.DRAFT:
        raise P.PublicityError("只能更正已发布的公示。", "Only a published batch can be corrected.")
    if corrected.activity_id != activity.id:
        raise P.PublicityError("更正须属于被更正公示的同一填报活动。",
                               "A correction belongs to the activity of the batch it corrects.")
    return corrected


def corrections_of(batch_id: int, public: bool = True) -> list[PublicityBatch]:
    """The batches that correct this one, oldest first; the public sees published ones."""
    query = select(PublicityBatch).where(PublicityBatch.corrects_id == batch_id)
    if public:
        query = query.where(PublicityBatch.status != P.DRAFT)
    return list(db.session.execute(query.order_by(PublicityBatch.id)).scalars())


def _number(batch: PublicityBatch, today: dt.date) -> str:
    count = db.session.execute(select(func.count()).select_from(PublicityBatch).where(
        PublicityBatch.number.like(f"公示〔{today.year}〕%"))).scalar()
    return f"公示〔{today.year}〕{count + 1}号"


def publish(batch_id: int, user, today: dt.date | None = None) -> PublicityBatch:
    """Number the batch and start its period today; from now on nothing in it changes."""
    require_province(user)
    batch = _batch(batch_id)
    if batch.status != P.DRAFT:
        raise P.PublicityError("该批次已发布，不能再发布或修改。",
                               "The batch is already published and cannot change.")
    today = today or dt.date.today()
    holidays, workdays = calendar()
    batch.number = _number(batch, today)
    batch.starts, batch.ends = today, P.period_end(today, batch.days, holidays, workdays)
    batch.status, batch.published_at = P.PUBLISHED, dt.datetime.now()
    batch.published_by = getattr(user, "username", None)
    db.session.add(Notice(kind="publicity", title=f"{batch.title}（{batch.number}）",
                          batch_id=batch.id, published_at=batch.published_at,
                          created_by=batch.published_by))
    for entry in batch.entries:
        notifications.notify(
            enterprise_users(entry.enterprise_id),
            f"您已列入公示名单（{batch.number}），公示期 {batch.starts} 至 {batch.ends}。",
            f"You are listed for publicity ({batch.number}), {batch.starts} to {batch.ends}.")
    db.session.commit()
    return batch


def _batch(batch_id: int) -> PublicityBatch:
    batch = db.session.get(PublicityBatch, batch_id)
    if batch is None:
        raise P.PublicityError("没有该公示批次。", "No such publicity batch.")
    return batch


def _registration_of(submission_id: int) -> str | None:
    return db.session.execute(select(Registration.number).where(
        Registration.submission_id == submission_id)).scalar()


def _next_serial(scope: str) -> int:
    last = db.session.execute(select(func.max(Registration.serial)).where(
        Registration.serial_scope == scope)).scalar()
    return (last or 0) + 1


def close(batch_id: int, user, as_of: dt.date | None = None) -> dict:
    """公告: the period is over; every listed enterprise without an upheld objection is
    announced with a unique registration number (year of the announcement)."""
    require_province(user)
    batch = _batch(batch_id)
    as_of = as_of or dt.date.today()
    if batch.status != P.PUBLISHED:
        raise P.PublicityError("只有公示中的批次可以结束公示。",
                               "Only a batch under publicity can be closed.")
    if as_of <= batch.ends:
        raise P.PublicityError(f"公示期到 {batch.ends} 才结束，请在此后再发布公告。",
                               f"The period runs until {batch.ends}: announce after it.")
    from app.models.publicity import Objection

    open_objections = db.session.execute(select(func.count()).select_from(Objection).where(
        Objection.batch_id == batch.id, Objection.status.in_([P.PENDING, P.INVESTIGATING])
    )).scalar()
    if open_objections:
        raise P.PublicityError(f"还有 {open_objections} 件异议未处理完，请先作出决定。",
                               f"{open_objections} objections are still open: decide them first.")
    pattern = current_app.config.get("REGISTRATION_NUMBER_PATTERN") or P.DEFAULT_NUMBER_PATTERN
    registrations: dict[str, str] = {}
    withdrawn = 0
    for attempt in range(5):  # a concurrent announcement took a serial: count again
        registrations, withdrawn = {}, 0
        try:
            for entry in batch.entries:
                if entry.status == "withdrawn":
                    withdrawn += 1
                    continue
                earlier = _registration_of(entry.submission_id)
                if earlier is not None:  # listed again by a correction: one number a record
                    entry.status = "announced"
                    registrations[entry.uscc] = earlier
                    continue
                scope = P.serial_scope(pattern, as_of.year, entry.region_code)
                serial = _next_serial(scope)
                number = P.registration_number(pattern, as_of.year, entry.region_code, serial)
                entry.status = "announced"
                db.session.add(Registration(
                    number=number, serial_scope=scope, serial=serial, batch_id=batch.id,
                    entry_id=entry.id, submission_id=entry.submission_id,
                    enterprise_id=entry.enterprise_id, uscc=entry.uscc, name=entry.name,
                    region_code=entry.region_code, data_year=batch.activity.data_year,
                    announced_on=as_of, status="active"))
                db.session.flush()
                registrations[entry.uscc] = number
                notifications.notify(
                    enterprise_users(entry.enterprise_id),
                    f"您已通过公示并入库，入库登记编号：{number}。",
                    f"You passed publicity and are registered: number {number}.")
            batch.status, batch.closed_at = P.CLOSED, dt.datetime.now()
            db.session.add(Notice(kind="announcement", title=f"{batch.title} 公告",
                                  batch_id=batch.id, published_at=batch.closed_at,
                                  created_by=getattr(user, "username", None)))
            audit.record(audit.UPDATE, object_type="PublicityBatch", object_id=str(batch.id),
                         object_repr=batch.number,
                         detail=f"公告：入库 {len(registrations)} 家，撤出 {withdrawn} 家")
            db.session.commit()
            return {"announced": len(registrations), "withdrawn": withdrawn,
                    "registrations": registrations}
        except IntegrityError:
            db.session.rollback()
            batch = _batch(batch_id)
            if batch.status != P.PUBLISHED or attempt == 4:
                raise
    raise AssertionError("unreachable")
