"""The review side of detail rows and evidence files (issue 19, points 4 and 5): rows and
files beside the counts they prove, 存疑 per row returning the record, row changes since a
return, the lists' missing-file counts and the enterprise told to add them."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from sqlalchemy import func, select

from app.domain import workflow
from app.extensions import db
from app.models import AppUser, Enterprise, Notification, ReviewRecord, Submission
from app.services.demo import demo_uscc
from app.services.evidence import attachments
from app.services.intake import activities, reporting
from app.services.review import missing_files
from app.services.review import workflow as workflow_service
from tests.conftest import csrf_token_of, get_with_statements
from tests.domain.test_rules import GOOD

OWN = demo_uscc("210202", 1)  # the demo enterprise_user's enterprise
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
ROWS = [{"uid": "a1b2c3", "ip_type": "发明专利", "number": "ZL202310123456.7",
         "title": "一种测试装置", "grant_date": "2024-05-20"},
        {"uid": "d4e5f6", "ip_type": "实用新型", "number": "ZL202320654321.X",
         "title": "一种装配夹具", "grant_date": "2024-06-01"}]


@pytest.fixture
def activity_id(app):
    with app.app_context():
        activity = activities.create_activity(f"明细审核-{dt.datetime.now():%H%M%S%f}", 2025,
                                              "county", open_now=True)
        activity.detail_tables = {"ip": {"required": False}}
        db.session.commit()
        return activity.id


def _user(username):
    return db.session.execute(select(AppUser).filter_by(username=username)).scalar_one()


def _record(app, activity_id, uscc=OWN, region="210202", files=True):
    """A submitted record with two patent rows; the activity then requires a file for the
    R&D expense and for every patent row, and the first row and the field get theirs."""
    with app.app_context():
        enterprise = db.session.query(Enterprise).filter_by(uscc=uscc).first()
        if enterprise is None:
            enterprise = Enterprise(uscc=uscc, name=f"明细企业{uscc[-5:]}", region_code=region)
            db.session.add(enterprise)
            db.session.commit()
        activity = db.session.get(activities.ReportingActivity, activity_id)
        activity.evidence_fields = None  # (the portal refuses a submission lacking files)
        record = reporting.start_submission(activity, enterprise)
        reporting.submit(record, {**GOOD, "uscc": uscc, "region_code": region}, "王芳", True)
        record.details = {"ip": [dict(row) for row in ROWS]}
        record.invention_patents, record.ip_count = 1, 2
        activity.evidence_fields = {"rd_expense": {"required": True},
                                    "table:ip": {"required": True}}
        db.session.commit()
        if files:
            official = _user("county_reviewer" if region == "210202" else "province_admin")
            attachments.add(record.id, official, io.BytesIO(PDF), "研发费用审计报告.pdf",
                            field="rd_expense")
            attachments.add(record.id, official, io.BytesIO(PDF), "发明专利证书.pdf",
                            table="ip", uid="a1b2c3")
        return record.id


def _post_decision(client, pk, action, reason="", doubts=()):
    page = client.get(f"/review/show/{pk}")
    data = {"csrf_token": csrf_token_of(page.get_data(as_text=True)), "ids": str(pk),
            "action": action, "reason": reason, "from_record": "1",
            "doubt": [f"ip:{uid}" for uid, _reason in doubts]}
    data.update({f"doubt_reason:ip:{uid}": why for uid, why in doubts})
    return client.post("/review/decide", data=data)


def _reviews(app, pk):
    with app.app_context():
        return db.session.execute(select(func.count(ReviewRecord.id)).where(
            ReviewRecord.submission_id == pk)).scalar_one()


def _status(app, pk):
    with app.app_context():
        return db.session.get(Submission, pk).status


def test_the_review_page_shows_rows_and_files_beside_their_counts(app, activity_id,
                                                                   county_client):
    pk = _record(app, activity_id)
    html = county_client.get(f"/review/show/{pk}").get_data(as_text=True)
    # the rows right under the last count they derive, before the next field
    count_at = html.index('data-field="ip_count"')
    block_at = html.index('data-table="ip"')
    assert count_at < block_at < html.index("<tr data-field=", block_at)
    block = html[block_at:html.index("</table>", block_at)]
    assert "知识产权明细" in block and "专利号或登记号" in block and "授权日期" in block
    assert "ZL202310123456.7" in block and "一种装配夹具" in block
    first, second = block.split('data-uid="d4e5f6"')
    assert "发明专利证书.pdf" in first and re.search(r'href="/evidence/file/\d+"', first)
    assert "缺少佐证材料" not in first
    assert "缺少佐证材料" in second  # the second row still lacks its file
    assert 'name="doubt" value="ip:a1b2c3"' in block
    assert 'name="doubt_reason:ip:d4e5f6"' in block
    # the field's file beside the field
    field = html[html.index('data-field="rd_expense"'):]
    field = field[:field.index("</tr>")]
    assert "研发费用审计报告.pdf" in field and "download=1" in field
    assert 'id="evidence-missing"' in html and "缺少佐证材料 1 项" in html
    county_client.get("/lang/en")
    english = county_client.get(f"/review/show/{pk}").get_data(as_text=True)
    county_client.get("/lang/zh")
    assert "Intellectual property" in english and "Patent or registration number" in english
    assert "知识产权明细" not in english


def test_marking_a_row_doubtful_returns_the_record_with_the_row(app, activity_id, county_client,
                                                                 enterprise_client):
    pk = _record(app, activity_id)
    response = _post_decision(county_client, pk, workflow.RETURN, "请核对知识产权",
                              [("d4e5f6", "专利号与证书不符")])
    assert 'id="summary"' in response.get_data(as_text=True)
    assert _status(app, pk) == workflow.RETURNED
    with app.app_context():
        entry = db.session.execute(select(ReviewRecord).where(
            ReviewRecord.submission_id == pk).order_by(ReviewRecord.id.desc()).limit(1)) \
            .scalar_one()
        assert entry.action == workflow.RETURN
        assert entry.doubts == [{"table": "ip", "uid": "d4e5f6", "row": 2,
                                 "reason": "专利号与证书不符"}]
        assert entry.comment.startswith("请核对知识产权\n存疑明细：知识产权明细第 2 行")
        assert "专利号与证书不符" in entry.comment
        assert entry.snapshot["details"]["ip"][1]["number"] == "ZL202320654321.X"
    bell = enterprise_client.get("/notifications/").get_data(as_text=True)
    assert "退回修改" in bell and "专利号与证书不符" in bell
    page = county_client.get(f"/review/show/{pk}").get_data(as_text=True)
    doubted = page[page.index('data-uid="d4e5f6"') - 60:page.index('data-uid="d4e5f6"')]
    assert "doubted" in doubted and "上次退回时存疑" in page


def test_a_doubt_alone_gives_the_reason(app, activity_id, county_client):
    pk = _record(app, activity_id)
    _post_decision(county_client, pk, workflow.RETURN, "", [("a1b2c3", "证书与名称不一致")])
    assert _status(app, pk) == workflow.RETURNED
    with app.app_context():
        entry = db.session.execute(select(ReviewRecord).where(
            ReviewRecord.submission_id == pk).order_by(ReviewRecord.id.desc()).limit(1)) \
            .scalar_one()
        assert entry.comment.startswith("存疑明细：知识产权明细第 1 行（发明专利 ZL202310123456.7")


def test_a_doubt_on_an_unknown_row_is_refused_and_nothing_changes(app, activity_id,
                                                                   county_client):
    pk = _record(app, activity_id)
    before = _reviews(app, pk)
    response = _post_decision(county_client, pk, workflow.RETURN, "请核对",
                              [("d4e5f6", "号码不符"), ("ffffff", "伪造的行")])
    html = response.get_data(as_text=True)
    assert "没有所标记的存疑行" in html
    assert _status(app, pk) == workflow.PENDING_COUNTY
    assert _reviews(app, pk) == before
    # an unknown table, or a doubt without its reason, is refused before anything is read
    for doubt in ({"doubt": "nosuch:abc", "doubt_reason:nosuch:abc": "x"},
                  {"doubt": "ip:d4e5f6", "doubt_reason:ip:d4e5f6": "  "}):
        page = county_client.get(f"/review/show/{pk}")
        response = county_client.post("/review/decide", data={
            "csrf_token": csrf_token_of(page.get_data(as_text=True)), "ids": str(pk),
            "action": workflow.RETURN, "reason": "请核对", "from_record": "1", **doubt})
        assert response.status_code == 302
        assert response.headers["Location"].endswith(f"/review/show/{pk}")
    assert _status(app, pk) == workflow.PENDING_COUNTY and _reviews(app, pk) == before


def test_doubts_go_only_with_a_return(app, activity_id, county_client):
    pk = _record(app, activity_id)
    before = _reviews(app, pk)
    for action in (workflow.APPROVE, workflow.REJECT):
        response = _post_decision(county_client, pk, action, "不予通过",
                                  [("a1b2c3", "存疑")])
        assert response.status_code == 302
        page = county_client.get(response.headers["Location"]).get_data(as_text=True)
        assert "只有退回修改时才能标记存疑" in page
    assert _status(app, pk) == workflow.PENDING_COUNTY and _reviews(app, pk) == before


def test_a_resubmitted_record_shows_its_row_changes(app, activity_id, county_client):
    pk = _record(app, activity_id)
    _post_decision(county_client, pk, workflow.RETURN, "请核对", [("d4e5f6", "号码不符")])
    with app.app_context():
        record = db.session.get(Submission, pk)
        changed = dict(ROWS[1], number="ZL202320654321.5")
        added = {"uid": "0a0b0c", "ip_type": "软件著作权", "number": "2024SR0123456",
                 "title": "测试管理软件", "grant_date": "2024-07-01"}
        record.details = {"ip": [changed, added]}  # the first row removed
        workflow_service.submit(record, record.activity.review_chain)
        db.session.commit()
    assert _status(app, pk) == workflow.PENDING_COUNTY
    html = county_client.get(f"/review/show/{pk}").get_data(as_text=True)
    table = html[html.index('id="row-changes"'):]
    table = table[:table.index("</table>")]
    assert 'data-change="added"' in table and "2024SR0123456" in table
    assert 'data-change="changed"' in table and "ZL202320654321.X" in table \
        and "ZL202320654321.5" in table and "专利号或登记号" in table
    assert 'data-change="removed"' in table and "一种测试装置" in table
    assert "新增" in table and "删除" in table
    # the row doubted at the return is highlighted for the reviewer
    assert re.search(r'class="detail-row doubted" data-uid="d4e5f6"', html)


def test_the_lists_show_missing_evidence_counts(app, activity_id, county_client,
                                                enterprise_client):
    lacking = _record(app, activity_id)
    other = _record(app, activity_id, demo_uscc("210202", 8802), files=False)
    for url in (f"/review/list/?_flt_0_activity={activity_id}",
                f"/submissionview/list/?_flt_0_activity={activity_id}"):
        response, statements = get_with_statements(app, county_client, url)
        html = response.get_data(as_text=True)
        assert "佐证材料" in html
        one = html[html.index(f'data-pk="{lacking}"'):]
        one = one[:one.index("</tr>")]
        assert 'data-missing="1"' in one and "缺少佐证材料 1 项" in one
        none = html[html.index(f'data-pk="{other}"'):]
        none = none[:none.index("</tr>")]
        assert 'data-missing="3"' in none  # the field and both rows
        assert sum(" FROM attachment" in s for s in statements) == 1  # one query a page
    # an added file is seen at once, even by a kept list
    with app.app_context():
        attachments.add(lacking, _user("county_reviewer"), io.BytesIO(PDF), "实用新型证书.pdf",
                        table="ip", uid="d4e5f6")
    html = county_client.get(f"/review/list/?_flt_0_activity={activity_id}") \
        .get_data(as_text=True)
    one = html[html.index(f'data-pk="{lacking}"'):]
    assert 'data-missing="0"' in one[:one.index("</tr>")]
    mine = enterprise_client.get("/submissionview/list/").get_data(as_text=True)
    assert 'data-missing="0"' in mine[mine.index(f'data-pk="{lacking}"'):]


def test_enterprises_are_told_to_add_missing_files(app, activity_id, enterprise_client):
    own = _record(app, activity_id, files=False)
    with app.app_context():
        county = _user("county_reviewer")
        # an uploaded record of an enterprise without an account: its uploader is told
        # A serial no other test (nor the batch tests' generated files) uses.
        uscc = demo_uscc("210202", 9958803)
        enterprise = db.session.query(Enterprise).filter_by(uscc=uscc).first() or Enterprise(
            uscc=uscc, name="无账号企业", region_code="210202")
        db.session.add(enterprise)
        db.session.flush()
        uploaded = Submission(activity_id=activity_id, enterprise_id=enterprise.id,
                              channel="county_upload", status=workflow.PENDING_COUNTY,
                              uscc=enterprise.uscc, name=enterprise.name,
                              region_code="210202", created_by_id=county.id)
        db.session.add(uploaded)
        db.session.commit()
        assert missing_files.notify([own, uploaded.id]) == 2
        db.session.commit()
        assert missing_files.notify([own, uploaded.id]) == 0  # not again while unread
        told = db.session.execute(select(Notification.text_zh).where(
            Notification.user_id == county.id,
            Notification.text_zh.startswith("请补充佐证材料"))).scalars().all()
        assert told and "1 条记录" in told[-1]
    bell = enterprise_client.get("/notifications/").get_data(as_text=True)
    assert "请补充佐证材料" in bell and "还缺少 3 项" in bell


def test_only_the_records_reviewers_open_the_review_page(app, activity_id, county_client,
                                                         bank_client):
    pk = _record(app, activity_id)
    elsewhere = _record(app, activity_id, demo_uscc("210203", 8804), region="210203")
    assert county_client.get(f"/review/show/{elsewhere}").status_code == 404
    # a bank holds no permission on the review screens at all (ACCESS): 403 before any row
    assert bank_client.get(f"/review/show/{pk}").status_code == 403
    assert bank_client.get("/review/list/").status_code == 403
    # nor decide on it, doubts or not
    before = _reviews(app, elsewhere)
    page = county_client.get(f"/review/show/{pk}")
    county_client.post("/review/decide", data={
        "csrf_token": csrf_token_of(page.get_data(as_text=True)), "ids": str(elsewhere),
        "action": workflow.RETURN, "reason": "x", "doubt": "ip:a1b2c3",
        "doubt_reason:ip:a1b2c3": "y"})
    assert _reviews(app, elsewhere) == before
    assert _status(app, elsewhere) == workflow.PENDING_COUNTY
