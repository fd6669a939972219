"""Reporting activities and self-reporting through the web, as each role."""

import datetime as dt
import re

import pytest
from sqlalchemy import select

from app.domain import workflow
from app.extensions import db
from app.models import AppUser, Enterprise, ReportingActivity, Submission
from app.services.demo import demo_uscc
from app.services.intake import activities, reporting
from app.services.platform.accounts import create_user
from tests.conftest import login, post_form
from tests.domain.test_rules import GOOD

OWN_USCC = demo_uscc("210202", 1)


def good_form(**changes):
    data = {k: v for k, v in GOOD.items() if k != "uscc"}
    data.update(name="大连星海智能装备有限公司", is_private="是", needs_financing="否")
    data.update(changes)
    return {k: str(v) for k, v in data.items()}


@pytest.fixture(scope="module")
def activity(app):
    with app.app_context():
        created = activities.create_activity("测试征集活动", 2025, "county", open_now=True)
        return created.id


def _submission(app, activity_id, uscc=OWN_USCC):
    with app.app_context():
        return db.session.query(Submission).join(Enterprise).filter(
            Submission.activity_id == activity_id, Enterprise.uscc == uscc).one()


def test_province_admin_creates_an_activity_in_the_ui(app, province_client):
    response = post_form(province_client, "/activityview/add", data={
        "name": "界面创建的活动", "data_year": "2025", "review_chain": "city", "status": "draft",
        "collection_start": "2026-01-01", "collection_end": "2026-01-15"})
    assert response.status_code == 302
    with app.app_context():
        created = db.session.query(ReportingActivity).filter_by(name="界面创建的活动").one()
        assert created.province_code == "21" and created.review_chain == "city"


def test_activity_dates_must_follow_one_another(app, province_client):
    response = post_form(province_client, "/activityview/add", data={
        "name": "日期颠倒", "data_year": "2025", "review_chain": "county", "status": "draft",
        "collection_start": "2026-02-01", "collection_end": "2026-01-15"})
    assert response.status_code == 200 and "各阶段须依次进行" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(ReportingActivity).filter_by(name="日期颠倒").count() == 0


@pytest.mark.parametrize("role", ["city", "county", "enterprise", "bank"])
def test_only_province_admins_create_activities(client_as, role):
    assert client_as(role).get("/activityview/add").status_code == 403


def test_enterprise_flow_draft_errors_commitment_submit_readonly(app, activity,
                                                                 enterprise_client):
    url = f"/portal/activity/{activity}"
    assert "测试征集活动" in enterprise_client.get("/portal/").get_data(as_text=True)
    page = enterprise_client.get(url).get_data(as_text=True)
    assert "信息确认承诺书" in page and "readonly" in page  # own USCC cannot be changed

    # Draft with a strong error and an unreadable number: saved, nothing typed lost.
    post_form(enterprise_client, url, data={**good_form(rd_staff="500", revenue="1,200万"),
                                            "action": "save"})
    record = _submission(app, activity)
    assert record.status == workflow.DRAFT
    assert record.rd_staff == 500 and record.draft_inputs == {"revenue": "1,200万"}
    assert {f["rule"] for f in record.findings} >= {"S3", "F:revenue"}
    page = enterprise_client.get(url).get_data(as_text=True)
    assert 'value="1,200万"' in page and "研发人员不超过从业人员" in page

    # Submitting with errors is refused and keeps the draft.
    response = post_form(enterprise_client, url, data={
        **good_form(rd_staff="500"), "action": "submit", "agree": "yes", "signed_name": "王芳"},
        follow_redirects=True)
    assert "必须修改的错误" in response.get_data(as_text=True)
    assert _submission(app, activity).status == workflow.DRAFT

    # Without the commitment: refused.
    response = post_form(enterprise_client, url, data={**good_form(), "action": "submit"},
                         follow_redirects=True)
    assert "承诺书" in response.get_data(as_text=True)
    assert _submission(app, activity).status == workflow.DRAFT

    # Signed and clean: submitted to the first level of the chain. The previous year's
    # revenue is what the enterprise reported for 2024 (the demo's history), so W20 is quiet.
    with app.app_context():
        reported = db.session.execute(select(Submission.revenue).join(ReportingActivity).where(
            Submission.enterprise_id == _submission(app, activity).enterprise_id,
            ReportingActivity.data_year == 2024)).scalar()
    last_year = {"revenue_prev": str(reported)} if reported is not None else {}
    response = post_form(enterprise_client, url, data={
        **good_form(rd_expense="5000", **last_year), "action": "submit", "agree": "yes",
        "signed_name": "王芳"}, follow_redirects=True)
    record = _submission(app, activity)
    assert record.status == workflow.PENDING_COUNTY
    assert record.signed_name == "王芳" and record.signed_ip == "127.0.0.1"
    assert record.commitment_text == reporting.COMMITMENT_ZH and record.signed_at
    assert record.warning_rules == "W1" and record.draft_inputs is None
    assert "待区县审核" in response.get_data(as_text=True)

    # Read-only afterwards: the page says so and a save changes nothing.
    page = enterprise_client.get(url).get_data(as_text=True)
    assert "fieldset disabled" in page and "审核退回前不能修改" in page
    post_form(enterprise_client, url, data={**good_form(employees="999"), "action": "save"})
    assert _submission(app, activity).employees == 80


