"""Batch upload: template, upload with failures, failure report, re-upload, duplicates,
progress, bad files, and the command line."""

import io
import json
import random
import time
import zipfile

import pytest
import xlsxwriter
from python_calamine import CalamineWorkbook

from app.domain import workflow
from app.domain.records import synthetic
from app.extensions import db
from app.models import BackgroundJob, Enterprise, Submission, UploadBatch
from app.services.intake import activities, reporting
from app.services.intake import batch as batch_service
from app.services.intake.workbook import write_filled
from tests.conftest import csrf_token_of, login


@pytest.fixture(scope="module")
def activity_id(app):
    with app.app_context():
        return activities.create_activity("批量上传测试活动", 2025, "county", open_now=True).id


def _records(n, county="210202", start=70000, bad_every=20, seed=1):
    rng = random.Random(seed)
    records = []
    for i in range(n):
        record = synthetic.record(rng, county, start + i, 2025)
        if bad_every and i % bad_every == 0:
            record["rd_staff"] = record["employees"] + 1  # S3 fails
        records.append(record)
    return records


def _file(app, activity_id, records, lang="zh"):
    import tempfile

    with app.app_context():
        activity = db.session.get(activities.ReportingActivity, activity_id)
        with tempfile.NamedTemporaryFile(suffix=".xlsx") as handle:
            write_filled(activity, handle.name, records, lang)
            return open(handle.name, "rb").read()


