"""The enterprise adds a patent row, saves, uploads its certificate with a progress bar,
previews it in the dialog and saves again; the counts the rows give follow as it types."""

from app.extensions import db
from app.models import Attachment, Submission
from app.services.intake import activities
from tests.browser.test_sign_in import sign_in

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n" + b"%" * 600_000 + \
    b"\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def test_a_patent_row_with_its_certificate(app, page, live_server, tmp_path):
    with app.app_context():
        activity = activities.create_activity("浏览器明细表", 2025, "county", open_now=True,
                                              detail_tables=["ip"])
        activity.evidence_fields = {"table:ip": {"required": True}}
        db.session.commit()
        activity_id = activity.id
    certificate = tmp_path / "专利证书.pdf"
    certificate.write_bytes(PDF)
    sign_in(page, live_server, "enterprise_user")
    page.goto(f"{live_server}/portal/activity/{activity_id}")
    page.click("a[href='#dim-output']")
    assert page.input_value("#f-ip_count") == "0"
    assert page.get_attribute("#f-ip_count", "readonly") is not None
    page.click("#detail-ip .detail-add")
    row = "#detail-ip tbody tr.detail-row:nth-child(1)"
    page.select_option(f"{row} select[name='detail-ip-0-ip_type']", "发明专利")
    page.fill(f"{row} input[name='detail-ip-0-number']", "ZL2023")
    page.fill(f"{row} input[name='detail-ip-0-title']", "一种智能装配机构")
    page.fill(f"{row} input[name='detail-ip-0-grant_date']", "2024-05-20")
    # The live check names the bad number beside its cell, and counts the row.
    page.wait_for_selector(f"{row} .detail-cell[data-column='number'].has-error", timeout=5000)
    assert "ZL 加 12 位数字" in page.inner_text(f"{row} .detail-cell[data-column='number']")
    page.wait_for_function("document.getElementById('f-ip_count').value === '1'")
    page.fill(f"{row} input[name='detail-ip-0-number']", "ZL202310123456.7")
    page.wait_for_selector(f"{row} .detail-cell[data-column='number'].has-error",
                           state="detached", timeout=5000)
    assert "1 行" in page.inner_text("#detail-ip .detail-count")
    page.click("#save-draft")
    page.wait_for_load_state("load")
    assert "草稿已保存" in page.inner_text("body")
    assert "尚需上传的佐证材料" in page.inner_text("#evidence-summary")

    # The saved row takes files: upload with a progress bar.
    page.click("a[href='#dim-output']")
    page.set_input_files(f"{row} .evidence-input", str(certificate))
    page.wait_for_selector(f"{row} .evidence-file a.evidence-name", timeout=10000)
    assert page.get_attribute(f"{row} .evidence", "data-progress") == "100"
    assert page.is_hidden(f"{row} .evidence-progress")
    assert page.inner_text("#evidence-summary").strip() == ""
    # Preview: the PDF opens in the dialog, read through the permission-checked link.
    link = page.get_attribute(f"{row} a.evidence-name", "href")
    with page.expect_response(lambda r: r.url.endswith(link)) as shown:
        page.click(f"{row} a.evidence-name")
    assert shown.value.status == 200
    assert shown.value.headers["content-type"] == "application/pdf"
    page.wait_for_selector("#evidence-preview iframe.evidence-frame", state="visible")
    assert page.inner_text("#evidence-preview-title") == "专利证书.pdf"
    page.click("#evidence-preview .modal-footer button[data-dismiss]")
    page.wait_for_selector("#evidence-preview", state="hidden")
    page.click("#save-draft")
    page.wait_for_load_state("load")
    assert "专利证书.pdf" in page.inner_text("#detail-ip")
    assert page.console_errors == []
    with app.app_context():
        record = db.session.query(Submission).filter_by(activity_id=activity_id).one()
        assert record.ip_count == 1 and record.invention_patents == 1
        uid = record.details["ip"][0]["uid"]
        files = db.session.query(Attachment).filter_by(submission_id=record.id).all()
        assert [(f.detail_table, f.detail_uid, f.bytes) for f in files] == [
            ("ip", uid, len(PDF))]
