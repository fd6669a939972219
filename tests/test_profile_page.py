"""The profile page (企业画像, SPEC §12.4): who may open which profile, what each section
shows, the rank and the radar's medians on a small cohort built here, the exports, and both
languages. The enterprises report in data years of their own (2001–2005), so the demo and
the other tests' years stay as they are."""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil

import pytest
from python_calamine import CalamineWorkbook
from sqlalchemy import select

from app.extensions import db
from app.models import (
    EvaluationProject,
    RecommendationEntry,
    RecommendationList,
    ReviewRecord,
    ScoreResult,
    ScoreRun,
    Submission,
)
from app.services.platform import accounts
from app.services.profiles import cohorts
from app.services.profiles import page as profile_page
from tests.conftest import get_with_statements, login
from tests.test_i18n_pages import EN_OURS, ZH_OURS, _leaks_in_english, _texts, _typed_data
from tests.test_profiles_cli import _report, _uscc, _year_activity

IN_COUNTY, OTHER_CITY = "210202", "210102"  # the county reviewer's (大连 中山区), and 沈阳
STUBS = {"main": "91210202MA2200001X", "far": "91210102MA2200002X",
         **{f"c{i}": f"91210202MA220001{i}X" for i in range(1, 7)}}
YEARS = (2001, 2002, 2003, 2004, 2005)
FIELD, OTHER_FIELD, STAGE = "电子信息", "新材料", "growth"


def _breakdown(input_points, output_points, development_points, finance_points) -> dict:
    """A stored breakdown (value, cohort, size, normalized, weight, points, note, counted)
    with one indicator in each of four dimensions of 创新积分制 2.0."""
    def entry(weight, points):
        return [1.0, "growth", 6, points / weight, weight, points, "", True]
    return {"rd_expense": entry(15.0, input_points), "invention_patents": entry(11.0,
                                                                             output_points),
            "main_revenue": entry(7.0, development_points),
            "financing": entry(10.0, finance_points)}


def _result(run, uscc, total, points=None, field=FIELD, status="computed", eligible=True):
    submission = db.session.execute(select(Submission).where(
        Submission.uscc == uscc, Submission.activity_id == run.activity_id).order_by(
        Submission.id.desc())).scalars().first()
    db.session.add(ScoreResult(
        run_id=run.id, submission_id=submission.id, enterprise_id=submission.enterprise_id,
        region_code=submission.region_code, uscc=uscc, name=submission.name, tech_field=field,
        stage=STAGE, eligible=eligible, total=total if eligible else None,
        grade=("A" if total >= 70 else "C") if eligible else None,
        breakdown=_breakdown(*points) if eligible else None, status=status,
        reasons=None if eligible else ["从业人员超过 500 人"]))


def _run(year: int, project) -> ScoreRun:
    run = ScoreRun(activity_id=_year_activity(year).id, project_id=project.id,
                   province_code="21", scored=0, eligible=0)
    db.session.add(run)
    db.session.flush()
    return run


def _recommend(run: ScoreRun, record: Submission) -> None:
    """A loan granted through a published list (by a bank other than the demo bank user's:
    its figures stay as they are), and an entry of a list still in draft."""
    from app.models import Bank

    bank = db.session.execute(select(Bank).where(Bank.name != "工商银行").order_by(
        Bank.id)).scalars().first()
    for status, outcome in (("published", "granted"), ("draft", "recommended")):
        listed = RecommendationList(province_code="21", activity_id=run.activity_id,
                                    run_id=run.id, programme="积分贷", rules={},
                                    name=f"画像页测试名单（{status}）", status=status)
        db.session.add(listed)
        db.session.flush()
        db.session.add(RecommendationEntry(
            list_id=listed.id, submission_id=record.id, enterprise_id=record.enterprise_id,
            region_code=record.region_code, uscc=record.uscc, name=record.name,
            bank_id=bank.id, status=outcome, need_amount=500.0,
            loan_amount=321.5 if outcome == "granted" else None,
            loan_rate=3.45 if outcome == "granted" else None,
            loan_term_months=12 if outcome == "granted" else None,
            loan_date=dt.date(2006, 3, 1) if outcome == "granted" else None))


