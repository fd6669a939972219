"""The portal form's detail tables and evidence files (SPEC §12.1–12.2) through the web, as the
enterprise: rows saved with the counts they give (read-only, 由明细计算), each row's findings
beside it, duplicates refused, a bad row or a missing required file stopping the submission,
rows a reviewer marked 存疑 highlighted with the reason; and the activity's settings page."""

from __future__ import annotations

import io
import re

import pytest

from app.domain import workflow
from app.extensions import db
from app.models import Attachment, ReportingActivity, ReviewRecord, Submission
from app.services.intake import activities
from tests.conftest import csrf_token_of, post_form
from tests.test_reporting import _submission, good_form

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
PATENT_1, PATENT_2 = "ZL202310123456.7", "ZL202220654321.X"


def _activity(app, name, tables=("ip", "projects"), required=(), evidence=None):
    with app.app_context():
        activity = activities.create_activity(name, 2025, "county", open_now=True,
                                              detail_tables=list(tables))
        activity.detail_tables = {k: {"required": k in required} for k in tables}
        activity.evidence_fields = evidence
        db.session.commit()
        return activity.id


def rows(table, *given):
    """Form fields of detail rows: rows("ip", {"ip_type": …}, …)."""
    data = {"details": "1"}
    for n, row in enumerate(given):
        for column, value in row.items():
            data[f"detail-{table}-{n}-{column}"] = value
    return data


def patent(number=PATENT_1, kind="发明专利", date="2024-05-20", title="一种智能装配机构",
           uid=""):
    return {"ip_type": kind, "number": number, "title": title, "grant_date": date, "uid": uid}


def _post(client, activity_id, *parts, action="save", **extra):
    data = {**good_form(), "action": action, **extra}
    for part in parts:
        data.update(part)
    url = f"/portal/activity/{activity_id}"
    return post_form(client, url, data=data, follow_redirects=True)


def _record(app, activity_id) -> Submission:
    record = _submission(app, activity_id)
    with app.app_context():
        return db.session.get(Submission, record.id)


def _cell(page: str, table: str, row: int, column: str) -> str:
    """The HTML of one cell of a detail row (row counted from 1)."""
    section = page.split(f'id="detail-{table}"', 1)[1].split("</section>", 1)[0]
    body = section.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    found = re.findall(r'<tr class="detail-row[^"]*".*?</tr>', body, flags=re.S)[row - 1]
    pattern = r'<td class="detail-cell[^"]*" data-column="' + column + r'">.*?</td>'
    return re.search(pattern, found, flags=re.S).group(0)


def test_rows_are_saved_and_the_counts_they_give_are_read_only(app, enterprise_client):
    activity_id = _activity(app, "明细表：保存与计数")
    page = _post(enterprise_client, activity_id,
                 rows("ip", patent(), patent(PATENT_2, "实用新型", "2023-11-02", "一种夹具"),
                      {"ip_type": "", "number": "", "title": "", "grant_date": ""}),  # empty
                 rows("projects", {"level": "省级", "name": "智能装备关键技术研究",
                                   "number": "2024JH1/1001", "year": "2024"}),
                 ip_count="9", invention_patents="7").get_data(as_text=True)
    record = _record(app, activity_id)
    assert [r["number"] for r in record.details["ip"]] == [PATENT_1, PATENT_2]
    assert all(len(r["uid"]) >= 8 for r in record.details["ip"])  # the empty row is dropped
    assert record.details["projects"][0]["year"] == 2024
    # The counts come from the rows, whatever was typed beside them.
    assert (record.ip_count, record.invention_patents, record.provincial_projects,
            record.municipal_projects) == (2, 1, 1, 0)
    assert record.provenance["ip_count"] == "details"
    assert record.status == workflow.DRAFT and record.error_count == 0
    # Shown read-only with 由明细计算, the rows in their tab with the count in its title.
    field = page.split('data-field="ip_count"', 1)[1].split("</div>\n          </div>", 1)[0]
    assert "由明细计算" in field and "readonly" in field and 'value="2"' in field
    assert 'value="ZL202220654321.X"' in page and "2 行" in page
    assert f'name="detail-ip-1-uid" value="{record.details["ip"][1]["uid"]}"' in page

    # Edited again with the uids: the rows keep them; one removed, one changed.
    first = record.details["ip"][0]["uid"]
    _post(enterprise_client, activity_id,
          rows("ip", patent(title="一种改进的智能装配机构", uid=first)), rows("projects"))
    record = _record(app, activity_id)
    assert [(r["uid"], r["title"]) for r in record.details["ip"]] == [(first,
                                                                      "一种改进的智能装配机构")]
    assert record.details["projects"] == [] and record.provincial_projects == 0
    assert record.ip_count == 1


