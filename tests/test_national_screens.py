"""The province's 报送国家 screens (SPEC §12.5, issue 22): a batch reported through the
confirmation form, its page with entries and files, the package downloaded one file at a time
and as a zip whose SHA-256 match the manifest; the Ministry's problem list (a bad file shows
its rows and changes nothing, a good one returns records, the same file twice says so); its
points, compared in a scoped list with filters and an aggregate, confirmed in bulk; the loop
per city; who may do what; both languages.

The activity is the module's own: four records in the county reviewer's county (大连 中山区)
and three in 沈阳 (another city), uploaded approved by the province, with a provincial run."""

from __future__ import annotations

import hashlib
import io
import json
import re
import secrets
import zipfile
from html import unescape

import pytest
import xlsxwriter
from itsdangerous import URLSafeTimedSerializer
from python_calamine import CalamineWorkbook
from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    AuditLog,
    NationalBatch,
    NationalImport,
    NationalPoints,
    ReportingActivity,
    ScoreResult,
    Submission,
)
from app.services.intake import activities
from tests.conftest import csrf_token_of, logged_in_client
from tests.test_batch import _file, _records
from tests.test_publicity_cli import _invoke, _json

COUNTY, OTHER_CITY = "210202", "210102"  # the county reviewer's (大连), and 沈阳


def _text(response) -> str:
    return unescape(response.get_data(as_text=True))


def _xlsx(rows) -> bytes:
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = workbook.add_worksheet()
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is not None:
                sheet.write(r, c, value)
    workbook.close()
    return buffer.getvalue()