@pytest.fixture(scope="module")
def cohort(app):
    """A main enterprise with five years, one in another city, and six cohort members; a
    confirmed 2004 score and, for 2005, a run and a partial re-run of the same project."""
    usccs = {key: _uscc(stub) for key, stub in STUBS.items()}
    with app.app_context():
        for year in YEARS:
            _report(usccs["main"], IN_COUNTY, year, revenue=10000.0 + 1000 * (year - 2001),
                    rd_expense=1234.5, employees=200, rd_staff=50, invention_patents=3,
                    ip_count=12, tech_contract_in=None if year == 2001 else 88.8,
                    tech_contract_out=12345.678, tech_field=FIELD, scale="中型",
                    qualifications=["高新技术企业"], needs_financing=year == 2005,
                    financing_need_amount=500.0 if year == 2005 else None,
                    financing_purpose="扩大产能" if year == 2005 else None)
        _report(usccs["far"], OTHER_CITY, 2005, revenue=900.0)
        for key in ("c1", "c2", "c3", "c4", "c5", "c6"):
            _report(usccs[key], IN_COUNTY, 2005, revenue=800.0)
        _report(usccs["main"], IN_COUNTY, 2004, revenue=13500.0)  # the year's later record
        project = db.session.execute(select(EvaluationProject).where(
            EvaluationProject.code == "innovation-points-2.0")).scalars().first()
        earlier = _run(2004, project)
        _result(earlier, usccs["main"], 65.0, (3, 0, 0, 0), status="confirmed")
        first, second = _run(2005, project), None
        _result(first, usccs["main"], 70.0, (15, 11, 0, 5))
        _result(first, usccs["c1"], 50.0, (3, 0, 7, 10))
        _result(first, usccs["c2"], 80.0, (6, 0, 3.5, 0))
        _result(first, usccs["c3"], 60.0, (15, 11, 7, 10), field=OTHER_FIELD)
        _result(first, usccs["c4"], 0, eligible=False)
        _result(first, usccs["c5"], 70.0, (9, 0, 7, 10))
        second = _run(2005, project)  # re-scores one record: the cohort is both runs
        _result(second, usccs["c6"], 10.0, (12, 0, 0, 5))
        main = db.session.execute(select(Submission).where(
            Submission.uscc == usccs["main"], Submission.activity_id == first.activity_id)
        ).scalar_one()
        db.session.add(ReviewRecord(submission_id=main.id, action="return",
                                    from_status="pending_city", to_status="returned",
                                    level="city", username="city_reviewer",
                                    comment="请补充研发费用明细"))
        db.session.add(ReviewRecord(submission_id=main.id, action="approve",
                                    from_status="pending_city", to_status="pending_province",
                                    level="city", username="city_reviewer", comment="内部意见"))
        _recommend(earlier, main)
        db.session.commit()
        user = accounts.create_accounts([main.enterprise])[0]
    return {"usccs": usccs, "login": user[1], "password": user[2]}


def _get(client, url):
    response = client.get(url)
    return response.status_code, response.get_data(as_text=True)


# -- who may open what --------------------------------------------------------------------
def test_officials_in_scope_see_the_profile_and_others_get_the_unknown_code_page(
        client_as, cohort):
    main, far = cohort["usccs"]["main"], cohort["usccs"]["far"]
    for role in ("province", "city", "county"):
        status, html = _get(client_as(role), f"/profiles/{main}")
        assert status == 200, role
        assert "id=\"profile-name\"" in html and "画像测试企业" in html
    assert _get(client_as("province"), f"/profiles/{far}")[0] == 200
    for role in ("city", "county"):
        client = client_as(role)
        outside = _get(client, f"/profiles/{far}")
        unknown = _get(client, "/profiles/91210202MA9999999X")
        assert outside[0] == unknown[0] == 404
        assert "没有找到该统一社会信用代码的企业" in outside[1]
        assert _main_text(outside[1]) == _main_text(unknown[1])
        for suffix in ("/pdf", "/xlsx"):
            assert client.get(f"/profiles/{far}{suffix}").status_code == 404


