"""Detail tables in batch upload (SPEC §12.1, §11): a sheet per asked-for table after an
unchanged main sheet, rows matched by credit code, counts derived, bad rows and
contradictions failing their record with sheet, row and column, rows of unknown codes
reported, and the failure file carrying the detail sheets."""

import io
import json
import tempfile
import zipfile

import pytest
from python_calamine import CalamineWorkbook

from app.extensions import db
from app.models import Submission, UploadBatch
from app.services.intake import activities
from app.services.intake import batch as batch_service
from app.services.intake.workbook import build_failure_report, build_template, write_filled
from tests.test_batch import _records, _upload, _wait_for_batch

IP, PROJECTS = "知识产权明细", "科技计划项目明细"


@pytest.fixture(scope="module")
def tables_id(app):
    with app.app_context():
        return activities.create_activity("明细表批量测试", 2025, "county", open_now=True,
                                          detail_tables=["ip", "projects"]).id


@pytest.fixture(scope="module")
def plain_id(app):
    with app.app_context():
        return activities.create_activity("无明细表对照", 2025, "county", open_now=True).id


def _patents(uscc, serial, inventions=1, others=2, date="2024-05-20"):
    rows = [{"uscc": uscc, "ip_type": "发明专利", "number": f"ZL2023{serial:06d}{i}0.{i}",
             "title": f"一种装置{i}", "grant_date": date} for i in range(inventions)]
    rows += [{"uscc": uscc, "ip_type": "软件著作权", "number": f"2023SR{serial:05d}{i}",
              "title": f"管理软件V{i}", "grant_date": "2023-03-01"} for i in range(others)]
    return rows


def _project(uscc, number, level="省级", year=2024):
    return {"uscc": uscc, "level": level, "name": "关键技术研究", "number": number, "year": year}


def _blank_counts(record):
    for key in ("invention_patents", "ip_count", "municipal_projects", "provincial_projects"):
        record[key] = None
    return record


def _file(app, activity_id, records, details=None):
    with app.app_context(), tempfile.NamedTemporaryFile(suffix=".xlsx") as handle:
        activity = db.session.get(activities.ReportingActivity, activity_id)
        write_filled(activity, handle.name, records, details=details)
        return open(handle.name, "rb").read()


def _import(app, activity_id, data, name="明细.xlsx"):
    with app.app_context():
        activity = db.session.get(activities.ReportingActivity, activity_id)
        user = app.appbuilder.sm.find_user(username="county_reviewer")
        from flask import g

        g.user = user
        batch = batch_service.import_workbook(activity, user, name, data)
        return batch.id


def _template(app, activity_id, lang="zh"):
    with app.app_context(), tempfile.NamedTemporaryFile(suffix=".xlsx") as handle:
        build_template(db.session.get(activities.ReportingActivity, activity_id), handle.name,
                       lang)
        return open(handle.name, "rb").read()


def test_template_has_a_sheet_per_table_after_an_unchanged_main_sheet(app, tables_id, plain_id,
                                                                       county_client):
    data = county_client.get(f"/batchview/template/{tables_id}").data
    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    assert book.sheet_names[:6] == ["填报数据", IP, PROJECTS, "选项", "填写说明", "校验规则"]
    assert book.get_sheet_by_name(IP).to_python()[0] == [
        "统一社会信用代码", "类型", "专利号或登记号", "名称", "授权日期"]
    assert book.get_sheet_by_name(PROJECTS).to_python()[0] == [
        "统一社会信用代码", "级别", "项目名称", "项目编号", "立项年度"]
    plain = _template(app, plain_id)
    assert book.get_sheet_by_index(0).to_python() == CalamineWorkbook.from_filelike(
        io.BytesIO(plain)).get_sheet_by_index(0).to_python()
    with zipfile.ZipFile(io.BytesIO(data)) as archive, \
            zipfile.ZipFile(io.BytesIO(plain)) as other:
        # The main sheet is the same XML, byte for byte: columns, headers, lists, formats.
        assert archive.read("xl/worksheets/sheet1.xml") == other.read("xl/worksheets/sheet1.xml")
        ip_sheet = archive.read("xl/worksheets/sheet2.xml").decode()
        styles = archive.read("xl/styles.xml").decode()
        help_text = archive.read("xl/sharedStrings.xml").decode()
    assert "发明专利,实用新型,外观设计,软件著作权,集成电路布图设计,植物新品种" in ip_sheet
    assert "yyyy-mm-dd" in styles and '<pane xSplit="1" ySplit="1"' in ip_sheet
    assert "由明细表计算的数量" in help_text
    english = CalamineWorkbook.from_filelike(io.BytesIO(_template(app, tables_id, "en")))
    assert english.sheet_names[:3] == ["Data", "Intellectual property", "S&T programme projects"]
    assert english.get_sheet_by_name("Intellectual property").to_python()[0] == [
        "Unified social credit code", "Type", "Patent or registration number", "Title",
        "Grant date"]


