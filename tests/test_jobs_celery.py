"""Background jobs on Celery with Redis, as production runs them."""

import socket

import pytest

from app.celery_tasks import make_celery
from tests.test_batch import _file, _records, _upload, _wait_for_batch


def _redis_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
        return True
    except OSError:
        return False


@pytest.mark.skipif(not _redis_up(), reason="Redis is not running on 127.0.0.1:6379")
def test_a_large_upload_runs_on_a_celery_worker(app, county_client):
    from celery.contrib.testing.worker import start_worker

    from app.extensions import db
    from app.models import BackgroundJob
    from app.services.intake import activities

    with app.app_context():
        activity_id = activities.create_activity("Celery 上传活动", 2025, "county",
                                                 open_now=True).id
    data = _file(app, activity_id, _records(600, start=90000, bad_every=0, seed=11))
    app.config["REDIS_URL"] = "redis://127.0.0.1:6379/15"
    app.extensions.pop("celery_client", None)
    celery = make_celery(app)
    try:
        with start_worker(celery, pool="solo", perform_ping_check=False, loglevel="WARNING"):
            response = _upload(county_client, activity_id, data)
            assert "/jobs/show/" in response.headers["Location"]
            batch_id = _wait_for_batch(county_client, response)
    finally:
        app.config["REDIS_URL"] = None
        app.extensions.pop("celery_client", None)
    with app.app_context():
        job = db.session.query(BackgroundJob).order_by(BackgroundJob.id.desc()).first()
        assert job.status == "done" and job.result["batch_id"] == batch_id
        assert job.done == job.total == 600
