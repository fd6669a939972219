"""Accounts: login names, password policy on every path, throttling, lock-out, cookies."""

import uuid

import pytest
from flask_appbuilder.exceptions import PasswordComplexityValidationError

from app.extensions import db
from app.models import AppUser
from app.services.platform.accounts import AccountError, create_user
from tests.conftest import login, make_test_app, post_form


def _new_user(app, password="Good#Pass1", role="CountyReviewer", region="210202"):
    name = "u_" + uuid.uuid4().hex[:10]
    with app.app_context():
        create_user(name, password, role, first_name="测试", last_name="用户",
                    email=f"{name}@test.invalid", region_code=region)
    return name


def _user(app, username):
    with app.app_context():
        return db.session.query(AppUser).filter_by(username=username).one_or_none()


# -- password policy, everywhere a password is set -----------------------------------
@pytest.mark.parametrize("password", ["short#1A", "alllowercase", "NoDigitsOrSymbols", "1234567a"])
def test_service_refuses_weak_passwords(app, password):
    if password == "short#1A":
        password = "sh#1A"
    with app.app_context(), pytest.raises(AccountError):
        create_user("weak_" + uuid.uuid4().hex[:6], password, "CountyReviewer", first_name="a",
                    last_name="b", email=f"{uuid.uuid4().hex}@x.invalid", region_code="210202")


def test_service_refuses_bad_login_names(app):
    with app.app_context(), pytest.raises(AccountError, match="underscore|下划线"):
        create_user("bad-name!", "Good#Pass1", "CountyReviewer", first_name="a", last_name="b",
                    email="bad@x.invalid", region_code="210202")


def test_service_refuses_region_of_the_wrong_level(app):
    with app.app_context(), pytest.raises(AccountError):
        create_user("wrong_level", "Good#Pass1", "CityReviewer", first_name="a", last_name="b",
                    email="wl@x.invalid", region_code="210202")


