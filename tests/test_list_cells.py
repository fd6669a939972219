"""List cells read as people write them: "—" for no value (never "None"), yes or no in
words, times to the minute, amounts with two decimals and separators; the Excel export keeps
the real values."""

import datetime as dt
import re

from app.views.shell.base import shown_cell


def test_shown_cell():
    assert shown_cell(None) == "—" and shown_cell("") == "—"
    assert shown_cell(dt.datetime(2026, 3, 5, 9, 7, 31, 123456)) == "2026-03-05 09:07"
    assert shown_cell(dt.date(2026, 3, 5)) == dt.date(2026, 3, 5)
    assert shown_cell(0) == 0 and shown_cell("草稿") == "草稿"
    assert shown_cell(1200.0) == "1,200.00" and shown_cell(2025) == 2025
    assert shown_cell(123456) == "123,456"


def test_submission_list_shows_no_none_and_minutes(app, province_client):
    # Records waiting for review were submitted (PostgreSQL sorts no value first).
    page = province_client.get("/submissionview/list/?psize_SubmissionView=100"
                               "&_flt_0_status=pending")
    html = page.get_data(as_text=True)
    cells = re.findall(r"<td[^>]*>(.*?)</td>", html, flags=re.S)
    assert cells and not any(cell.strip() == "None" for cell in cells)
    assert re.search(r"<td[^>]*>\s*\d{4}-\d\d-\d\d \d\d:\d\d\s*</td>", html)
    assert not re.search(r"\d\d:\d\d:\d\d\.\d{6}", html)


def test_a_record_page_shows_no_none(app, province_client):
    from app.extensions import db
    from app.models import Submission

    with app.app_context():
        record_id = db.session.execute(db.select(Submission.id).where(
            Submission.submitted_at.is_(None)).order_by(Submission.id)).scalars().first()
    html = province_client.get(f"/submissionview/show/{record_id}").get_data(as_text=True)
    cells = re.findall(r"<td[^>]*>(.*?)</td>", html, flags=re.S)
    assert len(cells) > 50 and not any(cell.strip() == "None" for cell in cells)


def test_channels_are_named_not_coded(app, county_client):
    """How a record came in shows as officials name it (SPEC §4), in the user's language."""
    from app.domain.records.channels import CHANNEL_LABELS
    from app.extensions import db
    from app.models import Submission

    queue = county_client.get("/review/list/").get_data(as_text=True)
    cells = [c.strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", queue, flags=re.S)]
    assert "企业自主填报" in cells or "批量上传" in cells
    assert not {"self", "upload", "api"} & set(cells)
    with app.app_context():
        record_id = db.session.execute(db.select(Submission.id).where(
            Submission.region_code.like("210202%"), Submission.channel == "self")
            .order_by(Submission.id)).scalars().first()
    shown = county_client.get(f"/submissionview/show/{record_id}").get_data(as_text=True)
    assert "企业自主填报" in shown and not re.search(r"<td>\s*self\s*</td>", shown)
    county_client.get("/lang/en")
    try:
        review = county_client.get(f"/review/show/{record_id}").get_data(as_text=True)
        assert f"Channel: {CHANNEL_LABELS['self'][1]}" in review
    finally:
        county_client.get("/lang/zh")


def test_channel_label():
    from app.domain.records.channels import channel_label

    assert channel_label("upload", "zh") == "批量上传"
    assert channel_label("api", "en") == "API"
    assert channel_label("later", "zh") == "later" and channel_label(None, "en") == ""


def test_a_records_history_names_its_steps(app, county_client, enterprise_client):
    """创建, 提交, 审核通过 … — not the codes the history keeps (create, submit)."""
    from app.domain import workflow
    from app.extensions import db
    from app.models import ReviewRecord, Submission
    from app.services.demo import demo_uscc

    with app.app_context():
        own = db.session.execute(db.select(Submission).where(  # the demo's own draft
            Submission.enterprise.has(uscc=demo_uscc("210202", 1)))
            .order_by(Submission.id)).scalars().first()
        submitted = db.session.execute(db.select(Submission.id).join(ReviewRecord).where(
            Submission.region_code.like("210202%"),
            Submission.status == workflow.PENDING_COUNTY,
            ReviewRecord.action == workflow.SUBMIT)).scalars().first()
        activity_id = own.activity_id
    portal = enterprise_client.get(f"/portal/activity/{activity_id}").get_data(as_text=True)
    assert "<td>创建</td>" in portal and "<td>create</td>" not in portal
    review = county_client.get(f"/review/show/{submitted}").get_data(as_text=True)
    assert "<td>提交</td>" in review and "<td>submit</td>" not in review
