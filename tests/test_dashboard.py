"""数据看板 against a hand-built activity, per role: every figure, every link's list, every
export; a county never sees another county's numbers, a bank only its own entries."""

from __future__ import annotations

import datetime as dt
import html
import io
import json
import re
from html.parser import HTMLParser
from urllib.parse import unquote

import pytest
from python_calamine import CalamineWorkbook

from app.domain import workflow as W
from app.extensions import db
from app.models import (
    ActivityTarget,
    AuditLog,
    Bank,
    Enterprise,
    EvaluationProject,
    RecommendationEntry,
    RecommendationList,
    ScoreResult,
    ScoreRun,
    Submission,
)
from app.services.demo import demo_uscc
from app.services.intake import activities

TODAY = dt.date.today()
HIGH, SME = "高新技术企业", "科技型中小企业"
# key: (county, status, tech field, size, qualifications, warnings, financing need, days waiting)
RECORDS = {
    "a1": ("210202", W.PENDING_COUNTY, "电子信息", "小型", [HIGH], "W1 W10", 100, 5),
    "a2": ("210202", W.PENDING_CITY, "电子信息", "中型", [HIGH, SME], "W10", None, 2),
    "a3": ("210202", W.APPROVED, "新材料", "小型", None, None, 50, 1),
    "a4": ("210202", W.RETURNED, "新材料", "微型", None, None, None, 1),
    "a5": ("210202", W.DRAFT, "电子信息", "小型", [HIGH], "W1", 10, 1),
    "b1": ("210203", W.PENDING_COUNTY, "生物与新医药", "小型", [SME], "W1", 30, 9),
    "b2": ("210203", W.SUBMITTED, "电子信息", "小型", None, None, None, 1),
    "b3": ("210203", W.MERGED, "电子信息", "小型", [HIGH], "W1", 70, 1),
    "c1": ("210102", W.PENDING_PROVINCE, "新材料", "大型", None, "W2", None, 3),
    "c2": ("210102", W.REJECTED, "电子信息", "中型", None, None, None, 1),
}
SCORES = {"a3": (75.0, "A", "growth"), "b2": (55.0, "B", "startup"),
          "c1": (82.5, "A", "mature")}


@pytest.fixture(scope="module")
def data(app):
    """The activity, and the submission id of each record key."""
    with app.app_context():
        activity = activities.create_activity(f"看板测试-{dt.datetime.now():%H%M%S%f}", 2025,
                                              "county", open_now=True)
        ids = {}
        for serial, (key, (county, status, tech, size, quals, warns, need, days)) in \
                enumerate(RECORDS.items(), start=8800):
            uscc = demo_uscc(county, serial)
            enterprise = Enterprise(uscc=uscc, name=f"看板企业{key}", region_code=county)
            db.session.add(enterprise)
            db.session.flush()
            changed = dt.datetime.combine(TODAY - dt.timedelta(days=days), dt.time(12))
            record = Submission(activity_id=activity.id, enterprise_id=enterprise.id,
                                status=status, uscc=uscc, name=enterprise.name,
                                region_code=county, tech_field=tech, scale=size,
                                qualifications=quals, warning_rules=warns,
                                warning_count=len((warns or "").split()),
                                needs_financing=need is not None,
                                financing_need_amount=need, changed_on=changed,
                                created_on=changed)
            db.session.add(record)
            db.session.flush()
            ids[key] = record.id
        db.session.add_all([ActivityTarget(activity_id=activity.id, region_code=code, target=n)
                            for code, n in (("2102", 10), ("210202", 4), ("210203", 2),
                                            ("210102", 5))])
        project = db.session.query(EvaluationProject).filter_by(
            code="innovation-points-2.0").first()
        run = ScoreRun(activity_id=activity.id, project_id=project.id, province_code="21",
                       scored=3, eligible=3, passed=3)
        db.session.add(run)
        db.session.flush()
        for key, (total, grade, stage) in SCORES.items():
            county, *_rest = RECORDS[key]
            record = db.session.get(Submission, ids[key])
            db.session.add(ScoreResult(run_id=run.id, submission_id=record.id,
                                       enterprise_id=record.enterprise_id, region_code=county,
                                       uscc=record.uscc, name=record.name, eligible=True,
                                       total=total, grade=grade, stage=stage, passed=True))
        banks = {b.name: b.id for b in db.session.query(Bank)}
        icbc = banks["工商银行"]
        other = next(bank_id for name, bank_id in banks.items() if name != "工商银行")
        published = RecommendationList(province_code="21", activity_id=activity.id,
                                       run_id=run.id, programme="积分贷", name="积分贷名单",
                                       rules={}, status="published")
        draft = RecommendationList(province_code="21", activity_id=activity.id, run_id=run.id,
                                   programme="科技创新再贷款", name="草稿名单", rules={})
        db.session.add_all([published, draft])
        db.session.flush()
        for list_, key, bank, status, loan in (
                (published, "a3", icbc, "granted", 200.0), (published, "a3", other,
                                                            "recommended", None),
                (published, "c1", icbc, "contacted", None),
                (published, "b2", other, "granted", 120.0),
                (draft, "b2", icbc, "recommended", None)):
            record = db.session.get(Submission, ids[key])
            db.session.add(RecommendationEntry(
                list_id=list_.id, submission_id=record.id, enterprise_id=record.enterprise_id,
                region_code=record.region_code, uscc=record.uscc, name=record.name,
                bank_id=bank, status=status, loan_amount=loan,
                need_amount=RECORDS[key][6]))
        db.session.commit()
        return activity.id, ids


