"""Review workflow through the web, per role: the chain, returns with changes, bulk
outcomes, revocation, phases, concurrency and notifications."""

import datetime as dt
import re

import pytest
from sqlalchemy import text

from app.domain import workflow
from app.extensions import db
from app.models import Enterprise, Notification, ReviewRecord, Submission
from app.services.demo import demo_uscc
from app.services.intake import activities, reporting
from tests.conftest import csrf_token_of, login, post_form
from tests.domain.test_rules import GOOD

OWN = demo_uscc("210202", 1)


@pytest.fixture
def activity_id(app):
    with app.app_context():
        return activities.create_activity(f"审核测试-{dt.datetime.now():%H%M%S%f}", 2025,
                                          "county", open_now=True).id


def _submitted(app, activity_id, uscc=OWN, **changes):
    with app.app_context():
        enterprise = db.session.query(Enterprise).filter_by(uscc=uscc).first()
        if enterprise is None:
            enterprise = Enterprise(uscc=uscc, name=f"审核企业{uscc[-5:]}",
                                    region_code=changes.get("region_code", "210202"))
            db.session.add(enterprise)
            db.session.commit()
        activity = db.session.get(activities.ReportingActivity, activity_id)
        record = reporting.start_submission(activity, enterprise)
        reporting.submit(record, {**GOOD, "uscc": uscc, "region_code": enterprise.region_code,
                                  **changes}, "王芳", True)
        return record.id


def _decide(client, ids, action, reason="", fields=()):
    ids = ",".join(str(i) for i in ids)
    page = client.get(f"/review/decide?action={action}&ids={ids}")
    return client.post("/review/decide", data={
        "csrf_token": csrf_token_of(page.get_data(as_text=True)), "ids": ids, "action": action,
        "reason": reason, "fields": list(fields)})


def _status(app, pk):
    with app.app_context():
        return db.session.get(Submission, pk).status


def test_the_whole_chain_county_city_province(app, activity_id, county_client, city_client,
                                               province_client, enterprise_client):
    pk = _submitted(app, activity_id)
    assert "审核测试" in county_client.get("/review/list/").get_data(as_text=True)
    for client, expected in ((county_client, workflow.PENDING_CITY),
                             (city_client, workflow.PENDING_PROVINCE),
                             (province_client, workflow.APPROVED)):
        response = _decide(client, [pk], workflow.APPROVE)
        assert 'id="summary"' in response.get_data(as_text=True)
        assert _status(app, pk) == expected
    with app.app_context():
        actions = [r.action for r in db.session.query(ReviewRecord).filter_by(
            submission_id=pk).order_by(ReviewRecord.id)]
        assert actions == ["create", "submit", "approve", "approve", "approve"]
    bell = enterprise_client.get("/workbench/").get_data(as_text=True)
    assert 'id="bell-count"' in bell
    assert "已通过省级审核" in enterprise_client.get("/notifications/").get_data(as_text=True)


def test_return_goes_back_to_the_enterprise_and_changes_are_shown(app, activity_id,
                                                                  county_client,
                                                                  enterprise_client):
    pk = _submitted(app, activity_id)
    response = _decide(county_client, [pk], workflow.RETURN, "", ["rd_expense"])
    assert "请填写原因" in county_client.get(response.headers["Location"]).get_data(as_text=True)
    assert _status(app, pk) == workflow.PENDING_COUNTY  # no reason, nothing changed
    _decide(county_client, [pk], workflow.RETURN, "研发费用与审计报告不符", ["rd_expense"])
    assert _status(app, pk) == workflow.RETURNED
    page = enterprise_client.get(f"/portal/activity/{activity_id}").get_data(as_text=True)
    assert "研发费用与审计报告不符" in page and "fieldset disabled" not in page
    assert "退回修改" in enterprise_client.get("/notifications/").get_data(as_text=True)
    data = {k: str(v) for k, v in GOOD.items() if k != "uscc"}
    data.update(rd_expense="150", action="submit", agree="yes", signed_name="王芳")
    post_form(enterprise_client, f"/portal/activity/{activity_id}", data=data)
    assert _status(app, pk) == workflow.PENDING_COUNTY  # back at the chain's first level
    review = county_client.get(f"/review/show/{pk}").get_data(as_text=True)
    assert "退回后的修改" in review
    assert re.search(r"120(\.0+)?</td><td><strong>150(\.0+)?", review)


