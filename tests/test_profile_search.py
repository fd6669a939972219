"""企业查询 (SPEC §12.4, issue 21 point 3): enterprises found across their data years by name,
credit code, region, technology field, score band, pool, tag and reported year — in the
list every screen uses, within the user's area, exported to Excel, in both languages. What
each filter should find is worked out here from the records themselves."""

from __future__ import annotations

import io
import re
from html import unescape

import pytest
from python_calamine import CalamineWorkbook
from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    Enterprise,
    PoolMembership,
    ReportingActivity,
    ScoreResult,
    Submission,
    TagRule,
)
from app.services.profiles import PROFILE_STATUSES
from app.services.profiles import search as search_service
from app.services.profiles.gather import profile_of
from app.services.profiles.profile import tags_of

LIST = "/profiles/search/list/"


def _found(client, query: str = "") -> list[str]:
    """The credit codes the search finds, as its Excel export lists them (every page)."""
    response = client.get("/profiles/search/export/" + (f"?{query}" if query else ""))
    assert response.status_code == 200
    rows = CalamineWorkbook.from_filelike(io.BytesIO(response.data)).get_sheet_by_index(
        0).to_python()
    return [row[1] for row in rows[1:]]


def _count(html: str) -> int:
    found = re.search(r'id="list-count">[^<\d]*([\d,]+)', html)
    return int(found.group(1).replace(",", "")) if found else 0


@pytest.fixture(scope="module")
def records(app):
    """Per enterprise: its credit code, region, latest record's field, years, latest score,
    current pools and tags, from the records (not through the search)."""
    with app.app_context():
        rows = db.session.execute(
            select(Submission.enterprise_id, ReportingActivity.data_year, Submission.id,
                   Submission.tech_field)
            .join(ReportingActivity, ReportingActivity.id == Submission.activity_id)
            .where(Submission.status.in_(PROFILE_STATUSES))).all()
        latest_run = dict(db.session.execute(select(
            ScoreResult.enterprise_id, func.max(ScoreResult.run_id)).group_by(
            ScoreResult.enterprise_id)).all())
        totals = {e: t for e, r, t in db.session.execute(select(
            ScoreResult.enterprise_id, ScoreResult.run_id, ScoreResult.total))
            if latest_run.get(e) == r}
        pools = {}
        for e, pool_id in db.session.execute(select(
                PoolMembership.enterprise_id, PoolMembership.pool_id).where(
                PoolMembership.until.is_(None))):
            pools.setdefault(e, set()).add(pool_id)
        found = {}
        for enterprise in db.session.execute(select(Enterprise)).scalars():
            mine = sorted((year, sid, field) for e, year, sid, field in rows
                          if e == enterprise.id)
            found[enterprise.id] = {
                "uscc": enterprise.uscc, "name": enterprise.name,
                "region": enterprise.region_code,
                "field": mine[-1][2] if mine else None, "years": {y for y, _s, _f in mine},
                "total": totals.get(enterprise.id), "pools": pools.get(enterprise.id, set()),
                "tags": set(tags_of(profile_of(enterprise))) if mine else set()}
    return found


def _expected(records, keep) -> set[str]:
    return {r["uscc"] for r in records.values() if keep(r)}


@pytest.mark.parametrize("role, status", [("province", 200), ("city", 200), ("county", 200),
                                          ("enterprise", 403), ("bank", 403)])
def test_the_bureaus_search_and_enterprises_and_banks_may_not(client_as, role, status):
    client = client_as(role)
    assert client.get(LIST).status_code == status
    assert client.get("/profiles/search/export/").status_code == status


def test_the_search_address_opens_the_list_with_its_conditions(province_client):
    response = province_client.get("/profiles/search?_flt_2_name=东北")
    assert response.status_code == 302
    assert response.location.endswith("/profiles/search/list/?_flt_2_name=%E4%B8%9C%E5%8C%97") \
        or response.location.endswith("/profiles/search/list/?_flt_2_name=东北")


def test_each_reviewer_finds_only_its_area(app, records, city_client, county_client):
    for client, area in ((city_client, "2102"), (county_client, "210202")):
        found = _found(client)
        assert set(found) == _expected(records, lambda r, a=area: r["region"].startswith(a))
        assert _count(client.get(LIST).get_data(as_text=True)) == len(found)


def test_name_code_and_region(records, province_client):
    assert set(_found(province_client, "_flt_2_name=生物")) == \
        _expected(records, lambda r: "生物" in r["name"])
    some = sorted(records.values(), key=lambda r: r["uscc"])[3]["uscc"]
    assert _found(province_client, f"_flt_2_uscc={some}") == [some]
    assert set(_found(province_client, "_flt_0_region_code=2101")) == \
        _expected(records, lambda r: r["region"].startswith("2101"))