def test_a_form_without_the_editors_keeps_the_stored_rows(app, enterprise_client):
    activity_id = _activity(app, "明细表：未提交明细")
    _post(enterprise_client, activity_id, rows("ip", patent()))
    _post(enterprise_client, activity_id)  # no details=1: the rows stay as they are
    assert len(_record(app, activity_id).details["ip"]) == 1


def test_each_rows_findings_are_shown_beside_it(app, enterprise_client):
    activity_id = _activity(app, "明细表：逐行检查")
    page = _post(enterprise_client, activity_id, rows(
        "ip", patent(), patent("ZL2023", date="2026-01-10"),
        {"ip_type": "软件著作权", "number": "2024SR000001", "title": "", "grant_date": "2024-3-1"})
    ).get_data(as_text=True)
    record = _record(app, activity_id)
    found = {(f["table"], f["row"], f["column"]) for f in record.findings if f.get("table")}
    assert found == {("ip", 2, "number"), ("ip", 2, "grant_date"), ("ip", 3, "title")}
    number = _cell(page, "ip", 2, "number")
    assert 'class="detail-cell has-error"' in number
    assert 'class="detail-cell has-error"' not in _cell(page, "ip", 1, "number")
    assert "专利号应为 ZL 加 12 位数字" in number
    assert "不能晚于数据年度 2025 年" in _cell(page, "ip", 2, "grant_date")
    assert "必须填写" in _cell(page, "ip", 3, "title")
    assert "必须填写" not in _cell(page, "ip", 1, "title")
    assert record.details["ip"][2]["grant_date"] == "2024-03-01"  # read and normalized
    # The summary at the top links to the row.
    assert 'data-goto-table="ip" data-row="2"' in page

    # The live check says the same while typing, with the table, row and column.
    url = f"/portal/activity/{activity_id}"
    token = csrf_token_of(enterprise_client.get(url).get_data(as_text=True))
    answer = enterprise_client.post(f"{url}/check", data={
        **good_form(), **rows("ip", patent(), patent(PATENT_1)), "csrf_token": token}).get_json()
    rows_found = [f for f in answer["findings"] if f.get("table")]
    assert [(f["row"], f["column"]) for f in rows_found] == [(2, "number")]
    assert "与第 1 行重复" in rows_found[0]["message"]
    assert answer["derived"] == {"invention_patents": 2, "ip_count": 2,
                                 "municipal_projects": 0, "provincial_projects": 0}


def test_duplicates_and_bad_rows_stop_the_submission(app, enterprise_client):
    activity_id = _activity(app, "明细表：重复不能提交")
    page = _post(enterprise_client, activity_id, rows("ip", patent(), patent(title="另一项")),
                 action="submit", agree="yes", signed_name="王芳").get_data(as_text=True)
    assert "存在必须修改的错误" in page
    record = _record(app, activity_id)
    assert record.status == workflow.DRAFT
    assert [(f["row"], f["column"]) for f in record.findings if f.get("table")] == [
        (2, "number")]
    assert "与第 1 行重复" in _cell(page, "ip", 2, "number")
    assert len(record.details["ip"]) == 2  # the draft keeps what was typed

    # A required table left empty stops it as well, said above the table.
    required = _activity(app, "明细表：必填表为空", required=("ip",))
    page = _post(enterprise_client, required, rows("ip"), action="submit", agree="yes",
                 signed_name="王芳").get_data(as_text=True)
    assert _record(app, required).status == workflow.DRAFT
    section = page.split('id="detail-ip"', 1)[1].split("</section>", 1)[0]
    assert "请填写知识产权明细（至少一行）" in section


def _upload(client, activity_id, record_id, content=PDF, name="证明.pdf", **target):
    token = csrf_token_of(client.get(f"/portal/activity/{activity_id}").get_data(as_text=True))
    return client.post(f"/evidence/upload/{record_id}", data={
        "csrf_token": token, "file": (io.BytesIO(content), name), **target},
        content_type="multipart/form-data")


def test_a_missing_required_file_stops_the_submission(app, enterprise_client):
    activity_id = _activity(app, "佐证材料：必传", evidence={
        "rd_expense": {"required": True}, "table:ip": {"required": True}})
    _post(enterprise_client, activity_id, rows("ip", patent(), patent(PATENT_2, "实用新型")))
    record = _record(app, activity_id)
    page = enterprise_client.get(f"/portal/activity/{activity_id}").get_data(as_text=True)
    summary = page.split('id="evidence-summary"', 1)[1].split("</div></div>", 1)[0]
    assert "尚需上传的佐证材料" in summary and "研发费用" in summary
    assert "知识产权明细第 2 行" in summary
    assert page.count('data-required="1"') == 3  # the field and each row

    uids = [r["uid"] for r in record.details["ip"]]
    assert _upload(enterprise_client, activity_id, record.id, field="rd_expense").status_code \
        == 200
    assert _upload(enterprise_client, activity_id, record.id, table="ip", uid=uids[0]) \
        .status_code == 200
    current = [patent(uid=uids[0]), patent(PATENT_2, "实用新型", uid=uids[1])]
    page = _post(enterprise_client, activity_id, rows("ip", *current), action="submit",
                 agree="yes", signed_name="王芳").get_data(as_text=True)
    assert "请先上传必需的佐证材料：知识产权明细第 2 行" in page
    assert _record(app, activity_id).status == workflow.DRAFT

    assert _upload(enterprise_client, activity_id, record.id, table="ip", uid=uids[1]) \
        .status_code == 200
    _post(enterprise_client, activity_id, rows("ip", *current), action="submit", agree="yes",
          signed_name="王芳")
    assert _record(app, activity_id).status == workflow.PENDING_COUNTY
    # Read-only now: the files are listed for preview, with no upload or delete.
    page = enterprise_client.get(f"/portal/activity/{activity_id}").get_data(as_text=True)
    assert page.count('class="evidence-name"') == 3
    assert "evidence-input" not in page and "evidence-delete" not in page


