"""Submission letters: PDF with every enterprise and its version on every page; scans."""

import io
import subprocess
import unicodedata

import pytest

from app.domain import workflow
from app.extensions import db
from app.models import Submission, SubmissionLetter
from app.services.intake import activities
from app.services.review import letters
from tests.conftest import csrf_token_of
from tests.test_review import _decide, _submitted


def _pages(pdf: bytes) -> list[str]:
    count = int(next(line.split()[-1] for line in subprocess.run(
        ["pdfinfo", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
        .splitlines() if line.startswith("Pages:")))
    return [unicodedata.normalize("NFKC", subprocess.run(
        ["pdftotext", "-f", str(p), "-l", str(p), "-", "-"], input=pdf, capture_output=True,
        check=True).stdout.decode()) for p in range(1, count + 1)]


@pytest.fixture
def approved(app, county_client, city_client, province_client):
    with app.app_context():
        activity_id = activities.create_activity("报送函测试活动", 2025, "county",
                                                 open_now=True).id
    from app.services.demo import demo_uscc

    ids = [_submitted(app, activity_id, demo_uscc("210202", 8900 + i)) for i in range(30)]
    for client in (county_client, city_client, province_client):
        _decide(client, ids, workflow.APPROVE)
    return activity_id, ids


def _generate(client, activity_id, ids=""):
    page = client.get(f"/activityview/show/{activity_id}").get_data(as_text=True)
    return client.post("/letters/generate", data={"csrf_token": csrf_token_of(page),
                                                  "activity_id": activity_id, "ids": ids})


def test_letter_lists_every_record_with_its_version_on_every_page(app, approved,
                                                                  province_client):
    activity_id, ids = approved
    response = _generate(province_client, activity_id)
    letter_id = int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    pdf = province_client.get(f"/letters/pdf/{letter_id}").data
    pages = _pages(pdf)
    assert len(pages) >= 2
    assert all("报送函版本号:第1版" in page.replace(" ", "") for page in pages)
    text = "".join(pages)
    with app.app_context():
        for submission in db.session.query(Submission).filter(Submission.id.in_(ids)):
            assert submission.uscc in text and submission.name in text
    second = _generate(province_client, activity_id, ",".join(map(str, ids[:3])))
    second_id = int(second.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    with app.app_context():
        assert db.session.get(SubmissionLetter, second_id).version == 2
    assert "第2版" in "".join(_pages(province_client.get(f"/letters/pdf/{second_id}").data)) \
        .replace(" ", "")


def test_stamped_scan_marks_records_submitted_and_bad_scans_are_refused(app, approved,
                                                                        province_client):
    activity_id, ids = approved
    response = _generate(province_client, activity_id)
    letter_id = int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    page = province_client.get(f"/letters/show/{letter_id}").get_data(as_text=True)
    token = csrf_token_of(page)

    def upload(data, name):
        return province_client.post(f"/letters/scan/{letter_id}", data={
            "csrf_token": token, "file": (io.BytesIO(data), name)},
            content_type="multipart/form-data", follow_redirects=True).get_data(as_text=True)

    assert "PDF、PNG 或 JPG" in upload(b"MZ\x90\x00 an executable", "scan.pdf")
    app.config["UPLOAD_MAX_MB"] = 1
    try:
        assert "MB" in upload(b"%PDF-1.4" + b"0" * (2 * 1024 * 1024), "big.pdf")
    finally:
        app.config["UPLOAD_MAX_MB"] = 20
    with app.app_context():
        assert {s.status for s in db.session.query(Submission).filter(
            Submission.id.in_(ids))} == {workflow.APPROVED}
    assert "30" in upload(b"%PDF-1.4 stamped", "盖章扫描件.pdf")
    with app.app_context():
        assert {s.status for s in db.session.query(Submission).filter(
            Submission.id.in_(ids))} == {workflow.SUBMITTED}
    assert province_client.get(f"/letters/scan/{letter_id}").data == b"%PDF-1.4 stamped"


def test_letters_need_approved_records_and_the_province(app, province_client, client_as):
    with app.app_context():
        empty = activities.create_activity("无记录活动", 2025, "county", open_now=True).id
    html = province_client.get(
        _generate(province_client, empty).headers["Location"]).get_data(as_text=True)
    assert "没有可报送的记录" in html
    for role in ("city", "county", "enterprise", "bank"):
        assert client_as(role).get("/letters/list/").status_code == 403


def test_missing_wkhtmltopdf_is_said_clearly(app, approved, monkeypatch):
    activity_id, _ids = approved

    def broken(*args, **kwargs):
        raise OSError("No wkhtmltopdf executable found")

    monkeypatch.setattr(letters.pdfkit, "from_string", broken)
    with app.test_request_context():
        from flask import g

        g.user = app.appbuilder.sm.find_user(username="province_admin")
        activity = db.session.get(activities.ReportingActivity, activity_id)
        with pytest.raises(letters.LetterError) as refused:
            letters.generate(activity)
        assert "wkhtmltopdf" in refused.value.message_zh
        assert db.session.query(SubmissionLetter).filter_by(activity_id=activity_id).count() == 0
