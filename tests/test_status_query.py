"""The portal's status query for an enterprise's own facts (SPEC §12.3): a one-time code sent
by SMS or e-mail to a contact the platform holds, its tries, expiry and throttles, the own
status page for a verified visitor or a signed-in enterprise user, and its certificate."""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from sqlalchemy import select

from app.domain import workflow
from app.extensions import db
from app.models import AuditLog, Enterprise, ScoreResult, Submission
from app.models.status_codes import StatusQueryCode
from app.services.demo.cycle import DEMO_ACTIVITY
from app.services.publicity import status_query as Q
from tests.conftest import csrf_token_of

LOGGER = "app.services.publicity.status_query"
T0 = dt.datetime(2031, 3, 3, 9, 0)  # a frozen "now" far from the real one


def _code_from(caplog) -> str:
    codes = re.findall(r"验证码为 (\d{6})", caplog.text)
    assert codes, "no code in the log"
    return codes[-1]


def _fake_uscc(serial: int) -> str:
    return f"91210202MA{serial:07d}X"


@pytest.fixture(scope="module")
def registered(app):
    """Two confirmed demo records, put through 公示 and 公告: (uscc, number, registration id,
    contact mobile, total) for each."""
    from app.models import Registration, ReportingActivity
    from app.services.publicity import batches

    with app.app_context():
        activity = db.session.execute(select(ReportingActivity).where(
            ReportingActivity.name == DEMO_ACTIVITY)).scalar_one()
        scored = select(ScoreResult.submission_id).where(ScoreResult.status == "confirmed")
        from app.models import PublicityEntry

        listed = select(PublicityEntry.submission_id)
        records = db.session.execute(select(Submission).where(
            Submission.activity_id == activity.id, Submission.status == workflow.CONFIRMED,
            Submission.id.in_(scored), Submission.id.notin_(listed),
            Submission.contact_phone.is_not(None)).order_by(Submission.id.desc()).limit(2)
        ).scalars().all()
        assert len(records) == 2, "the demo has confirmed records"
        admin = app.appbuilder.sm.find_user(username="province_admin")
        batch = batches.create(activity.id, admin, usccs=[r.uscc for r in records])
        batches.publish(batch.id, admin)
        batches.close(batch.id, admin, as_of=batch.ends + dt.timedelta(days=1))
        found = []
        for record in records:
            registration = db.session.execute(select(Registration).where(
                Registration.submission_id == record.id)).scalar_one()
            total = db.session.execute(select(ScoreResult.total).where(
                ScoreResult.submission_id == record.id, ScoreResult.status == "confirmed")
            ).scalar()
            found.append((record.uscc, registration.number, registration.id,
                          record.contact_phone, total))
        return found


def _client(app, address: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address  # each test its own address: its throttle
    return client


def _post(client, url: str, page: str, data: dict):
    token = csrf_token_of(client.get(page).get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **data})


def _sms_login(client, uscc: str, caplog) -> None:
    with caplog.at_level("WARNING", logger=LOGGER):
        sent = _post(client, "/public/status/code", f"/public/status?uscc={uscc}",
                     {"uscc": uscc, "channel": "sms"})
    assert sent.status_code == 302
    done = _post(client, "/public/status/verify", f"/public/status?uscc={uscc}",
                 {"uscc": uscc, "code": _code_from(caplog)})
    assert done.status_code == 302 and done.location.endswith("/public/status/own")


