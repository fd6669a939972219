"""Whole flows as users click them: a county's batch upload with failures, the failure report
and a corrected re-upload reaching the city; a return for correction and the resubmission
with the change view; the bank recording a loan that reaches the province's summary."""

import xlsxwriter
from python_calamine import CalamineWorkbook

from app.domain import workflow
from app.extensions import db
from app.models import RecommendationEntry, RecommendationList, Submission, UploadBatch
from app.services.intake import activities
from tests.browser.conftest import confirm_dialog
from tests.browser.test_sign_in import sign_in
from tests.test_batch import _file, _records


def _activity(app, name):
    with app.app_context():
        return activities.create_activity(name, 2025, "county", open_now=True).id


def _new_page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.console_errors = errors
    return page


def test_county_batch_upload_failures_and_corrected_reupload(app, page, browser, live_server,
                                                             tmp_path):
    activity_id = _activity(app, "浏览器批量上传")
    records = _records(120, start=81000, bad_every=12)  # 10 rows fail S3
    upload = tmp_path / "推荐企业.xlsx"
    upload.write_bytes(_file(app, activity_id, records))
    sign_in(page, live_server, "county_reviewer")
    page.goto(f"{live_server}/batchview/upload/{activity_id}")
    with page.expect_download() as template:
        page.click("#template-zh")
    assert template.value.suggested_filename.endswith(".xlsx")
    page.set_input_files("#upload-form input[type=file]", str(upload))
    page.click("#upload-button")
    page.wait_for_selector("#count-passed", timeout=30000)
    assert page.inner_text("#count-passed").strip() == "110"
    assert page.inner_text("#count-failed").strip() == "10"
    with page.expect_download() as report:
        page.click("#download-failures")
    failed = tmp_path / "failed.xlsx"
    report.value.save_as(str(failed))
    rows = CalamineWorkbook.from_path(str(failed)).get_sheet_by_index(0).to_python()
    assert len(rows) == 11 and rows[0][-1] == "不通过原因"
    # Correct the cells the reasons name, upload the report again as it is.
    header = rows[0]
    staff, employees = header.index("*研发人员期末数（人）"), header.index("*从业人员期末数（人）")
    fixed = tmp_path / "不通过企业-已修改.xlsx"
    workbook = xlsxwriter.Workbook(str(fixed))
    sheet = workbook.add_worksheet()
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if r and c == staff:
                value = int(row[employees]) - 1
            if value not in (None, ""):
                sheet.write(r, c, value)
    workbook.close()
    page.goto(f"{live_server}/batchview/upload/{activity_id}")
    page.set_input_files("#upload-form input[type=file]", str(fixed))
    page.click("#upload-button")
    page.wait_for_selector("#count-passed", timeout=30000)
    assert page.inner_text("#count-passed").strip() == "10"
    assert page.inner_text("#count-failed").strip() == "0"
    assert page.console_errors == []
    with app.app_context():
        fixed_ids = [s.id for s in db.session.query(Submission).join(UploadBatch).filter(
            UploadBatch.activity_id == activity_id, UploadBatch.passed == 10)]
    city = _new_page(browser)
    sign_in(city, live_server, "city_reviewer")
    city.goto(f"{live_server}/review/show/{fixed_ids[0]}")
    assert city.locator("#decide").count() == 1  # in the city's queue, decidable there
    city.context.close()


def test_return_for_correction_and_resubmission_show_the_changes(app, page, browser,
                                                                  live_server):
    from app.services.demo import demo_uscc
    from tests.test_review import _submitted

    activity_id = _activity(app, "浏览器退回修改")
    pk = _submitted(app, activity_id, demo_uscc("210202", 1))
    sign_in(page, live_server, "county_reviewer")
    page.goto(f"{live_server}/review/show/{pk}")
    page.check("input[name=action][value=return]")
    page.fill("textarea[name=reason]", "研发费用与税务申报不一致，请核对")
    page.select_option("select[name=fields]", ["rd_expense"])
    page.click("#decide")
    page.wait_for_load_state("load")
    with app.app_context():
        assert db.session.get(Submission, pk).status == workflow.RETURNED
    enterprise = _new_page(browser)
    sign_in(enterprise, live_server, "enterprise_user")
    enterprise.goto(f"{live_server}/portal/activity/{activity_id}")
    assert "研发费用与税务申报不一致" in enterprise.inner_text("body")
    enterprise.click("a[href='#dim-input']")
    enterprise.fill("#f-rd_expense", "321")
    enterprise.check("#agree")
    enterprise.fill("#signed_name", "王芳")
    enterprise.click("#submit-record")
    confirm_dialog(enterprise)
    assert enterprise.console_errors == []
    enterprise.context.close()
    with app.app_context():
        assert db.session.get(Submission, pk).status == workflow.PENDING_COUNTY
    page.goto(f"{live_server}/review/show/{pk}")
    changes = page.inner_text("table.changes")
    assert "研发费用" in changes and "321" in changes
    assert page.console_errors == []


def test_the_bank_records_a_loan_that_reaches_the_province(app, page, browser, live_server):
    with app.app_context():
        from app.models import AppUser

        bank_id = db.session.query(AppUser).filter_by(username="bank_user").one().bank_id
        entry = db.session.query(RecommendationEntry).join(RecommendationList).filter(
            RecommendationList.status == "published", RecommendationEntry.bank_id == bank_id,
            RecommendationEntry.status == "recommended").first()
        entry_id, region = entry.id, entry.region_code
        granted_before = sum(e.loan_amount or 0 for e in db.session.query(RecommendationEntry)
                             .filter_by(bank_id=bank_id, status="granted"))
    sign_in(page, live_server, "bank_user")
    page.goto(f"{live_server}/recommended/list/")
    page.goto(f"{live_server}/recommended/outcome/{entry_id}")
    page.select_option("#status", "granted")
    page.fill("#loan_amount", "777")
    page.fill("#loan_date", "2026-11-02")
    page.click("#record-outcome")
    page.wait_for_load_state("load")
    assert "已登记" in page.inner_text("body")
    assert page.console_errors == []
    province = _new_page(browser)
    sign_in(province, live_server, "province_admin")
    province.goto(f"{live_server}/loans/")
    assert f"{granted_before + 777:,.2f}" in province.inner_text("#loans-bank")
    province.context.close()
    with app.app_context():
        assert db.session.get(RecommendationEntry, entry_id).loan_amount == 777
    assert region
