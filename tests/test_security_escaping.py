"""Security sweep (issue 8), continued: markup typed into any text field is shown as text
on every page, in PDFs and in Excel (never as a formula); uploads are judged by content."""

from __future__ import annotations

import io
import zipfile

import pytest
from flask import g
from python_calamine import CalamineWorkbook

from app.domain import workflow
from app.domain.records.uscc import check_character
from app.extensions import db
from app.models import AppUser, Bank, Enterprise, ReportingActivity, ScoreRun, Submission
from app.services.finance import recommendations
from app.services.intake import reporting
from app.services.platform import accounts
from app.services.platform.excel import write_workbook
from app.services.review import workflow as flow
from tests.conftest import csrf_token_of, logged_in_client, login
from tests.test_security_sweep import main_pages

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
RAW = ("<script>alert(1)", "<img src=x onerror")
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
PAYLOAD = f"{SCRIPT}{IMG}"
FORMULAS = ["=1+2", "+SUM(1,2)", "-2+3", "@SUM(1,2)", '=HYPERLINK("http://x.invalid","y")',
            "=cmd|' /C calc'!A0"]


def _uscc(serial: int) -> str:
    first = f"91210202MA9{serial:06d}"
    return first + check_character(first)


@pytest.fixture(scope="module")
def marked(app):
    """Markup in an enterprise name, a bank name, submission fields, a review reason and a
    recommendation-list name, put there through the services as a user would."""
    with app.test_request_context():
        g.user = db.session.query(AppUser).filter_by(username="province_admin").one()
        bank = Bank(name=f"银行{IMG}")
        enterprise = Enterprise(uscc=_uscc(1), name=f"企业{SCRIPT}", region_code="210202")
        formula = Enterprise(uscc=_uscc(2), name=FORMULAS[0], region_code="210202")
        db.session.add_all([bank, enterprise, formula])
        db.session.commit()
        activity = db.session.query(ReportingActivity).order_by(ReportingActivity.id).first()
        submission = reporting.start_submission(activity, enterprise)
        reporting.save_draft(submission, {
            "contact_name": SCRIPT, "financing_purpose": PAYLOAD, "needs_financing": "是",
            "intended_banks": "工商银行"})
        flow.move(submission, workflow.RETURNED, workflow.RETURN, f"理由{PAYLOAD}")
        db.session.commit()
        user, password = accounts.create_enterprise_account(enterprise)
        run = db.session.query(ScoreRun).order_by(ScoreRun.id).first()
        listing = recommendations.build_list(run, "积分贷", f"名单{PAYLOAD}", {})
        return {"bank": bank.id, "enterprise": enterprise.id, "submission": submission.id,
                "list": listing.id, "login": (user.username, password)}


def _assert_escaped(html: str, where: str) -> None:
    for raw in RAW:
        assert raw not in html, f"raw markup on {where}"


SHOW_PAGES = {  # role -> pages that show the markup
    "province": ["/enterpriseview/show/{enterprise}", "/submissionview/show/{submission}",
                 "/review/show/{submission}", "/needs/show/{submission}",
                 "/bankview/show/{bank}", "/recommendations/show/{list}",
                 "/recommendations/list/"],
    "city": ["/enterpriseview/show/{enterprise}", "/submissionview/show/{submission}",
             "/review/show/{submission}", "/needs/show/{submission}", "/bankview/show/{bank}"],
    "county": ["/enterpriseview/show/{enterprise}", "/submissionview/show/{submission}",
               "/review/show/{submission}", "/needs/show/{submission}"],
    "bank": ["/needs/show/{submission}", "/bankview/show/{bank}"],
}


@pytest.mark.parametrize("role", sorted(SHOW_PAGES))
def test_markup_is_escaped_on_every_page(app, marked, role):
    client = logged_in_client(app, role)
    for template in SHOW_PAGES[role]:
        url = template.format(**marked)
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.get_data(as_text=True)
        _assert_escaped(html, url)
        assert ESCAPED in html or "&lt;img src=x onerror" in html, f"markup not shown on {url}"
    for url in sorted(set(main_pages(app))):  # every list the role opens, markup or not
        _assert_escaped(client.get(url).get_data(as_text=True), url)