def test_a_code_by_sms_opens_the_enterprise_own_status(app, registered, caplog):
    uscc, number, registration_id, phone, total = registered[0]
    client = _client(app, "10.77.0.1")
    page = client.get(f"/public/status?uscc={uscc}").get_data(as_text=True)
    assert 'id="code-request"' in page and number in page  # the public facts stay
    with caplog.at_level("WARNING", logger=LOGGER):
        sent = _post(client, "/public/status/code", f"/public/status?uscc={uscc}",
                     {"uscc": uscc, "channel": "sms"})
    masked = f"{phone[:3]}****{phone[-4:]}"
    assert masked in client.get(sent.location).get_data(as_text=True)
    code = _code_from(caplog)
    with app.app_context():
        row = db.session.execute(select(StatusQueryCode).where(
            StatusQueryCode.uscc == uscc).order_by(StatusQueryCode.id.desc())).scalars().first()
        # Only a keyed hash is kept, and the destination masked.
        assert row.code_hash != code and len(row.code_hash) == 64 and code not in repr(row)
        assert row.sent_to_masked == masked and row.requested_by == "10.77.0.1"
        assert row.expires_at - row.created_at == dt.timedelta(minutes=10)
    wrong = _post(client, "/public/status/verify", f"/public/status?uscc={uscc}",
                  {"uscc": uscc, "code": "000000" if code != "000000" else "111111"})
    assert wrong.location.startswith("/public/status?")
    assert "验证码不正确" in client.get(wrong.location).get_data(as_text=True)
    assert client.get("/public/status/own").status_code == 302  # not yet
    right = _post(client, "/public/status/verify", f"/public/status?uscc={uscc}",
                  {"uscc": uscc, "code": code})
    own = client.get(right.location).get_data(as_text=True)
    assert "已确认" in own and number in own and f"{total:,.2f}" in own
    assert f"/public/status/certificate/{registration_id}" in own
    # The bare status page shows the own facts for the rest of the 30 minutes.
    assert 'id="own-activities"' in client.get("/public/status").get_data(as_text=True)
    pdf = client.get(f"/public/status/certificate/{registration_id}")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    with app.app_context():
        actions = {(a.action, a.object_type) for a in db.session.execute(select(AuditLog).where(
            AuditLog.ip == "10.77.0.1")).scalars()}
    assert {("create", "StatusQueryCode"), ("update", "StatusQueryCode"),
            ("login_failed", "StatusQueryCode"), ("login", "StatusQueryCode"),
            ("download", "Registration")} <= actions


def test_another_enterprise_is_not_shown_with_the_first_ones_session(app, registered, caplog):
    (first, _n, _r, _p, _t), (other, other_number, other_registration, _p2, _t2) = registered
    client = _client(app, "10.77.0.2")
    _sms_login(client, first, caplog)
    own = client.get("/public/status/own").get_data(as_text=True)
    assert first in own and other not in own
    public = client.get(f"/public/status?uscc={other}").get_data(as_text=True)
    assert other_number in public and 'id="own-activities"' not in public
    assert client.get(f"/public/status/certificate/{other_registration}").status_code == 404
    # Closing the query ends it.
    _post(client, "/public/status/forget", "/public/status/own", {})
    assert client.get("/public/status/own").status_code == 302
    # A stranger has no own page at all, and no certificate.
    stranger = _client(app, "10.77.0.3")
    assert stranger.get("/public/status/own").status_code == 302
    assert stranger.get(f"/public/status/certificate/{other_registration}").status_code == 302


def test_the_verified_session_lasts_thirty_minutes(app, registered, caplog):
    uscc = registered[1][0]
    client = _client(app, "10.77.0.4")
    _sms_login(client, uscc, caplog)
    with client.session_transaction() as session:
        kept = session["status_query"]
        assert kept["uscc"] == uscc and 29 * 60 < kept["until"] - time.time() <= 1800
        session["status_query"] = {**kept, "until": kept["until"] - 1801}
    assert client.get("/public/status/own").status_code == 302


def test_a_wrong_code_counts_a_try_and_five_kill_it(app, registered, caplog):
    uscc = registered[0][0]
    with app.app_context(), caplog.at_level("WARNING", logger=LOGGER):
        Q.request_code(uscc, "sms", "10.77.1.1", now=T0)
        code = _code_from(caplog)
        wrong = "000000" if code != "000000" else "111111"
        for tries in range(1, 5):
            assert Q.verify_code(uscc, wrong, now=T0 + dt.timedelta(minutes=1)) is None
            row = db.session.execute(select(StatusQueryCode).where(
                StatusQueryCode.uscc == uscc).order_by(StatusQueryCode.id.desc())).scalars().first()
            assert row.attempts == tries and row.used_at is None
        assert Q.verify_code(uscc, wrong, now=T0 + dt.timedelta(minutes=2)) is None
        # Dead after five tries: not even the right code opens it.
        assert Q.verify_code(uscc, code, now=T0 + dt.timedelta(minutes=2)) is None
        db.session.refresh(row)
        assert row.attempts == 5 and row.used_at is None


def test_a_code_expires_after_ten_minutes_and_serves_once(app, registered, caplog):
    uscc = registered[1][0]
    start = T0 + dt.timedelta(days=1)
    with app.app_context(), caplog.at_level("WARNING", logger=LOGGER):
        Q.request_code(uscc, "sms", "10.77.1.2", now=start)
        late = _code_from(caplog)
        assert Q.verify_code(uscc, late, now=start + dt.timedelta(minutes=10, seconds=1)) is None
        Q.request_code(uscc, "sms", "10.77.1.2", now=start + dt.timedelta(minutes=12))
        fresh = _code_from(caplog)
        at = start + dt.timedelta(minutes=21)
        assert Q.verify_code(uscc, fresh, now=at) == uscc
        assert Q.verify_code(uscc, fresh, now=at) is None  # used


