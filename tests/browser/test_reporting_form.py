"""The enterprise fills the form and sees rule results while typing."""

from tests.browser.test_sign_in import sign_in


def test_live_rule_results_while_typing(page, live_server):
    sign_in(page, live_server, "enterprise_user")
    page.goto(f"{live_server}/portal/")
    page.click("text=立即申报")
    page.click("a[href='#dim-input']")
    page.fill("#f-employees", "10")
    page.fill("#f-rd_staff", "20")
    page.wait_for_selector(".field-row[data-field='rd_staff'].has-error", timeout=5000)
    assert "研发人员不超过从业人员" in page.inner_text(".field-row[data-field='rd_staff']")
    page.fill("#f-rd_staff", "5")
    page.fill("#f-rd_expense", "5000")
    page.wait_for_selector(".field-row[data-field='rd_expense'].has-warning", timeout=5000)
    assert "3000" in page.inner_text(".field-row[data-field='rd_expense']")
    assert not page.query_selector(".field-row[data-field='rd_staff'].has-error")
    page.click("#save-draft")
    assert "草稿已保存" in page.inner_text("body")
    assert page.console_errors == []