class _Tables(HTMLParser):
    """Each table of the page: rows of (text, link) cells."""

    def __init__(self):
        super().__init__()
        self.tables, self._table, self._cell, self._link = {}, None, None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and (attrs.get("id") or "").startswith("table-"):
            self._table = self.tables.setdefault(attrs["id"][6:], [])
        elif self._table is not None and tag == "tr":
            self._table.append([])
        elif self._table is not None and tag in ("td", "th"):
            self._cell, self._link = "", None
        elif self._cell is not None and tag == "a":
            self._link = attrs.get("href")

    def handle_data(self, text):
        if self._cell is not None:
            self._cell += text

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._table[-1].append((self._cell.strip(), self._link))
            self._cell = None
        elif tag == "table":
            self._table = None


def screen(client, url):
    """Every table of the dashboard: the tab the page opens with, and the others as the
    page's script asks for them (each pane's data-src)."""
    response = client.get(url)
    assert response.status_code == 200, url
    page = response.get_data(as_text=True)
    parser = _Tables()
    parser.feed(page)
    for source in re.findall(r'data-src="([^"]+)"', page):
        part = client.get(html.unescape(source))
        assert part.status_code == 200, source
        parser.feed(part.get_data(as_text=True))
    return parser.tables


def values(table):
    return [[text for text, _link in row] for row in table]


def nonzero(table):
    return {label: count for label, count in values(table)[1:] if count != "0"}


def row_of(table, label):
    return next([text for text, _ in row] for row in table if row[0][0] == label)


def url(activity_id, region=None):
    return f"/dashboard/?activity={activity_id}" + (f"&region={region}" if region else "")


