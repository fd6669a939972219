"""Celery tasks, bound to a Flask app; `app.worker` is the worker's entry point."""

from __future__ import annotations

from celery import Celery
from flask import Flask


def make_celery(flask_app: Flask) -> Celery:
    celery = Celery("innovation_points", broker=flask_app.config["REDIS_URL"])
    celery.conf.update(task_ignore_result=True, worker_prefetch_multiplier=1,
                       broker_connection_retry_on_startup=True)

    @celery.task(name="jobs.run")
    def run_job(job_id: int) -> None:
        from app.services.platform import jobs

        with flask_app.app_context():
            jobs.run(job_id)

    from app.services.national.tasks import register as register_national

    register_national(celery, flask_app)
    # The national push's sweeper re-queues rows whose worker died; it runs on a worker
    # started with --beat, or from the `national retry-due` command on a timer.
    celery.conf.beat_schedule = {"national-retry-due": {"task": "national.retry_due",
                                                        "schedule": 300.0}}
    return celery