def test_codes_are_throttled_per_uscc_and_per_address(app, registered, caplog):
    uscc = registered[0][0]
    start = T0 + dt.timedelta(days=2)
    with app.app_context(), caplog.at_level("WARNING", logger=LOGGER):
        for minute in range(3):
            Q.request_code(uscc, "sms", f"10.77.2.{minute}", now=start + dt.timedelta(
                minutes=minute))
        with pytest.raises(Q.StatusQueryError) as refused:
            Q.request_code(uscc, "sms", "10.77.2.9", now=start + dt.timedelta(minutes=5))
        assert "一小时内最多获取 3 次" in refused.value.message("zh")
        assert "At most 3 codes an hour" in refused.value.message("en")
        # An hour later it is sent again.
        Q.request_code(uscc, "sms", "10.77.2.9", now=start + dt.timedelta(minutes=61))
        # Ten from one address, probes of unknown codes included; the eleventh is refused.
        later = start + dt.timedelta(days=1)
        for serial in range(10):
            with pytest.raises(Q.StatusQueryError) as no_contact:
                Q.request_code(_fake_uscc(9000 + serial), "sms", "10.77.2.200", now=later)
            assert "区县科技局" in no_contact.value.message("zh")
        with pytest.raises(Q.StatusQueryError) as refused:
            Q.request_code(uscc, "sms", "10.77.2.200", now=later)
        assert "同一网络地址" in refused.value.message("zh")
        assert "one network address" in refused.value.message("en")


def test_an_unknown_uscc_and_one_without_contact_get_the_same_answer(app):
    with app.app_context():
        db.session.add(Enterprise(uscc=_fake_uscc(8001), name="无联系方式测试企业",
                                  region_code="210202"))
        db.session.commit()
        answers = []
        for uscc in (_fake_uscc(8001), _fake_uscc(8002)):
            with pytest.raises(Q.StatusQueryError) as refused:
                Q.request_code(uscc, "sms", "10.77.3.1", now=T0 + dt.timedelta(days=5))
            answers.append((refused.value.message("zh"), refused.value.message("en")))
        assert answers[0] == answers[1]
        assert "登录平台查看" in answers[0][0] and "sign in" in answers[0][1]
        with pytest.raises(Q.StatusQueryError) as malformed:
            Q.request_code("123", "sms", "10.77.3.1")
        assert "18" in malformed.value.message("en")
    client = _client(app, "10.77.3.2")
    sent = _post(client, "/public/status/code", "/public/status",
                 {"uscc": _fake_uscc(8003), "channel": "sms"})
    assert "区县科技局" in client.get(sent.location).get_data(as_text=True)


def test_messages_come_in_one_language(app):
    uscc = _fake_uscc(8004)
    for lang, shown, hidden in (
            ("zh", ["无法通过所选方式发送验证码", "发送验证码"], ["No code can be sent",
                                                          "Send a code"]),
            ("en", ["No code can be sent", "Send a code"], ["无法通过所选方式发送验证码",
                                                            "发送验证码"])):
        client = _client(app, f"10.77.4.{len(lang)}{ord(lang[0])}")
        client.get(f"/lang/{lang}")
        sent = _post(client, "/public/status/code", "/public/status",
                     {"uscc": uscc, "channel": "sms"})
        page = client.get(sent.location).get_data(as_text=True)
        assert all(text in page for text in shown), lang
        assert not any(text in page for text in hidden), lang
    client.get("/lang/zh")


def test_the_own_page_in_english(app, registered, caplog):
    uscc, number = registered[0][0], registered[0][1]
    client = _client(app, "10.77.4.9")
    client.get("/lang/en")
    _sms_login(client, uscc, caplog)
    own = client.get("/public/status/own").get_data(as_text=True)
    assert "Confirmed" in own and number in own and "已确认" not in own
    client.get("/lang/zh")


def test_a_returned_record_shows_its_reason(app):
    with app.app_context():
        record = db.session.execute(select(Submission).where(
            Submission.status == workflow.RETURNED).order_by(Submission.id)).scalars().first()
        found = Q.own_status(record.uscc)
    (state,) = [a for a in found.activities if a.status == workflow.RETURNED]
    assert (state.status_zh, state.status_en) == ("退回修改", "Returned for correction")
    assert state.reason and state.total is None