def test_province_figures(data, province_client):
    activity_id, _ids = data
    tables = screen(province_client, url(activity_id))
    progress = tables["progress"]
    assert row_of(progress, "大连市") == ["大连市", "10", "6", "2", "1", "60.0%"]
    assert row_of(progress, "沈阳市") == ["沈阳市", "5", "2", "0", "0", "40.0%"]  # sum of counties
    assert row_of(progress, "鞍山市") == ["鞍山市", "0", "0", "0", "0", "—"]  # no target
    assert row_of(progress, "合计")[1:] == ["15", "8", "2", "1", "53.3%"]
    assert values(tables["funnel"])[1:] == [["已提交", "8"], ["已通过区县审核", "4"],
                                            ["已通过市级审核", "3"], ["已通过省级审核", "2"],
                                            ["已报送国家系统", "1"]]
    assert values(tables["workload"])[1][:3] == ["区县审核", "2", "9"]
    assert values(tables["workload"])[2][:3] == ["市级审核", "1", "2"]
    assert values(tables["workload"])[3][:3] == ["省级审核", "1", "3"]
    assert {r[0]: r[2] for r in values(tables["warnings"])[1:]} == {"W1": "2", "W10": "2",
                                                                    "W2": "1"}
    assert nonzero(tables["tech_field"]) == {"电子信息": "4", "新材料": "3", "生物与新医药": "1"}
    assert values(tables["scale"])[1:] == [["大型", "1"], ["中型", "2"], ["小型", "4"],
                                           ["微型", "1"]]  # the dictionary's order
    quals = dict(values(tables["qualifications"])[1:])
    assert quals[HIGH] == "2" and quals[SME] == "2" and quals["瞪羚企业"] == "0"
    histogram = dict(values(tables["histogram"])[1:])
    assert (histogram["50–60"], histogram["70–80"], histogram["80–90"]) == ("1", "1", "1")
    assert sum(int(v) for v in histogram.values()) == 3
    grades = tables["grades"]
    assert values(grades)[0][1:] == ["A", "B", "合计"]
    assert row_of(grades, "大连市")[1:] == ["1", "1", "2"]
    assert row_of(grades, "沈阳市")[1:] == ["1", "0", "1"]
    assert dict(values(tables["stages"])[1:]) == {"成长期": "1", "初创期": "1", "稳定期": "1"}
    # a3 is recommended to two banks: one enterprise (issue "Scoring truth")
    assert row_of(tables["financing"], "大连市")[1:] == ["3", "180.00", "2", "2", "2", "320.00"]
    assert row_of(tables["financing"], "沈阳市")[1:] == ["0", "0.00", "1", "0", "0", "0.00"]
    assert row_of(tables["financing"], "合计")[4:] == ["2", "2", "320.00"]


def test_city_and_county_see_only_their_area(data, city_client, county_client):
    activity_id, _ids = data
    city = screen(city_client, url(activity_id))
    assert row_of(city["progress"], "中山区") == ["中山区", "4", "4", "1", "1", "100.0%"]
    assert row_of(city["progress"], "西岗区") == ["西岗区", "2", "2", "1", "0", "100.0%"]
    assert "沈阳市" not in str(city) and "和平区" not in str(city)
    assert values(city["funnel"])[1] == ["已提交", "6"]
    assert {r[0] for r in values(city["warnings"])[1:]} == {"W1", "W10"}  # not 沈阳's W2
    assert row_of(city["financing"], "中山区")[1:] == ["2", "150.00", "1", "1", "1", "200.00"]
    county = screen(county_client, url(activity_id))
    assert values(county["progress"])[1:] == [["中山区", "4", "4", "1", "1", "100.0%"]]
    assert values(county["funnel"])[1] == ["已提交", "4"]
    assert {r[0]: r[2] for r in values(county["warnings"])[1:]} == {"W1": "1", "W10": "2"}
    assert nonzero(county["tech_field"]) == {"电子信息": "2", "新材料": "2"}
    assert dict(values(county["histogram"])[1:])["70–80"] == "1"
    assert sum(int(v) for _k, v in values(county["histogram"])[1:]) == 1  # not 西岗's 55
    assert values(county["financing"])[1:] == [
        ["中山区", "2", "150.00", "1", "1", "1", "200.00"],
        ["合计", "2", "150.00", "1", "1", "1", "200.00"]]
    # Another county, the city above, another city: not found.
    for region in ("210203", "2102", "2101", "21", "99", "abc"):
        assert county_client.get(url(activity_id, region)).status_code == 404
    assert city_client.get(url(activity_id, "2101")).status_code == 404
    assert city_client.get(url(activity_id, "210102")).status_code == 404


