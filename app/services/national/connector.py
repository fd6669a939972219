"""The way a 报送 batch leaves: the file package (the default; the province uploads it to the
Ministry's system itself) or an HTTP push to the national data interface.

The push is an outbox: ``enqueue`` adds one row per record inside the export's transaction,
and ``schedule`` (called by the exporter after its commit) hands the rows to delivery, in
groups on Celery workers when REDIS_URL is set, otherwise in a thread of this process. A
delivery claims its row, POSTs the record signed with the configured key, logs the attempt, and then
marks the row delivered, schedules a retry with exponential backoff, or fails it. Each record
carries an idempotency key, so an endpoint that deduplicates by it never takes a record twice
even when an answer was lost and the record is sent again. ``retry_due`` re-queues rows whose
worker died; run it from Celery beat or cron (``national.retry_due``)."""

from __future__ import annotations

import datetime as dt
import heapq
import itertools
import logging
import threading
import time
from typing import Protocol

import orjson
from flask import Flask, current_app
from sqlalchemy import JSON, Text, bindparam, cast, func, or_, select, update

from app.domain.records.fields import DATE, REGISTRY
from app.extensions import db
from app.models import Submission
from app.models import national as N
from app.services.national import NationalError, require_province
from app.services.national.push import Answer, post_signed

FILE, HTTP = "file", "http"
DELIVER_TASK, SWEEP_TASK = "national.deliver", "national.retry_due"
DELIVER_MANY_TASK = "national.deliver_many"
CHUNK = 2000
GROUP = 200  # rows per delivery message
BREAK = 3  # failures in a row that mark the endpoint as down
# A Celery ETA may fire a little before the time we stored: accept a claim that early.
GRACE = dt.timedelta(seconds=2)
# The sweeper leaves rows alone until they are this late, so it does not race the retry
# the worker has already scheduled for them.
SWEEP_LAG = dt.timedelta(seconds=60)
log = logging.getLogger(__name__)


def _setting(key: str, default):
    value = current_app.config.get(key)
    return default if value is None or value == "" else value


def default_channel() -> str:
    """NATIONAL_CHANNEL; a misspelt one is refused by ``check_channel``, not guessed."""
    return str(_setting("NATIONAL_CHANNEL", FILE)).strip().lower()


class Connector(Protocol):
    """One way out for a batch. ``enqueue`` runs inside the export's transaction and only
    adds rows; ``schedule`` runs after the commit and starts delivering them."""

    channel: str

    def enqueue(self, batch: N.NationalBatch, ids: list[int]) -> int: ...

    def schedule(self, batch: N.NationalBatch, wait: bool = False) -> int: ...


class FileConnector:
    """The package written by the export is the delivery: nothing is pushed."""

    channel = FILE

    def enqueue(self, batch: N.NationalBatch, ids: list[int]) -> int:
        return 0

    def schedule(self, batch: N.NationalBatch, wait: bool = False) -> int:
        return 0


class HttpConnector:
    """Each record POSTed to NATIONAL_PUSH_URL through the outbox."""

    channel = HTTP

    def enqueue(self, batch: N.NationalBatch, ids: list[int]) -> int:
        check_configured()
        activity = batch.activity
        province = activity.province_code or current_app.config.get("PROVINCE_CODE", "")
        now = dt.datetime.now()
        keys = [f.key for f in REGISTRY]
        dates = [f.key for f in REGISTRY if f.type == DATE]  # JSON has no dates: ISO strings
        columns = [Submission.id, *(getattr(Submission, key) for key in keys)]
        head = {"province": province, "data_year": activity.data_year, "activity": activity.id,
                "batch": batch.number, "supplementary": batch.supplementary}
        insert = _insert()
        for start in range(0, len(ids), CHUNK):
            part = ids[start:start + CHUNK]
            values = []
            for row in db.session.execute(select(*columns).where(Submission.id.in_(part))):
                record = dict(zip(keys, row[1:], strict=True))
                for key in dates:
                    if record[key] is not None:
                        record[key] = record[key].isoformat()
                values.append({
                    "batch_id": batch.id, "submission_id": row[0],
                    # The province leads the key: every province pushes to the same Ministry.
                    "idempotency_key": f"{province}-{activity.id}-{row[0]}-{batch.id}",
                    "payload_json": orjson.dumps(
                        {"uscc": record["uscc"], **head, "record": record}).decode(),
                    "status": N.PENDING, "attempts": 0, "next_attempt_at": now})
            db.session.execute(insert, values)
        return len(ids)

    def schedule(self, batch: N.NationalBatch, wait: bool = False) -> int:
        ids = list(db.session.execute(select(N.NationalOutbox.id).where(
            N.NationalOutbox.batch_id == batch.id, N.NationalOutbox.status == N.PENDING)
            .order_by(N.NationalOutbox.id)).scalars())
        _dispatch(ids, wait)
        return len(ids)