def test_good_rows_are_stored_with_uids_and_give_the_counts(app, tables_id):
    records = [_blank_counts(r) for r in _records(3, start=91000, bad_every=0, seed=21)]
    a, b, c = (r["uscc"] for r in records)
    records[1]["provincial_projects"] = 2  # typed as the rows give it: fine
    details = {"ip": _patents(a, 1, inventions=2, others=1) + _patents(b, 2, 1, 0),
               "projects": [_project(b, "P-1"), _project(b, "P-2", "国家级", 2023),
                            _project(a, "P-9", "地市级")]}
    batch_id = _import(app, tables_id, _file(app, tables_id, records, details))
    with app.app_context():
        batch = db.session.get(UploadBatch, batch_id)
        assert (batch.passed, batch.failed) == (3, 0), batch.failures
        assert all(v["detail_errors"] == [] for v in batch.verdicts)
        stored = {s.uscc: s for s in db.session.query(Submission).filter_by(batch_id=batch_id)}
        first = stored[a]
        assert (first.invention_patents, first.ip_count) == (2, 3)
        assert (first.municipal_projects, first.provincial_projects) == (1, 0)
        assert (stored[b].ip_count, stored[b].provincial_projects) == (1, 2)
        assert (stored[c].ip_count, stored[c].invention_patents) == (0, 0)  # no rows: 0
        assert stored[c].details == {"ip": [], "projects": []}
        rows = first.details["ip"]
        assert [r["ip_type"] for r in rows] == ["发明专利", "发明专利", "软件著作权"]
        assert rows[0]["grant_date"] == "2024-05-20" and len(rows[0]["uid"]) == 12
        assert len({r["uid"] for r in rows}) == 3
        assert stored[b].details["projects"][1] == {
            "uid": stored[b].details["projects"][1]["uid"], "level": "国家级",
            "name": "关键技术研究", "number": "P-2", "year": 2023}
        assert first.provenance["ip_count"] == "details"
        assert first.provenance["revenue"] == "upload"