def test_drill_down_province_to_city_to_county(data, province_client):
    activity_id, _ids = data
    tables = screen(province_client, url(activity_id))
    link = next(cell[1] for row in tables["progress"] for cell in row[:1] if cell[0] == "大连市")
    city = screen(province_client, link)
    county_link = next(row[0][1] for row in city["progress"] if row[0][0] == "中山区")
    county = screen(province_client, county_link)
    assert values(county["progress"])[1:] == [["中山区", "4", "4", "1", "1", "100.0%"]]
    assert row_of(city["progress"], "西岗区")[2] == "2"
    page = province_client.get(county_link).get_data(as_text=True)
    assert 'id="trail"' in page and "辽宁省" in page and "大连市" in page


def _list_count(client, link):
    """The number of records a list says it has (FAB's "记录数目:", or the shell's toolbar
    count)."""
    page = client.get(link).get_data(as_text=True)
    match = (re.search(r"记录数目:</strong>\s*(\d+)", page)
             or re.search(r'id="list-count"[^>]*>\D*([\d,]+)', page))
    assert match, link
    return int(match.group(1).replace(",", ""))


@pytest.mark.parametrize("role", ["province", "city", "county"])
def test_every_linked_count_is_the_size_of_its_list(data, client_as, role):
    activity_id, _ids = data
    client = client_as(role)
    checked = 0
    for key, table in screen(client, url(activity_id)).items():
        for row in table[1:]:
            for text, link in row[1:]:
                if link and "/list/" in link and text.isdigit():
                    assert _list_count(client, link) == int(text), (key, row, unquote(link))
                    checked += 1
    assert checked > 40


def test_warning_and_qualification_links_are_exact(data, province_client):
    activity_id, ids = data
    tables = screen(province_client, url(activity_id))
    w1 = next(row[2][1] for row in tables["warnings"] if row[0][0] == "W1")
    listing = province_client.get(w1 + "&psize_SubmissionView=100").get_data(as_text=True)
    assert "看板企业a1" in listing and "看板企业b1" in listing
    assert "看板企业a2" not in listing  # W10 is not W1
    assert "看板企业a5" not in listing and "看板企业b3" not in listing  # draft, merged
    high = next(row[1][1] for row in tables["qualifications"] if row[0][0] == HIGH)
    listing = province_client.get(high).get_data(as_text=True)
    assert "看板企业a1" in listing and "看板企业a2" in listing and "看板企业b1" not in listing


@pytest.mark.parametrize("role,region", [("province", None), ("province", "2102"),
                                         ("city", None), ("county", None)])
def test_exports_equal_the_screen(data, client_as, role, region, app):
    activity_id, _ids = data
    client = client_as(role)
    tables = screen(client, url(activity_id, region))
    with app.app_context():
        before = db.session.query(AuditLog).filter_by(object_type="Dashboard").count()
    for key, table in tables.items():
        query = f"activity={activity_id}" + (f"&region={region}" if region else "")
        response = client.get(f"/dashboard/xlsx/{key}?{query}")
        assert response.status_code == 200
        sheet = CalamineWorkbook.from_filelike(io.BytesIO(response.data)).get_sheet_by_index(0)
        assert same(sheet.to_python(), values(table)), key
    with app.app_context():
        assert db.session.query(AuditLog).filter_by(
            object_type="Dashboard").count() == before + len(tables)


def same(exported, shown) -> bool:
    """The sheet holds numbers as numbers, the page as text (1,234 · 12.5% · 180.00, and
    "—" for an empty cell): compare values."""
    def plain(value):
        if value in (None, "", "—"):
            return ""
        text = str(value).replace(",", "")
        try:
            return float(text[:-1] if text.endswith("%") else text)
        except (TypeError, ValueError):
            return str(value)
    return [[plain(v) for v in row] for row in exported] == \
        [[plain(v) for v in row] for row in shown]