def test_rows_marked_doubtful_are_highlighted_with_the_reason(app, enterprise_client):
    activity_id = _activity(app, "明细表：存疑")
    _post(enterprise_client, activity_id, rows("ip", patent(), patent(PATENT_2, "实用新型")),
          action="submit", agree="yes", signed_name="王芳")
    record = _record(app, activity_id)
    assert record.status == workflow.PENDING_COUNTY
    doubted = record.details["ip"][1]["uid"]
    with app.app_context():
        stored = db.session.get(Submission, record.id)
        stored.status = workflow.RETURNED
        db.session.add(ReviewRecord(submission_id=record.id, action=workflow.RETURN,
                                    from_status=workflow.PENDING_COUNTY,
                                    to_status=workflow.RETURNED, comment="明细存疑",
                                    doubts=[{"table": "ip", "uid": doubted, "row": 2,
                                             "reason": "专利权人与企业名称不符"}]))
        db.session.commit()
    page = enterprise_client.get(f"/portal/activity/{activity_id}").get_data(as_text=True)
    assert "审核人员对 1 行明细存疑" in page
    marked = re.findall(r'<tr class="detail-row is-doubted" data-uid="([^"]+)"', page)
    assert marked == [doubted]
    reason = page.split('<tr class="detail-doubt"', 1)[1].split("</tr>", 1)[0]
    assert "专利权人与企业名称不符" in reason and "审核人员标记存疑" in reason
    assert 'name="detail-ip-0-number"' in page and "detail-add" in page  # editable again


def test_the_province_chooses_tables_and_required_files(app, province_client):
    with app.app_context():
        activity = activities.create_activity("明细表：活动设置", 2025, "county")
        pk = activity.id
    url = f"/activityview/settings/{pk}"
    page = province_client.get(url).get_data(as_text=True)
    assert "明细表与佐证材料" in page and "知识产权明细" in page
    response = post_form(province_client, url, data={
        "part": "details", "detail_tables": ["ip", "awards"], "detail_required": ["ip"],
        "evidence_required": ["table:ip", "table:standards", "rd_expense"]})
    assert response.status_code == 302 and response.location.endswith("#details")
    with app.app_context():
        activity = db.session.get(ReportingActivity, pk)
        assert activity.asked_tables() == ["ip", "awards"]
        assert activity.required_tables() == {"ip"}
        # A table not asked for cannot require files.
        assert activity.evidence_required() == {"table:ip", "rd_expense"}
    page = province_client.get(url).get_data(as_text=True)
    assert 'name="detail_tables" value="ip" aria-label' in page
    assert re.search(r'value="table:ip"[^>]*checked', page)
    assert re.search(r'value="rd_expense"[^>]*checked', page)
    assert not re.search(r'value="table:standards"[^>]*checked', page)


@pytest.mark.parametrize("role", ["city", "county", "enterprise", "bank"])
def test_only_the_province_changes_the_settings(app, client_as, role):
    with app.app_context():
        pk = activities.create_activity(f"明细表：无权设置 {role}", 2025, "county").id
    assert client_as(role).get(f"/activityview/settings/{pk}").status_code == 403


def test_a_removed_rows_files_go_with_it(app, enterprise_client):
    activity_id = _activity(app, "明细表：删除行连同材料")
    _post(enterprise_client, activity_id, rows("ip", patent(), patent(PATENT_2, "实用新型")))
    record = _record(app, activity_id)
    kept, removed = (r["uid"] for r in record.details["ip"])
    for uid in (kept, removed):
        assert _upload(enterprise_client, activity_id, record.id, table="ip", uid=uid) \
            .status_code == 200
    _post(enterprise_client, activity_id, rows("ip", patent(uid=kept)))
    with app.app_context():
        files = db.session.query(Attachment).filter_by(submission_id=record.id).all()
        assert [f.detail_uid for f in files] == [kept]