def _upload(client, activity_id, data, name="推荐企业.xlsx"):
    page = client.get(f"/batchview/upload/{activity_id}").get_data(as_text=True)
    return client.post(f"/batchview/upload/{activity_id}", data={
        "csrf_token": csrf_token_of(page), "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data")


def _wait_for_batch(client, response, returns_url=False):
    """Small files answer with the batch; large ones (and score runs) with a job to follow."""
    location = response.headers["Location"]
    if "/jobs/show/" in location:
        job_id = int(location.rsplit("/", 1)[1])
        for _ in range(300):
            status = client.get(f"/jobs/status/{job_id}").get_json()
            if status["status"] in ("done", "failed"):
                break
            time.sleep(0.1)
        assert status["status"] == "done", status
        location = status["batch_url"]
    if returns_url:
        return location
    return int(location.rstrip("/").rsplit("/", 1)[1])


def test_template_has_headers_units_lists_help_and_version(app, activity_id, county_client):
    response = county_client.get(f"/batchview/template/{activity_id}")
    assert response.status_code == 200
    workbook = CalamineWorkbook.from_filelike(io.BytesIO(response.data))
    assert workbook.sheet_names[:4] == ["填报数据", "选项", "填写说明", "校验规则"]
    header = workbook.get_sheet_by_name("填报数据").to_python()[0]
    assert "*研发费用（数据年度）（万元）" in header and "注册资本（万元）" in header
    rules = workbook.get_sheet_by_name("校验规则").to_python()
    assert any(r[0] == "W1" and "3000" in r[2] for r in rules)
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
        book = archive.read("xl/workbook.xml").decode()
    assert "<dataValidation" in sheet and "是,否" in sheet  # drop-downs
    assert 'name="_meta" sheetId="5" state="hidden"' in book
    assert '<pane xSplit="1" ySplit="1"' in sheet  # frozen header
    county_client.get("/lang/en")
    english = CalamineWorkbook.from_filelike(io.BytesIO(
        county_client.get(f"/batchview/template/{activity_id}").data))
    assert "Data" in english.sheet_names
    assert "*R&D expense (data year) (万元)" in english.get_sheet_by_index(0).to_python()[0]


def test_county_upload_failures_report_and_corrected_reupload(app, activity_id, county_client,
                                                              city_client):
    records = _records(1000)
    batch_id = _wait_for_batch(county_client, _upload(county_client, activity_id,
                                                      _file(app, activity_id, records)))
    with app.app_context():
        batch = db.session.get(UploadBatch, batch_id)
        assert (batch.total, batch.passed, batch.failed) == (1000, 950, 50)
        statuses = {s for (s,) in db.session.query(Submission.status).filter_by(batch_id=batch_id)}
        assert statuses == {workflow.PENDING_CITY}
    page = county_client.get(f"/batchview/show/{batch_id}").get_data(as_text=True)
    assert 'id="count-passed"' in page and ">950<" in page and ">50<" in page

    report = county_client.get(f"/batchview/failures/{batch_id}")
    rows = CalamineWorkbook.from_filelike(io.BytesIO(report.data)).get_sheet_by_index(0).to_python()
    assert len(rows) == 51 and rows[0][-1] == "不通过原因"
    assert all("研发人员" in row[-1] for row in rows[1:])
    with zipfile.ZipFile(io.BytesIO(report.data)) as archive:
        names = archive.namelist()
        styles = archive.read("xl/styles.xml").decode()
    assert any(n.startswith("xl/comments") for n in names) and "FFC7CE" in styles

    # Correct the report as the reasons say and upload it again, as it is.
    fixed = io.BytesIO()
    workbook = xlsxwriter.Workbook(fixed)
    sheet = workbook.add_worksheet()
    header = rows[0]
    staff, employees = header.index("*研发人员期末数（人）"), header.index("*从业人员期末数（人）")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if r and c == staff:
                value = int(row[employees]) - 1
            if value not in (None, ""):
                sheet.write(r, c, value)
    workbook.close()
    second = _wait_for_batch(county_client, _upload(county_client, activity_id, fixed.getvalue(),
                                                    "不通过企业-已修改.xlsx"))
    with app.app_context():
        batch = db.session.get(UploadBatch, second)
        assert (batch.passed, batch.failed) == (50, 0)
    queue = city_client.get("/submissionview/list/?_flt_0_status=pending_city"
                            f"&_flt_0_batch_id={second}&psize_SubmissionView=100")
    assert records[0]["uscc"] in queue.get_data(as_text=True)


def test_duplicates_in_file_and_in_activity(app, activity_id, county_client):
    records = _records(3, start=71000, bad_every=0, seed=2)
    records.append(dict(records[0]))  # the same enterprise twice in the file
    with app.app_context():
        # An enterprise that already reported itself in this activity.
        values = records[1]
        enterprise = Enterprise(uscc=values["uscc"], name=values["name"], region_code="210202")
        db.session.add(enterprise)
        db.session.commit()
        activity = db.session.get(activities.ReportingActivity, activity_id)
        own = reporting.start_submission(activity, enterprise)
        reporting.submit(own, values, "王芳", True)
        own_id = own.id
    batch_id = _wait_for_batch(county_client, _upload(county_client, activity_id,
                                                      _file(app, activity_id, records)))
    with app.app_context():
        batch = db.session.get(UploadBatch, batch_id)
        verdicts = {v["row"]: v for v in batch.verdicts}
        assert verdicts[2]["status"] == verdicts[5]["status"] == "failed"
        assert "DUP:file" in verdicts[2]["errors"]
        assert "DUP:activity" in verdicts[3]["warnings"] and batch.duplicates == 1
        assert db.session.get(Submission, own_id).status == workflow.DUPLICATE
        uploaded = db.session.query(Submission).filter_by(batch_id=batch_id).all()
        assert {s.status for s in uploaded} == {workflow.DUPLICATE, workflow.PENDING_CITY}
        assert db.session.get(Submission, own_id).revenue == values["revenue"]  # not overwritten
    data = _file(app, activity_id, records)
    _upload(county_client, activity_id, data)  # a new file is a new batch …
    again = _upload(county_client, activity_id, data)  # … the same file twice is refused
    assert "未作任何修改" in county_client.get(again.headers["Location"]).get_data(as_text=True)


def test_rows_outside_the_uploaders_area_fail(app, activity_id, county_client):
    records = _records(2, county="210203", start=72000, bad_every=0)
    batch_id = _wait_for_batch(county_client, _upload(county_client, activity_id,
                                                      _file(app, activity_id, records)))
    with app.app_context():
        batch = db.session.get(UploadBatch, batch_id)
        assert batch.failed == 2 and all("SCOPE" in v["errors"] for v in batch.verdicts)


def test_cells_in_every_shape_people_type_them(app, activity_id, county_client):
    record = _records(1, start=73000, bad_every=0)[0]
    record.update(revenue="２３４５．５", main_revenue=2000, employees=" 80 ", rd_staff=10,
                  registration_date=43000,
                  uscc=record["uscc"].lower(), region_code="大连市中山区", is_private="是 ")
    batch_id = _wait_for_batch(county_client, _upload(county_client, activity_id,
                                                      _file(app, activity_id, [record])))
    with app.app_context():
        batch = db.session.get(UploadBatch, batch_id)
        assert batch.passed == 1, batch.verdicts
        stored = db.session.query(Submission).filter_by(batch_id=batch_id).one()
        assert stored.revenue == 2345.5 and stored.employees == 80
        assert stored.uscc == record["uscc"].upper() and stored.region_code == "210202"
        assert stored.provenance["revenue"] == "upload"


def _bomb():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (300 * 1024 * 1024))
    return buffer.getvalue()