def test_bank_sees_only_its_published_entries(data, bank_client):
    activity_id, _ids = data
    tables = screen(bank_client, f"/dashboard/?activity={activity_id}")
    assert values(tables["bank"])[1:] == [["积分贷", "已对接", "1", "0.00", "0.00"],
                                          ["积分贷", "已放款", "1", "50.00", "200.00"]]
    page = bank_client.get(f"/dashboard/?activity={activity_id}").get_data(as_text=True)
    assert 'id="bank-granted">200.00<' in page and 'id="bank-loans">1<' in page
    assert "看板企业" not in page
    assert bank_client.get("/dashboard/?activity=999999").status_code == 404
    export = bank_client.get(f"/dashboard/xlsx/bank?activity={activity_id}")
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(export.data)).get_sheet_by_index(0)
    assert same(sheet.to_python(), values(tables["bank"]))


def test_bad_input_is_not_found_and_enterprises_have_no_dashboard(data, province_client,
                                                                  enterprise_client):
    activity_id, _ids = data
    for bad in ("/dashboard/?activity=999999", "/dashboard/?activity=x",
                f"/dashboard/?activity={activity_id}&region=2201",
                f"/dashboard/?activity={activity_id}&region=219999",
                f"/dashboard/?activity={activity_id}&run=999999",
                f"/dashboard/xlsx/nothing?activity={activity_id}"):
        assert province_client.get(bad).status_code == 404, bad
    assert enterprise_client.get("/dashboard/").status_code == 403
    assert province_client.get("/dashboard/").status_code == 200  # latest activity


def test_kept_figures_are_per_scope_dated_and_counted_again_on_request(
        app, data, province_client, city_client, monkeypatch):
    """With the figure cache on (as in production), a change shows after 重新统计 or
    when the figures expire; each scope keeps its own figures; the export holds what the
    screen showed."""
    from app.extensions import cache
    activity_id, ids = data
    url = f"/dashboard/?activity={activity_id}"
    monkeypatch.setitem(app.config, "DASHBOARD_CACHE_SECONDS", 60)
    with app.app_context():  # this app's store: another test's app may be current
        cache.clear()
    try:
        before = screen(province_client, url)
        city = screen(city_client, url)
        assert values(city["progress"]) != values(before["progress"])  # its own figures
        assert "id=\"count-again\"" in province_client.get(url).get_data(as_text=True)
        with app.app_context():
            record = db.session.get(Submission, ids["a4"])
            record.status = W.APPROVED
            db.session.commit()
        kept = screen(province_client, url)
        assert values(kept["statuses"]) == values(before["statuses"])
        export = province_client.get(f"/dashboard/xlsx/statuses?activity={activity_id}"
                                     f"&region=21")
        sheet = CalamineWorkbook.from_filelike(io.BytesIO(export.data)).get_sheet_by_index(0)
        assert same(sheet.to_python(), values(kept["statuses"]))
        again = screen(province_client, url + "&fresh=1")
        assert values(again["statuses"]) != values(before["statuses"])
        assert values(screen(city_client, url)["statuses"]) == values(city["statuses"])
        assert values(screen(city_client, url + "&fresh=1")["statuses"]) != \
            values(city["statuses"])
    finally:
        with app.app_context():
            record = db.session.get(Submission, ids["a4"])
            record.status = W.RETURNED
            db.session.commit()
            cache.clear()


def test_a_run_of_a_project_without_stages_shows(app, data, province_client):
    """Found by the security sweep: a run of tech-sme-evaluation (stage_rule "none") made the
    dashboard answer 500."""
    activity_id, ids = data
    with app.app_context():
        project = db.session.query(EvaluationProject).filter_by(
            code="tech-sme-evaluation").first()
        run = ScoreRun(activity_id=activity_id, project_id=project.id, province_code="21",
                       scored=1, eligible=1, passed=1)
        db.session.add(run)
        db.session.commit()
        run_id = run.id
    page = province_client.get(f"/dashboard/?activity={activity_id}&run={run_id}")
    assert page.status_code == 200

    # With two runs the scores tab offers both, newest first; choosing the first shows its
    # scores.
    with app.app_context():
        first_id = db.session.execute(db.select(ScoreRun.id).where(
            ScoreRun.activity_id == activity_id).order_by(ScoreRun.id)).scalars().first()
    page = province_client.get(f"/dashboard/?activity={activity_id}&tab=scores").get_data(
        as_text=True)
    selector = page[page.index('id="run-filter"'):]
    selector = selector[:selector.index("</form>")]
    assert selector.index(f'<option value="{run_id}" selected') < \
        selector.index(f'<option value="{first_id}">')
    assert f'name="activity" value="{activity_id}"' in selector
    chosen = screen(province_client, f"/dashboard/?activity={activity_id}&run={first_id}")
    assert sum(int(v) for _k, v in values(chosen["histogram"])[1:]) == 3
    latest = screen(province_client, f"/dashboard/?activity={activity_id}")
    assert sum(int(v) for _k, v in values(latest["histogram"])[1:]) == 0


