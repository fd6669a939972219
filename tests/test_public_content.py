"""The portal's content beyond the lists (issue 20): files attached to policy pages, the
correction (更正) of a published 公示, and an objector's evidence for the officials handling
the objection (SPEC §12.2, §12.3)."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditLog, Notice, PublicityBatch, PublicityEntry, Registration
from app.models.notice_files import NoticeAttachment
from app.services.intake import activities
from tests.conftest import csrf_token_of
from tests.test_batch import _file, _records

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n" + b"x" * 2000
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w/>")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def records(app, tmp_path_factory):
    """Approved records: four in 中山区 (210202, the demo county reviewer's) and two in
    沈河区 (210103, another county)."""
    with app.app_context():
        activity_id = activities.create_activity("公开内容测试活动", 2025, "county",
                                                 open_now=True).id
    rows = (_records(4, county="210202", start=98600, bad_every=0, seed=71)
            + _records(2, county="210103", start=98700, bad_every=0, seed=72))
    path = tmp_path_factory.mktemp("public_content") / "省级上传.xlsx"
    path.write_bytes(_file(app, activity_id, rows))
    result = app.test_cli_runner().invoke(args=[
        "batch", "import", str(path), "--activity", str(activity_id), "--user",
        "province_admin", "--json"])
    assert json.loads(result.output.strip().splitlines()[-1])["passed"] == 6
    return activity_id, [(r["uscc"], r["region_code"]) for r in rows]


def _admin(app):
    return app.appbuilder.sm.find_user(username="province_admin")


def _stored_keys(app) -> set[str]:
    from app.services.evidence.attachments import storage

    with app.app_context():
        return set(storage().keys())


# --- A. Files of a policy page ----------------------------------------------------------

def _new_page(province_client, title: str) -> int:
    page = province_client.get("/notices/write")
    response = province_client.post("/notices/write", data={
        "csrf_token": csrf_token_of(page.get_data(as_text=True)), "kind": "policy",
        "title": title, "body": "<p>正文</p>", "do": "save"})
    assert response.status_code == 302
    return int(response.location.rstrip("/").rsplit("/", 1)[-1])


def _attach(client, pk: int, content: bytes, name: str, follow: bool = True):
    page = client.get(f"/notices/write/{pk}")
    if page.status_code != 200:  # a user who may not write pages: a token of its own
        page = client.get("/resetmypassword/form")
    token = csrf_token_of(page.get_data(as_text=True))
    return client.post(f"/notices/attach/{pk}", data={
        "csrf_token": token, "file": (io.BytesIO(content), name)},
        content_type="multipart/form-data", follow_redirects=follow)


def test_province_attaches_a_file_and_visitors_download_it_once_published(
        app, province_client):
    visitor = app.test_client()
    pk = _new_page(province_client, "关于印发创新积分制实施办法的通知")
    page = _attach(province_client, pk, PDF, "实施办法 2026.pdf").get_data(as_text=True)
    assert "实施办法 2026.pdf" in page and "2 KB" in page
    with app.app_context():
        row = db.session.execute(select(NoticeAttachment).where(
            NoticeAttachment.notice_id == pk)).scalar_one()
        file_id, key = row.id, row.storage_key
        assert (row.content_type, row.bytes, row.created_by) == (
            "application/pdf", len(PDF), "province_admin")
        assert db.session.execute(select(func.count()).select_from(AuditLog).where(
            AuditLog.object_type == "NoticeAttachment", AuditLog.action == "create",
            AuditLog.object_id == str(file_id))).scalar() == 1
    assert key in _stored_keys(app)

    # A draft and its files do not exist for the public; its writers can read them.
    url = f"/public/notice/{pk}/file/{file_id}"
    assert visitor.get(f"/public/notice/{pk}").status_code == 404
    assert visitor.get(url).status_code == 404
    preview = province_client.get(f"/notices/file/{pk}/{file_id}")
    assert preview.status_code == 200 and preview.data == PDF
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(AuditLog).where(
            AuditLog.object_type == "NoticeAttachment", AuditLog.action == "download",
            AuditLog.object_id == str(file_id))).scalar() == 1

    page = province_client.get(f"/notices/write/{pk}")
    province_client.post(f"/notices/write/{pk}", data={
        "csrf_token": csrf_token_of(page.get_data(as_text=True)), "kind": "policy",
        "title": "关于印发创新积分制实施办法的通知", "body": "<p>正文</p>", "do": "publish"})
    shown = visitor.get(f"/public/notice/{pk}").get_data(as_text=True)
    assert "实施办法 2026.pdf" in shown and url in shown and "2 KB" in shown
    download = visitor.get(url)
    assert download.status_code == 200 and download.data == PDF
    assert download.mimetype == "application/pdf"
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    disposition = download.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''%E5%AE%9E%E6%96%BD%E5%8A%9E%E6%B3%95%202026.pdf" in disposition
    assert "default-src 'none'" in download.headers["Content-Security-Policy"]
    again = visitor.get(url, headers={"If-None-Match": download.headers["ETag"]})
    assert again.status_code == 304
    # A file of another page is not reached through this one.
    other = _new_page(province_client, "另一页面")
    assert visitor.get(f"/public/notice/{other}/file/{file_id}").status_code == 404

    # Removed (with the shell's confirmation on the button): gone for everyone.
    editor = province_client.get(f"/notices/write/{pk}").get_data(as_text=True)
    assert f'action="/notices/detach/{pk}/{file_id}" data-confirm=' in editor
    removed = province_client.post(f"/notices/detach/{pk}/{file_id}", data={
        "csrf_token": csrf_token_of(editor)}, follow_redirects=True)
    assert removed.status_code == 200
    assert visitor.get(url).status_code == 404
    assert "实施办法 2026.pdf" not in visitor.get(f"/public/notice/{pk}").get_data(as_text=True)
    assert key not in _stored_keys(app)
    with app.app_context():
        assert db.session.get(NoticeAttachment, file_id) is None
        assert db.session.execute(select(func.count()).select_from(AuditLog).where(
            AuditLog.object_type == "NoticeAttachment", AuditLog.action == "delete",
            AuditLog.object_id == str(file_id))).scalar() == 1


@pytest.mark.parametrize("content, name, reason", [
    (b"<html><script>alert(1)</script></html>", "办法.html", "none of them"),
    (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "图.svg",
     "none of them"),
    (_zip(), "办法.pdf", "none of them"),
    (b"", "空文件.pdf", "empty"),
    (PDF, "../办法.pdf", "cannot contain"),
])
def test_files_other_than_documents_and_images_are_refused(app, province_client, content,
                                                           name, reason):
    pk = _new_page(province_client, f"拒收测试 {name}")
    before = _stored_keys(app)
    province_client.get("/lang/en")
    page = _attach(province_client, pk, content, name).get_data(as_text=True)
    province_client.get("/lang/zh")
    assert reason in page, page[-2000:]
    with app.app_context():
        assert not db.session.execute(select(NoticeAttachment).where(
            NoticeAttachment.notice_id == pk)).first()
    assert _stored_keys(app) == before  # nothing kept


def test_a_file_over_the_evidence_limit_is_refused(app, province_client):
    from app.domain.evidence import EvidenceRefused
    from app.services.publicity import notice_files

    pk = _new_page(province_client, "大小测试")
    before = _stored_keys(app)
    limit = app.config["EVIDENCE_MAX_MB"]
    app.config["EVIDENCE_MAX_MB"] = 1
    try:
        with app.app_context(), pytest.raises(EvidenceRefused, match="larger than 1 MB"):
            notice_files.add(pk, _admin(app), io.BytesIO(PDF + b"x" * 1024 * 1024), "大.pdf")
    finally:
        app.config["EVIDENCE_MAX_MB"] = limit
    assert _stored_keys(app) == before


def test_only_the_province_attaches_and_removes(app, province_client, county_client,
                                                enterprise_client):
    pk = _new_page(province_client, "权限测试")
    for client in (county_client, enterprise_client):
        assert _attach(client, pk, PDF, "a.pdf", follow=False).status_code == 403
    with app.app_context():
        assert not db.session.execute(select(NoticeAttachment).where(
            NoticeAttachment.notice_id == pk)).first()
    # A page the system writes (公示, 公告) takes no file.
    with app.app_context():
        system = Notice(kind="announcement", title="系统公告", published_at=dt.datetime.now())
        db.session.add(system)
        db.session.commit()
        system_id = system.id
    token = csrf_token_of(province_client.get(f"/notices/write/{pk}").get_data(as_text=True))
    response = province_client.post(f"/notices/attach/{system_id}", data={
        "csrf_token": token, "file": (io.BytesIO(PDF), "a.pdf")},
        content_type="multipart/form-data")
    assert response.status_code == 404


def test_cleanup_does_not_take_notice_files_for_orphans(app, province_client):
    from app.services.evidence.attachments import cleanup, storage

    with app.app_context():
        before = cleanup(dry_run=True)["orphans"]
    pk = _new_page(province_client, "清理测试")
    _attach(province_client, pk, PNG, "附图.png")
    with app.app_context():
        key = db.session.execute(select(NoticeAttachment.storage_key).where(
            NoticeAttachment.notice_id == pk)).scalar_one()
        assert cleanup(dry_run=True)["orphans"] == before
        stray = storage().put(io.BytesIO(b"%PDF-1.4 stray"))  # a file no row names
        assert cleanup(dry_run=True)["orphans"] == before + 1
        storage().delete(stray.key)
    result = app.test_cli_runner().invoke(args=["attachments", "cleanup", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert key in _stored_keys(app)


# --- B. Correction of a published batch --------------------------------------------------

def _columns(row) -> dict:
    return {c.key: getattr(row, c.key) for c in row.__table__.columns}


def test_a_correction_is_a_new_batch_linked_both_ways(app, records, province_client):
    from app.services.publicity import batches

    activity_id, listed = records
    ours = [u for u, _county in listed[:2]]
    with app.app_context():
        original = batches.create(activity_id, _admin(app), usccs=ours, title="更正测试公示")
        batches.publish(original.id, _admin(app))
        original_id, number = original.id, original.number
        frozen = (_columns(db.session.get(PublicityBatch, original_id)),
                  [_columns(e) for e in db.session.get(PublicityBatch, original_id).entries])
        # A draft is not corrected (it is simply made again).
        draft = batches.create(activity_id, _admin(app), usccs=[listed[3][0]])
        with pytest.raises(ValueError, match="Only a published batch"):
            batches.create(activity_id, _admin(app), usccs=ours, corrects=draft.id,
                           note="草稿")
    visitor = app.test_client()
    before = visitor.get(f"/public/publicity/{original_id}")

    shown = province_client.get(f"/publicity/show/{original_id}").get_data(as_text=True)
    assert f"/publicity/new?corrects={original_id}" in shown
    form = province_client.get(f"/publicity/new?corrects={original_id}")
    html = form.get_data(as_text=True)
    assert form.status_code == 200 and f'name="corrects" value="{original_id}"' in html
    assert all(u in html for u in ours) and 'name="note"' in html and "required" in html
    token = csrf_token_of(html)
    # The note saying what is corrected is required.
    refused = province_client.post("/publicity/new", data={
        "csrf_token": token, "corrects": original_id, "activity": activity_id,
        "usccs": "\n".join(ours), "days": 5}, follow_redirects=True)
    assert "更正的内容" in refused.get_data(as_text=True)
    made = province_client.post("/publicity/new", data={
        "csrf_token": token, "corrects": original_id, "activity": activity_id,
        "usccs": "\n".join(ours), "days": 5,
        "note": "第2家企业的技术领域有误，更正为电子信息"})
    assert made.status_code == 302, made.get_data(as_text=True)[-1500:]
    correction_id = int(made.location.rstrip("/").rsplit("/", 1)[-1])
    with app.app_context():
        correction = db.session.get(PublicityBatch, correction_id)
        assert (correction.corrects_id, correction.note) == (
            original_id, "第2家企业的技术领域有误，更正为电子信息")
        assert sorted(e.uscc for e in correction.entries) == sorted(ours)  # listed again
        assert correction.title == "更正测试公示（更正）"
    # A draft correction is not shown to the public.
    assert f"/public/publicity/{correction_id}" not in visitor.get(
        f"/public/publicity/{original_id}").get_data(as_text=True)
    with app.app_context():
        batches.publish(correction_id, _admin(app))

    page = visitor.get(f"/public/publicity/{correction_id}").get_data(as_text=True)
    assert f"更正：本公示更正<a href=\"/public/publicity/{original_id}\">{number}</a>" in page
    assert "第2家企业的技术领域有误" in page
    visitor.get("/lang/en")
    english = visitor.get(f"/public/publicity/{correction_id}").get_data(as_text=True)
    assert f'Correction: this publicity corrects <a href="/public/publicity/{original_id}">' \
        in english
    visitor.get("/lang/zh")
    corrected = visitor.get(f"/public/publicity/{original_id}",
                            headers={"If-None-Match": before.headers["ETag"]})
    assert corrected.status_code == 200  # the page changed: a cached copy is not kept
    assert f'href="/public/publicity/{correction_id}"' in corrected.get_data(as_text=True)
    officials = province_client.get(f"/publicity/show/{original_id}").get_data(as_text=True)
    assert f"/publicity/show/{correction_id}" in officials

    # The published batch stays as it was, whatever is posted.
    token = csrf_token_of(officials)
    for url in (f"/publicity/edit/{original_id}", f"/publicity/publish/{original_id}",
                f"/publicity/delete/{original_id}"):
        province_client.post(url, data={"csrf_token": token, "title": "篡改", "days": 60})
    with app.app_context():
        batch = db.session.get(PublicityBatch, original_id)
        assert (_columns(batch), [_columns(e) for e in batch.entries]) == frozen

    # Announced both: a record listed again keeps one registration number.
    later = dt.date.today() + dt.timedelta(days=40)
    with app.app_context():
        batches.close(original_id, _admin(app), as_of=later)
        result = batches.close(correction_id, _admin(app), as_of=later)
        assert result["announced"] == 2
        for uscc in ours:
            assert db.session.execute(select(func.count()).select_from(Registration).where(
                Registration.uscc == uscc)).scalar() == 1
        assert {e.status for e in db.session.execute(select(PublicityEntry).where(
            PublicityEntry.batch_id == correction_id)).scalars()} == {"announced"}


# --- C. An objector's evidence ------------------------------------------------------------

@pytest.fixture(scope="module")
def objections_with_evidence(app, records):
    """A published batch of three records, one objection with a PDF against an enterprise
    of 中山区 and one against one of 沈河区."""
    from app.services.publicity import batches, objections

    activity_id, listed = records
    with app.app_context():
        batch = batches.create(activity_id, _admin(app), usccs=[listed[i][0] for i in (2, 4, 5)])
        batches.publish(batch.id, _admin(app))
        ids = {}
        for uscc, county in (listed[2], listed[4]):
            lodged = objections.lodge(batch.id, uscc, "研发投入不实", name="李四",
                                      evidence=io.BytesIO(PDF), evidence_name="证据材料.pdf")
            ids[county] = lodged.id
    return ids


def test_officials_in_scope_download_the_objection_evidence(app, objections_with_evidence,
                                                            province_client, county_client):
    here, elsewhere = objections_with_evidence["210202"], objections_with_evidence["210103"]
    page = province_client.get(f"/objections/show/{elsewhere}").get_data(as_text=True)
    assert f"/objections/evidence/{elsewhere}" in page and "证据材料.pdf" in page
    response = province_client.get(f"/objections/evidence/{elsewhere}")
    assert response.status_code == 200 and response.data == PDF
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    with app.app_context():
        audited = db.session.execute(select(AuditLog).where(
            AuditLog.object_type == "Objection", AuditLog.action == "download",
            AuditLog.object_id == str(elsewhere))).scalars().all()
        assert [a.username for a in audited] == ["province_admin"]
    # The county reviewer of 中山区 reads its own county's, not 沈河区's.
    assert county_client.get(f"/objections/evidence/{here}").data == PDF
    assert county_client.get(f"/objections/evidence/{elsewhere}").status_code == 404


def test_objection_evidence_is_404_for_visitors_enterprises_and_banks(
        app, objections_with_evidence, enterprise_client, bank_client):
    for pk in objections_with_evidence.values():
        for client in (app.test_client(), enterprise_client, bank_client):
            response = client.get(f"/objections/evidence/{pk}")
            assert response.status_code == 404, response.status_code
    with app.app_context():
        for pk in objections_with_evidence.values():
            users = set(db.session.execute(select(AuditLog.username).where(
                AuditLog.object_type == "Objection", AuditLog.action == "download",
                AuditLog.object_id == str(pk))).scalars())
            assert users <= {"province_admin", "county_reviewer"}


def test_an_objection_without_evidence_has_no_file(app, records, province_client):
    from app.services.publicity import batches, objections

    activity_id, listed = records
    with app.app_context():
        batch = db.session.execute(select(PublicityEntry.batch_id).where(
            PublicityEntry.uscc == listed[5][0], PublicityEntry.status == "listed")).scalar()
        if batch is None:
            created = batches.create(activity_id, _admin(app), usccs=[listed[5][0]])
            batches.publish(created.id, _admin(app))
            batch = created.id
        plain = objections.lodge(batch, listed[5][0], "没有附件的异议").id
    assert "/objections/evidence/" not in province_client.get(
        f"/objections/show/{plain}").get_data(as_text=True)
    assert province_client.get(f"/objections/evidence/{plain}").status_code == 404
