"""The indicator editor in the browser: stage totals as weights are typed, a formula checked
as typed, preview and publish."""

from playwright.sync_api import expect

from app.extensions import db
from app.models import EvaluationProject, ReportingActivity
from tests.browser.conftest import confirm_dialog
from tests.browser.test_sign_in import sign_in


def test_change_a_weight_preview_and_publish(app, page, live_server):
    with app.app_context():
        row = db.session.query(EvaluationProject).filter_by(
            code="innovation-points-2.0", status="published").order_by(
            EvaluationProject.version.desc()).first()
        pk, version = row.id, row.version
        has_activity = db.session.query(ReportingActivity).count() > 0
    sign_in(page, live_server, "province_admin")
    page.goto(f"{live_server}/projects/edit_project/{pk}")
    total = page.locator('.stage-total[data-stage="mature"]')
    assert total.inner_text() == "100"
    page.fill('input[name="weight-rd_expense-mature"]', "20")
    assert total.inner_text() == "106" and "danger" in total.get_attribute("class")
    page.fill('input[name="weight-rd_intensity-mature"]', "9")
    assert total.inner_text() == "100"
    page.fill('input[name="value-roe"]', "net_profit / (equity_end")
    page.wait_for_selector("#formula-roe.text-danger", timeout=5000)
    page.fill('input[name="value-roe"]', "net_profit / equity_end * 100")
    page.wait_for_selector("#formula-roe.text-success", timeout=5000)
    if has_activity:
        page.click("#preview-project")
        page.wait_for_selector("#preview")
        # The totals are written by the page's script: wait for it on the new page (found
        # flaky on a busy machine, where the element came before the script ran).
        expect(page.locator('.stage-total[data-stage="mature"]')).to_have_text("100")
    page.click("#publish-project")
    confirm_dialog(page)
    page.wait_for_selector(".alert-success")
    with app.app_context():
        newest = db.session.query(EvaluationProject).filter_by(
            code="innovation-points-2.0").order_by(EvaluationProject.version.desc()).first()
        assert newest.version == version + 1 and newest.status == "published"
        weights = {i["code"]: i.get("weights") for g in newest.definition["groups"]
                   for i in g["indicators"]}
        assert weights["rd_expense"]["mature"] == 20 and weights["rd_intensity"]["mature"] == 9
    assert page.console_errors == []