def test_financing_counts_each_enterprise_and_loan_once_as_sql_does(app, data, province_client):
    """The financing table's totals equal a SQL count of distinct enterprises (a3 is
    recommended to two banks) and of distinct loans, not a count of entries."""
    from sqlalchemy import func, select

    activity_id, _ids = data
    with app.app_context():
        published = select(RecommendationEntry).join(RecommendationList).where(
            RecommendationList.activity_id == activity_id,
            RecommendationList.status == "published").subquery()
        recommended, entries = db.session.execute(select(
            func.count(published.c.enterprise_id.distinct()), func.count())).one()
        granted = db.session.execute(select(func.count(published.c.enterprise_id.distinct()))
                                     .where(published.c.status == "granted")).scalar()
    assert entries > recommended
    total = row_of(screen(province_client, url(activity_id))["financing"], "合计")
    assert total[3:5] == [str(recommended), str(granted)]


# -- the redesign: key figures, tabs, the province map ------------------------------------------
def page_of(client, url_):
    response = client.get(url_)
    assert response.status_code == 200, url_
    return response.get_data(as_text=True)


def spec_of(page, key):
    match = re.search(rf'<script type="application/json" id="spec-{key}">(.*?)</script>', page,
                      re.S)
    return json.loads(match.group(1)) if match else None


KPI_RE = re.compile(r'<(?:a|div) class="kpi" id="kpi-(\w+)"(?: href="([^"]*)")?>.*?'
                    r'id="kpi-\1-value">([^<]*)(?:\s*<small>/ ([^<]*)</small>)?', re.S)


def kpis_of(page):
    """key -> (value, total or None, link or None) of the key figures on top."""
    return {key: (value.strip(), total, html.unescape(link) if link else None)
            for key, link, value, total in KPI_RE.findall(page)}


@pytest.mark.parametrize("role", ["province", "city", "county"])
def test_key_figures_equal_the_tables_and_open_their_lists(data, client_as, role):
    activity_id, _ids = data
    client = client_as(role)
    page = page_of(client, url(activity_id))
    kpis = kpis_of(page)
    assert list(kpis) == ["submitted", "approved", "returned", "waiting", "scored", "loans"]
    tables = screen(client, url(activity_id))
    progress = tables["progress"]
    total = progress[-1] if progress[-1][0][0] == "合计" else progress[1]  # a county: one row
    assert kpis["submitted"][:2] == (total[2][0], total[1][0])
    assert kpis["submitted"][2] == total[2][1]
    assert kpis["approved"][::2] == (total[3][0], total[3][1])
    assert kpis["returned"][::2] == (total[4][0], total[4][1])
    waiting = sum(int(row[1][0]) for row in tables["workload"][1:])
    assert kpis["waiting"][0] == str(waiting)
    stages = [row for row in values(tables["stages"])[1:] if len(row) == 2]  # or "No records"
    assert kpis["scored"][0] == str(sum(int(count) for _stage, count in stages))
    granted = row_of(tables["financing"], "合计")[-1]
    assert kpis["loans"][0] == granted  # 万元, two decimals, each loan once
    for key in ("submitted", "approved", "returned", "waiting", "scored"):
        value, _total, link = kpis[key]
        assert _list_count(client, link) == int(value.replace(",", "")), key
    loans = kpis["loans"][2]  # the granted entries in the area, as the financing table's
    assert "_flt_0_status=granted" in loans and client.get(loans).status_code == 200
    assert "None" not in page[page.index('id="kpis"'):]  # the figures (not others' names)