def test_bad_rows_and_contradictions_fail_their_record_with_sheet_row_and_column(
        app, tables_id, county_client):
    records = [_blank_counts(r) for r in _records(5, start=92000, bad_every=0, seed=22)]
    ok, bad_number, late, twice, typed = (r["uscc"] for r in records)
    records[4]["ip_count"] = 3  # typed 3, but the sheet has 2 rows
    ip = (_patents(ok, 10)                                                # rows 2-4
          + [{**_patents(bad_number, 11, 1, 0)[0], "number": "ZL2023123"}]  # row 5
          + _patents(late, 12, 1, 0, date="2026-01-02")                    # row 6
          + _patents(twice, 13, 1, 0) + _patents(twice, 13, 1, 0)          # rows 7-8
          + _patents(typed, 14, 1, 1))                                     # rows 9-10
    batch_id = _wait_for_batch(county_client, _upload(
        county_client, tables_id, _file(app, tables_id, records, {"ip": ip}), "明细错误.xlsx"))
    with app.app_context():
        batch = db.session.get(UploadBatch, batch_id)
        verdicts = {v["uscc"]: v for v in batch.verdicts}
        assert (batch.passed, batch.failed) == (1, 4)
        assert verdicts[ok]["status"] == "passed" and verdicts[ok]["detail_errors"] == []
        for uscc in (bad_number, late, twice, typed):
            assert verdicts[uscc]["status"] == "failed" and "D:ip" in verdicts[uscc]["errors"]
        (number_error,) = verdicts[bad_number]["detail_errors"]
        assert {k: number_error[k] for k in ("sheet", "row", "column")} == {
            "sheet": IP, "row": 5, "column": "专利号或登记号"}
        assert "ZL" in number_error["message"] and "第 5 行" in number_error["message"]
        (date_error,) = verdicts[late]["detail_errors"]
        assert (date_error["row"], date_error["column"]) == (6, "授权日期")
        assert "2025" in date_error["message"]
        (repeat,) = verdicts[twice]["detail_errors"]
        assert (repeat["row"], repeat["column"]) == (8, "专利号或登记号")
        assert "与第 7 行重复" in repeat["message"]
        (contradiction,) = verdicts[typed]["detail_errors"]
        assert (contradiction["sheet"], contradiction["row"]) == (IP, None)
        assert contradiction["column"] == "*知识产权拥有数量（件）"  # as the main sheet titles it
        assert "3" in contradiction["message"] and "2 行" in contradiction["message"]
        assert db.session.query(Submission).filter_by(batch_id=batch_id).count() == 1

    page = county_client.get(f"/batchview/show/{batch_id}").get_data(as_text=True)
    assert "知识产权明细第 6 行“授权日期”" in page
    # The failure list's column cell names the sheet, row and column, not "—".
    table = page.split('id="failure-list"', 1)[1].split("</table>", 1)[0]
    assert "知识产权明细 · 第 6 行 · 授权日期" in table

    # The failure file: the main sheet's rows with every reason, and the failed records'
    # detail rows in their sheets, the cells at fault marked.
    report = county_client.get(f"/batchview/failures/{batch_id}").data
    book = CalamineWorkbook.from_filelike(io.BytesIO(report))
    assert book.sheet_names[:3] == ["填报数据", IP, PROJECTS]
    main = book.get_sheet_by_index(0).to_python()
    assert len(main) == 5 and any("知识产权明细第 6 行“授权日期”" in row[-1] for row in main[1:])
    detail = book.get_sheet_by_name(IP).to_python()
    assert detail[0] == ["统一社会信用代码", "类型", "专利号或登记号", "名称", "授权日期",
                         "不通过原因"]
    assert len(detail) == 1 + 6  # rows 5, 6, 7, 8, 9, 10 of the upload; not the passed one's
    by_number = {row[2]: row for row in detail[1:]}
    assert "专利号" in by_number["ZL2023123"][-1] and "第 5 行" in by_number["ZL2023123"][-1]
    assert all(row[0] != ok for row in detail[1:])
    with zipfile.ZipFile(io.BytesIO(report)) as archive:
        comments = [archive.read(n).decode() for n in archive.namelist()
                    if n.startswith("xl/comments")]
    assert any("授权日期" in text for text in comments)

    # Corrected as the reasons say, the failure file uploads again as it is.
    fixed = records[1:]
    fixed[3]["ip_count"] = 3  # now the sheet has 3 rows for it
    fixed_ip = (_patents(bad_number, 11, 1, 0) + _patents(late, 12, 1, 0)
                + _patents(twice, 13, 1, 0) + _patents(typed, 14, 1, 2))
    second = _import(app, tables_id, _file(app, tables_id, fixed, {"ip": fixed_ip}), "改.xlsx")
    with app.app_context():
        assert db.session.get(UploadBatch, second).failed == 0


def test_rows_of_codes_not_in_the_main_sheet_are_reported(app, tables_id, county_client):
    records = [_blank_counts(r) for r in _records(2, start=93000, bad_every=0, seed=23)]
    stranger = _records(1, start=93900, bad_every=0, seed=24)[0]["uscc"]
    ip = _patents(records[0]["uscc"], 20) + _patents(stranger, 21, 1, 0)  # row 5: unknown
    projects = [_project("", "P-X")]  # no code at all: row 2
    batch_id = _import(app, tables_id, _file(app, tables_id, records,
                                             {"ip": ip, "projects": projects}))
    with app.app_context():
        batch = db.session.get(UploadBatch, batch_id)
        assert (batch.passed, batch.failed) == (2, 0)
        assert batch_service.unmatched_detail_rows(batch) == [
            {"sheet": IP, "row": 5, "uscc": stranger}, {"sheet": PROJECTS, "row": 2, "uscc": ""}]
        with tempfile.NamedTemporaryFile(suffix=".xlsx") as handle:
            build_failure_report(batch.activity, batch, handle.name)
            book = CalamineWorkbook.from_filelike(io.BytesIO(open(handle.name, "rb").read()))
        assert book.get_sheet_by_index(0).to_python()[1:] == []
        (row,) = book.get_sheet_by_name(IP).to_python()[1:]
        assert row[0] == stranger and "不在" in row[-1]
    page = county_client.get(f"/batchview/show/{batch_id}")
    assert page.status_code == 200 and f"{stranger} 不在" in page.get_data(as_text=True)


