"""Evidence files through the web (SPEC §12.2): uploads judged by content with a message in the
user's language and nothing kept when refused (over the limit, other types, a false
extension, empty, a bad name, a body over MAX_CONTENT_LENGTH, an upload cut off, an expired
form); downloads for the roles that may read the record only, each in the audit log, shown
inline with the right type; replace and delete only while the record may change."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from app.domain import workflow
from app.extensions import db
from app.models import Attachment, AuditLog, Enterprise, Submission
from app.security import roles
from app.services.demo import demo_uscc
from app.services.intake import activities, reporting
from app.services.platform.accounts import create_user
from tests.conftest import login, make_test_app
from tests.domain.test_rules import GOOD

MB = 1024 * 1024
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(200)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(200)
OWN = demo_uscc("210202", 1)
PASSWORD = "Good#Pass1"


def _ofd() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("OFD.xml", "<ofd:OFD xmlns:ofd='http://www.ofdspec.org/2016'/>")
        archive.writestr("Doc_0/Document.xml", "<ofd:Document/>")
    return buffer.getvalue()


def stored_files(app) -> list[Path]:
    """Everything under the evidence storage folder, partial files included."""
    root = Path(app.config["UPLOAD_FOLDER"]) / "evidence"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


@pytest.fixture(scope="module")
def record(app):
    """The demo enterprise's draft in an activity of its own, with one patent row."""
    with app.app_context():
        activity = activities.create_activity("佐证材料网页测试", 2025, "county", open_now=True,
                                              detail_tables=["ip"])
        enterprise = db.session.query(Enterprise).filter_by(uscc=OWN).one()
        submission = reporting.start_submission(activity, enterprise)
        reporting.save_draft(submission, {**GOOD, "uscc": OWN}, {"ip": [{
            "ip_type": "发明专利", "number": "ZL202310123456.7", "title": "一种装置",
            "grant_date": "2024-05-20"}]})
        return {"id": submission.id, "activity": activity.id,
                "uid": submission.details["ip"][0]["uid"]}


@pytest.fixture(scope="module")
def others(app):
    """Accounts that may not read the record: another enterprise, a county elsewhere."""
    with app.app_context():
        other = db.session.query(Enterprise).filter_by(uscc=demo_uscc("210203", 2)).one()
        create_user("ev_other_enterprise", PASSWORD, roles.ENTERPRISE, first_name="a",
                    last_name="b", email="ev-oe@x.invalid", enterprise_id=other.id)
        create_user("ev_other_county", PASSWORD, roles.COUNTY_REVIEWER, first_name="a",
                    last_name="b", email="ev-oc@x.invalid", region_code="210203")
        create_user("ev_other_city", PASSWORD, roles.CITY_REVIEWER, first_name="a",
                    last_name="b", email="ev-ocity@x.invalid", region_code="2101")
        db.session.commit()
    return ["ev_other_enterprise", "ev_other_county", "ev_other_city"]


def attachment_rows(app) -> int:
    with app.app_context():
        return db.session.query(Attachment).count()


def _token(client) -> str:
    """A CSRF token for the client's session, as any of its pages would carry."""
    from itsdangerous import URLSafeTimedSerializer

    client.get("/workbench/")
    with client.session_transaction() as session:
        raw = session.get("csrf_token")
    if raw is None:  # no page has made one yet
        raise AssertionError("no CSRF token in the session")
    secret = client.application.config["SECRET_KEY"]
    return URLSafeTimedSerializer(secret, salt="wtf-csrf-token").dumps(raw)


def upload(client, record_id, content, name, token=None, **target):
    target = target or {"field": "rd_expense"}
    return client.post(f"/evidence/upload/{record_id}", data={
        "csrf_token": token or _token(client), "file": (io.BytesIO(content), name), **target},
        content_type="multipart/form-data")


@pytest.mark.parametrize("content, name, kind, media_type", [
    (PDF, "研发费用专项审计报告.pdf", "pdf", "application/pdf"),
    (PNG, "高新证书.png", "png", "image/png"),
    (JPEG, "现场照片.JPG", "jpeg", "image/jpeg"),
    (_ofd(), "电子发票.ofd", "ofd", "application/ofd"),
])
def test_accepted_files_are_kept_and_listed(app, record, enterprise_client, content, name,
                                            kind, media_type):
    before = len(stored_files(app))
    response = upload(enterprise_client, record["id"], content, name)
    assert response.status_code == 200, response.get_json()
    answer = response.get_json()
    assert answer["name"] == name and answer["bytes"] == len(content)
    assert answer["kind"] == kind and answer["url"] == f"/evidence/file/{answer['id']}"
    assert len(stored_files(app)) == before + 1
    file = enterprise_client.get(answer["url"])
    assert file.status_code == 200 and file.data == content
    assert file.headers["Content-Type"].startswith(media_type)
    assert file.headers["X-Content-Type-Options"] == "nosniff"
    inline = kind != "ofd"  # OFD has no viewer in browsers: downloaded
    assert file.headers["Content-Disposition"].startswith("inline" if inline else "attachment")
    assert "filename*=UTF-8''" in file.headers["Content-Disposition"]
    forced = enterprise_client.get(answer["url"] + "?download=1")
    assert forced.headers["Content-Disposition"].startswith("attachment")
    page = enterprise_client.get(f"/portal/activity/{record['activity']}").get_data(as_text=True)
    assert f'href="{answer["url"]}"' in page and name in page


