"""Background jobs with stored state and progress.

With REDIS_URL set, jobs go to Celery workers (`celery -A app.worker worker --pool solo`);
otherwise they run in a thread of the app. Either way their state lives in the
database, so a page can show progress, and a job whose worker died (a restart)
shows as failed once its heartbeat is older than STALE_AFTER, never as running forever.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import traceback
from collections.abc import Callable

from flask import Flask, current_app
from sqlalchemy import update

from app.domain.errors import BilingualError
from app.extensions import db
from app.models import BackgroundJob

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
STALE_AFTER = dt.timedelta(minutes=10)
log = logging.getLogger(__name__)

# kind -> handler(job_id, payload, progress) -> result dict
HANDLERS: dict[str, Callable] = {}


def handler(kind: str):
    def register(function):
        HANDLERS[kind] = function
        return function
    return register


def start(kind: str, title: str, user_id: int | None, payload: dict) -> BackgroundJob:
    job = BackgroundJob(kind=kind, title=title[:255], user_id=user_id, status=QUEUED,
                        result={"payload": payload}, heartbeat_at=dt.datetime.now())
    db.session.add(job)
    db.session.commit()
    if current_app.config.get("REDIS_URL") and not current_app.config.get("JOBS_IN_THREAD"):
        _celery().send_task("jobs.run", args=[job.id])
    else:
        app = current_app._get_current_object()
        threading.Thread(target=_run_in_app, args=(app, job.id), daemon=True,
                         name=f"job-{job.id}").start()
    return job


def _celery():
    """A Celery client for sending tasks by name (the worker is app.worker)."""
    client = current_app.extensions.get("celery_client")
    if client is None:
        from celery import Celery

        client = Celery("innovation_points", broker=current_app.config["REDIS_URL"])
        current_app.extensions["celery_client"] = client
    return client


def _run_in_app(app: Flask, job_id: int) -> None:
    with app.app_context():
        run(job_id)


def _set(job_id: int, **values) -> None:
    """Write job state on its own connection, outside the job's unit of work."""
    with db.engine.begin() as connection:
        connection.execute(update(BackgroundJob).where(BackgroundJob.id == job_id)
                           .values(heartbeat_at=dt.datetime.now(), **values))


def run(job_id: int) -> None:
    job = db.session.get(BackgroundJob, job_id)
    if job is None or job.status != QUEUED:
        return
    payload = (job.result or {}).get("payload", {})
    kind = job.kind
    db.session.rollback()
    _set(job_id, status=RUNNING)

    def progress(done: int, total: int) -> None:
        _set(job_id, done=done, total=total)

    try:
        result = HANDLERS[kind](payload, progress)
    except BilingualError as error:
        db.session.rollback()
        _set(job_id, status=FAILED, message=error.message_zh[:1000],
             result={"payload": payload, "zh": error.message_zh, "en": error.message_en},
             finished_at=dt.datetime.now())
        return
    except Exception:  # noqa: BLE001 - a job must end in a stored state, whatever happened
        db.session.rollback()
        log.error("job %s failed:\n%s", job_id, traceback.format_exc())
        _set(job_id, status=FAILED, message="internal error", finished_at=dt.datetime.now(),
             result={"payload": payload,
                     "zh": "处理失败，未写入任何数据。请重试；如仍失败，请联系管理员。",
                     "en": "The job failed and wrote nothing. Try again; if it fails again, "
                           "tell your administrator."})
        return
    _set(job_id, status=DONE, finished_at=dt.datetime.now(),
         result={"payload": payload, **result})


def refresh_stale(jobs: list[BackgroundJob]) -> None:
    """Jobs whose worker stopped answering (e.g. the server restarted) are failed."""
    now = dt.datetime.now()
    changed = False
    for job in jobs:
        beat = job.heartbeat_at or job.created_at
        if job.status in (QUEUED, RUNNING) and now - beat > STALE_AFTER:
            job.status = FAILED
            job.finished_at = now
            job.result = {**(job.result or {}),
                          "zh": "任务中断（服务器可能已重启），未写入任何数据。请重新上传。",
                          "en": "The job was interrupted (the server may have restarted) and "
                                "wrote nothing. Upload the file again."}
            changed = True
    if changed:
        db.session.commit()
