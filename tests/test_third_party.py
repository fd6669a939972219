"""Third-party data: a province loads a file whose values show as prefilled."""

import io

import xlsxwriter

from app.extensions import db
from app.models import Enterprise, Submission
from app.services.demo import demo_uscc
from app.services.intake import activities, reporting
from tests.conftest import csrf_token_of


def _xlsx(rows):
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer)
    sheet = workbook.add_worksheet()
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            sheet.write(r, c, value)
    workbook.close()
    return buffer.getvalue()


def _upload(client, activity_id, data, name="data.xlsx"):
    page = client.get(f"/activityview/settings/{activity_id}").get_data(as_text=True)
    return client.post(f"/activityview/settings/{activity_id}", data={
        "csrf_token": csrf_token_of(page), "part": "third_party",
        "file": (io.BytesIO(data), name)}, content_type="multipart/form-data",
        follow_redirects=True)


def test_values_are_prefilled_with_provenance(app, province_client):
    with app.app_context():
        activity = activities.create_activity("第三方数据活动", 2025, "county", open_now=True)
        activity_id = activity.id
        submitted_one = db.session.query(Enterprise).filter_by(uscc=demo_uscc("210203", 2)).one()
        record = reporting.start_submission(activity, submitted_one)
        from tests.domain.test_rules import GOOD

        reporting.submit(record, {**GOOD, "uscc": submitted_one.uscc, "region_code": "210203"},
                         "王芳", True)
        record_id = record.id
    data = _xlsx([
        ["统一社会信用代码", "*营业收入（数据年度）（万元）", "从业人员期末数（人）", "备注"],
        [demo_uscc("210202", 1), 1234.5, 66, "ignored"],
        [demo_uscc("210213", 3).lower(), "１２３", "abc", ""],
        [demo_uscc("210203", 2), 999, 1, ""],
        ["91210202MA0000999X", 1, 1, ""],
    ])
    html = _upload(province_client, activity_id, data).get_data(as_text=True)
    assert 'id="rows-read">4<' in html and 'id="rows-applied">2<' in html
    assert "91210202MA0000999X" in html and "不是数字" in html
    with app.app_context():
        own = db.session.query(Submission).join(Enterprise).filter(
            Submission.activity_id == activity_id,
            Enterprise.uscc == demo_uscc("210202", 1)).one()
        assert own.revenue == 1234.5 and own.employees == 66
        assert own.provenance["revenue"] == reporting.THIRD_PARTY
        other = db.session.query(Submission).join(Enterprise).filter(
            Submission.activity_id == activity_id,
            Enterprise.uscc == demo_uscc("210213", 3)).one()
        assert other.revenue == 123 and other.employees is None
        untouched = db.session.query(Submission).filter_by(id=record_id).one()
        assert untouched.revenue == GOOD["revenue"]


def test_bad_files_say_what_is_wrong_and_change_nothing(app, province_client):
    with app.app_context():
        activity_id = activities.create_activity("坏文件活动", 2025, "county").id
    cases = [
        (b"%PDF-1.4 not a spreadsheet", "Excel"),
        (b"PK\x03\x04 broken zip", "无法读取"),
        (_xlsx([["名称", "金额"], ["x", 1]]), "统一社会信用代码"),
        (_xlsx([]), "空"),
    ]
    for data, says in cases:
        html = _upload(province_client, activity_id, data).get_data(as_text=True)
        assert says in html, says
    with app.app_context():
        assert db.session.query(Submission).filter_by(activity_id=activity_id).count() == 0


def test_only_the_province_loads_third_party_data(county_client):
    assert county_client.get("/activityview/settings/1").status_code == 403