def test_bulk_actions_report_each_record(app, activity_id, county_client):
    mine = _submitted(app, activity_id)
    other_county = _submitted(app, activity_id, demo_uscc("210203", 2),
                              region_code="210203")
    # a record of this county with errors recorded (e.g. rules changed after submission)
    erroneous = _submitted(app, activity_id, demo_uscc("210202", 8801))
    with app.app_context():
        db.session.execute(text("UPDATE submission SET error_count = 1 WHERE id = :i"),
                           {"i": erroneous})
        db.session.commit()
    response = _decide(county_client, [mine, other_county, erroneous], workflow.APPROVE)
    html = response.get_data(as_text=True)
    assert "不在您的管辖范围" in html and "不能通过" in html
    assert _status(app, mine) == workflow.PENDING_CITY
    assert _status(app, other_county) == workflow.PENDING_COUNTY
    assert _status(app, erroneous) == workflow.PENDING_COUNTY


def test_acting_at_the_wrong_level_is_refused(app, activity_id, city_client):
    pk = _submitted(app, activity_id)
    html = _decide(city_client, [pk], workflow.APPROVE).get_data(as_text=True)
    assert "不在您这一级审核" in html and _status(app, pk) == workflow.PENDING_COUNTY


def test_reject_needs_a_reason_and_revocation_by_the_province(app, activity_id, county_client,
                                                               city_client, province_client):
    pk = _submitted(app, activity_id)
    _decide(county_client, [pk], workflow.REJECT, "")
    assert _status(app, pk) == workflow.PENDING_COUNTY
    _decide(county_client, [pk], workflow.REJECT, "非科技型企业")
    assert _status(app, pk) == workflow.REJECTED
    approved = _submitted(app, activity_id, demo_uscc("210202", 8802))
    for client in (county_client, city_client, province_client):
        _decide(client, [approved], workflow.APPROVE)
    assert _status(app, approved) == workflow.APPROVED
    assert city_client.get(f"/review/decide?action=revoke&ids={approved}").status_code == 403
    _decide(province_client, [approved], workflow.REVOKE, "")
    assert _status(app, approved) == workflow.APPROVED
    _decide(province_client, [approved], workflow.REVOKE, "发现数据雷同，需复核")
    assert _status(app, approved) == workflow.PENDING_PROVINCE


def test_review_after_the_levels_deadline_is_refused(app, activity_id, county_client):
    pk = _submitted(app, activity_id)
    with app.app_context():
        activity = db.session.get(activities.ReportingActivity, activity_id)
        activity.county_review_end = dt.date.today() - dt.timedelta(days=1)
        db.session.commit()
    html = _decide(county_client, [pk], workflow.APPROVE).get_data(as_text=True)
    assert "审核期已结束" in html and _status(app, pk) == workflow.PENDING_COUNTY


@pytest.mark.postgres
def test_two_reviewers_at_once_exactly_one_applies(app, activity_id, monkeypatch):
    """The second reviewer's change meets a record changed under it: refused, not applied."""
    from app.services.review import workflow as service

    pk = _submitted(app, activity_id)
    original = service.workflow.after_review

    def meanwhile(*args, **kwargs):
        # Another reviewer commits on its own connection between our read and our write.
        with db.engine.begin() as other:
            other.execute(text("UPDATE submission SET status = 'pending_city', "
                               "version = version + 1 WHERE id = :i"), {"i": pk})
        return original(*args, **kwargs)

    monkeypatch.setattr(service.workflow, "after_review", meanwhile)
    with app.test_request_context():
        from flask import g

        with app.app_context():
            g.user = app.appbuilder.sm.find_user(username="county_reviewer")
            outcome, = service.review([pk], workflow.RETURN, "重复操作测试")
    assert not outcome.done and "刚被他人处理" in outcome.message_zh
    assert _status(app, pk) == workflow.PENDING_CITY  # the other reviewer's change stands


def test_collection_reopened_for_one_enterprise(app):
    from app.models import Reopening

    with app.app_context():
        closed = activities.create_activity("补报测试", 2025, "county", open_now=True)
        closed.collection_end = dt.date.today() - dt.timedelta(days=1)
        enterprise = db.session.query(Enterprise).filter_by(uscc=OWN).one()
        db.session.add(Reopening(activity_id=closed.id, enterprise_id=enterprise.id,
                                 until=dt.date.today(), reason="系统故障补报"))
        db.session.commit()
        record = reporting.start_submission(closed, enterprise)
        reporting.submit(record, {**GOOD, "uscc": OWN}, "王芳", True)
        assert record.status == workflow.PENDING_COUNTY


def test_reviewers_are_told_about_new_records(app, activity_id):
    _submitted(app, activity_id)
    with app.app_context():
        reviewer = app.appbuilder.sm.find_user(username="county_reviewer")
        texts = [n.text_zh for n in db.session.query(Notification).filter_by(
            user_id=reviewer.id)]
        assert any("等待您审核" in t for t in texts)
    client = app.test_client()
    login(client, "county_reviewer")
    assert 'id="bell-count"' in client.get("/workbench/").get_data(as_text=True)