def _upload(client, url, data: bytes, name="国家文件.xlsx"):
    token = csrf_token_of(client.get(url).get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, "file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def _token(client) -> str:
    """The CSRF token of the client's session, as a form of any page would carry it (some
    roles reach no page with a form here)."""
    with client.session_transaction() as session:
        raw = session.setdefault("csrf_token", secrets.token_hex(20))
    config = client.application.config
    secret = config.get("WTF_CSRF_SECRET_KEY") or config["SECRET_KEY"]
    return URLSafeTimedSerializer(secret, salt="wtf-csrf-token").dumps(raw)


def _post(client, url, data=None, **kwargs):
    return client.post(url, data={"csrf_token": _token(client), **(data or {})}, **kwargs)


def _statuses(app, usccs, activity_id) -> dict[str, str]:
    with app.app_context():
        return dict(db.session.execute(select(Submission.uscc, Submission.status).where(
            Submission.activity_id == activity_id, Submission.uscc.in_(usccs))).all())


def _stranger() -> str:
    from app.domain.records.uscc import check_character

    return "91210202MA0098999" + check_character("91210202MA0098999")


@pytest.fixture(scope="module")
def activity(app, tmp_path_factory):
    """(activity id, the county's USCCs, the other city's USCCs, the provincial results)."""
    with app.app_context():
        activity_id = activities.create_activity("国家环节界面测试活动", 2025, "county",
                                                 open_now=True).id
    county = _records(4, county=COUNTY, start=98000, bad_every=0, seed=51)
    other = _records(3, county=OTHER_CITY, start=98050, bad_every=0, seed=52)
    path = tmp_path_factory.mktemp("national_screens") / "省级上传.xlsx"
    path.write_bytes(_file(app, activity_id, county + other))
    assert _json(app, "batch", "import", path, "--activity", activity_id, "--user",
                 "province_admin", "--json")["passed"] == 7
    out = _invoke(app, "scores", "run", "--activity", activity_id, "--project",
                  "innovation-points-2.0", "--json")
    assert out.exit_code == 0, out.output
    # The JSON line, then a warning that the cohorts are small.
    run = next(json.loads(line) for line in out.output.splitlines()
               if line.startswith("{"))["run"]
    with app.app_context():
        ours = {r.uscc: (r.total, r.grade) for r in db.session.execute(
            select(ScoreResult).where(ScoreResult.run_id == run)).scalars()}
    return activity_id, [r["uscc"] for r in county], [r["uscc"] for r in other], ours


@pytest.fixture(scope="module")
def reported(app, activity):
    """The first batch, made by the province through the report form; (batch id, form)."""
    activity_id, *_ = activity
    client = logged_in_client(app, "province")
    form = _text(client.get(f"/nationalbatches/report?activity={activity_id}"))
    response = client.post("/nationalbatches/report", data={
        "csrf_token": csrf_token_of(form), "activity": str(activity_id)})
    assert response.status_code == 302 and "/nationalbatches/show/" in response.location
    return int(response.location.rsplit("/", 1)[1]), form


@pytest.fixture(scope="module")
def returned(app, activity, reported):
    """The Ministry's problem list imported through the screen: two records returned."""
    activity_id, county, other, _ours = activity
    data = _xlsx([["统一社会信用代码", "问题字段", "问题说明"],
                  [county[0], "研发费用（数据年度）（万元）", "研发费用与加计扣除数据不符"],
                  [other[0], "", "营业执照状态异常"],
                  [_stranger(), "", "未知企业"]])
    client = logged_in_client(app, "province")
    first = _text(_upload(client, f"/nationalbatches/feedback/{activity_id}", data))
    second = _text(_upload(client, f"/nationalbatches/feedback/{activity_id}", data))
    return first, second


def _grades(app, activity_id) -> list[str]:
    from app.domain.scoring.parsing import parse
    from app.services.national.points import latest_project

    with app.app_context():
        project = latest_project(db.session.get(ReportingActivity, activity_id))
        return [g.grade for g in parse(project.definition, check_totals=False).grades]


@pytest.fixture(scope="module")
def national_points(app, activity, reported):
    """The Ministry's points: county[1] as ours, county[2] five points more, other[1] with
    another grade, county[3] and other[2] as ours; one unknown code."""
    activity_id, county, other, ours = activity
    grades = _grades(app, activity_id)
    other_grade = next(g for g in grades if g != ours[other[1]][1])
    rows = [["统一社会信用代码", "创新积分", "等级"]]
    rows += [[u, ours[u][0], ours[u][1]] for u in (county[1], county[3], other[2])]
    rows += [[county[2], ours[county[2]][0] + 5, ours[county[2]][1]],
             [other[1], ours[other[1]][0], other_grade], [_stranger(), 50, grades[0]]]
    response = _upload(logged_in_client(app, "province"), f"/nationalbatches/points/{activity_id}",
                       _xlsx(rows))
    assert response.status_code == 200
    return _text(response)


# -- reporting a batch -------------------------------------------------------------------------
def test_the_province_reports_through_the_confirmation_form(app, activity, reported,
                                                             province_client):
    activity_id, county, other, _ours = activity
    batch_id, form = reported
    assert re.search(r'data-confirm="[^"]*\b7\b[^"]*\b1\b', form)  # 7 records as batch 1
    assert 'id="left-to-report"' in form and 'id="report-form"' in form
    with app.app_context():
        batch = db.session.get(NationalBatch, batch_id)
        assert batch.activity_id == activity_id and batch.number == 1 and batch.records == 7
        assert batch.supplementary is False
    page = _text(province_client.get(f"/nationalbatches/show/{batch_id}"))
    assert all(u in page for u in county + other)
    assert 'id="package-files"' in page and "manifest.json" in page
    listed = _text(province_client.get(f"/nationalbatches/list/?_flt_0_activity={activity_id}"))
    assert f"/nationalbatches/show/{batch_id}" in listed

    # Nothing left: the form offers no button, and a crafted POST is refused in words.
    again = _text(province_client.get(f"/nationalbatches/report?activity={activity_id}"))
    assert 'id="nothing-left"' in again and 'id="report-form"' not in again
    province_client.get("/lang/en")
    try:
        refused = _text(_post(province_client, "/nationalbatches/report",
                              {"activity": str(activity_id)}, follow_redirects=True))
    finally:
        province_client.get("/lang/zh")
    assert "Nothing is left to report" in refused
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(NationalBatch).where(
            NationalBatch.activity_id == activity_id)).scalar() == 1


def test_the_package_downloads_match_the_manifest(app, reported, province_client):
    batch_id, _form = reported
    with app.app_context():
        manifest = db.session.get(NationalBatch, batch_id).manifest
        audits = db.session.execute(select(func.count()).select_from(AuditLog).where(
            AuditLog.object_type == "NationalBatch", AuditLog.action == "download")).scalar()
    response = province_client.get(f"/nationalbatches/package/{batch_id}")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    names = archive.namelist()
    assert "manifest.json" in names and any(n.endswith(".xlsx") for n in names)
    assert json.loads(archive.read("manifest.json")) == manifest
    for item in manifest["files"]:
        data = archive.read(item["name"])
        assert len(data) == item["bytes"] and hashlib.sha256(data).hexdigest() == item["sha256"]
    (book,) = [n for n in names if n.endswith(".xlsx")]
    rows = CalamineWorkbook.from_filelike(io.BytesIO(archive.read(book))).get_sheet_by_index(
        0).to_python()
    assert len(rows) == 8  # the header and seven enterprises
    one = province_client.get(f"/nationalbatches/file/{batch_id}/0")
    assert one.status_code == 200
    assert hashlib.sha256(one.data).hexdigest() == manifest["files"][0]["sha256"]
    assert province_client.get(f"/nationalbatches/file/{batch_id}/99").status_code == 404
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(AuditLog).where(
            AuditLog.object_type == "NationalBatch", AuditLog.action == "download")
        ).scalar() == audits + 2


