"""The HTTP connector of the national loop (issue 22, point 2), against a real HTTP server
started here in a thread and standing in for the Ministry's interface: it checks each
request's signature, keeps each record once by its Idempotency-Key (answering 409 when it
sees a key again), and can be told to answer 5xx, 4xx or 429, or to take longer than the
timeout. Each test reports records of an activity of its own, so the demo stays as it is."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import itertools
import json
import socket
import threading
import time
import uuid
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from flask import g
from sqlalchemy import func, select, update

from app.extensions import db
from app.models import AppUser, Enterprise, Submission
from app.models import national as N
from app.services.intake import activities
from app.services.national import NationalError, batches, connector

SECRET, KEY_ID = "test-national-secret-0123456789", "ipp-21"
TIMEOUT = 0.5
_numbers = itertools.count(1)


class Endpoint:
    """What the stand-in for the national interface received and how it is to answer."""

    def __init__(self):
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        self.calls: list[dict] = []
        self.kept: dict[str, dict] = {}  # Idempotency-Key -> the record, kept once
        self.stored: Counter = Counter()  # how often each key was stored
        self.fail_first = 0  # answer 500 to the first N calls of each key
        self.hang_first = 0  # keep the record, then answer too late, the first N calls
        self.always: int | None = None  # answer this status to every call
        self.retry_after: str | None = None
        self.delay = 0.0
        self.seen: Counter = Counter()


def _expected_signature(method, path, headers, body) -> str:
    text = "\n".join([method, path, headers["X-Timestamp"], headers["Idempotency-Key"],
                      hashlib.sha256(body).hexdigest()])
    return hmac.new(SECRET.encode(), text.encode(), hashlib.sha256).hexdigest()


def _handler(endpoint: Endpoint):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # quiet
            pass

        def _answer(self, status: int, data: dict, headers: dict | None = None):
            body = json.dumps(data).encode()
            try:
                self.send_response(status)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except OSError:
                pass  # the client stopped waiting (the timeout case)

        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            key = self.headers.get("Idempotency-Key", "")
            valid = hmac.compare_digest(
                self.headers.get("X-Signature", ""),
                _expected_signature("POST", self.path, self.headers, body))
            fresh = abs(time.time() - int(self.headers.get("X-Timestamp", "0"))) < 300
            with endpoint.lock:
                endpoint.seen[key] += 1
                call = endpoint.seen[key]
                endpoint.calls.append({"key": key, "valid": valid, "path": self.path,
                                       "key_id": self.headers.get("X-Key-Id"),
                                       "payload": json.loads(body)})
            time.sleep(endpoint.delay)
            if not (valid and fresh and self.headers.get("X-Key-Id") == KEY_ID):
                return self._answer(401, {"error": "bad signature"})
            if endpoint.always is not None:
                headers = {"Retry-After": endpoint.retry_after} if endpoint.retry_after else {}
                return self._answer(endpoint.always, {"error": "as told"}, headers)
            if call <= endpoint.fail_first:
                return self._answer(500, {"error": "internal"})
            with endpoint.lock:  # a well-behaved endpoint: one copy per key
                if key in endpoint.kept:
                    duplicate = True
                else:
                    duplicate = False
                    endpoint.kept[key] = json.loads(body)
                    endpoint.stored[key] += 1
            if duplicate:
                return self._answer(409, {"error": "already received"})
            if call <= endpoint.hang_first:
                time.sleep(TIMEOUT * 3)  # kept it, but the answer comes too late
            return self._answer(201, {"received": key})

    return Handler


@pytest.fixture(scope="module")
def endpoint():
    state = Endpoint()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/api/v1/enterprise?source=ipp"
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def configured(app, endpoint, monkeypatch):
    endpoint.reset()
    for key, value in {"NATIONAL_PUSH_URL": endpoint.url, "NATIONAL_PUSH_KEY_ID": KEY_ID,
                       "NATIONAL_PUSH_SECRET": SECRET, "NATIONAL_PUSH_TIMEOUT": TIMEOUT,
                       "NATIONAL_PUSH_MAX_ATTEMPTS": 4, "NATIONAL_PUSH_BACKOFF_SECONDS": 0.05,
                       "NATIONAL_PUSH_BACKOFF_MAX_SECONDS": 1.0,
                       "REDIS_URL": None}.items():  # without Redis: delivery in a thread
        monkeypatch.setitem(app.config, key, value)
    return endpoint


def _uscc(number: int) -> str:
    from app.domain.records.uscc import check_character

    stub = f"91210202NC{number:07d}"
    return stub + check_character(stub)


def _as_province():
    g.user = db.session.execute(select(AppUser).where(
        AppUser.username == "province_admin")).scalar_one()


def _export(records: int = 2, channel: str = "http") -> N.NationalBatch:
    """A new activity with ``records`` approved records, exported as the province."""
    _as_province()
    activity = activities.create_activity(f"国家接口测试 {next(_numbers)}", 2005, "county")
    for _ in range(records):
        uscc = _uscc(next(_numbers) + 500)
        enterprise = Enterprise(uscc=uscc, name=f"接口测试企业{uscc[-5:]}", region_code="210202")
        db.session.add(enterprise)
        db.session.flush()
        db.session.add(Submission(
            activity_id=activity.id, enterprise_id=enterprise.id, status="approved",
            uscc=uscc, name=enterprise.name, region_code="210202", revenue=1234.5,
            employees=80, registration_date=dt.date(2015, 3, 9), qualifications=["科技型中小企业"]))
    db.session.commit()
    return batches.export(activity, channel=channel)


def _rows(batch) -> list[N.NationalOutbox]:
    db.session.expire_all()
    return list(db.session.execute(select(N.NationalOutbox).where(
        N.NationalOutbox.batch_id == batch.id).order_by(N.NationalOutbox.id)).scalars())


def _wait_until(condition, seconds: float = 15.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        db.session.rollback()
        db.session.expire_all()
        if condition():
            return True
        time.sleep(0.05)
    return False


def test_an_http_export_queues_one_signed_record_per_submission_and_sends_nothing_yet(
        app, endpoint):
    with app.app_context():
        batch = _export(3)
        rows = _rows(batch)
        assert batch.channel == "http" and len(rows) == 3 == batch.records
        assert {r.status for r in rows} == {"pending"} and all(r.attempts == 0 for r in rows)
        assert len({r.idempotency_key for r in rows}) == 3
        entries = db.session.execute(select(N.NationalBatchEntry.submission_id).where(
            N.NationalBatchEntry.batch_id == batch.id)).scalars()
        assert sorted(r.submission_id for r in rows) == sorted(entries)
        first = rows[0]
        assert first.idempotency_key == f"21-{batch.activity_id}-{first.submission_id}-{batch.id}"
        payload = first.payload
        assert payload["batch"] == batch.number == 1 and payload["data_year"] == 2005
        assert payload["activity"] == batch.activity_id and payload["province"] == "21"
        assert payload["uscc"] == payload["record"]["uscc"]
        assert payload["record"]["revenue"] == 1234.5
        assert payload["record"]["registration_date"] == "2015-03-09"
        assert payload["record"]["qualifications"] == ["科技型中小企业"]
        assert "net_profit" in payload["record"]  # every field of the dictionary
        assert connector.delivery_status(batch) == {"pending": 3, "delivered": 0, "failed": 0,
                                                    "total": 3}
    assert endpoint.calls == []  # nothing leaves before the caller commits and schedules


def test_each_record_arrives_once_with_a_valid_signature_and_a_second_run_sends_nothing(
        app, endpoint):
    with app.app_context():
        batch = _export(3)
        rows = _rows(batch)
        assert [connector.deliver(r.id) for r in rows] == [None, None, None]
        assert [connector.deliver(r.id) for r in rows] == [None, None, None]  # duplicates
        rows = _rows(batch)
        assert {r.status for r in rows} == {"delivered"} and all(r.delivered_at for r in rows)
        assert connector.delivery_status(batch)["delivered"] == 3
        logged = [connector.attempts_of(r.id) for r in rows]
        assert [[a.status_code for a in attempts] for attempts in logged] == [[201]] * 3
        assert all(a.milliseconds >= 0 and a.error is None for a in sum(logged, []))
        keys = [r.idempotency_key for r in rows]
        payloads = {r.idempotency_key: r.payload for r in rows}
    assert len(endpoint.calls) == 3 and all(c["valid"] for c in endpoint.calls)
    assert {c["key_id"] for c in endpoint.calls} == {KEY_ID}
    assert endpoint.calls[0]["path"] == "/api/v1/enterprise?source=ipp"
    assert endpoint.stored == Counter({key: 1 for key in keys})
    assert endpoint.kept == payloads


def test_a_5xx_is_retried_with_growing_waits_and_delivered_once(app, endpoint):
    endpoint.fail_first = 3
    with app.app_context():
        row = _rows(_export(1))[0]
        waits, next_times = [], []
        while (wait := connector.deliver(row.id)) is not None:
            waits.append(wait)
            next_times.append(db.session.get(N.NationalOutbox, row.id).next_attempt_at)
        assert waits == [0.05, 0.1, 0.2]  # base, 2 × base, 4 × base
        assert next_times == sorted(next_times)
        row = db.session.get(N.NationalOutbox, row.id)
        db.session.refresh(row)
        assert row.status == "delivered" and row.attempts == 4 and row.last_error is None
        attempts = connector.attempts_of(row.id)
        assert [a.status_code for a in attempts] == [500, 500, 500, 201]
        assert "HTTP 500" in attempts[0].error and attempts[-1].error is None
        key = row.idempotency_key
    assert endpoint.stored[key] == 1 and len(endpoint.calls) == 4


def test_a_timeout_is_retried_and_the_endpoint_keeps_one_copy(app, endpoint):
    endpoint.hang_first = 1  # it keeps the record but answers after the timeout
    with app.app_context():
        row = _rows(_export(1))[0]
        assert connector.deliver(row.id) == 0.05
        row = db.session.get(N.NationalOutbox, row.id)
        db.session.refresh(row)
        assert row.status == "pending" and "timeout" in row.last_error
        assert connector.deliver(row.id) is None  # sent again: 409, it has it already
        db.session.refresh(row)
        assert row.status == "delivered"
        attempts = connector.attempts_of(row.id)
        assert [a.status_code for a in attempts] == [None, 409]
        assert "timeout" in attempts[0].error and attempts[0].milliseconds >= TIMEOUT * 900
        key = row.idempotency_key
    assert endpoint.stored[key] == 1 and endpoint.seen[key] == 2


def test_a_request_signed_with_the_wrong_secret_is_refused_and_fails_at_once(
        app, endpoint, monkeypatch):
    monkeypatch.setitem(app.config, "NATIONAL_PUSH_SECRET", "not-the-ministry-s-secret")
    with app.app_context():
        row = _rows(_export(1))[0]
        assert connector.deliver(row.id) is None
        row = db.session.get(N.NationalOutbox, row.id)
        db.session.refresh(row)
        assert row.status == "failed" and "HTTP 401" in row.last_error
    assert [c["valid"] for c in endpoint.calls] == [False] and endpoint.stored == Counter()


def test_a_refused_connection_is_retried(app, monkeypatch):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setitem(app.config, "NATIONAL_PUSH_URL", f"http://127.0.0.1:{port}/push")
    with app.app_context():
        row = _rows(_export(1))[0]
        assert connector.deliver(row.id) == 0.05
        attempt = connector.attempts_of(row.id)[0]
        assert attempt.status_code is None and "Connection" in attempt.error
        assert db.session.get(N.NationalOutbox, row.id).status == "pending"


def test_a_permanent_4xx_fails_at_once_and_can_be_sent_again_after_the_fix(app, endpoint):
    endpoint.always = 400
    with app.app_context():
        batch = _export(2)
        rows = _rows(batch)
        assert [connector.deliver(r.id) for r in rows] == [None, None]
        rows = _rows(batch)
        assert {r.status for r in rows} == {"failed"} and {r.attempts for r in rows} == {1}
        assert all("HTTP 400" in r.last_error for r in rows)
        assert connector.delivery_status(batch)["failed"] == 2
        listed = connector.failures(batch)
        assert [f["uscc"] for f in listed] == [r.payload["uscc"] for r in rows]
        assert all("HTTP 400" in f["last_error"] for f in listed)
        endpoint.always = None  # the Ministry fixed its side
        assert connector.redeliver_failed(batch) == 2  # delivered by a thread of this process
        assert _wait_until(lambda: connector.delivery_status(batch)["delivered"] == 2)
        assert [[a.status_code for a in connector.attempts_of(r.id)] for r in rows] == \
            [[400, 201], [400, 201]]
    assert sorted(endpoint.stored.values()) == [1, 1]


def test_a_record_is_failed_after_the_last_attempt_with_its_error(app, endpoint):
    endpoint.always = 503
    with app.app_context():
        row = _rows(_export(1))[0]
        waits = []
        while (wait := connector.deliver(row.id)) is not None:
            waits.append(wait)
        assert waits == [0.05, 0.1, 0.2]  # 4 attempts in all
        row = db.session.get(N.NationalOutbox, row.id)
        db.session.refresh(row)
        assert row.status == "failed" and row.attempts == 4 and "HTTP 503" in row.last_error
        assert len(connector.attempts_of(row.id)) == 4
        assert connector.deliver(row.id) is None  # a failed row is left alone
    assert len(endpoint.calls) == 4 and endpoint.stored == Counter()


def test_a_429_waits_as_long_as_the_endpoint_asks(app, endpoint):
    endpoint.always, endpoint.retry_after = 429, "0.7"
    with app.app_context():
        row = _rows(_export(1))[0]
        assert connector.deliver(row.id) == 0.7
        assert connector.attempts_of(row.id)[0].status_code == 429


def test_two_copies_of_the_task_at_once_send_the_record_once(app, endpoint):
    endpoint.delay = 0.3  # the first attempt is still in flight when the second starts
    with app.app_context():
        row = _rows(_export(1))[0]
        row_id, key = row.id, row.idempotency_key
    start, results = threading.Barrier(2), []

    def run():
        with app.app_context():
            start.wait()
            results.append(connector.deliver(row_id))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert results == [None, None]
    assert endpoint.seen[key] == 1 and endpoint.stored[key] == 1
    with app.app_context():
        assert db.session.get(N.NationalOutbox, row_id).status == "delivered"
        assert len(connector.attempts_of(row_id)) == 1


def test_the_sweeper_picks_up_rows_whose_worker_died_and_leaves_fresh_ones(app, endpoint):
    with app.app_context():
        batch = _export(2)
        stale, fresh = _rows(batch)
        # A worker took the first and died: its lease ran out long ago.
        db.session.execute(update(N.NationalOutbox).where(N.NationalOutbox.id == stale.id)
                           .values(attempts=1, next_attempt_at=dt.datetime.now()
                                   - dt.timedelta(minutes=10)))
        db.session.execute(update(N.NationalOutbox).where(N.NationalOutbox.id == fresh.id)
                           .values(next_attempt_at=dt.datetime.now()))
        db.session.commit()
        assert stale.id in connector.due() and fresh.id not in connector.due()
        before = len(connector.due())
        assert connector.retry_due(inline=True) == before
        db.session.expire_all()
        assert db.session.get(N.NationalOutbox, stale.id).status == "delivered"
        assert db.session.get(N.NationalOutbox, fresh.id).status == "pending"
        assert stale.id not in connector.due()
    assert stale.idempotency_key in endpoint.stored
    assert fresh.idempotency_key not in endpoint.seen


def test_schedule_after_the_commit_delivers_the_batch_in_a_thread_without_redis(app, endpoint):
    endpoint.fail_first = 1
    with app.app_context():
        batch = _export(3)
        assert connector.schedule(batch) == 3
        assert _wait_until(lambda: connector.delivery_status(batch)["delivered"] == 3)
        counts = [len(connector.attempts_of(r.id)) for r in _rows(batch)]
        keys = [r.idempotency_key for r in _rows(batch)]
    assert counts == [2, 2, 2]
    assert all(endpoint.stored[k] == 1 for k in keys) and len(endpoint.stored) == 3


def test_schedule_with_wait_delivers_here_and_returns_when_done(app, endpoint):
    endpoint.fail_first = 1  # the command line: no thread to outlive the command
    with app.app_context():
        batch = _export(2)
        assert connector.schedule(batch, wait=True) == 2
        db.session.expire_all()
        assert connector.delivery_status(batch) == {"pending": 0, "delivered": 2, "failed": 0,
                                                    "total": 2}
    assert sorted(endpoint.seen.values()) == [2, 2] and sorted(endpoint.stored.values()) == [1, 1]


def test_the_celery_task_retries_eagerly_until_delivered(app, endpoint):
    from celery import Celery

    from app.services.national.tasks import register

    endpoint.fail_first = 2
    celery = Celery("national-eager")
    celery.conf.update(task_always_eager=True)
    task = register(celery, app)[connector.DELIVER_TASK]
    with app.app_context():
        row = _rows(_export(1))[0]
        row_id, key = row.id, row.idempotency_key
    task.apply(args=[row_id])
    task.apply(args=[row_id])  # the message delivered twice
    with app.app_context():
        assert db.session.get(N.NationalOutbox, row_id).status == "delivered"
        assert [a.status_code for a in connector.attempts_of(row_id)] == [500, 500, 201]
    assert endpoint.stored[key] == 1 and endpoint.seen[key] == 3


def test_the_group_task_retries_its_failed_rows_as_a_group(app, endpoint):
    from celery import Celery

    from app.services.national.tasks import register

    endpoint.fail_first = 1
    celery = Celery("national-eager-group")
    celery.conf.update(task_always_eager=True)
    task = register(celery, app)[connector.DELIVER_MANY_TASK]
    with app.app_context():
        batch = _export(3)
        ids = [r.id for r in _rows(batch)]
    task.apply(args=[ids])
    with app.app_context():
        assert connector.delivery_status(batch)["delivered"] == 3
        assert [[a.status_code for a in connector.attempts_of(i)] for i in ids] == \
            [[500, 201]] * 3
    assert sorted(endpoint.stored.values()) == [1, 1, 1]


def test_an_endpoint_that_is_down_is_not_hammered_row_after_row(app, endpoint):
    endpoint.always = 503
    with app.app_context():
        batch = _export(6)
        ids = [r.id for r in _rows(batch)]
        before = dt.datetime.now()
        later = connector.deliver_each(ids)
        assert later == {0.05: ids}  # three tried, the other three put off with them
        assert [len(connector.attempts_of(i)) for i in ids] == [1, 1, 1, 0, 0, 0]
        waiting = _rows(batch)[3:]
        assert all(r.attempts == 0 and r.next_attempt_at >= before + dt.timedelta(seconds=0.05)
                   for r in waiting)
        assert not set(ids) & set(connector.due())  # not the sweeper's either
    assert len(endpoint.calls) == 3


def _redis_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
        return True
    except OSError:
        return False


@pytest.mark.skipif(not _redis_up(), reason="Redis is not running on 127.0.0.1:6379")
def test_a_celery_worker_delivers_with_retries_and_ignores_a_duplicate_message(
        app, endpoint, monkeypatch):
    from celery.contrib.testing.worker import start_worker

    from app.celery_tasks import make_celery
    from app.services.national.tasks import register

    endpoint.fail_first = 2
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:6379/15")
    celery = make_celery(app)
    register(celery, app)
    # A queue of this run's own, so a worker of another test run cannot take its tasks.
    celery.conf.task_default_queue = f"national-test-{uuid.uuid4().hex}"
    app.extensions["celery_client"] = celery
    try:
        with start_worker(celery, pool="solo", perform_ping_check=False, loglevel="WARNING"):
            with app.app_context():
                batch = _export(2)
                assert connector.schedule(batch) == 2
                assert _wait_until(lambda: connector.delivery_status(batch)["delivered"] == 2)
                rows = _rows(batch)
                # The message delivered again, then a fresh batch behind it: once the solo
                # worker has delivered that one, it has taken the duplicate.
                connector._celery().send_task(connector.DELIVER_MANY_TASK,
                                              args=[[r.id for r in rows]])
                endpoint.fail_first = 0
                later = _export(1)
                assert connector.schedule(later) == 1
                assert _wait_until(lambda: connector.delivery_status(later)["delivered"] == 1)
                assert [len(connector.attempts_of(r.id)) for r in rows] == [3, 3]
                keys = [r.idempotency_key for r in rows]
    finally:
        app.extensions.pop("celery_client", None)
    assert [endpoint.seen[k] for k in keys] == [3, 3]
    assert [endpoint.stored[k] for k in keys] == [1, 1]


def test_a_file_export_queues_nothing(app, endpoint):
    with app.app_context():
        batch = _export(2, channel="file")
        assert _rows(batch) == [] and connector.schedule(batch) == 0
        assert connector.delivery_status(batch)["total"] == 0
        with pytest.raises(NationalError) as refused:
            connector.redeliver_failed(batch)
        assert "file package" in refused.value.message_en
    assert endpoint.calls == []


def test_an_http_export_without_the_interface_configured_is_refused_whole(app, monkeypatch):
    monkeypatch.setitem(app.config, "NATIONAL_PUSH_URL", "")
    with app.app_context():
        batches_before = db.session.execute(select(func.count(N.NationalBatch.id))).scalar()
        with pytest.raises(NationalError) as refused:
            _export(1)
        assert "NATIONAL_PUSH_URL" in refused.value.message_en
        assert db.session.execute(select(func.count(N.NationalBatch.id))).scalar() == \
            batches_before


def test_the_default_channel_comes_from_the_configuration(app, monkeypatch):
    with app.app_context():
        assert connector.default_channel() == "file"
        monkeypatch.setitem(app.config, "NATIONAL_CHANNEL", "http")
        assert connector.default_channel() == "http"
        assert isinstance(connector.for_channel("http"), connector.HttpConnector)
        with pytest.raises(NationalError) as refused:
            connector.check_channel("fax")
        assert "file or http" in refused.value.message_en
        assert isinstance(connector.check_channel("http"), connector.HttpConnector)
        monkeypatch.setitem(app.config, "NATIONAL_PUSH_SECRET", "")
        with pytest.raises(NationalError) as refused:
            connector.check_channel("http")
        assert "NATIONAL_PUSH_SECRET" in refused.value.message_en
        assert isinstance(connector.check_channel("file"), connector.FileConnector)


def test_the_batch_page_lists_failed_pushes_and_pushes_them_again(app, endpoint):
    from tests.conftest import csrf_token_of, logged_in_client

    with app.app_context():
        batch = _export(2)
        rows = _rows(batch)
        for row in rows:
            row.status, row.attempts, row.last_error = "failed", 4, "HTTP 503"
        db.session.commit()
        batch_id = batch.id
    client = logged_in_client(app, "province")
    page = client.get(f"/nationalbatches/show/{batch_id}").get_data(as_text=True)
    assert 'id="push-failures"' in page and "HTTP 503" in page
    answer = client.post(f"/nationalbatches/redeliver/{batch_id}",
                         data={"csrf_token": csrf_token_of(page)})
    assert answer.status_code == 302
    with app.app_context():
        assert _wait_until(lambda: all(r.status == "delivered" for r in _rows(batch)))
    assert len(endpoint.kept) == 2 and set(endpoint.stored.values()) == {1}
    county = logged_in_client(app, "county")
    app.config["WTF_CSRF_ENABLED"], before = False, app.config.get("WTF_CSRF_ENABLED", True)
    try:  # past the CSRF check, the permission alone must refuse the county
        refused = county.post(f"/nationalbatches/redeliver/{batch_id}")
    finally:
        app.config["WTF_CSRF_ENABLED"] = before
    assert refused.status_code in (302, 403)
    with app.app_context():
        assert all(r.attempts == 1 for r in _rows(batch))  # the county's POST changed nothing