def test_uploaded_records_lacking_required_files_are_told(app, county_client):
    """Files cannot come by Excel: the enterprises (or the uploader, for enterprises
    without an account) hear which records still lack required files."""
    from app.models import Notification

    with app.app_context():
        activity = activities.create_activity("佐证材料必传", 2025, "county", open_now=True)
        activity.evidence_fields = {"rd_expense": {"required": True}}
        db.session.commit()
        activity_id = activity.id
        county = app.appbuilder.sm.find_user(username="county_reviewer")
        before = db.session.query(Notification).filter_by(user_id=county.id).count()
    records = _records(2, start=95500, bad_every=0, seed=31)
    batch_id = _import(app, activity_id, _file(app, activity_id, records))
    with app.app_context():
        assert db.session.get(UploadBatch, batch_id).passed == 2
        told = db.session.query(Notification).filter_by(user_id=county.id).count() - before
        assert told >= 1
        newest = db.session.query(Notification).filter_by(user_id=county.id).order_by(
            Notification.id.desc()).first()
        assert "佐证材料" in newest.text_zh


def test_a_workbook_without_the_sheets_derives_zero(app, tables_id):
    records = _records(2, start=94000, bad_every=0, seed=25)
    _blank_counts(records[0])
    records[1].update(invention_patents=None, ip_count=3, municipal_projects=None,
                      provincial_projects=None)
    batch_id = _import(app, tables_id, _file(app, tables_id, records))
    with app.app_context():
        batch = db.session.get(UploadBatch, batch_id)
        first, second = batch.verdicts
        assert first["status"] == "passed" and second["status"] == "failed"
        assert [e["column"] for e in second["detail_errors"]] == ["*知识产权拥有数量（件）"]
        stored = db.session.query(Submission).filter_by(batch_id=batch_id).one()
        assert (stored.ip_count, stored.invention_patents) == (0, 0)


def test_a_sheet_without_its_columns_is_refused(app, tables_id):
    import xlsxwriter

    records = [_blank_counts(r) for r in _records(1, start=95000, bad_every=0, seed=26)]
    data = _file(app, tables_id, records)
    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer)
    for name in book.sheet_names:
        sheet = workbook.add_worksheet(name)
        for r, row in enumerate(book.get_sheet_by_name(name).to_python()):
            sheet.write_row(r, 0, row)
    workbook.add_worksheet(IP).write_row(0, 0, ["统一社会信用代码", "类型", "名称"])
    workbook.close()
    with pytest.raises(batch_service.BatchError) as refused:
        _import(app, tables_id, buffer.getvalue())
    assert "知识产权明细" in refused.value.message_zh and "授权日期" in refused.value.message_zh


def test_reuploading_a_record_keeps_its_rows_uids(app, tables_id):
    records = [_blank_counts(r) for r in _records(1, start=96000, bad_every=0, seed=27)]
    uscc = records[0]["uscc"]
    first = _import(app, tables_id, _file(app, tables_id, records, {"ip": _patents(uscc, 30)}))
    with app.app_context():
        before = db.session.query(Submission).filter_by(batch_id=first).one().details["ip"]
    ip = _patents(uscc, 30) + _patents(uscc, 31, 1, 0)
    second = _import(app, tables_id, _file(app, tables_id, records, {"ip": ip}), "again.xlsx")
    with app.app_context():
        record = db.session.query(Submission).filter_by(batch_id=second).one()
        after = record.details["ip"]
        assert [r["uid"] for r in after[:3]] == [r["uid"] for r in before]
        assert after[3]["uid"] not in {r["uid"] for r in before}
        assert record.ip_count == 4


