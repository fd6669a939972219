"""Each demo account signs in through the real login page and sees its own menus."""

import pytest

MENUS = {
    "admin": ["用户权限", "企业管理", "基础数据", "系统管理"],
    "province_admin": ["企业管理", "基础数据", "系统管理"],
    "city_reviewer": ["企业管理", "基础数据"],
    "county_reviewer": ["企业管理", "基础数据"],
    "enterprise_user": ["企业管理", "基础数据"],
    "bank_user": ["基础数据"],
}
ALL_CATEGORIES = {"用户权限", "企业管理", "基础数据", "系统管理"}


def sign_in(page, base, username, password="Demo#2026"):
    page.goto(f"{base}/login/")
    page.fill("#username", username)
    page.fill("#password", password)
    # Wait for the page the form leads to: on a busy machine reading the header too early
    # sees a page still being parsed.
    with page.expect_navigation():
        page.click("input[type=submit], button[type=submit]")
    page.wait_for_load_state("load")


@pytest.mark.parametrize("username", list(MENUS))
def test_demo_account_signs_in_and_sees_its_menus(page, live_server, username):
    sign_in(page, live_server, username)
    nav = page.inner_text("header")
    for category in MENUS[username]:
        assert category in nav
    for category in ALL_CATEGORIES - set(MENUS[username]):
        assert category not in nav
    assert "欢迎您" in page.inner_text("body")
    assert page.console_errors == []


def test_wrong_password_says_what_to_do(page, live_server):
    sign_in(page, live_server, "bank_user", "Wrong#Pass1")
    assert "登录名或密码错误" in page.inner_text("body")


def test_language_switch(page, live_server):
    sign_in(page, live_server, "province_admin")
    page.goto(f"{live_server}/lang/en")
    body = page.inner_text("body")
    assert "Enterprises" in body and "企业管理" not in body
    page.goto(f"{live_server}/lang/zh")
    assert "企业管理" in page.inner_text("body")


def test_county_reviewer_exports_its_list(page, live_server):
    sign_in(page, live_server, "county_reviewer")
    page.goto(f"{live_server}/enterpriseview/list/")
    with page.expect_download() as download:
        page.click("#export-excel")
    assert download.value.suggested_filename.endswith(".xlsx")
