"""数据看板's 培育 tab against hand-built memberships and evaluations, per role: the pyramid per
tier and per region inside the user's scope (a county never sees another county's members),
the Sankey's links from the confirmed proposals of the chosen data year only, the year
selector, the export, and both languages.

The demo's own memberships are there too (session-wide data): the pyramid is checked by what
the members added here change, per role; the flows use data years no one else uses."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from html.parser import HTMLParser

import pytest
from python_calamine import CalamineWorkbook

from app.domain.pools import ENTER, EXIT, PROMOTE
from app.extensions import db
from app.models import Enterprise, Pool, PoolEvaluation, PoolMembership, PoolProposal
from app.services.demo import demo_uscc
from app.services.profiles.criteria import ensure_defaults
from tests.conftest import csrf_token_of, logged_in_client

YEAR, EARLIER = 2031, 2030  # data years of the evaluations built here
PART = "/dashboard/?part=cultivation"
ZHONGSHAN, XIGANG, HEPING = "210202", "210203", "210102"  # 大连 ×2 (county_reviewer's first), 沈阳
# enterprise: county, open memberships, closed memberships
MEMBERS = {
    "e1": (ZHONGSHAN, ["tech_sme"], []),
    "e2": (ZHONGSHAN, ["tech_sme"], []),
    "e3": (ZHONGSHAN, ["tech_sme"], ["eaglet"]),
    "e4": (ZHONGSHAN, ["high_tech", "specialised"], []),
    "e5": (ZHONGSHAN, [], ["tech_sme"]),
    "e6": (XIGANG, ["tech_sme"], []),
    "e7": (XIGANG, ["tech_sme"], []),
    "e8": (HEPING, ["eaglet"], []),
}
# (evaluation, enterprise, change, pool, tier left, status); evaluations: "c" confirmed of
# YEAR, "old" confirmed of EARLIER, "open" still proposed of YEAR.
PROPOSALS = [
    ("c", "e1", ENTER, "tech_sme", None, "confirmed"),
    ("c", "e2", ENTER, "tech_sme", None, "confirmed"),
    ("c", "e6", ENTER, "tech_sme", None, "confirmed"),
    ("c", "e3", PROMOTE, "high_tech", "tech_sme", "confirmed"),
    ("c", "e4", EXIT, "high_tech", None, "confirmed"),
    ("c", "e8", EXIT, "eaglet", None, "confirmed"),  # falls back a tier: one move, not two
    ("c", "e8", ENTER, "tech_sme", None, "confirmed"),
    ("c", "e7", ENTER, "specialised", None, "confirmed"),
    ("c", "e4", EXIT, "specialised", None, "confirmed"),
    ("c", "e5", ENTER, "high_tech", None, "set_aside"),  # not confirmed: not a move
    ("old", "e2", ENTER, "gazelle", None, "confirmed"),
    ("open", "e1", ENTER, "unicorn", None, "proposed"),
]


class _Tables(HTMLParser):
    """The page's tables as rows of cell texts, by table key."""

    def __init__(self):
        super().__init__()
        self.tables, self._table, self._cell = {}, None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and (attrs.get("id") or "").startswith("table-"):
            self._table = self.tables.setdefault(attrs["id"][6:], [])
        elif self._table is not None and tag == "tr":
            self._table.append([])
        elif self._table is not None and tag in ("td", "th"):
            self._cell = ""

    def handle_data(self, text):
        if self._cell is not None:
            self._cell += text

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._table[-1].append(self._cell.strip())
            self._cell = None
        elif tag == "table":
            self._table = None


def tables_of(html: str) -> dict[str, list[list[str]]]:
    parser = _Tables()
    parser.feed(html)
    return parser.tables


def keyed(table: list[list[str]]) -> dict[str, dict[str, int]]:
    """{first cell: {header: number}} of a figure table."""
    headers, *rows = table
    return {row[0]: {h: int(v.replace(",", "")) for h, v in zip(headers[1:], row[1:],
                                                                 strict=True)}
            for row in rows if len(row) == len(headers)}