def test_a_detail_row_carries_files_and_an_unknown_row_does_not(app, record, enterprise_client):
    ok = upload(enterprise_client, record["id"], PDF, "专利证书.pdf", table="ip",
                uid=record["uid"])
    assert ok.status_code == 200
    before = len(stored_files(app))
    refused = upload(enterprise_client, record["id"], PDF, "专利证书.pdf", table="ip",
                     uid="nosuchrow")
    assert refused.status_code == 400 and "该明细行不存在" in refused.get_json()["error"]
    assert len(stored_files(app)) == before


HTML = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


@pytest.mark.parametrize("content, name, says", [
    (HTML, "审计报告.pdf", "只接受 PDF、JPG、PNG 或 OFD"),
    (SVG, "logo.svg", "只接受 PDF、JPG、PNG 或 OFD"),
    (SVG, "logo.png", "只接受 PDF、JPG、PNG 或 OFD"),
    (PDF, "报告.png", "文件内容是 PDF"),
    (b"", "空文件.pdf", "文件是空的（0 字节）"),
    (PDF, "目录/报告.pdf", "文件名不能包含“/”"),
    (PDF, "报告\x07.pdf", "文件名含有控制字符"),
    (PDF, "报告\u202egpj.pdf", "文件名含有控制字符"),  # right-to-left override
])
def test_refused_files_say_why_and_nothing_is_kept(app, record, enterprise_client, content,
                                                   name, says):
    before, rows = stored_files(app), attachment_rows(app)
    response = upload(enterprise_client, record["id"], content, name)
    assert response.status_code == 400
    assert says in response.get_json()["error"]
    assert stored_files(app) == before and attachment_rows(app) == rows


def multipart(token: str, name_in_header: str, content: bytes, boundary="----ipp-test"
              ) -> tuple[bytes, str]:
    """A multipart body written by hand: the file name exactly as a browser's header has it
    (the test client's own encoding turns a backslash into an escape)."""
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n"
            f"{token}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"field\"\r\n"
            f"\r\nrd_expense\r\n--{boundary}\r\nContent-Disposition: form-data; "
            f"name=\"file\"; filename=\"{name_in_header}\"\r\nContent-Type: application/pdf"
            "\r\n\r\n").encode()
    return head + content + f"\r\n--{boundary}--\r\n".encode(), \
        f"multipart/form-data; boundary={boundary}"


def test_a_backslash_in_the_name_is_refused(app, record, enterprise_client):
    before = stored_files(app)
    body, kind = multipart(_token(enterprise_client), "报告\\\\2024.pdf", PDF)
    response = enterprise_client.post(f"/evidence/upload/{record['id']}", data=body,
                                      content_type=kind)
    assert response.status_code == 400
    assert "文件名不能包含“/”或“\\”" in response.get_json()["error"]
    assert stored_files(app) == before


def test_the_message_is_in_the_users_language(app, record):
    client = app.test_client()
    login(client, "enterprise_user")
    client.get("/lang/en")
    answer = upload(client, record["id"], HTML, "report.pdf").get_json()
    assert answer["error"].startswith("Evidence must be a PDF, JPG, PNG or OFD file")
    answer = client.post(f"/evidence/upload/{record['id']}",
                         data={"csrf_token": _token(client)}).get_json()
    assert answer == {"error": "Choose a file to upload."}


def test_an_expired_form_and_an_upload_cut_off_answer_json(app, record, enterprise_client):
    before = stored_files(app)
    expired = enterprise_client.post(f"/evidence/upload/{record['id']}", data={
        "csrf_token": "stale", "file": (io.BytesIO(PDF), "报告.pdf"), "field": "rd_expense"},
        content_type="multipart/form-data")
    assert expired.status_code == 400 and "页面已过期" in expired.get_json()["error"]
    # A body shorter than it said it would be: the connection dropped part way.
    body, kind = multipart(_token(enterprise_client), "report.pdf", PDF + bytes(50_000))
    cut = enterprise_client.post(
        f"/evidence/upload/{record['id']}", data=body[:30_000], content_type=kind,
        environ_overrides={"CONTENT_LENGTH": str(len(body))})
    assert cut.status_code == 400
    assert cut.get_json() == {"error": "文件没有完整上传，请重新上传。"}
    assert stored_files(app) == before