@pytest.mark.parametrize("data, says", [
    (b"", "空"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 old word document", "xlsx"),
    (b"name,uscc\nA,1\n", "Excel"),
    (b"\x89PNG\r\n\x1a\n....", "Excel"),
    (b"PK\x03\x04garbage", "损坏"),
])
def test_bad_files_are_refused_with_a_clear_message(app, activity_id, county_client, data, says):
    response = _upload(county_client, activity_id, data)
    page = county_client.get(response.headers["Location"]).get_data(as_text=True)
    assert says in page


def test_zip_bomb_headers_and_required_columns(app, activity_id, county_client):
    for data, says in [(_bomb(), "异常巨大")]:
        page = county_client.get(_upload(county_client, activity_id, data).headers["Location"])
        assert says in page.get_data(as_text=True)
    for header, says in [(["甲", "乙"], "表头与模板不符"),
                         (["统一社会信用代码", "企业名称"], "缺少必填列")]:
        buffer = io.BytesIO()
        workbook = xlsxwriter.Workbook(buffer)
        sheet = workbook.add_worksheet()
        sheet.write_row(0, 0, header)
        sheet.write_row(1, 0, ["x", "y"])
        workbook.close()
        page = county_client.get(_upload(county_client, activity_id, buffer.getvalue())
                                 .headers["Location"]).get_data(as_text=True)
        assert says in page


def test_size_and_row_limits(app, activity_id, county_client):
    app.config.update(UPLOAD_MAX_ROWS=5)
    try:
        data = _file(app, activity_id, _records(6, start=74000, bad_every=0))
        page = county_client.get(_upload(county_client, activity_id, data).headers["Location"])
        assert "最多 5 行" in page.get_data(as_text=True)
    finally:
        app.config.update(UPLOAD_MAX_ROWS=100_000)
    app.config.update(UPLOAD_MAX_MB=0)
    try:
        page = county_client.get(_upload(county_client, activity_id, b"PK\x03\x04x")
                                 .headers["Location"])
        assert "MB" in page.get_data(as_text=True)
    finally:
        app.config.update(UPLOAD_MAX_MB=20)


def test_a_failure_midway_leaves_no_half_batch(app, activity_id, monkeypatch):
    records = _records(5, start=75000, bad_every=0)
    data = _file(app, activity_id, records)

    def broken(*args, **kwargs):
        db.session.execute(db.text("SELECT 1"))
        raise RuntimeError("database went away")

    with app.app_context():
        activity = db.session.get(activities.ReportingActivity, activity_id)
        user = app.appbuilder.sm.find_user(username="county_reviewer")
        before = db.session.query(UploadBatch).count()
        monkeypatch.setattr(batch_service, "store", broken)
        with pytest.raises(RuntimeError):
            batch_service.import_workbook(activity, user, "x.xlsx", data)
        assert db.session.query(UploadBatch).count() == before
        assert db.session.query(Enterprise).filter_by(uscc=records[0]["uscc"]).count() == 0


def test_cli_import_prints_the_spec_json(app, activity_id, tmp_path):
    path = tmp_path / "cli.xlsx"
    records = _records(3, start=76000, bad_every=2)
    path.write_bytes(_file(app, activity_id, records))
    result = app.test_cli_runner().invoke(args=["batch", "import", str(path), "--activity",
                                                str(activity_id), "--user", "county_reviewer",
                                                "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert set(data) == {"batch", "passed", "failed", "warned", "rows"}
    assert (data["passed"], data["failed"]) == (1, 2)
    assert set(data["rows"][0]) == {"row", "uscc", "status", "errors", "warnings"}
    assert data["rows"][0] == {"row": 2, "uscc": records[0]["uscc"], "status": "failed",
                               "errors": ["S3"], "warnings": data["rows"][0]["warnings"]}
    template = tmp_path / "t.xlsx"
    result = app.test_cli_runner().invoke(args=["batch", "template", "--activity",
                                                str(activity_id), "--out", str(template)])
    assert result.exit_code == 0 and template.stat().st_size > 5000


def test_interrupted_jobs_show_as_failed(app, county_client):
    import datetime as dt

    with app.app_context():
        user = app.appbuilder.sm.find_user(username="county_reviewer")
        job = BackgroundJob(kind="batch_import", title="中断的任务", user_id=user.id,
                            status="running",
                            heartbeat_at=dt.datetime.now() - dt.timedelta(hours=1))
        db.session.add(job)
        db.session.commit()
        job_id = job.id
    assert county_client.get(f"/jobs/status/{job_id}").get_json()["status"] == "failed"
    assert "中断的任务" in county_client.get("/jobs/").get_data(as_text=True)
    assert "中断" in county_client.get(f"/jobs/show/{job_id}").get_data(as_text=True)
    other = app.test_client()
    login(other, "city_reviewer")
    assert other.get(f"/jobs/status/{job_id}").status_code == 404


def test_formulas_count_as_their_values_and_merged_cells_are_named(app, activity_id,
                                                                    county_client):
    record = _records(1, start=77000, bad_every=0)[0]
    with app.app_context():
        activity = db.session.get(activities.ReportingActivity, activity_id)
        from app.services.intake.workbook import shown_fields

        columns = [f for f, _r in shown_fields(activity)]
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer)
    sheet = workbook.add_worksheet()
    for col, field in enumerate(columns):
        sheet.write_string(0, col, field.header("zh", field.required))
        value = record.get(field.key)
        if field.key == "employees":
            sheet.write_formula(1, col, "=40*2", None, 80)
            continue
        if field.key == "rd_staff":
            value = 10
        if value not in (None, ""):
            sheet.write(1, col, "；".join(value) if isinstance(value, list) else value)
    name_col = [f.key for f in columns].index("name")
    record2 = _records(1, start=77001, bad_every=0)[0]
    for col, field in enumerate(columns):
        value = record2.get(field.key)
        if col in (name_col, name_col + 1):
            continue
        if value not in (None, ""):
            sheet.write(2, col, "；".join(value) if isinstance(value, list) else value)
    sheet.merge_range(2, name_col, 2, name_col + 1, record2["name"])  # name spills over the USCC
    workbook.close()
    batch_id = _wait_for_batch(county_client, _upload(county_client, activity_id,
                                                      buffer.getvalue()))
    with app.app_context():
        batch = db.session.get(UploadBatch, batch_id)
        verdicts = {v["row"]: v for v in batch.verdicts}
        assert verdicts[2]["status"] == "passed"
        stored = db.session.query(Submission).filter_by(batch_id=batch_id).one()
        assert stored.employees == 80
        assert verdicts[3]["status"] == "failed" and "F:uscc" in verdicts[3]["errors"]
        failure = batch.failures[0]
        assert any("统一社会信用代码" in e["zh"] for e in failure["errors"])
