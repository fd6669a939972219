"""Celery worker entry: `celery -A app.worker worker --pool solo --loglevel info`.

Used when REDIS_URL is set; the broker and result backend are that Redis.
"""

from __future__ import annotations

from celery import Celery

from app import create_app

flask_app = create_app()
celery = Celery("innovation_points", broker=flask_app.config.get("REDIS_URL") or "memory://")
celery.conf.update(task_ignore_result=True, worker_prefetch_multiplier=1,
                   broker_connection_retry_on_startup=True)


@celery.task(name="jobs.run")
def run_job_task(job_id: int) -> None:
    from app.services import jobs

    with flask_app.app_context():
        jobs.run(job_id)
