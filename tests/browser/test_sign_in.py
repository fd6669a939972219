"""Each demo account signs in through the real login page and sees its own menus."""

import pytest

# The sidebar's task groups each role sees, and entries that tell the roles apart.
GROUPS = {
    "admin": {"信息填报", "审核", "创新积分", "公示与入库", "企业培育", "科技金融", "数据看板",
              "系统管理"},
    "province_admin": {"信息填报", "审核", "创新积分", "公示与入库", "企业培育", "科技金融",
                       "数据看板", "系统管理"},
    "city_reviewer": {"信息填报", "审核", "创新积分", "公示与入库", "企业培育", "科技金融",
                      "数据看板", "系统管理"},
    "county_reviewer": {"信息填报", "审核", "创新积分", "公示与入库", "企业培育", "科技金融",
                        "数据看板", "系统管理"},
    "enterprise_user": {"信息填报", "创新积分", "公示与入库", "企业培育", "科技金融", "系统管理"},
    "bank_user": {"科技金融", "数据看板", "系统管理"},
}
ENTRIES = {  # (shown, not shown)
    "admin": ({"用户", "角色与权限", "审计日志"}, set()),
    "province_admin": ({"评价项目", "积分测算", "审计日志", "公示批次"}, {"用户"}),
    "city_reviewer": ({"待我审核", "上传批次"}, {"评价项目", "审计日志"}),
    "county_reviewer": ({"待我审核", "集中抽查"}, {"积分测算", "审计日志", "公示批次"}),
    "enterprise_user": ({"我的填报", "我的创新积分"}, {"待我审核", "审计日志"}),
    "bank_user": ({"推荐企业"}, {"填报记录", "待我审核"}),
}


def sign_in(page, base, username, password="Demo#2026"):
    page.goto(f"{base}/login/")
    page.fill("#username", username)
    page.fill("#password", password)
    # Wait for the page the form leads to: on a busy machine reading the header too early
    # sees a page still being parsed.
    with page.expect_navigation():
        page.click("input[type=submit], button[type=submit]")
    page.wait_for_load_state("load")


@pytest.mark.parametrize("username", list(GROUPS))
def test_demo_account_signs_in_and_sees_its_menus(page, live_server, username):
    sign_in(page, live_server, username)
    groups = {t.strip() for t in page.locator(".shell-nav-title span").all_inner_texts()}
    assert groups == GROUPS[username]
    entries = {t.strip() for t in page.locator(".shell-nav-item span").all_inner_texts()}
    shown, hidden = ENTRIES[username]
    assert shown <= entries and not hidden & entries
    assert page.title().startswith("工作台 · ") and "您好" in page.inner_text("body")
    assert page.console_errors == []


def test_wrong_password_says_what_to_do(page, live_server):
    sign_in(page, live_server, "bank_user", "Wrong#Pass1")
    assert "登录名或密码错误" in page.inner_text("body")


def test_language_switch(page, live_server):
    sign_in(page, live_server, "province_admin")
    page.goto(f"{live_server}/lang/en")
    body = page.inner_text("#shell-sidebar")
    assert "Technology finance" in body and "科技金融" not in body
    page.goto(f"{live_server}/lang/zh")
    assert "科技金融" in page.inner_text("#shell-sidebar")


def test_county_reviewer_exports_its_list(page, live_server):
    sign_in(page, live_server, "county_reviewer")
    page.goto(f"{live_server}/enterpriseview/list/")
    with page.expect_download() as download:
        page.click("#export-excel")
    assert download.value.suggested_filename.endswith(".xlsx")
