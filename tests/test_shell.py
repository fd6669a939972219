"""The shell (issue "A government-grade shell"): titles and breadcrumbs, the workbench per
role, the area switch that only narrows, lists with tags, labelled row buttons and an open
search, the batch failure list, and confirmations the server does not rely on."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import func, select

from app.domain import workflow
from app.domain.records import synthetic
from app.extensions import db
from app.models import (
    Enterprise,
    RecommendationEntry,
    RecommendationList,
    ReportingActivity,
    Submission,
    UploadBatch,
)
from tests.conftest import csrf_token_of, logged_in_client
from tests.test_batch import _file, _records, _upload, _wait_for_batch

PLATFORM = "辽宁省创新积分平台"


def _title(html: str) -> str:
    return re.search(r"<title>(.*?)</title>", html, re.S).group(1).strip()


def _breadcrumb(html: str) -> list[str]:
    trail = html.split('id="breadcrumb"', 1)[1].split("</ol>", 1)[0]
    return [re.sub(r"<[^>]+>", "", item).strip()
            for item in re.findall(r"<li>(.*?)</li>", trail, re.S)]


def test_every_page_has_its_own_title_and_a_breadcrumb(province_client):
    pages = {"/workbench/": ("工作台", ["工作台"]),
             "/submissionview/list/": ("填报记录", ["工作台", "信息填报", "填报记录"]),
             "/review/list/": ("待我审核", ["工作台", "审核", "待我审核"]),
             "/dashboard/": (None, ["工作台", "数据看板"]),  # not 数据看板 twice
             "/auditlogview/list/": ("审计日志", ["工作台", "系统管理", "审计日志"])}
    titles = set()
    for url, (own, trail) in pages.items():
        html = province_client.get(url).get_data(as_text=True)
        title = _title(html)
        assert title.endswith(f" · {PLATFORM}") and title not in titles, url
        titles.add(title)
        if own:
            assert title == f"{own} · {PLATFORM}"
        assert _breadcrumb(html)[:len(trail)] == trail, url
        assert len(set(_breadcrumb(html))) == len(_breadcrumb(html)), url
    with province_client.application.app_context():
        record = db.session.execute(select(Submission).where(
            Submission.status == workflow.PENDING_PROVINCE).order_by(Submission.id)
            ).scalars().first()
        record_id, name = record.id, record.name
    page = province_client.get(f"/review/show/{record_id}").get_data(as_text=True)
    assert name in _title(page) and _breadcrumb(page)[-1].endswith(name)
    assert _breadcrumb(page)[-2] == "待我审核"  # the entry, linked back to its list


def test_the_sidebar_groups_screens_by_task_and_the_top_bar_names_the_user(province_client):
    html = province_client.get("/workbench/").get_data(as_text=True)
    sidebar = html.split('id="sidebar-nav"', 1)[1].split("</nav>", 1)[0]
    groups = [g.strip() for g in re.findall(
        r'class="shell-nav-title"[^>]*><i[^>]*></i><span>(.*?)</span>', sidebar)]
    assert groups == ["信息填报", "审核", "创新积分", "公示与入库", "企业培育", "科技金融",
                      "数据看板", "系统管理"]
    assert 'id="user-name">辽宁省管理员<' in html and 'id="bell"' in html
    assert 'id="lang-en"' in html and 'id="focus-current">辽宁省<' in html


def test_the_workbench_of_an_enterprise(app, enterprise_client):
    html = enterprise_client.get("/workbench/").get_data(as_text=True)
    assert 'id="wb-reports"' in html and 'id="wb-scores"' in html
    assert 'id="wb-queue"' not in html and 'id="wb-kpis"' not in html
    with app.app_context():
        activity = db.session.execute(select(ReportingActivity).where(
            ReportingActivity.status == "open").order_by(ReportingActivity.id.desc())
            ).scalars().first()
        days = (activity.collection_end - dt.date.today()).days
    assert f'id="next-step-{activity.id}"' in html
    assert f"还剩 {days} 天" in html or "今天截止" in html


def test_the_workbench_of_a_county_reviewer_counts_its_queue(app, county_client):
    html = county_client.get("/workbench/").get_data(as_text=True)
    with app.app_context():
        waiting = db.session.execute(select(func.count()).select_from(Submission).where(
            Submission.status == workflow.PENDING_COUNTY,
            Submission.region_code.like("210202%"))).scalar()
    assert f'<span class="big-number">{waiting}</span>' in html
    assert re.search(r"_oc_ReviewView=submitted_at&(amp;)?_od_ReviewView=asc", html)  # oldest
    assert 'id="wb-kpis"' not in html and 'id="wb-runs"' not in html


def test_the_workbench_of_the_province_and_of_a_bank(app, province_client, bank_client):
    html = province_client.get("/workbench/").get_data(as_text=True)
    assert 'id="wb-kpis"' in html and 'id="wb-runs"' in html and 'id="wb-activities"' in html
    with app.app_context():
        activity = db.session.execute(select(ReportingActivity).where(
            ReportingActivity.status == "open").order_by(ReportingActivity.id.desc())
            ).scalars().first()
        reported = db.session.execute(select(func.count()).select_from(Submission).where(
            Submission.activity_id == activity.id, Submission.region_code.like("21%"),
            Submission.status.notin_((workflow.DRAFT, workflow.MERGED)))).scalar()
    strip = html.split('id="wb-kpis"', 1)[1].split("</div>", 1)[0]
    assert f'<span class="kpi-value">{reported:,}<small>' in strip
    bank = bank_client.get("/workbench/").get_data(as_text=True)
    with app.app_context():
        from app.models import AppUser

        bank_id = db.session.execute(select(AppUser.bank_id).where(
            AppUser.username == "bank_user")).scalar()
        new = db.session.execute(select(func.count()).select_from(RecommendationEntry).join(
            RecommendationList).where(RecommendationEntry.bank_id == bank_id,
                                      RecommendationList.status == "published",
                                      RecommendationEntry.status == "recommended")).scalar()
    assert re.search(rf'id="kpi-new"[^>]*>.*?<span class="kpi-value">{new}</span>', bank, re.S)


def _regions_listed(client) -> set[str]:
    """The cities of the records listed, from both ends of the list ordered by region (the
    first page alone may be one city's, whatever other tests added)."""
    found = set()
    for direction in ("asc", "desc"):
        html = client.get("/submissionview/list/?psize_SubmissionView=100"
                          f"&_oc_SubmissionView=region_code&_od_SubmissionView={direction}"
                          ).get_data(as_text=True)
        found |= set(re.findall(r"辽宁省(\w+?市)", html))
    return found


def test_the_area_switch_narrows_and_never_widens(app):
    province = logged_in_client(app, "province")
    page = province.get("/workbench/").get_data(as_text=True)
    token = csrf_token_of(page)
    assert len(_regions_listed(province)) > 1
    province.post("/focus/set", data={"csrf_token": token, "region": "2102"},
                  headers={"Referer": "http://localhost/submissionview/list/"})
    assert _regions_listed(province) == {"大连市"}
    html = province.get("/workbench/").get_data(as_text=True)
    assert 'id="focus-current">辽宁省大连市<' in html and "is-narrowed" in html
    province.post("/focus/set", data={"csrf_token": token, "region": ""})
    assert len(_regions_listed(province)) > 1
    # A city reviewer cannot switch to another city, nor to the whole province.
    city = logged_in_client(app, "city")
    token = csrf_token_of(city.get("/workbench/").get_data(as_text=True))
    for outside in ("2101", "21", "999999", "abc"):
        response = city.post("/focus/set", data={"csrf_token": token, "region": outside},
                             follow_redirects=True)
        assert response.status_code == 200
        assert _regions_listed(city) == {"大连市"}
    city.post("/focus/set", data={"csrf_token": token, "region": "210202"})
    listed = city.get("/submissionview/list/?psize_SubmissionView=100").get_data(as_text=True)
    assert "辽宁省大连市中山区" in listed and "辽宁省大连市西岗区" not in listed
    # Enterprises and banks have no switch, and posting one changes nothing for them.
    enterprise = logged_in_client(app, "enterprise")
    assert 'id="focus"' not in enterprise.get("/workbench/").get_data(as_text=True)
    assert enterprise.post("/focus/set", data={"region": "2102"}).status_code in (400, 403)


def test_lists_show_tags_labelled_buttons_and_an_open_search(province_client, county_client):
    html = province_client.get("/submissionview/list/").get_data(as_text=True)
    assert re.search(r'<span class="tag tag-\w+" data-status="\w+">', html)
    assert 'class="btn btn-xs btn-default row-show"' in html and ">查看</a>" in html
    assert 'id="quick-search"' in html and 'name="_flt_3_status"' in html
    assert 'class="cascader-tree"' in html  # 市 → 县 for the province
    assert re.search(r'<option value="pending_province"\s*>待省级审核</option>', html)
    review = county_client.get("/review/list/").get_data(as_text=True)
    assert ">审核</a>" in review and "row-show" in review
    assert 'class="cascader-tree"' not in review  # a county has nothing to choose
    approved = province_client.get("/submissionview/list/?_flt_3_status=approved"
                                   "&psize_SubmissionView=100").get_data(as_text=True)
    shown = set(re.findall(r'data-status="(\w+)"', approved.split("<tbody>", 1)[1]))
    assert shown == {"approved"}


@pytest.mark.parametrize("url, status_filter", [
    ("/scores/list/", "status"), ("/projects/list/", "status"),
    ("/recommendations/list/", "status"), ("/recommended/list/", "status")])
def test_scoring_and_finance_lists_have_tags_and_an_open_search(province_client, url,
                                                                status_filter):
    html = province_client.get(url).get_data(as_text=True)
    assert 'id="quick-search"' in html
    assert re.search(rf'name="_flt_\d+_{status_filter}"', html.split('id="quick-search"')[1])
    body = html.split("<tbody>", 1)[1] if "<tbody>" in html else ""
    if "row-show" in body:  # rows shown: each status is a coloured tag, not a code
        assert re.search(r'<span class="tag tag-\w+" data-status="\w+">', body)


def test_publishing_asks_first_naming_what_happens(app, province_client):
    from app.models import EvaluationProject

    with app.app_context():
        project = db.session.execute(select(EvaluationProject).order_by(
            EvaluationProject.id)).scalars().first()
        draft = db.session.execute(select(RecommendationList).where(
            RecommendationList.status == "draft")).scalars().first()
    page = province_client.get(f"/projects/edit_project/{project.id}").get_data(as_text=True)
    assert re.search(r'id="publish-project" data-confirm="确定发布', page)
    if draft is not None:
        page = province_client.get(f"/recommendations/show/{draft.id}").get_data(as_text=True)
        assert re.search(rf'id="publish-list" data-confirm="[^"]*{draft.enterprises}', page)


def test_the_batch_failure_list_names_row_enterprise_column_and_reason(app, county_client):
    with app.app_context():
        from app.services.intake import activities

        activity_id = activities.create_activity("外壳测试上传", 2025, "county",
                                                 open_now=True).id
    records = _records(3, start=76000, bad_every=2)  # rows 2 and 4 fail S3
    batch_url = _wait_for_batch(county_client, _upload(county_client, activity_id,
                                                       _file(app, activity_id, records)),
                                returns_url=True)
    html = county_client.get(batch_url).get_data(as_text=True)
    table = html.split('id="failure-list"', 1)[1].split("</table>", 1)[0]
    assert records[0]["name"] in table and records[2]["name"] in table
    assert "研发人员" in table and "rd_staff" not in table  # the column's title, not its key
    assert re.search(r'<td rowspan="\d+" class="num">2</td>', table)
    with app.app_context():
        assert db.session.execute(select(UploadBatch.failed).where(
            UploadBatch.activity_id == activity_id)).scalar() == 2


def test_confirmations_say_how_many_and_what_happens_and_the_server_still_checks(
        app, county_client, enterprise_client):
    with app.app_context():
        activity_id = db.session.execute(select(ReportingActivity.id).where(
            ReportingActivity.status == "open").order_by(ReportingActivity.id.desc())
            ).scalars().first()
        ids = []
        for serial in (1, 2):
            enterprise = Enterprise(uscc=synthetic.uscc_for("210202", 780000 + serial),
                                    name=f"确认测试企业{serial}", region_code="210202")
            db.session.add(enterprise)
            db.session.flush()
            record = Submission(activity_id=activity_id, enterprise_id=enterprise.id,
                                uscc=enterprise.uscc, name=enterprise.name,
                                region_code="210202", status=workflow.PENDING_COUNTY,
                                channel="upload")
            db.session.add(record)
            db.session.flush()
            ids.append(record.id)
        db.session.commit()
    page = county_client.get(f"/review/decide?action=approve&ids={ids[0]},{ids[1]}") \
        .get_data(as_text=True)
    assert "审核通过：共 2 条记录" in page
    assert 'data-confirm="确定对 2 条记录执行「审核通过」吗' in page
    form = enterprise_client.get(f"/portal/activity/{activity_id}").get_data(as_text=True)
    assert 'data-confirm="确定提交吗？提交后进入「待区县审核」' in form
    # A crafted POST without the commitment is refused by the server all the same.
    with app.app_context():
        own = db.session.execute(select(Submission).where(
            Submission.activity_id == activity_id,
            Submission.enterprise.has(uscc="91210202MA0000001J"))).scalar_one()
        status = own.status
    response = enterprise_client.post(f"/portal/activity/{activity_id}", data={
        "csrf_token": csrf_token_of(form), "action": "submit", "signed_name": "王芳"},
        follow_redirects=True)
    assert "承诺" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Submission, own.id).status == status


# (The audit log's details are technical text: export queries, rows counted.)
@pytest.mark.parametrize("url", ["/workbench/", "/submissionview/list/", "/review/list/",
                                 "/activityview/list/", "/batchview/list/"])
def test_chinese_pages_use_chinese_punctuation(province_client, url):
    text = re.sub(r"<[^>]+>", " ", province_client.get(url).get_data(as_text=True)
                  .split("<body", 1)[1])
    text = re.sub(r"<script.*?</script>", "", text, flags=re.S)
    assert not re.search(r"[\u4e00-\u9fff][:;,!?]|[:;,!?(][\u4e00-\u9fff]", text)