def test_admin_form_refuses_weak_password_and_keeps_input(app, admin_client):
    with app.app_context():
        role_id = app.appbuilder.sm.find_role("CountyReviewer").id
    response = post_form(admin_client, "/users/add", data={
        "username": "form_weak", "first_name": "张", "last_name": "三",
        "email": "form_weak@x.invalid", "active": "y", "roles": str(role_id),
        "region": "210202", "password": "password", "conf_password": "password"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "form_weak@x.invalid" in html  # what the user typed is still there
    assert "三类" in html or "three of" in html
    assert _user(app, "form_weak") is None


def test_admin_form_refuses_bad_name_and_mismatched_region(app, admin_client):
    with app.app_context():
        role_id = app.appbuilder.sm.find_role("CityReviewer").id
    response = post_form(admin_client, "/users/add", data={
        "username": "bad name", "first_name": "张", "last_name": "三",
        "email": "badname@x.invalid", "active": "y", "roles": str(role_id),
        "region": "210202", "password": "Good#Pass1", "conf_password": "Good#Pass1"})
    html = response.get_data(as_text=True)
    assert "下划线" in html and "市级审核员选择市" in html
    assert _user(app, "bad name") is None


def test_admin_form_creates_a_proper_user(app, admin_client):
    with app.app_context():
        role_id = app.appbuilder.sm.find_role("CityReviewer").id
    response = post_form(admin_client, "/users/add", data={
        "username": "form_ok", "first_name": "李", "last_name": "四",
        "email": "form_ok@x.invalid", "active": "y", "roles": str(role_id),
        "region": "2102", "password": "Good#Pass1", "conf_password": "Good#Pass1"})
    assert response.status_code == 302
    user = _user(app, "form_ok")
    assert user is not None and user.region_code == "2102"
    assert login(app.test_client(), "form_ok", "Good#Pass1").location.endswith("/")


def test_change_own_password_needs_the_current_one_and_a_strong_new_one(app):
    name = _new_user(app)
    client = app.test_client()
    login(client, name, "Good#Pass1")
    url = "/resetmypassword/form"
    wrong_old = post_form(client, url, data={"old_password": "nope", "password": "New#Pass22",
                                             "conf_password": "New#Pass22"})
    assert "当前密码不正确" in wrong_old.get_data(as_text=True)
    weak = post_form(client, url, data={"old_password": "Good#Pass1", "password": "weakweak",
                                        "conf_password": "weakweak"})
    assert "三类" in weak.get_data(as_text=True)
    ok = post_form(client, url, data={"old_password": "Good#Pass1", "password": "New#Pass22",
                                      "conf_password": "New#Pass22"})
    assert ok.status_code == 302
    assert login(app.test_client(), name, "New#Pass22").location.endswith("/")


def test_cli_refuses_weak_passwords_and_bad_names(app):
    runner = app.test_cli_runner()
    weak = runner.invoke(args=["user", "create", "--username", "cli_weak", "--password", "abc",
                               "--role", "Admin", "--email", "cli_weak@x.invalid"])
    assert weak.exit_code != 0 and ("8" in weak.output)
    badname = runner.invoke(args=["user", "create", "--username", "cli weak", "--password",
                                  "Good#Pass1", "--role", "Admin", "--email", "cw@x.invalid"])
    assert badname.exit_code != 0
    ok = runner.invoke(args=["user", "create", "--username", "cli_ok", "--password", "Good#Pass1",
                             "--role", "Admin", "--email", "cli_ok@x.invalid"])
    assert ok.exit_code == 0, ok.output
    weak_reset = runner.invoke(args=["user", "set-password", "--username", "cli_ok",
                                     "--password", "abcdefgh"])
    assert weak_reset.exit_code != 0
    assert login(app.test_client(), "cli_ok", "Good#Pass1").location.endswith("/")


def test_fab_commands_cannot_bypass_the_policy(app):
    from flask_appbuilder.cli import fab

    runner = app.test_cli_runner()
    result = runner.invoke(fab, args=["create-admin", "--username", "fab_weak", "--firstname",
                                 "a", "--lastname", "b", "--email", "fab_weak@x.invalid",
                                 "--password", "weak"])
    assert "No user created" in result.output
    assert _user(app, "fab_weak") is None
    name = _new_user(app)
    result = runner.invoke(fab, args=["reset-password", "--username", name, "--password",
                                 "weak"])
    assert isinstance(result.exception, PasswordComplexityValidationError)
    assert login(app.test_client(), name, "Good#Pass1").location.endswith("/")


# -- throttling and lock-out -------------------------------------------------------------
def test_repeated_failures_lock_the_account_until_an_admin_unlocks_it(app, admin_client):
    name = _new_user(app)
    limit = app.config["LOGIN_MAX_FAILURES"]
    for _ in range(limit):
        login(app.test_client(), name, "Wrong#Pass1")
    assert _user(app, name).locked_until is not None
    client = app.test_client()
    refused = login(client, name, "Good#Pass1", follow=True)
    assert "锁定" in refused.get_data(as_text=True)
    assert client.get("/enterpriseview/list/").status_code == 302  # not signed in
    response = post_form(admin_client, "/users/list/", "/users/action_post",
                         data={"action": "unlock", "rowid": [str(_user(app, name).id)]})
    assert response.status_code == 302
    assert _user(app, name).locked_until is None
    assert login(app.test_client(), name, "Good#Pass1").location.endswith("/")


def test_login_attempts_are_rate_limited_per_address(database_url, app):
    limited = make_test_app(database_url, AUTH_RATE_LIMITED=True, RATELIMIT_ENABLED=True,
                            AUTH_RATE_LIMIT="3 per 1 minute", RATELIMIT_STORAGE_URI="memory://")
    client = limited.test_client()
    responses = [login(client, "nobody_here", "Wrong#Pass1") for _ in range(4)]
    assert [r.status_code for r in responses] == [302, 302, 302, 429]
    assert "稍等" in responses[3].get_data(as_text=True)


def test_logins_work_and_stay_limited_while_redis_is_down(database_url, app):
    """Found by the deployment guide's checks: with REDIS_URL set and Redis down, every login
    answered 500. Counting falls back to memory instead."""
    down = make_test_app(database_url, AUTH_RATE_LIMITED=True, RATELIMIT_ENABLED=True,
                         AUTH_RATE_LIMIT="3 per 1 minute",
                         RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0")
    client = down.test_client()
    good = login(client, "county_reviewer")
    assert good.status_code == 302 and good.location.endswith("/")
    responses = [login(down.test_client(), "nobody_here", "Wrong#Pass1") for _ in range(4)]
    assert 500 not in [r.status_code for r in responses]
    assert responses[-1].status_code == 429


# -- cookies -------------------------------------------------------------------------------
def test_session_cookie_is_httponly_and_samesite(app):
    client = app.test_client()
    response = login(client, "county_reviewer")
    cookie = response.headers.get("Set-Cookie")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


def test_session_cookie_is_secure_over_https(app):
    client = app.test_client()
    page = client.get("/login/", base_url="https://localhost")
    from tests.conftest import csrf_token_of

    response = client.post("/login/", base_url="https://localhost", data={
        "username": "county_reviewer", "password": "Demo#2026",
        "csrf_token": csrf_token_of(page.get_data(as_text=True))})
    assert "Secure" in response.headers.get("Set-Cookie")
