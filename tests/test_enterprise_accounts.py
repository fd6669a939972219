"""Enterprise accounts: created by bureaus (one or all of an activity), or registered by
the enterprise and activated by its county bureau."""

import io
import re

from python_calamine import CalamineWorkbook

from app.extensions import db
from app.models import AppUser, AuditLog, Enterprise
from app.services.demo import demo_uscc
from app.services.intake import activities, reporting
from tests.conftest import csrf_token_of, login, post_form


def _credentials(html):
    return re.findall(r"<code>([^<]+)</code><input[^>]*></td>\s*<td><code>([^<]+)</code>", html)


def _new_enterprise(app, uscc_county, serial, name):
    from app.domain.records.synthetic import uscc_for

    with app.app_context():
        enterprise = Enterprise(uscc=uscc_for(uscc_county, serial), name=name,
                                region_code=uscc_county)
        db.session.add(enterprise)
        db.session.commit()
        return enterprise.id, enterprise.uscc


def test_county_creates_an_account_and_it_works(app, county_client):
    pk, uscc = _new_enterprise(app, "210202", 9001, "账户测试企业甲")
    response = post_form(county_client, "/enterpriseview/list/", "/enterpriseview/action_post",
                         data={"action": "create_account", "rowid": [str(pk)]})
    html = response.get_data(as_text=True)
    assert response.status_code == 200, (response.status_code, response.location)
    (login_name, password), = _credentials(html)
    assert login_name == uscc
    client = app.test_client()
    assert login(client, login_name, password).location.endswith("/")
    with app.app_context():
        assert db.session.query(AuditLog).filter(
            AuditLog.detail.like("initial passwords shown%")).count() >= 1


def test_no_account_for_enterprises_outside_the_area(app, county_client):
    pk, _ = _new_enterprise(app, "210203", 9002, "账户测试企业乙")
    response = post_form(county_client, "/enterpriseview/list/", "/enterpriseview/action_post",
                         data={"action": "create_account", "rowid": [str(pk)]})
    assert response.status_code == 404
    with app.app_context():
        assert db.session.query(AppUser).filter_by(enterprise_id=pk).count() == 0


def test_accounts_for_all_enterprises_of_an_activity_in_the_area(app, county_client,
                                                                  city_client):
    with app.app_context():
        activity = activities.create_activity("开户测试活动", 2025, "county", open_now=True)
        ids = []
        for county, serial in (("210202", 9101), ("210202", 9102), ("210203", 9103)):
            from app.domain.records.synthetic import uscc_for

            enterprise = Enterprise(uscc=uscc_for(county, serial), name=f"开户企业{serial}",
                                    region_code=county)
            db.session.add(enterprise)
            db.session.commit()
            reporting.start_submission(activity, enterprise)
            ids.append(enterprise.id)
        activity_id = activity.id
    response = post_form(county_client, f"/activityview/show/{activity_id}",
                         f"/activityview/accounts/{activity_id}")
    created = _credentials(response.get_data(as_text=True))
    assert len(created) == 2  # the county's two, not the neighbour's
    page = response.get_data(as_text=True)
    export = county_client.post("/credentials/xlsx", data={
        "csrf_token": csrf_token_of(page),
        "name": ["a", "b"], "uscc": ["u1", "u2"],
        "login": [c[0] for c in created], "password": [c[1] for c in created]})
    rows = CalamineWorkbook.from_filelike(io.BytesIO(export.data)).get_sheet_by_index(0).to_python()
    assert [r[2] for r in rows[1:]] == [c[0] for c in created]
    # The city reviewer then gets the remaining one; a second run creates nothing more.
    response = post_form(city_client, f"/activityview/show/{activity_id}",
                         f"/activityview/accounts/{activity_id}")
    assert len(_credentials(response.get_data(as_text=True))) == 1
    response = post_form(city_client, f"/activityview/show/{activity_id}",
                         f"/activityview/accounts/{activity_id}", follow_redirects=True)
    assert "已有账户" in response.get_data(as_text=True)


def test_self_registration_needs_activation_by_the_county(app, county_client):
    client = app.test_client()
    form = {"uscc": demo_uscc("210202", 9301).lower(), "name": "自助注册企业",
            "region_code": "210202", "contact_name": "刘洋", "email": "selfreg@x.invalid",
            "username": "selfreg_user", "password": "Good#Pass1"}
    response = post_form(client, "/register/", data=form)
    assert response.status_code == 302
    with app.app_context():
        user = db.session.query(AppUser).filter_by(username="selfreg_user").one()
        assert not user.active and user.enterprise.uscc == demo_uscc("210202", 9301)
        user_id = user.id
    assert "/login/" in login(app.test_client(), "selfreg_user", "Good#Pass1").location

    # Another county's reviewer does not see it; this county's does and activates it.
    from app.services.platform.accounts import create_user

    with app.app_context():
        create_user("reg_other_county", "Good#Pass1", "CountyReviewer", first_name="a",
                    last_name="b", email="roc@x.invalid", region_code="210203")
    other = app.test_client()
    login(other, "reg_other_county", "Good#Pass1")
    assert "selfreg_user" not in other.get("/pendingaccounts/list/").get_data(as_text=True)
    assert "selfreg_user" in county_client.get("/pendingaccounts/list/").get_data(as_text=True)
    post_form(county_client, "/pendingaccounts/list/", "/pendingaccounts/action_post",
              data={"action": "activate", "rowid": [str(user_id)]})
    assert login(app.test_client(), "selfreg_user", "Good#Pass1").location.endswith("/")


def test_registration_with_bad_input_says_why_and_keeps_what_was_typed(app):
    client = app.test_client()
    response = post_form(client, "/register/", data={
        "uscc": "123", "name": "坏输入企业", "region_code": "110101", "contact_name": "王",
        "email": "bad", "username": "bad name", "password": "weak"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "坏输入企业" in html and "18" in html and "下划线" in html
    with app.app_context():
        assert db.session.query(Enterprise).filter_by(name="坏输入企业").count() == 0


def test_enterprise_page_lists_its_accounts_and_submissions(app, county_client):
    with app.app_context():
        enterprise = db.session.query(Enterprise).filter_by(uscc=demo_uscc("210202", 1)).one()
        pk = enterprise.id
    html = county_client.get(f"/enterpriseview/show/{pk}").get_data(as_text=True)
    assert "星海智能" in html  # the enterprise_user account
    assert "/submissionview/" in html or "填报记录" in html