def test_a_pushed_batch_shows_its_delivery(app, activity, reported, province_client):
    """A batch sent through the national interface: the list and its page count its records
    by delivery state (the outbox rows stand in for the connector's deliveries)."""
    from app.models import NationalOutbox

    activity_id, *_ = activity
    with app.app_context():
        other = activities.create_activity("国家接口推送界面测试活动", 2025, "county").id
        ids = db.session.execute(select(Submission.id).where(
            Submission.activity_id == activity_id).order_by(Submission.id).limit(3)
        ).scalars().all()
        batch = NationalBatch(activity_id=other, number=1, records=3, channel="http")
        db.session.add(batch)
        db.session.flush()
        for submission_id, status in zip(ids, ("delivered", "delivered", "failed"),
                                         strict=True):
            db.session.add(NationalOutbox(batch_id=batch.id, submission_id=submission_id,
                                          idempotency_key=f"screens-{batch.id}-{submission_id}",
                                          payload={}, status=status))
        db.session.commit()
        batch_id = batch.id
    listed = _text(province_client.get(f"/nationalbatches/list/?_flt_0_activity={other}"))
    assert "已送达 2" in listed and "失败 1" in listed and "国家接口推送" in listed
    page = _text(province_client.get(f"/nationalbatches/show/{batch_id}"))
    assert re.search(r'id="batch-delivery">.*已送达 2.*失败 1', page, re.S)
    assert 'id="download-package"' not in page  # nothing kept for it


# -- the Ministry's problem list ---------------------------------------------------------------
def test_a_bad_problem_list_shows_its_rows_and_changes_nothing(app, activity, reported,
                                                               province_client):
    activity_id, county, other, _ours = activity
    before = _statuses(app, county + other, activity_id)
    with app.app_context():
        imports = db.session.execute(select(func.count()).select_from(NationalImport)).scalar()
    foreign = "91110105MA0000001" + _stranger()[-1]  # malformed or foreign: refused either way
    bad = _xlsx([["统一社会信用代码", "问题字段", "问题说明"],
                 [county[1], "", "有问题"], [county[1], "", "重复"], [foreign, "", "外省"]])
    page = _text(_upload(province_client, f"/nationalbatches/feedback/{activity_id}", bad))
    assert 'id="import-refused"' in page and 'id="nothing-imported"' in page
    assert "第 3 行：" in page and "第 4 行：" in page and "第 2 行：" not in page
    province_client.get("/lang/en")
    try:
        english = _text(_upload(province_client, f"/nationalbatches/feedback/{activity_id}",
                                bad))
    finally:
        province_client.get("/lang/zh")
    assert "Row 3:" in english and "Row 4:" in english and "第 3 行" not in english
    assert "Nothing was imported" in english
    assert _statuses(app, county + other, activity_id) == before
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(NationalImport)
                                  ).scalar() == imports


def test_a_problem_list_returns_records_once(app, activity, reported, returned,
                                             province_client):
    activity_id, county, other, _ours = activity
    first, second = returned
    assert re.search(r'id="result-returned">2<', first)
    assert _stranger() in first and 'id="list-unknown"' in first
    assert 'id="same-file"' not in first
    assert 'id="same-file"' in second and re.search(r'id="result-returned">0<', second)
    statuses = _statuses(app, [county[0], other[0], county[1]], activity_id)
    assert statuses[county[0]] == statuses[other[0]] == "national_returned"
    assert statuses[county[1]] != "national_returned"
    batch_id, _form = reported
    page = _text(province_client.get(f"/nationalbatches/show/{batch_id}?state=returned"))
    assert "研发费用与加计扣除数据不符" in page and "国家退回" in page
    assert county[0] in page and county[1] not in page
    assert "研发费用" in page  # the field's label, not its key
    assert "rd_expense" not in page


