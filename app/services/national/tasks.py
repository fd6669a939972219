"""The national push on Celery: ``national.deliver_many`` (a group of outbox rows, as the
connector sends them; the rows to retry go again as a group per wait), ``national.deliver``
(one row, retried with backoff: for an operator's ``celery call``) and ``national.retry_due``
(the sweeper, for Celery beat). ``make_celery`` registers them on the worker's app; the web
process only sends them by name."""

from __future__ import annotations

from celery import Celery
from flask import Flask

from app.services.national import connector


def register(celery: Celery, flask_app: Flask) -> dict:
    """The tasks, bound to ``flask_app``; registering twice returns the ones there."""
    names = (connector.DELIVER_TASK, connector.DELIVER_MANY_TASK, connector.SWEEP_TASK)
    if connector.DELIVER_TASK in celery.tasks:
        return {name: celery.tasks[name] for name in names}

    # acks_late: a worker that dies mid-attempt leaves the message to another; the claim
    # in connector.deliver makes the second copy send nothing if the first got through.
    # The attempts are counted in the outbox row, so Celery's own limit is off.
    # shared=False: Celery would otherwise hand these closures (bound to this app and its
    # broker) to every Celery app made later in the process.
    @celery.task(name=connector.DELIVER_TASK, bind=True, acks_late=True, max_retries=None,
                 ignore_result=True, shared=False)
    def deliver_outbox(self, outbox_id: int) -> None:
        with flask_app.app_context():
            wait = connector.deliver(outbox_id)
        if wait is not None:
            raise self.retry(countdown=wait)

    @celery.task(name=connector.DELIVER_MANY_TASK, acks_late=True, ignore_result=True,
                 shared=False)
    def deliver_many(outbox_ids: list[int]) -> None:
        with flask_app.app_context():
            later = connector.deliver_each(outbox_ids)
        for wait, again in later.items():  # the rows to retry, one message per wait
            deliver_many.apply_async(args=[again], countdown=wait)

    @celery.task(name=connector.SWEEP_TASK, ignore_result=True, shared=False)
    def retry_due() -> int:
        with flask_app.app_context():
            return connector.retry_due()

    return dict(zip(names, (deliver_outbox, deliver_many, retry_due), strict=True))