def test_province_resolves_duplicates_side_by_side(app, activity_id, province_client,
                                                   county_client):
    from tests.test_batch import _file, _records, _upload, _wait_for_batch

    record = _records(1, start=99000, bad_every=0, seed=21)[0]
    with app.app_context():
        enterprise = Enterprise(uscc=record["uscc"], name=record["name"], region_code="210202")
        db.session.add(enterprise)
        db.session.commit()
        enterprise_id = enterprise.id
    own = _submitted(app, activity_id, record["uscc"])  # the enterprise reported itself …
    record["revenue"] = record["revenue"] + 1  # … and the county uploads other figures
    _wait_for_batch(county_client, _upload(county_client, activity_id,
                                           _file(app, activity_id, [record])))
    with app.app_context():
        group = db.session.query(Submission).filter_by(activity_id=activity_id,
                                                       enterprise_id=enterprise_id).all()
        assert {s.status for s in group} == {workflow.DUPLICATE}
        uploaded = next(s.id for s in group if s.id != own)
    listing = province_client.get("/duplicates/").get_data(as_text=True)
    assert record["uscc"] in listing
    assert "企业自主填报" in listing and "批量上传" in listing  # how each came in, named
    page = province_client.get(f"/duplicates/group/{activity_id}/{enterprise_id}")
    assert 'class="warning"' in page.get_data(as_text=True)  # the differing revenue stands out
    assert "企业自主填报 ·" in page.get_data(as_text=True)
    assert county_client.get("/duplicates/").status_code == 403
    province_client.post(f"/duplicates/group/{activity_id}/{enterprise_id}", data={
        "csrf_token": csrf_token_of(page.get_data(as_text=True)), "keep": str(own),
        "reason": "以企业自报为准"})
    assert _status(app, own) == workflow.PENDING_COUNTY  # back where it was before it was held
    assert _status(app, uploaded) == workflow.MERGED
    with app.app_context():
        merged = db.session.query(ReviewRecord).filter_by(submission_id=uploaded,
                                                          action="merge").one()
        assert f"#{own}" in merged.comment


def test_province_reopens_collection_for_chosen_enterprises(app, province_client):
    import datetime as dt2

    with app.app_context():
        closed = activities.create_activity("关闭后补报", 2025, "county", open_now=True)
        closed.collection_end = dt2.date.today() - dt2.timedelta(days=2)
        db.session.commit()
        enterprise = db.session.query(Enterprise).filter_by(uscc=OWN).one()
        record = reporting.start_submission(closed, enterprise)
        record_id, closed_id = record.id, closed.id
    page = post_form(province_client, "/submissionview/list/", "/submissionview/action_post",
                     data={"action": "reopen", "rowid": [str(record_id)]})
    token = csrf_token_of(page.get_data(as_text=True))
    province_client.post("/submissionview/reopen_confirm", data={
        "csrf_token": token, "ids": str(record_id), "until": "2000-01-01", "reason": "x"})
    province_client.post("/submissionview/reopen_confirm", data={
        "csrf_token": token, "ids": str(record_id),
        "until": (dt2.date.today() + dt2.timedelta(days=3)).isoformat(), "reason": "系统故障"})
    with app.app_context():
        from app.models import Reopening

        assert db.session.query(Reopening).filter_by(activity_id=closed_id).count() == 1
        record = db.session.get(Submission, record_id)
        reporting.submit(record, {**GOOD, "uscc": OWN}, "王芳", True)
        assert record.status == workflow.PENDING_COUNTY


def test_email_goes_out_when_smtp_is_configured(app, activity_id, county_client, monkeypatch):
    sent = []

    class FakeSMTP:
        def __init__(self, host, port, timeout):
            sent.append(("connect", host, port))

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def send_message(self, message):
            sent.append(("message", message["To"], message.get_content()))

    from app.services.platform import notifications

    monkeypatch.setattr(notifications.smtplib, "SMTP", FakeSMTP)
    pk = _submitted(app, activity_id, demo_uscc("210202", 8850))
    with app.app_context():
        from app.services.platform.accounts import create_user

        enterprise = db.session.query(Enterprise).filter_by(uscc=demo_uscc("210202", 8850)).one()
        create_user("mail_ent", "Good#Pass1", "Enterprise", first_name="a", last_name="b",
                    email="mail_ent@example.com", enterprise_id=enterprise.id)
    app.config["MAIL_SERVER"] = "127.0.0.1"
    try:
        _decide(county_client, [pk], workflow.RETURN, "请补充材料")
    finally:
        app.config.pop("MAIL_SERVER")
    messages = [s for s in sent if s[0] == "message"]
    assert messages and "mail_ent@example.com" in messages[0][1]
    assert "请补充材料" in messages[0][2]