def test_the_enterprise_sees_its_own_reduced_profile_and_no_other(app, cohort):
    client = app.test_client()
    assert login(client, cohort["login"], cohort["password"]).status_code == 302
    status, html = _get(client, "/profiles/mine")
    assert status == 200 and cohort["usccs"]["main"] in html
    scores = _section(html, "profile-scores")
    assert "data-year=\"2004\"" in scores and "data-year=\"2005\"" not in scores  # confirmed only
    assert "score-rank" not in scores and "profile-radar" not in html  # nothing of others
    reviews = _section(html, "profile-reviews")
    assert "请补充研发费用明细" in reviews and "内部意见" not in reviews
    assert "市级审核" in reviews  # the level that returned it
    assert "city_reviewer" not in reviews and "审核员" not in reviews
    assert "profile-pdf" not in html and "profile-xlsx" not in html
    entries = _section(html, "profile-entries")  # its loans, from published lists only
    assert "321.50" in entries and "画像页测试名单（draft）" not in entries
    for url in (f"/profiles/{cohort['usccs']['far']}", f"/profiles/{cohort['usccs']['main']}",
                f"/profiles/{cohort['usccs']['main']}/pdf"):
        assert client.get(url).status_code == 403, url


def test_banks_and_officials_have_no_own_profile(client_as, cohort):
    bank = client_as("bank")
    assert bank.get(f"/profiles/{cohort['usccs']['main']}").status_code == 403
    assert bank.get("/profiles/mine").status_code == 403
    assert client_as("province").get("/profiles/mine").status_code == 403


def test_the_directory_id_link_opens_the_profile_in_scope_only(app, client_as, cohort):
    with app.app_context():
        ids = dict(db.session.execute(select(Submission.uscc, Submission.enterprise_id).where(
            Submission.uscc.in_([cohort["usccs"]["main"], cohort["usccs"]["far"]]))).all())
    county = client_as("county")
    found = county.get(f"/profiles/enterprise/{ids[cohort['usccs']['main']]}")
    assert found.status_code == 302 and found.location.endswith(
        f"/profiles/{cohort['usccs']['main']}")
    assert county.get(f"/profiles/enterprise/{ids[cohort['usccs']['far']]}").status_code == 404


# -- what the sections show ---------------------------------------------------------------
def test_sections_show_names_and_formatted_figures(client_as, cohort):
    html = _get(client_as("province"), f"/profiles/{cohort['usccs']['main']}")[1]
    identity = _section(html, "profile-identity")
    assert _tag_text(identity, "profile-region") == "辽宁省大连市中山区"  # a name, not 210202
    assert "企业" in _tag_text(identity, "profile-kind")  # 91…: 工商 · 企业
    assert "电子信息" in identity and "中型" in identity and "高新技术企业" in identity
    years = _section(html, "profile-years-table")
    assert [int(y) for y in re.findall(r'data-year="(\d+)"', years)] == list(YEARS)
    row_2001, row_2004 = _row(years, 2001), _row(years, 2004)
    assert "10,000.00" in row_2001 and "1,234.50" in row_2001  # amounts in 万元
    assert "12.3%" in row_2001 and "25.0%" in row_2001  # 1234.5/10000, 50/200
    assert "—" in row_2001 and "12,345.68" in row_2001  # no contracts bought in 2001
    assert "13,500.00" in row_2004  # the year's later record wins
    assert 'id="chart-profile-money"' in html and 'id="spec-profile-ratios"' in html
    financing = _section(html, "profile-financing")
    assert "500.00" in financing and "扩大产能" in financing
    entries = _section(html, "profile-entries")
    assert "321.50" in entries and "2006-03-01" in entries and "3.45" in entries
    assert "画像页测试名单（draft）" in entries  # officials see draft lists' entries too
    reviews = _section(html, "profile-reviews")
    assert "大连市审核员" in reviews and "内部意见" in reviews  # real names, every action


