"""The only code that changes a submission's status; every change writes a review record.

Reviewers' decisions (``review``), with the detail rows a return marks 存疑 (``doubts.py``);
duplicates, revocation, reopening and bulk moves.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass

from flask import g, has_request_context
from sqlalchemy import DateTime, Integer, String, Text, literal, select, update
from sqlalchemy.orm.exc import StaleDataError

from app.domain import workflow
from app.domain.errors import BilingualError
from app.domain.records.fields import REGISTRY
from app.extensions import db
from app.models import ReviewRecord, Submission
from app.security.scope import restrict
from app.services.platform import bulk
from app.services.review import doubts as doubts_service
from app.services.review import missing_files


def actor() -> tuple[int | None, str | None]:
    user = getattr(g, "user", None) if has_request_context() else None
    if user is not None and getattr(user, "is_authenticated", False):
        return user.id, user.username
    return None, None


def record(submission: Submission, action: str, from_status: str | None,
           comment: str | None = None, user: tuple[int | None, str | None] | None = None):
    user_id, username = user or actor()
    db.session.add(ReviewRecord(submission=submission, action=action, from_status=from_status,
                                to_status=submission.status, comment=comment,
                                user_id=user_id, username=username))


def move(submission: Submission, to_status: str, action: str, comment: str | None = None,
         user: tuple[int | None, str | None] | None = None) -> None:
    """Change the status and write who did it; the caller commits."""
    previous = submission.status
    submission.status = to_status
    record(submission, action, previous, comment, user)


def submit(submission: Submission, chain: str) -> None:
    move(submission, workflow.status_after_submit(submission.status, chain), workflow.SUBMIT)
    missing_files.notify([submission])  # 请补充佐证材料, when required files are missing


def flag_duplicate(submission: Submission, comment: str,
                   user: tuple[int | None, str | None] | None = None) -> bool:
    """Another channel brought the same enterprise: hold the record for the province."""
    if submission.status not in workflow.IN_REVIEW:
        return False
    move(submission, workflow.DUPLICATE, workflow.MARK_DUPLICATE, comment, user)
    return True


# -- review actions ---------------------------------------------------------------------------

LEVEL_DEADLINE = {"county": "county_review_end", "city": "city_review_end",
                  "province": "province_review_end"}


class ReviewError(BilingualError):
    """The request as a whole is wrong (e.g. no reason given); nothing was changed."""


@dataclass
class Outcome:
    submission_id: int
    name: str
    done: bool
    message_zh: str
    message_en: str

    def message(self, lang: str) -> str:
        return self.message_zh if lang == "zh" else self.message_en


def reviewer_level(user) -> str:
    from app.domain.regions import level_of

    return level_of(user.region_code) if getattr(user, "region_code", None) else "province"


def snapshot(submission: Submission) -> dict:
    """The values as they are, and the detail rows under ``details``."""
    values = {}
    for key in REGISTRY.keys():
        value = getattr(submission, key)
        values[key] = value.isoformat() if isinstance(value, (dt.date, dt.datetime)) else value
    values["details"] = doubts_service.details_snapshot(submission.details)
    return values


def _empty(value) -> bool:
    return value in (None, "", [], {})


def changes_since_return(submission: Submission) -> list[tuple[str, object, object]]:
    """(field, value when returned, value now) for every field changed since the last return
    (an empty value and no value are the same); the rows: ``row_changes_since_return``."""
    returned = [r for r in submission.reviews
                if r.action in (workflow.RETURN, workflow.NATIONAL_RETURN) and r.snapshot]
    if not returned:
        return []
    before = returned[-1].snapshot
    now = snapshot(submission)
    return [(key, before.get(key), now.get(key)) for key in REGISTRY.keys()
            if before.get(key) != now.get(key)
            and not (_empty(before.get(key)) and _empty(now.get(key)))]


row_changes_since_return = doubts_service.row_changes_since_return


def _in_phase(submission: Submission, level: str, today: dt.date) -> bool:
    deadline = getattr(submission.activity, LEVEL_DEADLINE[level])
    return deadline is None or today <= deadline


def review(ids: list[int], action: str, reason: str = "", fields: list[str] | None = None,
           today: dt.date | None = None, doubts: list[dict] | None = None) -> list[Outcome]:
    """Approve, return, reject or revoke records, each on its own: one record's refusal
    never stops the others, and no record is left half-changed. ``doubts`` ({table, uid,
    reason} of detail rows marked 存疑) go with a return of one record: stored on its review
    record and listed in the reason (which then may be left empty)."""
    reason = (reason or "").strip()
    try:
        doubts = doubts_service.checked(doubts or [], action, len(ids))
    except doubts_service.DoubtError as error:
        raise ReviewError(error.message_zh, error.message_en) from error
    if action in workflow.NEEDS_REASON and not reason and not doubts:
        raise ReviewError("请填写原因：企业或下级需要知道要修改什么。",
                          "Give a reason: the enterprise or bureau needs to know what to fix.")
    user = g.user
    level = reviewer_level(user)
    today = today or dt.date.today()
    outcomes = []
    for submission_id in ids:
        outcomes.append(_review_one(submission_id, action, reason, fields or [], level, today,
                                    user, doubts))
    db.session.commit()
    return outcomes


def _review_one(submission_id, action, reason, fields, level, today, user,
                doubts=()) -> Outcome:
    query = restrict(select(Submission).where(Submission.id == submission_id), Submission)
    submission = db.session.execute(query.execution_options(populate_existing=True)) \
        .scalar_one_or_none()
    if submission is None:
        return Outcome(submission_id, "", False, "记录不存在或不在您的管辖范围内。",
                       "The record does not exist or is outside your area.")
    name = submission.name or ""
    savepoint = db.session.begin_nested()
    try:
        if action != workflow.REVOKE and not _in_phase(submission, level, today):
            raise workflow.TransitionError("本级审核期已结束；"
                                           "如需继续审核，请联系省级管理员调整时间。",
                                           "The review period of your level has ended; ask the "
                                           "province to extend it.")
        if action == workflow.APPROVE and submission.error_count:
            raise workflow.TransitionError("该记录存在必须修改的错误，不能通过；请退回修改。",
                                           "The record has errors and cannot be approved; "
                                           "return it for correction.")
        target = workflow.after_review(submission.status, submission.activity.review_chain,
                                       action, level)
        marked = doubts_service.placed(submission.details, list(doubts)) if doubts else []
        reason = doubts_service.reason_with(reason, submission.details, marked)
        frozen = snapshot(submission) if action == workflow.RETURN else None
        move(submission, target, action, reason or None)
        entry = submission.reviews[-1] if submission.reviews else None
        if entry is not None:
            entry.level = level
            entry.fields = [f for f in fields if f in REGISTRY] or None
            entry.snapshot = frozen
            entry.doubts = marked or None
        db.session.flush()  # the version check happens here
        savepoint.commit()
    except (workflow.TransitionError, doubts_service.DoubtError) as error:
        savepoint.rollback()
        return Outcome(submission_id, name, False, error.message_zh, error.message_en)
    except StaleDataError:
        savepoint.rollback()
        return Outcome(submission_id, name, False, "该记录刚被他人处理过，请刷新后再操作。",
                       "Someone else has just acted on this record: reload and try again.")
    notify_review(submission, action, reason)
    return Outcome(submission_id, name, True, "已处理。", "Done.")


def notify_review(submission: Submission, action: str, reason: str) -> None:
    from app.services.platform import notifications

    notifications.after_review(submission, action, reason)


# -- duplicates (重复待定 → keep one, the others 已合并) ----------------------------------------
def duplicate_groups(activity_id: int | None = None) -> list[tuple[int, int, list[Submission]]]:
    """(activity id, enterprise id, records) for every enterprise with a record held as a
    duplicate, with all of its open records in that activity, within the user's scope."""
    query = restrict(select(Submission).where(Submission.status == workflow.DUPLICATE),
                     Submission)
    if activity_id:
        query = query.where(Submission.activity_id == activity_id)
    keys = {(s.activity_id, s.enterprise_id) for s in db.session.execute(query).scalars()}
    groups = []
    for activity, enterprise in sorted(keys):
        records = list(db.session.execute(restrict(select(Submission).where(
            Submission.activity_id == activity, Submission.enterprise_id == enterprise,
            Submission.status.notin_((workflow.MERGED, workflow.REJECTED)))
            .order_by(Submission.id), Submission)).scalars())
        groups.append((activity, enterprise, records))
    return groups