def test_the_loop_follows_a_correction_into_a_supplementary_batch(app, activity, reported,
                                                                  returned, province_client):
    from app.domain import workflow
    from app.services.review import workflow as flow

    activity_id, county, other, _ours = activity
    with app.app_context():
        record = db.session.execute(select(Submission).where(
            Submission.uscc == county[0], Submission.activity_id == activity_id)).scalar_one()
        flow.move(record, workflow.APPROVED, workflow.APPROVE, "更正后通过", (None, "test"))
        db.session.commit()
    form = _text(province_client.get(f"/nationalbatches/report?activity={activity_id}"))
    assert re.search(r'data-confirm="[^"]*\b1\b[^"]*\b2\b', form)  # 1 record as batch 2
    response = _post(province_client, "/nationalbatches/report", {"activity": str(activity_id)})
    assert response.status_code == 302
    second = _text(province_client.get(response.location))
    assert "补报" in second and county[0] in second and county[1] not in second

    loop = _text(province_client.get(f"/national/activity/{activity_id}"))
    assert 'id="open-report"' in loop and 'id="open-comparison"' in loop

    def figures(row_id_or_city):
        row = re.search(rf'<tr (?:data-city|id)="{row_id_or_city}">(.*?)</tr>', loop, re.S)
        return {key: int(value.replace(",", "")) for key, value in re.findall(
            r'class="num loop-(\w+)">([\d,]+)<', row.group(1))}

    total = figures("loop-total")
    assert (total["reported"], total["returned"], total["corrected"], total["rereported"]) \
        == (7, 2, 1, 1)
    dalian, shenyang = figures("2102"), figures("2101")
    assert (dalian["reported"], dalian["returned"], dalian["corrected"]) == (4, 1, 1)
    assert (shenyang["reported"], shenyang["returned"], shenyang["corrected"]) == (3, 1, 0)


# -- national points ---------------------------------------------------------------------------
def test_points_are_imported_compared_filtered_and_confirmed(app, activity, national_points,
                                                             province_client):
    activity_id, county, other, _ours = activity
    result = national_points
    assert re.search(r'id="result-matched">5<', result)
    assert re.search(r'id="result-differing">2<', result)
    assert 'id="list-unmatched"' in result and _stranger() in result
    base = f"/nationalpoints/list/?_flt_0_activity_id={activity_id}"
    page = _text(province_client.get(base))
    assert all(u in page for u in (county[1], county[2], county[3], other[1], other[2]))
    assert 'id="comparison-panel"' in page and 'id="chart-differences"' in page
    assert "+5.00" in page
    differing = _text(province_client.get(base + "&_flt_0_provincial_total=y"))
    assert county[2] in differing and other[1] in differing and county[1] not in differing
    grade = _text(province_client.get(base + "&_flt_0_provincial_grade=y"))
    assert other[1] in grade and county[2] not in grade
    shenyang = re.search(r'<tr data-city="2101">(.*?)</tr>', page, re.S).group(1)
    assert re.search(r'class="num grade-differs">1<', shenyang)
    waiting = _text(province_client.get(base + "&_flt_3_status=received"))
    assert re.search(r'data-confirm="[^"]*\b5\b', waiting)
    # The export keeps the filter.
    exported = province_client.get(f"/nationalpoints/export/?_flt_0_activity_id={activity_id}"
                                   "&_flt_0_provincial_total=y")
    rows = CalamineWorkbook.from_filelike(io.BytesIO(exported.data)).get_sheet_by_index(
        0).to_python()
    assert len(rows) == 3 and {r[1] for r in rows[1:]} == {county[2], other[1]}

    # 沈阳 only, through the city cascader's filter.
    city = _text(province_client.get(base + "&_flt_0_region_code=2101"))
    assert other[1] in city and other[2] in city and county[2] not in city

    # The selected rows first, then the rest in bulk: the dialog names how many are left.
    with app.app_context():
        pk = db.session.execute(select(NationalPoints.id).where(
            NationalPoints.uscc == county[1])).scalar_one()
    _post(province_client, "/nationalpoints/action_post",
          {"action": "confirm_selected", "rowid": str(pk)})
    assert re.search(r'data-confirm="[^"]*\b4\b', _text(province_client.get(base)))
    response = _post(province_client, f"/nationalpoints/confirm/{activity_id}",
                     follow_redirects=True)
    assert re.search(r"已确认 4 家企业的国家积分", _text(response))
    with app.app_context():
        statuses = db.session.execute(select(NationalPoints.status).where(
            NationalPoints.activity_id == activity_id)).scalars().all()
    assert sorted(set(statuses)) == ["confirmed"] and len(statuses) == 5
    assert 'id="nothing-to-confirm"' in _text(province_client.get(base))