def spec(html: str, key: str) -> dict:
    found = re.search(rf'<script type="application/json" id="spec-{key}">(.*?)</script>',
                      html, re.S)
    assert found, f"no chart {key}"
    return json.loads(found.group(1))


def flows_of(html: str) -> set[tuple[str, str, str, int]]:
    _headers, *rows = tables_of(html)["flows"]
    return {(a, b, track, int(n)) for a, b, track, n in (r for r in rows if len(r) == 4)}


def pane(client, **args) -> str:
    query = "".join(f"&{k}={v}" for k, v in args.items())
    response = client.get(PART + query)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


ROLES = ("province", "city", "county")


@pytest.fixture(scope="module")
def clients(app):
    return {role: logged_in_client(app, role) for role in ROLES}


@pytest.fixture(scope="module")
def built(app, clients):
    """Each role's pyramid tables before and after the members above are added, and the
    evaluations added."""
    before = {role: tables_of(pane(clients[role])) for role in ROLES}
    with app.app_context():
        ensure_defaults()
        pools = dict(db.session.execute(db.select(Pool.key, Pool.id)).all())
        ids = {}
        for serial, (key, (county, open_, closed)) in enumerate(MEMBERS.items(), start=9400):
            enterprise = Enterprise(uscc=demo_uscc(county, serial), name=f"培育企业{key}",
                                    region_code=county)
            db.session.add(enterprise)
            db.session.flush()
            ids[key] = (enterprise.id, enterprise.uscc, county)
            for pool in open_:
                db.session.add(PoolMembership(enterprise_id=enterprise.id, region_code=county,
                                              pool_id=pools[pool], since=dt.date(2031, 3, 1)))
            for pool in closed:
                db.session.add(PoolMembership(enterprise_id=enterprise.id, region_code=county,
                                              pool_id=pools[pool], since=dt.date(2029, 3, 1),
                                              until=dt.date(2030, 3, 1)))
        now = dt.datetime.now()
        evaluations = {
            "c": PoolEvaluation(data_year=YEAR, province_code="21", status="confirmed",
                                confirmed_at=now),
            "old": PoolEvaluation(data_year=EARLIER, province_code="21", status="confirmed",
                                  confirmed_at=now),
            "open": PoolEvaluation(data_year=YEAR, province_code="21", status="proposed")}
        db.session.add_all(evaluations.values())
        db.session.flush()
        for evaluation, key, change, pool, leaves, status in PROPOSALS:
            enterprise_id, uscc, county = ids[key]
            db.session.add(PoolProposal(
                evaluation_id=evaluations[evaluation].id, enterprise_id=enterprise_id,
                uscc=uscc, region_code=county, pool_id=pools[pool], change=change,
                leaves_pool_id=pools[leaves] if leaves else None, status=status,
                reasons=["测试"]))
        db.session.commit()
    after = {role: tables_of(pane(clients[role])) for role in ROLES}
    return before, after


def delta(built, role: str, table: str) -> dict[str, dict[str, int]]:
    """What the members added here changed in a role's table, row by row (zeros left out)."""
    before, after = (keyed(b[role][table]) for b in built)
    changed = {}
    for row, cells in after.items():
        moved = {h: n - before.get(row, {}).get(h, 0) for h, n in cells.items()}
        moved = {h: n for h, n in moved.items() if n}
        if moved:
            changed[row] = moved
    return changed


def test_the_pyramid_counts_open_memberships_per_tier_in_each_scope(built):
    tiers = {"province": {"科技型中小企业": 5, "高新技术企业": 1, "雏鹰企业": 1},
             "city": {"科技型中小企业": 5, "高新技术企业": 1},
             "county": {"科技型中小企业": 3, "高新技术企业": 1}}
    for role, expected in tiers.items():
        assert {row: cells["企业数"] for row, cells in delta(built, role, "pyramid").items()} \
            == expected, role