def keep_one(keep_id: int, reason: str = "") -> list[Outcome]:
    """The province keeps one record of a duplicate group; the others become 已合并."""
    if reviewer_level(g.user) != "province":
        raise ReviewError("只有省级管理员可以处理重复记录。",
                          "Only the province resolves duplicates.")
    kept = db.session.execute(restrict(select(Submission).where(Submission.id == keep_id),
                                       Submission)).scalar_one_or_none()
    if kept is None:
        raise ReviewError("记录不存在或不在您的管辖范围内。",
                          "The record does not exist or is outside your area.")
    group = [s for s in db.session.execute(restrict(select(Submission).where(
        Submission.activity_id == kept.activity_id, Submission.enterprise_id == kept.enterprise_id,
        Submission.status.notin_((workflow.MERGED, workflow.REJECTED))), Submission)).scalars()]
    outcomes = []
    for other in group:
        if other.id == kept.id:
            continue
        note = f"已合并至记录 #{kept.id}" + (f"：{reason}" if reason else "")
        move(other, workflow.MERGED, workflow.MERGE, note)
        outcomes.append(Outcome(other.id, other.name or "", True, f"已合并至记录 #{kept.id}。",
                                f"Merged into record #{kept.id}."))
    if kept.status == workflow.DUPLICATE:
        held = [r for r in kept.reviews if r.to_status == workflow.DUPLICATE and r.from_status]
        # Back where it was before it was held; a record created as a duplicate goes to the
        # province, which has just chosen it.
        restored = held[-1].from_status if held else workflow.PENDING_PROVINCE
        move(kept, restored, workflow.KEEP, reason or None)
    outcomes.insert(0, Outcome(kept.id, kept.name or "", True, "保留此记录。",
                               "This record is kept."))
    db.session.commit()
    return outcomes


