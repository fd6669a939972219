"""Detail rows and evidence files through the service functions and the operator commands
(SPEC §11, §12.1–12.2): counts derived from rows, row findings, files judged by content and
kept whole or not at all, read only by who may read the record, orphans cleaned up."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.domain import workflow
from app.extensions import db
from app.models import Attachment, AuditLog, Enterprise, ReportingActivity, Submission
from app.services.intake import activities, reporting

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32


def _ofd() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("OFD.xml", "<ofd:OFD/>")
    return out.getvalue()


def _invoke(app, *args):
    result = app.test_cli_runner().invoke(args=[str(a) for a in args])
    return result


def _json(app, *args):
    result = _invoke(app, *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.output.strip().splitlines()[-1])


def _stored_files(app) -> list[Path]:
    root = Path(app.config["UPLOAD_FOLDER"]) / "evidence"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.fixture(scope="module")
def detail_activity(app):
    with app.app_context():
        created = activities.create_activity("明细与佐证测试", 2025, "county", open_now=True,
                                             detail_tables=["ip", "projects"])
        enterprise = db.session.execute(select(Enterprise).where(
            Enterprise.uscc == "91210202MA0000001J")).scalar_one()
        record = reporting.start_submission(created, enterprise)
        return created.id, record.id


def _record(record_id) -> Submission:
    return db.session.get(Submission, record_id)


def test_activity_create_and_list_name_the_detail_tables(app, detail_activity):
    activity_id, _record_id = detail_activity
    listed = {a["id"]: a for a in _json(app, "activity", "list", "--json")}
    assert listed[activity_id]["detail_tables"] == ["ip", "projects"]
    assert set(listed[activity_id]) >= {"id", "name", "data_year", "chain", "status"}
    refused = _invoke(app, "activity", "create", "--name", "x", "--data-year", "2025",
                      "--detail-tables", "ip,patents")
    assert refused.exit_code != 0 and "patents" in refused.output


def test_rows_derive_their_counts_and_are_checked(app, detail_activity):
    _activity_id, record_id = detail_activity
    rows = {"ip": [
        {"ip_type": "发明专利", "number": "ZL202310123456.7", "title": "一种装置",
         "grant_date": "2024-05-20"},
        {"ip_type": "实用新型", "number": "ZL202320654321.X", "title": "一种结构",
         "grant_date": "2025-01-02"},
        {"ip_type": "软件著作权", "number": "2024SR000001", "title": "平台软件",
         "grant_date": "2024-03-01"}],
        "projects": [{"level": "省级", "name": "重点研发", "number": "2024-01", "year": 2024}]}
    with app.app_context():
        record = _record(record_id)
        # A typed count is replaced by the rows' (the form shows it read-only).
        reporting.save_draft(record, {"invention_patents": "9"}, rows=rows)
        record = _record(record_id)
        assert record.invention_patents == 1 and record.ip_count == 3
        assert record.provincial_projects == 1 and record.municipal_projects == 0
        assert record.provenance["ip_count"] == "details"
        assert [r["number"] for r in record.details["ip"]][0] == "ZL202310123456.7"
        assert all(r["uid"] for r in record.details["ip"])
        assert not [f for f in record.findings if f["rule"].startswith("D:")]
        audit = db.session.execute(select(AuditLog.detail).where(
            AuditLog.object_type == "Submission", AuditLog.object_id == str(record_id),
            AuditLog.detail.like("明细变更%"))).scalars().all()
        assert any("知识产权明细：新增 3 行" in text for text in audit)

        bad = {"ip": [*rows["ip"][:1], dict(rows["ip"][0]),  # the same number twice
                      {"ip_type": "发明专利", "number": "CN123", "title": "x",
                       "grant_date": "2026-01-01"}]}
        result = reporting.check(record, {}, bad)
        found = {(f.table, f.row, f.column) for f in result.errors if f.rule == "D:ip"}
        assert ("ip", 2, "number") in found  # repeats row 1
        assert ("ip", 3, "number") in found and ("ip", 3, "grant_date") in found
        messages = " ".join(f.message_zh for f in result.errors if f.rule == "D:ip")
        assert "与第 1 行重复" in messages and "不能晚于数据年度 2025 年" in messages


def test_submissions_list_and_show_as_a_user(app, detail_activity):
    activity_id, record_id = detail_activity
    mine = _json(app, "submissions", "list", "--activity", activity_id,
                 "--user", "enterprise_user", "--json")
    assert [r["id"] for r in mine] == [record_id]
    assert set(mine[0]) == {"id", "activity", "uscc", "name", "status"}
    assert _json(app, "submissions", "list", "--activity", activity_id,
                 "--user", "bank_user", "--json") == []
    shown = _json(app, "submissions", "show", "--id", record_id, "--user", "county_reviewer",
                  "--json")
    assert shown["status"] == "draft" and shown["fields"]["ip_count"] == 3
    assert shown["details"]["ip"][0]["ip_type"] == "发明专利"
    elsewhere = _invoke(app, "submissions", "show", "--id", record_id, "--user",
                        "bank_user", "--json")
    assert elsewhere.exit_code != 0 and "No such record" in elsewhere.output


def test_attachments_add_get_and_who_may_read(app, detail_activity, tmp_path):
    _activity_id, record_id = detail_activity
    source = tmp_path / "研发费用专项审计报告.pdf"
    source.write_bytes(PDF)
    added = _json(app, "attachments", "add", "--submission", record_id, "--field",
                  "rd_expense", source, "--user", "enterprise_user", "--json")
    assert added["bytes"] == len(PDF) and len(added["sha256"]) == 64
    for user in ("enterprise_user", "county_reviewer", "city_reviewer", "province_admin"):
        out = tmp_path / f"{user}.pdf"
        result = _invoke(app, "attachments", "get", "--id", added["attachment"], "--user",
                         user, "--out", out)
        assert result.exit_code == 0 and out.read_bytes() == PDF, user
    refused = _invoke(app, "attachments", "get", "--id", added["attachment"], "--user",
                      "bank_user", "--out", tmp_path / "bank.pdf")
    assert refused.exit_code != 0 and not (tmp_path / "bank.pdf").exists()
    with app.app_context():
        downloads = db.session.execute(select(func.count()).select_from(AuditLog).where(
            AuditLog.action == "download", AuditLog.object_type == "Attachment",
            AuditLog.object_id == str(added["attachment"]))).scalar()
        assert downloads == 4
    shown = _json(app, "submissions", "show", "--id", record_id, "--user", "enterprise_user",
                  "--json")
    assert shown["attachments"][0]["field"] == "rd_expense"
    assert shown["attachments"][0]["name"] == "研发费用专项审计报告.pdf"
    # An OFD and a PNG are accepted by content too.
    for name, content in (("凭证.ofd", _ofd()), ("证书.png", PNG)):
        path = tmp_path / name
        path.write_bytes(content)
        _json(app, "attachments", "add", "--submission", record_id, "--field", "ip_count",
              path, "--user", "enterprise_user", "--json")


@pytest.mark.parametrize("name, content, says", [
    ("伪装.pdf", b"<html><script>alert(1)</script></html>", "PDF、JPG、PNG 或 OFD"),
    ("图.pdf", b'<svg xmlns="http://www.w3.org/2000/svg"/>', "PDF、JPG、PNG 或 OFD"),
    ("空文件.pdf", b"", "0 字节"),
    ("图片.pdf", PNG, "扩展名"),
    ("压缩包.ofd", b"PK\x03\x04" + b"\0" * 40, "PDF、JPG、PNG 或 OFD"),
    ("a\x07b.pdf", PDF, "控制字符"),
])
def test_refused_files_leave_nothing(app, detail_activity, tmp_path, name, content, says):
    _activity_id, record_id = detail_activity
    path = tmp_path / "upload"
    path.mkdir()
    try:
        (path / name).write_bytes(content)
    except (OSError, ValueError):
        pytest.skip("the file system refuses that name itself")
    with app.app_context():
        before = db.session.execute(select(func.count()).select_from(Attachment)).scalar()
    files_before = len(_stored_files(app))
    result = _invoke(app, "attachments", "add", "--submission", record_id, "--field",
                     "revenue", path / name, "--user", "enterprise_user")
    assert result.exit_code != 0 and says in result.output
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(Attachment)).scalar() == \
            before
    assert len(_stored_files(app)) == files_before


def _user(app, username):
    return app.appbuilder.sm.find_user(username=username)


def test_limits_per_file_and_per_record_and_bad_names(app, detail_activity):
    from app.domain.evidence import EvidenceRefused
    from app.services.evidence import attachments

    _activity_id, record_id = detail_activity
    big = PDF + b"0" * (1024 * 1024)
    with app.app_context():
        user = _user(app, "enterprise_user")
        files_before = len(_stored_files(app))
        app.config["EVIDENCE_MAX_MB"] = 1
        try:
            with pytest.raises(EvidenceRefused, match="larger than 1 MB"):
                attachments.add(record_id, user, io.BytesIO(big), "大.pdf", field="revenue")
        finally:
            app.config["EVIDENCE_MAX_MB"] = 20
        app.config["EVIDENCE_RECORD_MAX_MB"] = 1
        try:
            attachments.add(record_id, user, io.BytesIO(PDF + b"0" * 600_000), "一.pdf",
                            field="revenue")
            with pytest.raises(EvidenceRefused, match="total at most 1 MB"):
                attachments.add(record_id, user, io.BytesIO(PDF + b"0" * 600_000), "二.pdf",
                                field="revenue")
        finally:
            app.config["EVIDENCE_RECORD_MAX_MB"] = 200
        for name in ("../../etc/passwd.pdf", "a\\b.pdf", "报告\u202e.pdf"):
            with pytest.raises(EvidenceRefused):
                attachments.add(record_id, user, io.BytesIO(PDF), name, field="revenue")
        assert len(_stored_files(app)) == files_before + 1  # only 一.pdf


class _CutOff(io.BytesIO):
    """An upload whose connection drops half way."""

    def read(self, size=-1):
        if self.tell() > 1000:
            raise ConnectionError("client went away")
        return super().read(size)


def test_an_interrupted_upload_keeps_nothing(app, detail_activity):
    from app.services.evidence import attachments

    _activity_id, record_id = detail_activity
    with app.app_context():
        user = _user(app, "enterprise_user")
        files_before, rows_before = len(_stored_files(app)), db.session.execute(
            select(func.count()).select_from(Attachment)).scalar()
        with pytest.raises(ConnectionError):
            attachments.add(record_id, user, _CutOff(PDF + b"0" * 500_000), "断.pdf",
                            field="revenue")
        assert len(_stored_files(app)) == files_before
        assert db.session.execute(select(func.count()).select_from(Attachment)).scalar() == \
            rows_before


def test_files_change_only_while_the_record_is_editable(app, detail_activity):
    from app.services.evidence import attachments

    _activity_id, record_id = detail_activity
    with app.app_context():
        user = _user(app, "enterprise_user")
        row = attachments.add(record_id, user, io.BytesIO(PDF), "可删.pdf", field="revenue")
        attachments.delete(row.id, user)
        assert db.session.get(Attachment, row.id) is None
        kept = attachments.add(record_id, user, io.BytesIO(PDF), "留.pdf", field="revenue")
        record = _record(record_id)
        record.status = workflow.PENDING_COUNTY
        db.session.commit()
        try:
            with pytest.raises(attachments.AttachmentError, match="submitted"):
                attachments.add(record_id, user, io.BytesIO(PDF), "晚.pdf", field="revenue")
            with pytest.raises(attachments.AttachmentError):
                attachments.delete(kept.id, user)
        finally:
            record.status = workflow.DRAFT
            db.session.commit()
        with pytest.raises(attachments.AttachmentError, match="field"):
            attachments.add(record_id, user, io.BytesIO(PDF), "x.pdf", field="no_such")
        with pytest.raises(attachments.AttachmentError, match="detail row"):
            attachments.add(record_id, user, io.BytesIO(PDF), "x.pdf", table="ip",
                            uid="nope")
        uid = _record(record_id).details["ip"][0]["uid"]
        on_row = attachments.add(record_id, user, io.BytesIO(PDF), "证书.pdf", table="ip",
                                 uid=uid)
        assert (on_row.detail_table, on_row.detail_uid, on_row.field) == ("ip", uid, None)


def test_required_files_still_missing(app, detail_activity):
    from app.services.evidence import attachments

    activity_id, record_id = detail_activity
    with app.app_context():
        activity = db.session.get(ReportingActivity, activity_id)
        activity.evidence_fields = {"rd_expense": {"required": True},
                                    "net_profit": {"required": True},
                                    "table:projects": {"required": True}}
        db.session.commit()
        try:
            record = _record(record_id)
            lacking = attachments.missing(record)
            uid = record.details["projects"][0]["uid"]
            assert "net_profit" in lacking and "rd_expense" not in lacking
            assert f"projects:{uid}" in lacking
        finally:
            activity.evidence_fields = None
            db.session.commit()


def test_cleanup_finds_orphans_dry_run_first(app, detail_activity):
    root = Path(app.config["UPLOAD_FOLDER"]) / "evidence"
    (root / "zz").mkdir(parents=True, exist_ok=True)
    (root / "zz" / "stray").write_bytes(b"left behind")
    counted = _json(app, "attachments", "cleanup", "--dry-run", "--json")
    assert counted["orphans"] >= 1 and counted["removed"] == 0
    assert (root / "zz" / "stray").exists()
    done = _json(app, "attachments", "cleanup", "--json")
    assert done["removed"] == done["orphans"] == counted["orphans"]
    assert not (root / "zz" / "stray").exists()
    assert _json(app, "attachments", "cleanup", "--json") == {"orphans": 0, "removed": 0}
    with app.app_context():  # files of living records were kept
        for key in db.session.execute(select(Attachment.storage_key)).scalars():
            assert (root / key).exists()
