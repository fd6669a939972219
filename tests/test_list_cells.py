"""List cells read as people write them: nothing for no value (not "None"), yes or no in
words, times to the minute; the Excel export keeps the real values."""

import datetime as dt
import re

from app.views.base import shown_cell


def test_shown_cell():
    assert shown_cell(None) == ""
    assert shown_cell(dt.datetime(2026, 3, 5, 9, 7, 31, 123456)) == "2026-03-05 09:07"
    assert shown_cell(dt.date(2026, 3, 5)) == dt.date(2026, 3, 5)
    assert shown_cell(0) == 0 and shown_cell("草稿") == "草稿"


def test_submission_list_shows_no_none_and_minutes(app, province_client):
    # Records waiting for review were submitted (PostgreSQL sorts no value first).
    page = province_client.get("/submissionview/list/?psize_SubmissionView=100"
                               "&_flt_0_status=pending")
    html = page.get_data(as_text=True)
    cells = re.findall(r"<td>(.*?)</td>", html, flags=re.S)
    assert cells and not any(cell.strip() == "None" for cell in cells)
    assert re.search(r"<td>\s*\d{4}-\d\d-\d\d \d\d:\d\d\s*</td>", html)
    assert not re.search(r"\d\d:\d\d:\d\d\.\d{6}", html)


def test_a_record_page_shows_no_none(app, province_client):
    from app.extensions import db
    from app.models import Submission

    with app.app_context():
        record_id = db.session.execute(db.select(Submission.id).where(
            Submission.submitted_at.is_(None)).order_by(Submission.id)).scalars().first()
    html = province_client.get(f"/submissionview/show/{record_id}").get_data(as_text=True)
    cells = re.findall(r"<td>(.*?)</td>", html, flags=re.S)
    assert len(cells) > 50 and not any(cell.strip() == "None" for cell in cells)