@pytest.fixture(scope="module")
def small_app(app, database_url):
    """The same database with a 1 MB limit per file and a 2 MB limit per request."""
    return make_test_app(database_url, EVIDENCE_MAX_MB=1, MAX_CONTENT_LENGTH=2 * MB)


def test_files_over_the_limits_are_refused(small_app, record):
    client = small_app.test_client()
    login(client, "enterprise_user")
    over = upload(client, record["id"], PDF + bytes(MB), "大文件.pdf")
    assert over.status_code == 400 and "文件超过 1 MB" in over.get_json()["error"]
    # Larger than a request may be: refused before it is read, still as JSON.
    huge = upload(client, record["id"], PDF + bytes(3 * MB), "更大的文件.pdf")
    assert huge.status_code == 413
    assert huge.get_json() == {"error": "文件超过 1 MB，请压缩或拆分后重新上传。"}
    assert stored_files(small_app) == []


def _download(app, username, url, password="Demo#2026"):
    client = app.test_client()
    assert login(client, username, password).status_code == 302
    return client.get(url)


def test_downloads_follow_who_may_read_the_record_and_are_audited(app, record, others,
                                                                  enterprise_client):
    answer = upload(enterprise_client, record["id"], PDF, "纳税证明.pdf").get_json()
    url = answer["url"]
    for username in ("enterprise_user", "county_reviewer", "city_reviewer", "province_admin"):
        response = _download(app, username, url)
        assert response.status_code == 200 and response.data == PDF, username
    for username in others:
        response = _download(app, username, url, PASSWORD)
        assert response.status_code == 404 and PDF not in response.data, username
    # Banks never see evidence: the screen is closed to their role.
    assert _download(app, "bank_user", url).status_code == 403
    assert _download(app, "enterprise_user", "/evidence/file/999999").status_code == 404
    with app.app_context():
        readers = [r.username for r in db.session.query(AuditLog).filter_by(
            action="download", object_type="Attachment", object_id=str(answer["id"]))
            .order_by(AuditLog.id)]
    assert readers == ["enterprise_user", "county_reviewer", "city_reviewer", "province_admin"]


def test_others_cannot_upload_or_delete(app, record, others, enterprise_client):
    answer = upload(enterprise_client, record["id"], PDF, "营业执照.pdf").get_json()
    for username in others[:2]:
        client = app.test_client()
        login(client, username, PASSWORD)
        token = _token(client)
        refused = upload(client, record["id"], PDF, "伪造.pdf", token=token)
        assert refused.status_code == 404, username
        gone = client.post(f"/evidence/delete/{answer['id']}", data={"csrf_token": token})
        assert gone.status_code == 404, username
    assert enterprise_client.get(answer["url"]).status_code == 200


def test_replace_and_delete_only_while_the_record_may_change(app, enterprise_client):
    with app.app_context():
        activity = activities.create_activity("佐证材料：删除与替换", 2025, "county",
                                              open_now=True)
        enterprise = db.session.query(Enterprise).filter_by(uscc=OWN).one()
        record_id = reporting.start_submission(activity, enterprise).id
    first = upload(enterprise_client, record_id, PDF, "旧版.pdf").get_json()
    second = upload(enterprise_client, record_id, PNG, "新版.png", field="rd_expense",
                    replaces=str(first["id"])).get_json()
    assert second["replaced"] == first["id"]
    assert enterprise_client.get(first["url"]).status_code == 404
    token = _token(enterprise_client)
    before = len(stored_files(app))
    deleted = enterprise_client.post(f"/evidence/delete/{second['id']}",
                                     data={"csrf_token": token})
    assert deleted.get_json() == {"deleted": second["id"]}
    assert len(stored_files(app)) == before - 1

    kept = upload(enterprise_client, record_id, PDF, "审计报告.pdf").get_json()
    with app.app_context():
        submission = db.session.get(Submission, record_id)
        reporting.submit(submission, {**GOOD, "uscc": OWN}, "王芳", True)
        assert submission.status == workflow.PENDING_COUNTY
    refused = enterprise_client.post(f"/evidence/delete/{kept['id']}",
                                     data={"csrf_token": token})
    assert refused.status_code == 400 and "不能再删除" in refused.get_json()["error"]
    assert enterprise_client.get(kept["url"]).status_code == 200
    late = upload(enterprise_client, record_id, PDF, "补充.pdf")
    assert late.status_code == 400 and "记录已提交" in late.get_json()["error"]