def test_live_check_returns_findings_in_the_users_language(app, activity, county_client):
    with app.app_context():
        create_user("ent_live", "Good#Pass1", "Enterprise", first_name="a", last_name="b",
                    email="ent_live@x.invalid",
                    enterprise_id=db.session.query(Enterprise).filter_by(
                        uscc=demo_uscc("210203", 2)).one().id)
    client = app.test_client()
    login(client, "ent_live", "Good#Pass1")
    url = f"/portal/activity/{activity}"
    token = re.search(r'name="csrf_token" value="([^"]+)"',
                      client.get(url).get_data(as_text=True)).group(1)
    data = client.post(f"{url}/check", data={**good_form(employees="10", rd_staff="20"),
                                              "csrf_token": token}).get_json()
    assert any(f["rule"] == "S3" and "研发人员" in f["message"] for f in data["findings"])
    client.get("/lang/en")
    data = client.post(f"{url}/check", data={**good_form(employees="10", rd_staff="20"),
                                              "csrf_token": token}).get_json()
    assert any(f["rule"] == "S3" and "R&D staff" in f["message"] for f in data["findings"])


def test_submission_appears_for_its_region_only(app, activity, enterprise_client, client_as):
    record = _submission(app, activity)
    if record.status == workflow.DRAFT:
        pytest.skip("depends on the flow test having submitted")
    for role in ("province", "city", "county"):
        html = client_as(role).get("/submissionview/list/").get_data(as_text=True)
        assert OWN_USCC in html, role
    with app.app_context():
        create_user("other_county", "Good#Pass1", "CountyReviewer", first_name="a",
                    last_name="b", email="oc@x.invalid", region_code="210203")
        create_user("other_city", "Good#Pass1", "CityReviewer", first_name="a",
                    last_name="b", email="ocity@x.invalid", region_code="2101")
    for username in ("other_county", "other_city"):
        client = app.test_client()
        login(client, username, "Good#Pass1")
        assert OWN_USCC not in client.get("/submissionview/list/").get_data(as_text=True)
        assert client.get(f"/submissionview/show/{record.id}").status_code == 404
    assert client_as("bank").get("/submissionview/list/").status_code == 403


def test_another_enterprises_submission_is_404(app, activity):
    record = _submission(app, activity)
    client = app.test_client()
    login(client, "ent_live", "Good#Pass1")
    assert client.get(f"/submissionview/show/{record.id}").status_code == 404
    assert OWN_USCC not in client.get("/submissionview/list/").get_data(as_text=True)


def test_submission_refused_outside_the_collection_window(app):
    with app.app_context():
        closed = activities.create_activity("已截止活动", 2025, "county", open_now=True)
        closed.collection_start = dt.date.today() - dt.timedelta(days=20)
        closed.collection_end = dt.date.today() - dt.timedelta(days=1)
        db.session.commit()
        enterprise = db.session.query(Enterprise).filter_by(uscc=OWN_USCC).one()
        record = reporting.start_submission(closed, enterprise)
        with pytest.raises(reporting.ReportingError) as refused:
            reporting.submit(record, {**GOOD}, "王芳", True)
        assert "时间已结束" in refused.value.message_zh
        assert record.status == workflow.DRAFT
        # Inside the window the same record goes through.
        inside = dt.date.today() - dt.timedelta(days=5)
        reporting.submit(record, {**GOOD}, "王芳", True, today=inside)
        assert record.status == workflow.PENDING_COUNTY