def test_each_tab_holds_its_tables_and_is_counted_when_asked(data, province_client):
    from app.views.dashboard.tables import GROUPS

    activity_id, _ids = data
    page = page_of(province_client, url(activity_id))
    tabs = re.findall(r'data-toggle="tab">([^<]+)</a>', page)
    assert tabs == ["进度", "审核", "分布", "积分", "金融", "培育"]
    # The page holds the progress tab; the others are asked for when shown.
    opened = page[page.index('id="tab-progress"'):page.index('id="tab-review"')]
    assert re.findall(r'id="table-(\w+)"', opened) == list(GROUPS["progress"])
    sources = dict(re.findall(r'id="tab-(\w+)" data-src="([^"]+)"', page))
    assert set(sources) == {"review", "distribution", "scores", "finance", "cultivation"}
    for group, source in sources.items():
        if group == "cultivation":
            continue  # its tables are checked in tests/test_dashboard_cultivation.py
        part = page_of(province_client, html.unescape(source))
        assert re.findall(r'id="table-(\w+)"', part) == list(GROUPS[group]), group
        assert f"export-{GROUPS[group][0]}" in part and "<details" in part
    # Without script: the tab's own address renders it in the page.
    review = page_of(province_client, url(activity_id) + "&tab=review")
    shown = review[review.index('id="tab-review"'):review.index('id="tab-distribution"')]
    assert re.findall(r'id="table-(\w+)"', shown) == list(GROUPS["review"])
    assert 'class="active"><a href="' in review and "#tab-review" in review
    # 重新统计 counts the tabs again too.
    fresh = page_of(province_client, url(activity_id) + "&fresh=1")
    assert all("fresh=1" in src for src in re.findall(r'data-src="([^"]+)"', fresh))
    assert province_client.get(url(activity_id) + "&part=nothing").status_code == 404
    assert province_client.get(url(activity_id) + "&part=scores&run=999999").status_code == 404


def test_map_colours_each_city_by_the_progress_table_and_drills_down(data, province_client,
                                                                      city_client):
    activity_id, _ids = data
    page = page_of(province_client, url(activity_id))
    spec = spec_of(page, "map")
    assert spec["type"] == "map" and spec["codeLength"] == 4
    progress = screen(province_client, url(activity_id))["progress"]
    rows = {row[0][0]: row for row in progress[1:] if row[0][0] != "合计"}
    assert [r["name"] for r in spec["regions"]] == list(rows)
    for region in spec["regions"]:
        row = rows[region["name"]]
        assert region["link"] == row[0][1]  # the table's drill-down link
        assert (str(region["target"]), str(region["submitted"])) == (row[1][0], row[2][0])
        share = "—" if region["share"] is None else f"{region['share']:.1f}%"
        assert share == row[5][0], region
    by_name = {r["name"]: r for r in spec["regions"]}
    assert by_name["大连市"]["share"] == 60.0 and by_name["大连市"]["code"] == "2102"
    assert by_name["鞍山市"]["share"] is None and by_name["鞍山市"]["target"] == 0  # grey
    assert spec["labels"]["noTarget"] == "未设目标"
    drilled = page_of(province_client, by_name["大连市"]["link"])
    assert "region=2102" in by_name["大连市"]["link"] and "中山区" in drilled
    assert spec_of(drilled, "map") is None  # the boundaries are the province's cities
    assert spec_of(page_of(city_client, url(activity_id)), "map") is None
    # The boundaries are served from this server (no CDN on the intranet).
    assert spec["geo"].startswith("/static/vendor/geo/21.json")
    served = province_client.get(spec["geo"])
    assert served.status_code == 200 and served.json["type"] == "FeatureCollection"
    assert "/static/vendor/echarts/echarts.min.js" in page