CONNECTORS: dict[str, Connector] = {FILE: FileConnector(), HTTP: HttpConnector()}


def _insert():
    """The outbox insert taking payloads already serialised: orjson is several times faster
    than the JSON type's json.dumps on a 100,000-record batch. PostgreSQL gets the text cast
    to json; SQLite keeps JSON as text anyway."""
    text = bindparam("payload_json", type_=Text())
    payload = cast(text, JSON) if db.engine.dialect.name == "postgresql" else text
    return N.NationalOutbox.__table__.insert().values(payload=payload)


def for_channel(channel: str) -> Connector:
    try:
        return CONNECTORS[channel]
    except KeyError:
        raise NationalError(f"未知的报送方式“{channel}”：只能是 file 或 http。",
                            f"Unknown report channel “{channel}”: use file or http.") from None


def check_channel(channel: str) -> Connector:
    """Refuse an unknown channel, or a push that is not configured, before any work."""
    connector = for_channel(channel)
    if channel == HTTP:
        check_configured()
    return connector


def enqueue(batch: N.NationalBatch, ids: list[int]) -> int:
    """Inside the export's transaction (no commit here): the rows to deliver, if any."""
    return for_channel(batch.channel).enqueue(batch, ids)


def schedule(batch: N.NationalBatch, wait: bool = False) -> int:
    """After the export's commit: start delivering the batch's pending rows. Without
    Celery they go in a thread of this process, or here and now with ``wait`` (the command
    line, whose threads die with it): then it returns once each is delivered or failed."""
    return for_channel(batch.channel).schedule(batch, wait)


def check_configured() -> None:
    url = _setting("NATIONAL_PUSH_URL", "")
    if not url.startswith(("http://", "https://")) or not _setting("NATIONAL_PUSH_SECRET", ""):
        raise NationalError(
            "未配置国家数据接口：请设置 NATIONAL_PUSH_URL（http:// 或 https:// 地址）和 "
            "NATIONAL_PUSH_SECRET，或改用文件包报送。",
            "The national interface is not configured: set NATIONAL_PUSH_URL (an http:// or "
            "https:// address) and NATIONAL_PUSH_SECRET, or report with the file package.")


# --- delivery -----------------------------------------------------------------------------

def _timeout() -> float:
    return float(_setting("NATIONAL_PUSH_TIMEOUT", 30))


def backoff(attempts: int) -> float:
    """Seconds before the next attempt after ``attempts`` made: base, 2 × base, 4 × base …,
    capped."""
    base = float(_setting("NATIONAL_PUSH_BACKOFF_SECONDS", 30))
    cap = float(_setting("NATIONAL_PUSH_BACKOFF_MAX_SECONDS", 1800))
    return min(base * 2 ** max(attempts - 1, 0), cap)


def _claim(outbox_id: int, now: dt.datetime) -> tuple[int, str, dict] | None:
    """Take the row for one attempt, or None when it is delivered, failed, not due, or being
    attempted by another worker. A conditional UPDATE on the attempts we read is the lock:
    of two workers only one matches (PostgreSQL re-checks the WHERE once the other commits;
    SQLite has one writer), and no transaction stays open during the HTTP call. The lease
    (next_attempt_at) keeps duplicates of the task away while the attempt is in flight."""
    row = db.session.execute(select(
        N.NationalOutbox.attempts, N.NationalOutbox.idempotency_key, N.NationalOutbox.payload)
        .where(N.NationalOutbox.id == outbox_id, N.NationalOutbox.status == N.PENDING,
               or_(N.NationalOutbox.next_attempt_at.is_(None),
                   N.NationalOutbox.next_attempt_at <= now + GRACE))).one_or_none()
    if row is None:
        db.session.rollback()
        return None
    lease = now + dt.timedelta(seconds=2 * _timeout() + 10)
    claimed = db.session.execute(update(N.NationalOutbox).where(
        N.NationalOutbox.id == outbox_id, N.NationalOutbox.status == N.PENDING,
        N.NationalOutbox.attempts == row.attempts).values(
        attempts=row.attempts + 1, next_attempt_at=lease)).rowcount
    db.session.commit()
    return (row.attempts + 1, row.idempotency_key, row.payload) if claimed == 1 else None