def test_members_per_region_one_level_down_and_the_county_sees_only_itself(built):
    main = "主线合计"
    assert delta(built, "province", "pool_regions") == {
        "大连市": {"科技型中小企业": 5, "高新技术企业": 1, main: 6, "专精特新企业": 1},
        "沈阳市": {"雏鹰企业": 1, main: 1},
        "合计": {"科技型中小企业": 5, "高新技术企业": 1, "雏鹰企业": 1, main: 7,
               "专精特新企业": 1}}
    assert delta(built, "city", "pool_regions") == {
        "中山区": {"科技型中小企业": 3, "高新技术企业": 1, main: 4, "专精特新企业": 1},
        "西岗区": {"科技型中小企业": 2, main: 2},
        "合计": {"科技型中小企业": 5, "高新技术企业": 1, main: 6, "专精特新企业": 1}}
    after = built[1]["county"]["pool_regions"]
    assert [row[0] for row in after[1:]] == ["中山区"]
    assert delta(built, "county", "pool_regions") == {
        "中山区": {"科技型中小企业": 3, "高新技术企业": 1, main: 4, "专精特新企业": 1}}


def test_the_chart_and_the_parallel_track_show_the_table_figures(built, clients):
    html = pane(clients["county"])
    pyramid = keyed(tables_of(html)["pyramid"])
    drawn = spec(html, "pyramid")["data"]
    # The top tier at the top; the same figures as the table.
    assert [d["name"] for d in drawn] == ["独角兽企业", "瞪羚企业", "雏鹰企业", "高新技术企业",
                                          "科技型中小企业"]
    assert {d["name"]: d["value"] for d in drawn} == {k: v["企业数"] for k, v in pyramid.items()}
    regions = keyed(tables_of(html)["pool_regions"])
    parallel = re.search(r'id="parallel-tracks">(.*?)</div>\s*</div>', html, re.S).group(1)
    assert "专精特新企业" in parallel
    assert f'>{regions["中山区"]["专精特新企业"]}<' in parallel


def test_a_county_cannot_open_its_city_and_the_area_switch_narrows(app, clients, built):
    assert clients["county"].get(PART + "&region=2102").status_code == 404
    assert clients["county"].get(PART + "&region=210203").status_code == 404
    province = logged_in_client(app, "province")
    token = csrf_token_of(province.get("/workbench/").get_data(as_text=True))
    province.post("/focus/set", data={"csrf_token": token, "region": "2102"})
    narrowed = tables_of(pane(province))
    assert narrowed["pool_regions"] == tables_of(pane(clients["city"]))["pool_regions"]


def test_the_sankey_links_are_the_confirmed_moves_of_the_year(built, clients):
    html = pane(clients["province"], year=YEAR)
    links = {(link["source"], link["target"], link["value"])
             for link in spec(html, "flows")["links"]}
    nodes = {n["name"]: (n["label"], n["depth"]) for n in spec(html, "flows")["nodes"]}
    named = {(nodes[s][0], nodes[t][0], v) for s, t, v in links}
    assert named == {("未入库", "科技型中小企业", 3), ("科技型中小企业", "高新技术企业", 1),
                     ("高新技术企业", "出库", 1), ("雏鹰企业", "科技型中小企业", 1)}
    assert all(nodes[s][1] == 0 and nodes[t][1] == 1 for s, t, _v in links)
    assert flows_of(html) == {
        ("未入库", "科技型中小企业", "主线", 3), ("科技型中小企业", "高新技术企业", "主线", 1),
        ("高新技术企业", "出库", "主线", 1), ("雏鹰企业", "科技型中小企业", "主线", 1),
        ("未在该序列", "专精特新企业", "并行序列", 1),
        ("专精特新企业", "退出该序列", "并行序列", 1)}
    assert "2031" in re.search(r'id="flows-subtitle">(.*?)<', html, re.S).group(1)
    assert "数据年度" in re.search(r'id="flows-subtitle">(.*?)<', html, re.S).group(1)