def test_a_county_reviewer_sees_its_area_and_none_of_the_provinces_actions(
        app, activity, national_points, county_client):
    activity_id, county, other, _ours = activity
    page = _text(county_client.get(f"/nationalpoints/list/?_flt_0_activity_id={activity_id}"))
    assert county[2] in page and other[1] not in page and other[2] not in page
    assert 'id="confirm-all"' not in page
    loop = _text(county_client.get(f"/national/activity/{activity_id}"))
    assert 'data-city="2102"' in loop and 'data-city="2101"' not in loop
    assert 'id="open-report"' not in loop and 'id="open-comparison"' in loop
    with app.app_context():
        pk = db.session.execute(select(NationalPoints.id).where(
            NationalPoints.uscc == county[2])).scalar_one()
        before = db.session.execute(select(func.count()).select_from(NationalBatch)).scalar()
    assert _post(county_client, f"/nationalpoints/confirm/{activity_id}").status_code == 403
    assert _post(county_client, "/nationalpoints/action_post", {
        "action": "confirm_selected", "rowid": str(pk)}
    ).status_code == 404
    assert _post(county_client, "/nationalbatches/report",
                 {"activity": str(activity_id)}).status_code == 403
    bad = _xlsx([["统一社会信用代码", "问题说明"], [county[2], "x"]])
    refused = county_client.post(f"/nationalbatches/feedback/{activity_id}", data={
        "csrf_token": _token(county_client), "file": (io.BytesIO(bad), "x.xlsx")},
        content_type="multipart/form-data")
    assert refused.status_code == 403
    for url in ("/nationalbatches/list/", f"/nationalbatches/points/{activity_id}",
                "/nationalbatches/template/feedback", "/nationalpoints/export/"):
        assert county_client.get(url).status_code == 403, url
    assert _statuses(app, [county[2]], activity_id)[county[2]] != "national_returned"
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(NationalBatch)
                                  ).scalar() == before


@pytest.mark.parametrize("role", ["enterprise", "bank"])
def test_enterprises_and_banks_are_refused(app, activity, reported, client_as, role):
    activity_id, *_ = activity
    batch_id, _form = reported
    client = client_as(role)
    for url in ("/nationalbatches/list/", f"/nationalbatches/show/{batch_id}",
                "/nationalbatches/report", f"/nationalbatches/package/{batch_id}",
                f"/nationalbatches/feedback/{activity_id}", "/nationalpoints/list/",
                f"/national/activity/{activity_id}"):
        assert client.get(url).status_code == 403, (role, url)
    assert _post(client, f"/nationalpoints/confirm/{activity_id}").status_code == 403


def test_the_templates_carry_the_ministrys_headers(province_client):
    for kind, headers in (("feedback", ["统一社会信用代码", "问题字段", "问题说明"]),
                          ("points", ["统一社会信用代码", "创新积分", "等级"])):
        response = province_client.get(f"/nationalbatches/template/{kind}")
        rows = CalamineWorkbook.from_filelike(io.BytesIO(response.data)).get_sheet_by_index(
            0).to_python()
        assert rows[0] == headers
    assert province_client.get("/nationalbatches/template/other").status_code == 404


# -- languages ---------------------------------------------------------------------------------
OURS = {"zh": ("首报", "报送国家", "国家积分", "下载完整打包文件"),
        "en": ("First report", "Reports to the Ministry", "National points",
               "Download the whole package")}


def test_both_languages_render_without_the_other(app, activity, reported, national_points,
                                                 province_client):
    activity_id, *_ = activity
    batch_id, _form = reported
    urls = ("/nationalbatches/list/", f"/nationalbatches/show/{batch_id}",
            f"/nationalbatches/report?activity={activity_id}",
            f"/nationalbatches/feedback/{activity_id}", f"/nationalbatches/points/{activity_id}",
            f"/nationalpoints/list/?_flt_0_activity_id={activity_id}",
            f"/national/activity/{activity_id}")
    try:
        for lang, other in (("en", "zh"), ("zh", "en")):
            province_client.get(f"/lang/{lang}")
            shown = "".join(_text(province_client.get(url)) for url in urls)
            assert all(text in shown for text in OURS[lang][:1]), lang
            assert any(text in shown for text in OURS[lang][1:]), lang
            assert not [text for text in OURS[other] if text in shown], lang
    finally:
        province_client.get("/lang/zh")