def test_cli_import_prints_detail_errors_and_unmatched_rows(app, tables_id, plain_id, tmp_path):
    records = [_blank_counts(r) for r in _records(2, start=97000, bad_every=0, seed=28)]
    stranger = _records(1, start=97900, bad_every=0, seed=29)[0]["uscc"]
    ip = (_patents(records[0]["uscc"], 40, 1, 0, date="2027-01-01")
          + _patents(stranger, 41, 1, 0))
    path = tmp_path / "cli.xlsx"
    path.write_bytes(_file(app, tables_id, records, {"ip": ip}))
    result = app.test_cli_runner().invoke(args=[
        "batch", "import", str(path), "--activity", str(tables_id), "--user", "county_reviewer",
        "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert set(data) == {"batch", "passed", "failed", "warned", "rows", "unmatched_detail_rows"}
    assert (data["passed"], data["failed"]) == (1, 1)
    first, second = data["rows"]
    assert set(first) == {"row", "uscc", "status", "errors", "warnings", "detail_errors"}
    assert first["status"] == "failed" and "D:ip" in first["errors"]
    assert first["detail_errors"] == [{"sheet": IP, "row": 2, "column": "授权日期",
                                       "message": first["detail_errors"][0]["message"]}]
    assert "不能晚于数据年度 2025 年" in first["detail_errors"][0]["message"]
    assert second["detail_errors"] == []
    assert data["unmatched_detail_rows"] == [{"sheet": IP, "row": 3, "uscc": stranger}]

    # An activity without detail tables: the output keeps its old shape.
    path.write_bytes(_file(app, plain_id, _records(1, start=97500, bad_every=0, seed=30)))
    result = app.test_cli_runner().invoke(args=[
        "batch", "import", str(path), "--activity", str(plain_id), "--user", "county_reviewer",
        "--json"])
    data = json.loads(result.output)
    assert set(data) == {"batch", "passed", "failed", "warned", "rows"}
    assert set(data["rows"][0]) == {"row", "uscc", "status", "errors", "warnings"}


def test_the_quick_reader_agrees_with_the_rules():
    """The batch reads a table's cells column by column and runs check_rows only where it
    sees a problem; for every kind of cell it must read what normalize_row reads, and a row
    it calls fine must be one check_rows finds nothing wrong with."""
    import datetime as dt
    import itertools
    import random

    from app.domain.records import details as D
    from app.services.intake._batch_details import _Quick

    cells = {
        D.TEXT: ["一种装置", " 前后空格 ", "", None, 12.0, 12.5, "x" * 201, "a\tb", True],
        D.ENUM: ["发明专利", "实用新型", "国家级", "省级", "国家标准", "县级", " 省级", None, 3.0],
        D.DATE: ["2024-05-20", "2025-12-31", "2026-01-01", "2024/5/20", "2024-13-01",
                 dt.date(2023, 1, 2), dt.datetime(2026, 3, 4, 5, 6), 45000.0, "", None],
        D.YEAR: [2024.0, 2024, 2025.0, 2026.0, 1899.0, 2024.5, "2024", "2024年", True, None],
        "number": ["ZL202310123456.7", "ZL202310123456.X", "zl202310123456.7",
                   "ZL 202310123456.7", "ZL2023101234", "2023SR0012345", "P-1", 123.0, None],
    }
    rng = random.Random(7)
    passed = doubted = 0
    for table in D.TABLES.values():
        choices = [cells["number" if c.key == "number" else c.kind] for c in table.columns]
        rows = [[None, *combination] for combination in itertools.islice(
            itertools.product(*choices), 0, None, 7)]
        rows += [[None, *(rng.choice(c) for c in choices)] for _ in range(300)]
        typed, good = _Quick(table, 2025).rows(rows)
        for row, read, fine in zip(rows, typed, good, strict=True):
            expected = D.normalize_row(table, dict(zip(table.keys, row[1:], strict=True)))
            assert {k: v for k, v in read.items() if k != "uid"} == expected, row
            # A row the quick look passes has nothing wrong; one it doubts goes to the rules
            # (which may find nothing: a cell merely not in its final form).
            if fine:
                assert D.check_rows(table, [expected], 2025) == [], row
                passed += 1
            else:
                doubted += 1
    assert passed > 20 and doubted > 500