def test_the_sankey_keeps_to_the_users_scope(built, clients):
    city = flows_of(pane(clients["city"], year=YEAR))
    assert city == {("未入库", "科技型中小企业", "主线", 3),
                    ("科技型中小企业", "高新技术企业", "主线", 1),
                    ("高新技术企业", "出库", "主线", 1),
                    ("未在该序列", "专精特新企业", "并行序列", 1),
                    ("专精特新企业", "退出该序列", "并行序列", 1)}
    county = flows_of(pane(clients["county"], year=YEAR))
    assert county == {("未入库", "科技型中小企业", "主线", 2),
                      ("科技型中小企业", "高新技术企业", "主线", 1),
                      ("高新技术企业", "出库", "主线", 1),
                      ("专精特新企业", "退出该序列", "并行序列", 1)}


def test_the_year_selector_offers_confirmed_years_and_shows_the_chosen_one(built, clients):
    html = pane(clients["province"], year=EARLIER)
    options = re.findall(r'<option value="(\d{4})"( selected)?>', html)
    years = [int(year) for year, _selected in options]
    assert YEAR in years and EARLIER in years and years == sorted(years, reverse=True)
    assert [int(y) for y, chosen in options if chosen] == [EARLIER]
    assert flows_of(html) == {("未入库", "瞪羚企业", "主线", 1)}
    # Without a year: the newest confirmed one, selected.
    newest = pane(clients["province"])
    assert re.findall(r'<option value="(\d{4})" selected>', newest) == [str(years[0])]
    assert clients["province"].get(PART + "&year=20x1").status_code == 404
    # A year without confirmed evaluations: nothing moved, and the page says so.
    assert flows_of(pane(clients["province"], year=2029)) == set()
    assert 'id="no-flows"' in pane(clients["province"], year=2029)


def test_the_tab_opens_as_a_page_and_exports_what_it_shows(built, clients):
    page = clients["province"].get(f"/dashboard/?tab=cultivation&year={YEAR}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'id="tab-link-cultivation"' in html and "培育" in html
    assert 'id="tab-cultivation" data-loaded="1"' in html
    assert "js/dashboard_cultivation.js" in html
    assert "<script>" not in html  # CSP: data in JSON blocks, code in files
    exported = clients["province"].get(f"/dashboard/xlsx/flows?year={YEAR}")
    assert exported.status_code == 200
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(exported.data))
    rows = sheet.get_sheet_by_index(0).to_python()
    assert {(a, b, t, int(n)) for a, b, t, n in rows[1:]} == flows_of(pane(
        clients["province"], year=YEAR))


def test_english_names_pools_and_ends_in_english(app, built):
    client = logged_in_client(app, "province")
    client.get("/lang/en")
    try:
        html = pane(client, year=YEAR)
    finally:
        client.get("/lang/zh")
    assert ("Not in a pool", "Technology-based SMEs", "Main track", 3) in flows_of(html)
    assert ("High-tech enterprises", "Left the pools", "Main track", 1) in flows_of(html)
    assert ("Specialised and innovative SMEs", "Left the track", "Parallel track", 1) \
        in flows_of(html)
    pyramid = keyed(tables_of(html)["pyramid"])
    assert list(pyramid) == ["Technology-based SMEs", "High-tech enterprises",
                             "Eaglet enterprises", "Gazelle enterprises", "Unicorn enterprises"]
    assert "Changes confirmed by the pool evaluations of data year 2031" in html
    assert not re.search(r"[\u4e00-\u9fff]", re.sub(r"<script.*?</script>", "", html,
                                                     flags=re.S).replace("辽宁省", ""))
