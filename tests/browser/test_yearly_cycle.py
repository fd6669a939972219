"""The yearly cycle, clicked through by each user in turn: the province opens an activity; the
enterprise self-reports, meets a strong error, fixes it, signs and submits; county, city and
province approve; the province sends the letter and uploads its stamped scan; scores are run
and confirmed; the enterprise sees its points; a list reaches the bank, which records a loan."""

import datetime as dt

from app.extensions import db
from app.models import RecommendationEntry, ReportingActivity, ScoreResult, Submission
from app.services.demo import demo_uscc
from tests.browser.conftest import confirm_dialog
from tests.browser.test_flows import _new_page
from tests.browser.test_sign_in import sign_in
from tests.domain.test_rules import GOOD

ACTIVITY = "2027年度创新积分企业信息征集（浏览器全流程）"
FILL = """values => {
  for (const [key, value] of Object.entries(values)) {
    const field = document.getElementById("f-" + key);
    if (!field) { continue; }
    field.value = value;
    field.dispatchEvent(new Event("input", {bubbles: true}));
    field.dispatchEvent(new Event("change", {bubbles: true}));
  }
}"""


def _approve(browser, live_server, username, pk):
    page = _new_page(browser)
    sign_in(page, live_server, username)
    page.goto(f"{live_server}/review/show/{pk}")
    page.check("input[name=action][value=approve]")
    page.click("#decide")
    page.wait_for_load_state("load")
    errors = page.console_errors
    page.context.close()
    assert errors == []


def test_the_yearly_cycle(app, page, browser, live_server, tmp_path):
    today = dt.date.today()
    # 1. The province opens the activity.
    sign_in(page, live_server, "province_admin")
    page.goto(f"{live_server}/activityview/add")
    page.fill("#name", ACTIVITY)
    page.fill("#data_year", "2026")
    page.select_option("#review_chain", "county")
    page.select_option("#status", "open")
    page.fill("#collection_start", (today - dt.timedelta(days=1)).isoformat())
    page.fill("#collection_end", (today + dt.timedelta(days=30)).isoformat())
    page.click("#shell-content form#model_form button[type=submit], "
               "#shell-content form button[type=submit]")
    page.wait_for_load_state("load")
    with app.app_context():
        activity_id = db.session.query(ReportingActivity).filter_by(name=ACTIVITY).one().id

    # 2. The enterprise reports: a strong error first, then fixed, signed, submitted.
    enterprise = _new_page(browser)
    sign_in(enterprise, live_server, "enterprise_user")
    enterprise.goto(f"{live_server}/portal/activity/{activity_id}")
    # The routine fields at once (as a browser's autofill would); the figures that matter
    # are typed below.
    enterprise.evaluate(FILL, {k: str(v) for k, v in GOOD.items()
                               if k not in ("name", "uscc", "employees", "rd_staff")})
    enterprise.click("a[href='#dim-input']")
    enterprise.fill("#f-employees", "40")
    enterprise.fill("#f-rd_staff", "60")
    enterprise.wait_for_selector(".field-row[data-field='rd_staff'].has-error", timeout=10000)
    enterprise.fill("#f-rd_staff", "12")
    enterprise.click("a[href='#dim-finance']")
    enterprise.select_option("#f-needs_financing", "是")
    enterprise.fill("#f-financing_need_amount", "600")
    enterprise.check("input[name=financing_need_types][value=信用贷款]")
    enterprise.locator("select[name=intended_banks]").first.select_option("工商银行")
    enterprise.check("#agree")
    enterprise.fill("#signed_name", "王芳")
    enterprise.click("#submit-record")
    assert "区县审核" in enterprise.inner_text("#shell-confirm-text")  # says what will happen
    confirm_dialog(enterprise)
    enterprise.wait_for_load_state("load")
    with app.app_context():
        record = db.session.query(Submission).filter_by(
            activity_id=activity_id, uscc=demo_uscc("210202", 1)).one()
        pk, status = record.id, record.status
    assert status == "pending_county", enterprise.inner_text("body")[:3000]
    assert enterprise.console_errors == []

    # 3. County, city and province approve.
    for username in ("county_reviewer", "city_reviewer", "province_admin"):
        _approve(browser, live_server, username, pk)
    with app.app_context():
        assert db.session.get(Submission, pk).status == "approved"

    # 4. The letter, and its stamped scan.
    page.goto(f"{live_server}/activityview/show/{activity_id}")
    page.click("#letter-all")
    page.wait_for_selector("#upload-scan")
    scan = tmp_path / "盖章扫描件.pdf"
    scan.write_bytes(b"%PDF-1.4\n% stamped scan\n")
    page.set_input_files("input[name=file]", str(scan))
    page.click("#upload-scan")
    confirm_dialog(page)
    with app.app_context():
        assert db.session.get(Submission, pk).status == "submitted"

    # 5. Scores run in the background, then confirmed.
    page.goto(f"{live_server}/scoreruns/start")
    page.select_option("select[name=activity]", str(activity_id))
    page.click("#run-scores")
    page.wait_for_selector("#open-run", timeout=60000)
    page.click("#open-run")
    page.wait_for_selector("#confirm-all")
    page.click("#confirm-all")
    page.wait_for_selector("#confirm-run")  # the confirmation screen
    if page.locator("#accept-small-cohorts").count():  # a small activity: the second yes
        page.check("#accept-small-cohorts")
    page.click("#confirm-run")
    page.wait_for_load_state("load")
    with app.app_context():
        result = db.session.query(ScoreResult).filter_by(submission_id=pk).one()
        assert result.status == "confirmed"

    # 6. The enterprise sees its points and how each was earned.
    enterprise.goto(f"{live_server}/myscore/")
    assert enterprise.locator(".score-total").count() >= 1
    assert "研发费用" in enterprise.inner_text("body")

    # 7. A recommendation list reaches the bank, which records a loan.
    page.goto(f"{live_server}/recommendations/build")
    page.select_option("#run", str(result.run_id))
    page.fill("#name", "全流程推荐名单")
    page.click("#build-list")
    page.wait_for_selector("#publish-list")
    page.click("#publish-list")
    confirm_dialog(page)
    with app.app_context():
        entry_id = db.session.query(RecommendationEntry).filter_by(submission_id=pk).one().id
    bank = _new_page(browser)
    sign_in(bank, live_server, "bank_user")
    bank.goto(f"{live_server}/recommended/outcome/{entry_id}")
    bank.select_option("#status", "granted")
    bank.fill("#loan_amount", "600")
    bank.fill("#loan_date", today.isoformat())
    bank.click("#record-outcome")
    bank.wait_for_load_state("load")
    with app.app_context():
        assert db.session.get(RecommendationEntry, entry_id).status == "granted"
    assert bank.console_errors == [] and page.console_errors == []
    bank.context.close()
    enterprise.context.close()