def _outcome(answer: Answer, attempts: int) -> tuple[str, float | None]:
    """(status, seconds to the next attempt or None)."""
    code = answer.status
    if code is not None and (200 <= code < 300 or code == 409):
        return N.DELIVERED, None  # 409: the endpoint already has this idempotency key
    retryable = code is None or code >= 500 or code == 429
    if not retryable or attempts >= int(_setting("NATIONAL_PUSH_MAX_ATTEMPTS", 8)):
        return N.FAILED, None
    wait = backoff(attempts)
    if answer.retry_after:
        wait = max(wait, min(answer.retry_after,
                             float(_setting("NATIONAL_PUSH_BACKOFF_MAX_SECONDS", 1800))))
    return N.PENDING, wait


def deliver(outbox_id: int) -> float | None:
    """One attempt at one outbox row; the seconds after which to try again, or None when
    there is nothing more to do now (delivered, failed, or not this worker's to send)."""
    now = dt.datetime.now()
    claim = _claim(outbox_id, now)
    if claim is None:
        return None
    attempts, key, payload = claim
    url = _setting("NATIONAL_PUSH_URL", "")
    if url.startswith(("http://", "https://")):
        answer = post_signed(url, payload, key, _setting("NATIONAL_PUSH_KEY_ID", ""),
                             _setting("NATIONAL_PUSH_SECRET", ""), _timeout())
    else:  # the setting was removed after the export: a failure until it is set again
        answer = Answer(None, "NATIONAL_PUSH_URL is not set", 0, permanent=True)
    status, wait = (N.FAILED, None) if answer.permanent else _outcome(answer, attempts)
    ended = dt.datetime.now()
    db.session.add(N.NationalDeliveryAttempt(
        outbox_id=outbox_id, at=now, status_code=answer.status, error=answer.error,
        milliseconds=answer.milliseconds))
    values = {"status": status, "last_error": answer.error if status != N.DELIVERED else None,
              "next_attempt_at": ended + dt.timedelta(seconds=wait) if wait else None}
    if status == N.DELIVERED:
        values["delivered_at"] = ended
    db.session.execute(update(N.NationalOutbox).where(
        N.NationalOutbox.id == outbox_id, N.NationalOutbox.attempts == attempts,
        N.NationalOutbox.status == N.PENDING).values(**values))
    db.session.commit()
    if status == N.FAILED:
        log.warning("national push of outbox %s failed after %s attempts: %s", outbox_id,
                    attempts, answer.error)
    return wait


# --- dispatching --------------------------------------------------------------------------

def _celery():
    """The Celery client that app.services.platform.jobs uses too (one per app)."""
    client = current_app.extensions.get("celery_client")
    if client is None:
        from celery import Celery

        client = Celery("innovation_points", broker=current_app.config["REDIS_URL"])
        current_app.extensions["celery_client"] = client
    return client


def _on_celery() -> bool:
    return bool(current_app.config.get("REDIS_URL")) and not current_app.config.get(
        "JOBS_IN_THREAD")


def _dispatch(ids: list[int], wait: bool = False) -> None:
    if not ids:
        return
    if _on_celery():
        # A message per group of rows, not per row: a 100,000-record batch is 500 messages
        # (a second) instead of 100,000 (minutes, in the request that exported it).
        client = _celery()
        for start in range(0, len(ids), GROUP):
            client.send_task(DELIVER_MANY_TASK, args=[ids[start:start + GROUP]])
        return
    app = current_app._get_current_object()
    if wait:
        _deliver_in_thread(app, ids)
        return
    threading.Thread(target=_deliver_in_thread, args=(app, ids), daemon=True,
                     name="national-push").start()


def _postpone(ids: list[int], wait: float) -> list[int]:
    """Put off rows without an attempt; only those nobody holds or has scheduled later."""
    now = dt.datetime.now()
    free = (N.NationalOutbox.id.in_(ids), N.NationalOutbox.status == N.PENDING,
            or_(N.NationalOutbox.next_attempt_at.is_(None),
                N.NationalOutbox.next_attempt_at <= now + GRACE))
    held = list(db.session.execute(select(N.NationalOutbox.id).where(*free)).scalars())
    db.session.execute(update(N.NationalOutbox).where(N.NationalOutbox.id.in_(held), *free[1:])
                       .values(next_attempt_at=now + dt.timedelta(seconds=wait)))
    db.session.commit()
    return held