def reopen(submission_ids: list[int], until: dt.date | None, reason: str) -> int:
    """Let these records' enterprises report after collection closed, until a date."""
    from app.models import Reopening

    reason = (reason or "").strip()
    if reviewer_level(g.user) != "province":
        raise ReviewError("只有省级管理员可以为企业重新开放填报。",
                          "Only the province reopens collection for an enterprise.")
    if not reason or until is None or until < dt.date.today():
        raise ReviewError("请填写原因和不早于今天的截止日期。",
                          "Give a reason and a closing date from today on.")
    records = db.session.execute(restrict(select(Submission).where(
        Submission.id.in_(submission_ids)), Submission)).scalars().all()
    for submission in records:
        db.session.add(Reopening(activity_id=submission.activity_id,
                                 enterprise_id=submission.enterprise_id, until=until,
                                 reason=reason, created_by=g.user.username))
    db.session.commit()
    return len(records)


def move_many(submission_ids: list[int], from_status: str, to_status: str, action: str,
              comment: str | None = None) -> int:
    """The same change for many records at once (score runs over tens of thousands): the
    records still in ``from_status`` move, each with its review record; the caller commits."""
    with bulk_move(submission_ids, from_status, to_status, action, comment) as move:
        pass
    return move.count


class BulkMove:
    """See ``bulk_move``."""

    def __init__(self, submission_ids: list[int], from_status: str, to_status: str,
                 action: str, comment: str | None):
        self.ids = list(dict.fromkeys(submission_ids))
        self.from_status, self.to_status, self.action = from_status, to_status, action
        self.comment = comment
        self.count = 0
        self.user = actor()
        self.now = dt.datetime.now()
        self._moved: list[int] | None = None
        self._sent: tuple[str | None] | None = None  # (comment,) once the reviews are sent
        self._pending: tuple[ExitStack, object] | None = None

    def _update(self, match):
        table = Submission.__table__
        # Explicit values for TrackedMixin's onupdate columns (changed_on, changed_by_id):
        # the PostgreSQL statement is run by the driver, which knows no column defaults.
        extra = {c.name: c.onupdate.arg(None) if c.onupdate.is_callable else c.onupdate.arg
                 for c in table.columns if c.onupdate is not None}
        return (update(table).where(table.c.status == self.from_status, match)
                .values(status=self.to_status, version=table.c.version + 1, **extra)
                .returning(table.c.id))

    def _update_and_record(self):
        """One statement: the moved records' review records are inserted from the UPDATE's
        RETURNING, in id order."""
        moved = self._update(next(bulk.among(Submission.__table__.c.id, self.ids, join=True))) \
            .cte("moved")
        user_id, username = self.user
        values = select(moved.c.id, literal(self.action, String), literal(self.from_status,
                        String), literal(self.to_status, String), literal(self.comment, Text),
                        literal(user_id, Integer), literal(username, String),
                        literal(self.now, DateTime)).order_by(moved.c.id)
        table = ReviewRecord.__table__
        return table.insert().from_select(_REVIEW_COLUMNS, values) \
            .returning(table.c.submission_id)

    def _start(self) -> None:
        db.session.flush()  # pending ORM changes first, as an ORM statement here used to do
        if not self.ids or not bulk.is_postgres():
            return
        connection = db.session.connection()
        compiled = self._update_and_record().compile(dialect=connection.dialect)
        raw = connection.connection.driver_connection
        stack = ExitStack()
        try:
            stack.enter_context(raw.pipeline())
            cursor = stack.enter_context(raw.cursor())
            cursor.execute(compiled.string, compiled.construct_params())
        except BaseException:
            stack.close()
            raise
        self._pending = (stack, cursor)
        self._sent = (self.comment,)

    def wait(self) -> None:
        """The records have changed status and the database may be used again."""
        if self._moved is not None:
            return
        if self._pending is not None:
            stack, cursor = self._pending
            self._pending = None
            with stack:
                self._moved = [row[0] for row in cursor.fetchall()]
            return
        moved: set[int] = set()
        for match in bulk.among(Submission.__table__.c.id, self.ids, join=True):
            moved.update(db.session.execute(self._update(match)).scalars())
        self._moved = [i for i in self.ids if i in moved]

    def _record(self) -> None:
        self.count = len(self._moved)
        if self._sent is not None:
            if self._sent != (self.comment,):
                raise RuntimeError("On PostgreSQL the review records' comment is the one given "
                                   "to bulk_move: they were written as the block started.")
            return
        user_id, username = self.user
        bulk.insert_rows(
            ReviewRecord.__table__, _REVIEW_COLUMNS,
            ((i, self.action, self.from_status, self.to_status, self.comment, user_id,
              username, self.now) for i in self._moved))


_REVIEW_COLUMNS = ("submission_id", "action", "from_status", "to_status", "comment", "user_id",
                   "username", "created_at")


@contextmanager
def bulk_move(submission_ids: list[int], from_status: str, to_status: str, action: str,
              comment: str | None = None) -> Iterator[BulkMove]:
    """``move_many`` for a caller with other work in the same transaction: the records have
    changed status, each with its review record, by the block's end.

    On PostgreSQL the change and the review records are sent as the block starts and the
    server makes them while the block computes (100,000 records: seconds), so the block must
    not use the database before ``move.wait()``, and the comment is the one given here.
    Elsewhere the records change at ``move.wait()`` (or the block's end) and the review
    records are written at the end with ``move.comment``, which the block may still set."""
    move = BulkMove(submission_ids, from_status, to_status, action, comment)
    move._start()
    try:
        yield move
    except BaseException:
        if move._pending is not None:
            with suppress(Exception):  # the block's own error is the one to report
                move._pending[0].close()
        raise
    move.wait()
    move._record()