def test_markup_is_escaped_for_the_enterprise_itself(app, marked):
    client = app.test_client()
    username, password = marked["login"]
    assert login(client, username, password).status_code == 302
    for url in ("/portal/", "/myfinancing/", "/notifications/",
                f"/submissionview/show/{marked['submission']}"):
        response = client.get(url, follow_redirects=True)
        assert response.status_code == 200, url
        _assert_escaped(response.get_data(as_text=True), url)


def test_markup_in_pdf_letters_is_escaped(app, marked, monkeypatch):
    """The letter's HTML goes to wkhtmltopdf, which would run injected script: check it."""
    from app.services.review import letters

    captured = []
    monkeypatch.setattr(letters.pdfkit, "from_string",
                        lambda html, path, options=None: captured.append(html))
    with app.test_request_context():
        g.user = db.session.query(AppUser).filter_by(username="province_admin").one()
        submission = db.session.get(Submission, marked["submission"])
        submission.status = workflow.APPROVED
        submission.name = f"企业{SCRIPT}"
        db.session.commit()
        letter = letters.generate(submission.activity, [submission.id])
        letter.submissions.clear()
        db.session.delete(letter)  # leave the approved records to the letter tests
        submission.status = workflow.RETURNED
        db.session.commit()
    html = captured[0]
    _assert_escaped(html, "the letter")
    assert ESCAPED in html


# --- Excel: no formula injection -------------------------------------------------------

def _cells(data: bytes) -> list[list]:
    return CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()


def _no_formula(data: bytes) -> None:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in archive.read(name), f"a formula in {name}"


def test_the_excel_writer_keeps_formula_like_text_as_text(tmp_path):
    path = tmp_path / "out.xlsx"
    write_workbook(str(path), "=sheet", ["=header", "b"], [[value, 1] for value in FORMULAS])
    data = path.read_bytes()
    _no_formula(data)
    rows = _cells(data)
    assert rows[0][0] == "=header"
    assert [row[0] for row in rows[1:]] == FORMULAS  # strings, not computed values


def test_exports_write_formula_like_names_as_text(app, marked, province_client):
    response = province_client.get("/enterpriseview/export/")
    assert response.status_code == 200
    _no_formula(response.data)
    names = {cell for row in _cells(response.data)[1:] for cell in row}
    assert FORMULAS[0] in names and f"企业{SCRIPT}" in names


# --- Uploads are judged by their bytes, not their names ---------------------------------

def test_a_project_file_named_yaml_that_is_not_text_is_refused(app, province_client):
    from app.models import EvaluationProject

    with app.app_context():
        before = db.session.query(EvaluationProject).count()
    page = province_client.get("/projects/upload").get_data(as_text=True)
    for data in (b"PK\x03\x04" + bytes(range(256)), b"%PDF-1.4\n\xe2\xe3\xcf\xd3\n"):
        response = province_client.post("/projects/upload", data={
            "csrf_token": csrf_token_of(page), "file": (io.BytesIO(data), "project.yaml")},
            content_type="multipart/form-data", follow_redirects=True)
        assert "UTF-8" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(EvaluationProject).count() == before


def test_a_pdf_named_xlsx_is_refused_by_the_batch_upload(app, county_client):
    with app.app_context():
        activity_id = db.session.query(ReportingActivity.id).order_by(
            ReportingActivity.id).first()[0]
    page = county_client.get(f"/batchview/upload/{activity_id}").get_data(as_text=True)
    response = county_client.post(f"/batchview/upload/{activity_id}", data={
        "csrf_token": csrf_token_of(page),
        "file": (io.BytesIO(b"%PDF-1.4 not a workbook"), "企业名单.xlsx")},
        content_type="multipart/form-data", follow_redirects=True)
    assert "Excel" in response.get_data(as_text=True)