def test_rank_counts_lower_totals_among_eligible_results_of_every_run_of_the_cohort(
        app, client_as, cohort):
    html = _get(client_as("county"), f"/profiles/{cohort['usccs']['main']}")[1]
    # Eligible: main 70, c1 50, c2 80, c3 60, c5 70 (first run), c6 10 (re-run); c4 not.
    # Lower than 70: c1, c3, c6 → 3 of 6.
    row = re.search(r'data-year="2005">.*?</tr>', _section(html, "profile-scores"), re.S)[0]
    assert "50.0%" in row and "高于 6 家中的 50.0%" in row
    with app.app_context():
        enterprise_id = db.session.execute(select(Submission.enterprise_id).where(
            Submission.uscc == cohort["usccs"]["main"])).scalars().first()
        lines = cohorts.score_lines(enterprise_id, confirmed_only=False)
        cohorts.ranks(lines)
        ranked = {line.data_year: (line.lower, line.cohort_size) for line in lines}
    assert ranked == {2005: (3, 6), 2004: (0, 1)}


def test_radar_medians_of_the_same_field_and_stage(app, cohort):
    from app.security.scope import REGION, UserScope

    with app.app_context():
        built = profile_page.build(cohort["usccs"]["main"], UserScope(REGION, region_code="21"))
    radar = built.radar
    assert radar.line.data_year == 2005 and radar.cohort_size == 5  # c3's field differs
    assert radar.dimensions == ["input", "output", "development", "finance"]
    assert radar.own["input"] == (15.0, 15.0) and radar.share("finance") == 50.0
    # input shares 100, 20, 40, 60, 80; output 100, 0, 0, 0, 0; development 0, 100, 50, 100,
    # 0; finance 50, 100, 0, 100, 50.
    assert radar.medians == pytest.approx({"input": 60.0, "output": 0.0,
                                           "development": 50.0, "finance": 50.0})
    assert "basic" in radar.unscored and "impact" in radar.unscored


def test_dimensions_follow_the_fields_an_indicator_reads_and_caps_and_best_of_hold(app):
    from app.domain import scoring

    with app.app_context():
        rows = {row.code: scoring.parse(row.definition) for row in db.session.execute(
            select(EvaluationProject)).scalars()}
    points = rows["innovation-points-2.0"]
    dims = cohorts.dimensions_of(points)
    assert dims["rd_intensity"] == "input"  # 研发费用 ÷ 营业收入: its group 创新投入
    assert dims["financing"] == "finance"  # in the group 创新影响, reading 融资金额
    assert dims["rankings_qualifications"] == "impact"
    capped = {"projects_awards_standards": [25, None, None, 1, 10.0, 25.0, "", True],
              "rankings_qualifications": [5, None, None, 1, 10.0, 10.0, "", True],
              "financing": [9, None, None, 1, 10.0, 10.0, "", True]}
    shown = cohorts.dimension_points(capped, points, dims)  # group 创新影响 capped at 30
    assert shown["impact"] == pytest.approx((35 * 30 / 45, 20.0))
    assert shown["finance"] == pytest.approx((10 * 30 / 45, 10.0))
    sme = rows["tech-sme-evaluation"]
    best_of = {"rd_to_revenue": [6, None, None, 1, 30.0, 30.0, "", True],
               "rd_to_cost": [5, None, None, 1, 30.0, 20.0, "", False]}
    assert cohorts.dimension_points(best_of, sme, cohorts.dimensions_of(sme)) == {
        "input": (30.0, 30.0)}  # the indicator the best-of group did not count is left out