def test_a_signed_in_enterprise_user_sees_its_own_status(app, enterprise_client):
    with app.app_context():
        user = app.appbuilder.sm.find_user(username="enterprise_user")
        uscc, name = user.enterprise.uscc, user.enterprise.name
    page = enterprise_client.get("/public/status").get_data(as_text=True)
    assert name in page and uscc in page and 'id="own-activities"' in page
    assert "草稿" in page and 'id="to-workbench"' in page
    # Another enterprise's code gives only its public facts.
    other = enterprise_client.get(f"/public/status?uscc={_fake_uscc(8005)}").get_data(
        as_text=True)
    assert 'id="own-activities"' not in other and 'id="status-result"' in other


class _FakeSMTP:
    sent: list = []

    def __init__(self, host, port, timeout):
        self.host = host

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def send_message(self, message):
        _FakeSMTP.sent.append((message["To"], message.get_content()))


def test_a_code_by_e_mail_goes_through_the_platform_smtp(app, registered, monkeypatch):
    from app.services.platform import notifications
    from app.services.platform.accounts import create_user

    uscc = registered[1][0]
    with app.app_context():
        enterprise = db.session.execute(select(Enterprise).where(
            Enterprise.uscc == uscc)).scalar_one()
        create_user("status_mail", "Good#Pass1", "Enterprise", first_name="张", last_name="三",
                    email="zhangsan@example.com", enterprise_id=enterprise.id)
        when = T0 + dt.timedelta(days=10)
        with pytest.raises(Q.StatusQueryError) as no_mail:
            Q.request_code(uscc, "email", "10.77.5.1", now=when)
        assert "choose SMS" in no_mail.value.message("en")
        monkeypatch.setattr(notifications.smtplib, "SMTP", _FakeSMTP)
        monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
        _FakeSMTP.sent.clear()
        sent = Q.request_code(uscc, "email", "10.77.5.1", now=when)
        assert sent.masked == "zh***@example.com" and sent.channel == "email"
        (to, body), = _FakeSMTP.sent
        assert to == "zhangsan@example.com"
        code = re.search(r"验证码为 (\d{6})", body).group(1)
        assert "status query code" in body
        assert Q.verify_code(uscc, code, now=when + dt.timedelta(minutes=3)) == uscc


def test_without_an_account_the_code_goes_to_the_reports_contact_e_mail(app, registered,
                                                                       monkeypatch):
    from app.models import AppUser
    from app.services.platform import notifications

    uscc = registered[0][0]
    with app.app_context():
        enterprise = db.session.execute(select(Enterprise).where(
            Enterprise.uscc == uscc)).scalar_one()
        assert not db.session.execute(select(AppUser.id).where(
            AppUser.enterprise_id == enterprise.id)).first()
        contact = db.session.execute(select(Submission.contact_email).where(
            Submission.enterprise_id == enterprise.id).order_by(Submission.id.desc())
        ).scalars().first()
        monkeypatch.setattr(notifications.smtplib, "SMTP", _FakeSMTP)
        monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
        _FakeSMTP.sent.clear()
        sent = Q.request_code(uscc, "email", "10.77.6.1", now=T0 + dt.timedelta(days=11))
        assert sent.channel == "email" and sent.masked.endswith(contact.split("@")[1])
        (to, body), = _FakeSMTP.sent
        assert to == contact and re.search(r"验证码为 \d{6}", body)


def test_sms_through_the_http_backend(app, registered, monkeypatch):
    received = []

    class Gateway(BaseHTTPRequestHandler):
        status = 200

        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((self.headers["Authorization"], json.loads(body)))
            self.send_response(Gateway.status)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Gateway)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    uscc, _n, _r, phone, _t = registered[0]
    try:
        monkeypatch.setitem(app.config, "SMS_BACKEND", "http")
        monkeypatch.setitem(app.config, "SMS_HTTP_URL",
                            f"http://127.0.0.1:{server.server_port}/sms")
        monkeypatch.setitem(app.config, "SMS_HTTP_TOKEN", "gateway-token")
        when = T0 + dt.timedelta(days=11)
        with app.app_context():
            sent = Q.request_code(uscc, "sms", "10.77.6.1", now=when)
            ((authorization, payload),) = received
            assert authorization == "Bearer gateway-token" and payload["to"] == phone
            assert sent.masked == f"{phone[:3]}****{phone[-4:]}"
            code = re.search(r"验证码为 (\d{6})", payload["text"]).group(1)
            assert Q.verify_code(uscc, code, now=when) == uscc
            # A gateway that fails: refused, and no code kept.
            Gateway.status = 500
            before = db.session.query(StatusQueryCode).count()
            with pytest.raises(Q.StatusQueryError) as refused:
                Q.request_code(uscc, "sms", "10.77.6.1", now=when + dt.timedelta(minutes=1))
            assert "try again later" in refused.value.message("en")
            assert db.session.query(StatusQueryCode).count() == before
    finally:
        server.shutdown()
        server.server_close()