def test_chain_decides_the_first_level(app):
    with app.app_context():
        enterprise = db.session.query(Enterprise).filter_by(uscc=demo_uscc("210213", 3)).one()
        for chain, first in (("city", workflow.PENDING_CITY),
                             ("province", workflow.PENDING_PROVINCE)):
            act = activities.create_activity(f"链-{chain}", 2025, chain, open_now=True)
            record = reporting.start_submission(act, enterprise)
            reporting.submit(record, {**GOOD, "uscc": enterprise.uscc}, "王芳", True)
            assert record.status == first


def test_last_years_data_is_carried_forward_with_provenance(app):
    with app.app_context():
        enterprise = db.session.query(Enterprise).filter_by(uscc=demo_uscc("210112", 4)).one()
        last_year = activities.create_activity("2025 年度活动", 2024, "county", open_now=True)
        old = reporting.start_submission(last_year, enterprise)
        reporting.submit(old, {**GOOD, "uscc": enterprise.uscc, "revenue": 2345,
                               "region_code": "210112"}, "王芳", True)
        this_year = activities.create_activity("2026 年度活动", 2025, "county", open_now=True)
        carried = db.session.query(Submission).filter_by(activity_id=this_year.id,
                                                         enterprise_id=enterprise.id).one()
        assert carried.revenue_prev == 2345 and carried.revenue is None
        assert carried.employees == GOOD["employees"]
        assert carried.provenance["revenue_prev"] == reporting.LAST_YEAR
        assert carried.provenance["employees"] == reporting.LAST_YEAR
        # Once the enterprise types a value, its provenance becomes its own.
        reporting.save_draft(carried, {**GOOD, "uscc": enterprise.uscc, "employees": 81,
                                       "revenue_prev": 2345,
                                       "region_code": "210112"})
        assert carried.provenance["employees"] == reporting.ENTERPRISE
        assert carried.provenance["revenue_prev"] == reporting.LAST_YEAR


def test_w20_compares_with_last_years_report(app):
    with app.app_context():
        enterprise = db.session.query(Enterprise).filter_by(uscc=demo_uscc("210112", 4)).one()
        record = db.session.query(Submission).join(ReportingActivity).filter(
            Submission.enterprise_id == enterprise.id,
            ReportingActivity.name == "2026 年度活动").one()
        result = reporting.check(record, {**GOOD, "uscc": enterprise.uscc, "revenue_prev": 1000,
                                          "region_code": "210112"})
        assert "W20" in {f.rule for f in result.warnings}


def test_users_of_the_platform_exist(app):
    with app.app_context():
        assert db.session.query(AppUser).filter_by(username="enterprise_user").one().enterprise


def test_script_in_text_fields_is_shown_escaped(app, province_client):
    script = "<script>alert('x')</script>"
    with app.app_context():
        act = activities.create_activity("转义测试活动", 2025, "county", open_now=True)
        enterprise = db.session.query(Enterprise).filter_by(uscc=demo_uscc("210211", 77)).first()
        if enterprise is None:
            enterprise = Enterprise(uscc=demo_uscc("210211", 77), name="转义企业",
                                    region_code="210211")
            db.session.add(enterprise)
            db.session.commit()
        record = reporting.start_submission(act, enterprise)
        reporting.save_draft(record, {**GOOD, "uscc": enterprise.uscc, "main_products": script,
                                      "core_technology": "<b>bold</b>"})
        record_id = record.id
    html = province_client.get(f"/submissionview/show/{record_id}").get_data(as_text=True)
    assert script not in html and "&lt;script&gt;" in html
    assert "<b>bold</b>" not in html


def test_province_adds_a_local_bank_others_cannot(app, province_client, county_client):
    response = post_form(province_client, "/bankview/add", data={"name": "大连农商银行"})
    assert response.status_code == 302
    from app.models import Bank

    with app.app_context():
        bank = db.session.query(Bank).filter_by(name="大连农商银行").one()
        assert bank.is_national is False and bank.province_code == "21"
        assert db.session.query(Bank).filter_by(is_national=True).count() == 21
    assert county_client.get("/bankview/add").status_code == 403