def test_technology_field_score_band_pool_and_year(app, records, province_client):
    assert set(_found(province_client, "_flt_0_id=电子信息")) == \
        _expected(records, lambda r: r["field"] == "电子信息")
    banded = _expected(records, lambda r: r["total"] is not None and 60 <= r["total"] < 80)
    assert banded and set(_found(province_client, "_flt_1_id=60-80")) == banded
    assert set(_found(province_client, "_flt_1_id=-60")) == \
        _expected(records, lambda r: r["total"] is not None and r["total"] < 60)
    assert _found(province_client, "_flt_1_id=nonsense") == []
    with app.app_context():
        pool_id = db.session.execute(select(PoolMembership.pool_id).where(
            PoolMembership.until.is_(None)).limit(1)).scalar()
    members = _expected(records, lambda r: pool_id in r["pools"])
    assert members and set(_found(province_client, f"_flt_2_id={pool_id}")) == members
    assert set(_found(province_client, "_flt_4_id=2024")) == \
        _expected(records, lambda r: 2024 in r["years"])
    both = _found(province_client, f"_flt_0_id=电子信息&_flt_4_id=2024&_flt_2_id={pool_id}")
    assert set(both) == _expected(records, lambda r: r["field"] == "电子信息" and
                                  2024 in r["years"] and pool_id in r["pools"])


def test_a_tag_is_evaluated_over_what_the_other_conditions_leave(app, records,
                                                                 province_client):
    with app.app_context():
        rules = {r.name: r.id for r in db.session.execute(select(TagRule)).scalars()}
    for name in ("有发明专利", "研发强度≥10%"):
        tagged = _expected(records, lambda r, n=name: n in r["tags"])
        assert tagged and set(_found(province_client, f"_flt_3_id={rules[name]}")) == tagged
    in_dalian = _found(province_client, f"_flt_3_id={rules['有发明专利']}"
                                         "&_flt_0_region_code=2102")
    assert set(in_dalian) == _expected(
        records, lambda r: "有发明专利" in r["tags"] and r["region"].startswith("2102"))


def test_a_tag_reads_at_most_the_cap_and_says_so(app, records, province_client, monkeypatch):
    monkeypatch.setattr(search_service, "TAG_CAP", 10)
    with app.app_context():
        rule = db.session.execute(select(TagRule).where(
            TagRule.name == "高新技术企业")).scalar_one()
    query = f"_flt_3_id={rule.id}&_flt_0_region_code=21"
    page = unescape(province_client.get(f"{LIST}?{query}").get_data(as_text=True))
    assert "标签筛选只读取了其余条件筛出的 " in page and "中前 10 家的画像" in page
    first_ten = sorted(records)[:10]
    assert set(_found(province_client, query)) == {
        records[i]["uscc"] for i in first_ten if "高新技术企业" in records[i]["tags"]}
    narrow = unescape(province_client.get(
        f"{LIST}?_flt_3_id={rule.id}&_flt_2_uscc={records[first_ten[0]]['uscc']}"
    ).get_data(as_text=True))
    assert "标签筛选只读取了" not in narrow  # one candidate: all read, nothing to say


def test_rows_open_the_profile_and_the_export_matches_the_count(records, province_client):
    page = province_client.get(f"{LIST}?_flt_0_id=新材料").get_data(as_text=True)
    found = _found(province_client, "_flt_0_id=新材料")
    assert _count(page) == len(found) > 0
    for uscc in found[:20]:
        assert f'href="/profiles/{uscc}"' in page
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(province_client.get(
        "/profiles/search/export/?_flt_0_id=新材料").data)).get_sheet_by_index(0).to_python()
    assert sheet[0] == ["企业", "统一社会信用代码", "所属地区", "科技创新领域", "已填报数据年度",
                        "最近评分", "所在培育库"]
    assert {row[3] for row in sheet[1:]} == {"新材料"}


@pytest.mark.parametrize("lang, words", [
    ("zh", ("企业查询", "科技创新领域", "最近评分", "所在培育库", "新材料", "填报数据年度")),
    ("en", ("Enterprise search", "Technology field", "Latest score", "Current pools",
            "New materials", "Reported for data year"))])
def test_both_languages(province_client, lang, words):
    province_client.get(f"/lang/{lang}")
    try:
        page = unescape(province_client.get(f"{LIST}?_flt_0_id=新材料").get_data(as_text=True))
    finally:
        province_client.get("/lang/zh")
    for word in words:
        assert word in page, word
    field = {"zh": "新材料", "en": "New materials"}
    assert f'<td class="col-tech_field">{field[lang]}</td>' in page
    assert f'<td class="col-tech_field">{field["en" if lang == "zh" else "zh"]}</td>' not in page