# -- exports and languages ----------------------------------------------------------------
@pytest.mark.skipif(shutil.which("wkhtmltopdf") is None, reason="wkhtmltopdf is not installed")
def test_pdf_is_one_pdf_file(client_as, cohort):
    response = client_as("city").get(f"/profiles/{cohort['usccs']['main']}/pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")


def test_excel_has_a_row_per_year_with_registry_headers(client_as, cohort):
    for lang, revenue_header in (("zh", "营业收入（数据年度）（万元）"),
                                 ("en", "Operating revenue (data year) (10k yuan)")):
        client = client_as("county")
        client.get(f"/lang/{lang}")
        response = client.get(f"/profiles/{cohort['usccs']['main']}/xlsx")
        assert response.status_code == 200
        rows = CalamineWorkbook.from_filelike(io.BytesIO(response.data)).get_sheet_by_index(
            0).to_python()
        assert revenue_header in rows[0]
        assert [int(r[0]) for r in rows[1:]] == list(YEARS)
        assert rows[1][rows[0].index(revenue_header)] == 10000.0


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_both_languages_show_none_of_the_other(app, client_as, cohort, lang):
    client = client_as("province")
    client.get(f"/lang/{lang}")
    html = client.get(f"/profiles/{cohort['usccs']['main']}").get_data(as_text=True)
    if lang == "en":
        assert "Key figures by year" in html and "Points by dimension" in html
        assert _leaks_in_english({"profile": html}, _typed_data(app), None) == {}
    else:
        assert "历年关键指标" in html and "各维度得分" in html
        assert not _texts(html) & EN_OURS - {"Excel"}
        assert _texts(html) & ZH_OURS


def test_the_page_reads_scores_with_a_fixed_number_of_queries(app, client_as, cohort):
    client = client_as("province")
    url = f"/profiles/{cohort['usccs']['main']}"
    client.get(url)  # the medians are kept after the first time
    _response, statements = get_with_statements(app, client, url)
    on_results = [s for s in statements if "score_result" in s.lower()]
    assert len(on_results) <= 2, on_results  # the results, and one grouped rank query


def test_a_new_run_of_the_cohort_is_counted_although_the_ranks_were_kept(app, client_as,
                                                                         cohort):
    """Last: it changes the cohort. A later run re-scores c4 (ineligible before, 90 now) and
    its earlier result makes way, as runs.py does; the kept totals are not used again."""
    client = client_as("province")
    url = f"/profiles/{cohort['usccs']['main']}"
    assert "高于 6 家中的 50.0%" in client.get(url).get_data(as_text=True)
    with app.app_context():
        project = db.session.execute(select(EvaluationProject).where(
            EvaluationProject.code == "innovation-points-2.0")).scalars().first()
        earlier = db.session.execute(select(ScoreResult).where(
            ScoreResult.uscc == cohort["usccs"]["c4"])).scalar_one()
        db.session.delete(earlier)
        _result(_run(2005, project), cohort["usccs"]["c4"], 90.0, (15, 11, 7, 10))
        db.session.commit()
    assert "高于 7 家中的 42.9%" in client.get(url).get_data(as_text=True)  # 3 of 7 lower


# -- helpers ------------------------------------------------------------------------------
def _section(html: str, element_id: str) -> str:
    start = html.index(f'id="{element_id}"')
    depth, position = 0, html.rfind("<", 0, start)
    tag = re.match(r"<(\w+)", html[position:])[1]
    for match in re.finditer(rf"<(/?){tag}\b", html[position:]):
        depth += -1 if match[1] else 1
        if depth == 0:
            return html[position:position + match.end()]
    return html[position:]


def _row(table: str, year: int) -> str:
    return re.search(rf'data-year="{year}">.*?</tr>', table, re.S)[0]


def _tag_text(html: str, element_id: str) -> str:
    return re.search(rf'id="{element_id}"[^>]*>([^<]*)<', html)[1]


def _main_text(html: str) -> str:
    return html.split('id="shell-content"', 1)[-1].split("</main>", 1)[0]