def deliver_each(ids: list[int]) -> dict[float, list[int]]:
    """One attempt at each row in turn; the rows to try again, by how long to wait. After
    BREAK rows in a row without an answer or with a 5xx, the endpoint is down: the rest
    wait with them, unattempted, instead of each timing out in turn."""
    later: dict[float, list[int]] = {}
    failing = 0
    for index, outbox_id in enumerate(ids):
        try:
            wait = deliver(outbox_id)
        except Exception:  # noqa: BLE001 - one bad row must not stop the others
            db.session.rollback()
            log.exception("national push of outbox %s stopped", outbox_id)
            continue
        if wait is None:
            failing = 0
            continue
        later.setdefault(wait, []).append(outbox_id)
        failing += 1
        if failing >= BREAK and index + 1 < len(ids):
            later[wait].extend(_postpone(ids[index + 1:], wait))
            break
    return later


def _deliver_in_thread(app: Flask, ids: list[int]) -> None:
    """Without Celery: the rows until each is done, retries waiting their backoff. The
    thread dies with the process; ``retry_due`` picks up what it left."""
    with app.app_context():
        order = itertools.count()
        queue = [(time.monotonic(), next(order), ids)]
        while queue:
            when, _, group = heapq.heappop(queue)
            time.sleep(max(0.0, when - time.monotonic()))
            for wait, again in deliver_each(group).items():
                heapq.heappush(queue, (time.monotonic() + wait, next(order), again))


def due(now: dt.datetime | None = None) -> list[int]:
    """Pending rows no worker has taken up although their time passed (a worker died)."""
    cutoff = (now or dt.datetime.now()) - SWEEP_LAG
    return list(db.session.execute(select(N.NationalOutbox.id).where(
        N.NationalOutbox.status == N.PENDING,
        or_(N.NationalOutbox.next_attempt_at.is_(None),
            N.NationalOutbox.next_attempt_at <= cutoff)).order_by(N.NationalOutbox.id))
        .scalars())


def retry_due(inline: bool = False) -> int:
    """Hand the overdue rows to delivery again; ``inline`` makes one attempt at each here
    and now (the command line without Celery: a thread would die with the command)."""
    ids = due()
    db.session.rollback()
    if inline and not _on_celery():
        deliver_each(ids)
    else:
        _dispatch(ids)
    return len(ids)


# --- for the batch page -------------------------------------------------------------------

def delivery_status(batch: N.NationalBatch) -> dict[str, int]:
    """How many of the batch's records are pending, delivered and failed."""
    counts = dict(db.session.execute(select(N.NationalOutbox.status, func.count()).where(
        N.NationalOutbox.batch_id == batch.id).group_by(N.NationalOutbox.status)).all())
    result = {status: counts.get(status, 0) for status in (N.PENDING, N.DELIVERED, N.FAILED)}
    result["total"] = sum(counts.values())
    return result


def failures(batch: N.NationalBatch, limit: int = 100) -> list[dict]:
    """The batch's failed records with the last error, for the page to list."""
    rows = db.session.execute(select(N.NationalOutbox).where(
        N.NationalOutbox.batch_id == batch.id, N.NationalOutbox.status == N.FAILED)
        .order_by(N.NationalOutbox.id).limit(limit)).scalars()
    return [{"id": row.id, "uscc": row.payload.get("uscc"),
             "name": row.payload.get("record", {}).get("name"), "attempts": row.attempts,
             "last_error": row.last_error} for row in rows]


def attempts_of(outbox_id: int) -> list[N.NationalDeliveryAttempt]:
    return list(db.session.execute(select(N.NationalDeliveryAttempt).where(
        N.NationalDeliveryAttempt.outbox_id == outbox_id)
        .order_by(N.NationalDeliveryAttempt.id)).scalars())


def redeliver_failed(batch: N.NationalBatch) -> int:
    """Send the batch's failed records again, with a fresh count of attempts (the log keeps
    the earlier ones). The province's, after fixing what made them fail."""
    require_province()
    if batch.channel != HTTP:
        raise NationalError("该批次以文件包报送，没有需要推送的记录。",
                            "This batch was reported as a file package: nothing is pushed.")
    check_configured()
    failed = (N.NationalOutbox.batch_id == batch.id, N.NationalOutbox.status == N.FAILED)
    ids = list(db.session.execute(select(N.NationalOutbox.id).where(*failed)).scalars())
    if ids:
        db.session.execute(update(N.NationalOutbox).where(*failed).values(
            status=N.PENDING, attempts=0, next_attempt_at=dt.datetime.now()))
        db.session.commit()
        _dispatch(ids)
    return len(ids)
