"""The pool screens (培育库设置, 培育评估, 培育库名单) and the tag-rule editor (SPEC §12.4): who
may open and change what, criteria refused at save with the position and the typed text
kept, and the evaluate → comment → set aside → confirm flow with dated memberships, a
confirmed or superseded evaluation refusing crafted requests, in both languages.

The enterprises report in data years of their own (2005–2009), so the demo's figures and the
other tests' years stay as they are; pools and tags edited here are put back."""

from __future__ import annotations

import datetime as dt
import io
import re
import secrets
from html import unescape

import pytest
from itsdangerous import URLSafeTimedSerializer
from python_calamine import CalamineWorkbook
from sqlalchemy import select

from app.extensions import db
from app.models import Enterprise, Pool, PoolEvaluation, PoolMembership, PoolProposal, TagRule
from app.services.profiles import criteria
from tests.test_profiles_cli import _report, _uscc

IN_COUNTY, SAME_CITY, OTHER_CITY = "210202", "210211", "210102"  # county reviewer's, 大连, 沈阳
STUBS = {"a": "91210202MA2300001X", "b": "91210202MA2300002X", "c": "91210211MA2300003X",
         "d": "91210102MA2300004X", "e": "91210202MA2300005X"}
TODAY = dt.date.today()


def _text(response) -> str:
    return unescape(response.get_data(as_text=True))


def _token(client) -> str:
    """The CSRF token of the client's session, as a form of any page would carry it (some
    roles reach no page with a form here)."""
    with client.session_transaction() as session:
        raw = session.setdefault("csrf_token", secrets.token_hex(20))
    config = client.application.config
    secret = config.get("WTF_CSRF_SECRET_KEY") or config["SECRET_KEY"]
    return URLSafeTimedSerializer(secret, salt="wtf-csrf-token").dumps(raw)


def _post(client, url, data=None, follow=True):
    return client.post(url, data={"csrf_token": _token(client), **(data or {})},
                       follow_redirects=follow)


def _field_message(html: str, field: str) -> str:
    found = re.search(rf'id="{field}-message"[^>]*>(.*?)</div>', html, re.S)
    return unescape(found.group(1)).strip() if found else ""


def _textarea(html: str, field: str) -> str:
    found = re.search(rf'<textarea[^>]*name="{field}"[^>]*>(.*?)</textarea>', html, re.S)
    return unescape(found.group(1)) if found else ""


@pytest.fixture(scope="module")
def usccs(app):
    """A and B in the county reviewer's county (tech_sme; gazelle on three years of growth),
    C elsewhere in its city, D in another city, E with one year only (数据不足 for gazelle)."""
    found = {key: _uscc(stub) for key, stub in STUBS.items()}
    counties = {"a": IN_COUNTY, "b": IN_COUNTY, "c": SAME_CITY, "d": OTHER_CITY,
                "e": IN_COUNTY}
    with app.app_context():
        criteria.ensure_defaults()
        for key in ("a", "c", "d"):
            for year in (2006, 2007, 2008):
                _report(found[key], counties[key], year, revenue=800.0)
        for year, revenue in ((2005, 1000.0), (2006, 1300.0), (2007, 1700.0), (2008, 2500.0)):
            _report(found["b"], IN_COUNTY, year, revenue=revenue)
        _report(found["e"], IN_COUNTY, 2008, revenue=2400.0)
    return found


def _proposals(evaluation_id: int) -> dict[str, PoolProposal]:
    rows = db.session.execute(select(PoolProposal).where(
        PoolProposal.evaluation_id == evaluation_id)).scalars()
    return {p.uscc: p for p in rows}


def _evaluate(client, year: int) -> int:
    response = _post(client, "/poolevaluations/evaluate", {"year": str(year)}, follow=False)
    assert response.status_code == 302, response.status_code
    page = client.get(response.location)
    assert page.status_code == 302 and "_flt_0_evaluation_id=" in page.location
    return int(page.location.rsplit("=", 1)[1])


# -- who may open what ----------------------------------------------------------------------
PROVINCE_ONLY = ("/pools/list/", "/pools/export/", "/tagrules/list/", "/tagrules/new",
                 "/tagrules/export/")
BUREAUS = ("/poolevaluations/list/", "/poolevaluations/export/", "/poolevaluations/proposals/list/",
           "/poolevaluations/proposals/export/", "/poolmembers/list/", "/poolmembers/export/",
           "/poolmembers/history/list/", "/poolmembers/history/export/")


@pytest.mark.parametrize("role, province_only, bureaus", [
    ("province", 200, 200), ("city", 403, 200), ("county", 403, 200),
    ("enterprise", 403, 403), ("bank", 403, 403)])
def test_each_role_opens_what_it_may(app, client_as, role, province_only, bureaus):
    client = client_as(role)
    for url in PROVINCE_ONLY:
        assert client.get(url).status_code == province_only, (role, url)
    for url in BUREAUS:
        assert client.get(url).status_code == bureaus, (role, url)


@pytest.mark.parametrize("role", ["city", "county", "enterprise", "bank"])
def test_only_the_province_changes_pools_evaluates_and_confirms(app, client_as, role):
    client = client_as(role)
    with app.app_context():
        pool_id = db.session.execute(select(Pool.id).where(Pool.key == "tech_sme")).scalar()
        evaluations = db.session.query(PoolEvaluation).count()
    token = _token(client)
    for url, data in (("/poolevaluations/evaluate", {"year": "2008"}),
                      ("/poolevaluations/confirm/1", {}),
                      (f"/pools/edit/{pool_id}", {"entry": "revenue > 1", "do": "save"}),
                      ("/pools/check", {"criterion": "revenue > 1"}),
                      ("/tagrules/new", {"name": "x", "expression": "revenue > 1"}),
                      ("/poolevaluations/proposals/setaside/1", {"reason": "x"})):
        response = client.post(url, data={"csrf_token": token, **data})
        assert response.status_code == 403, (role, url, response.status_code)
    with app.app_context():
        assert db.session.query(PoolEvaluation).count() == evaluations


# -- pool settings -------------------------------------------------------------------------
@pytest.fixture
def tech_sme(app):
    """The tech_sme pool's id; whatever a test saves is put back afterwards."""
    with app.app_context():
        pool = db.session.execute(select(Pool).where(Pool.key == "tech_sme")).scalar_one()
        kept = (pool.name, pool.name_en, pool.entry_criterion, pool.exit_criterion,
                pool.region_cap, pool.active)
        pool_id = pool.id
    yield pool_id
    with app.app_context():
        pool = db.session.get(Pool, pool_id)
        (pool.name, pool.name_en, pool.entry_criterion, pool.exit_criterion, pool.region_cap,
         pool.active) = kept
        db.session.commit()


def test_the_pool_list_shows_the_ladder_in_order(province_client):
    page = _text(province_client.get("/pools/list/"))
    order = [page.index(name) for name in ("科技型中小企业", "高新技术企业", "雏鹰企业", "瞪羚企业",
                                           "独角兽企业", "专精特新企业")]
    assert order == sorted(order)
    assert "主梯队" in page and "并行序列" in page and "编辑" in page


@pytest.mark.parametrize("field, typed, said", [
    ("entry", "revenue >= (1000", "第 12 个字符"),  # does not parse
    ("entry", "revenue >= 1000 and turnover > 3", "未知字段“turnover”"),  # unknown field
    ("exit", "revenue > 20000 or turnover > 3", "第 20 个字符"),
    # zero invention patents on some enterprises' latest data (the demo's 2025)
    ("entry", "rd_expense / invention_patents > 10", "第 14 个字符处的除数在"),
])
def test_a_bad_criterion_is_refused_at_save_next_to_its_field_with_the_text_kept(
        app, province_client, tech_sme, field, typed, said):
    with app.app_context():
        before = db.session.get(Pool, tech_sme).entry_criterion, \
            db.session.get(Pool, tech_sme).exit_criterion
    url = f"/pools/edit/{tech_sme}"
    form = {"name": "科技型中小企业", "name_en": "Technology-based SMEs", "entry": before[0],
            "exit": before[1], "region_cap": "", "active": "y", "do": "save", field: typed}
    response = _post(province_client, url, form)
    assert response.status_code == 200  # the form again, not a redirect
    html = response.get_data(as_text=True)
    assert said in _field_message(html, field)
    other = "exit" if field == "entry" else "entry"
    assert said not in _field_message(html, other)
    assert _textarea(html, field) == typed  # nothing the user typed is lost
    assert 'class="form-group criterion-group has-error"' in html
    with app.app_context():
        pool = db.session.get(Pool, tech_sme)
        assert (pool.entry_criterion, pool.exit_criterion) == before


def test_the_refusal_and_the_check_speak_english(app, province_client, tech_sme):
    province_client.get("/lang/en")
    try:
        url = f"/pools/edit/{tech_sme}"
        html = _post(province_client, url, {"entry": "revenue >= 1000 and turnover > 3",
                                            "exit": "", "do": "save"}).get_data(as_text=True)
        assert "Entry criterion" in html
        assert "Unknown field “turnover”" in _field_message(html, "entry")
        assert "(character 21)" in _field_message(html, "entry")
        answer = _post(province_client, "/pools/check",
                       {"criterion": "growth(revenue, 3) >= 0.2", "field": "exit"},
                       follow=False).get_json()
        assert answer == {"ok": True, "message": "Correct. It reads: growth(revenue, 3)."}
    finally:
        province_client.get("/lang/zh")


def test_the_check_button_checks_without_saving(app, province_client, tech_sme):
    url = f"/pools/edit/{tech_sme}"
    with app.app_context():
        before = db.session.get(Pool, tech_sme).entry_criterion
    html = _post(province_client, url, {"entry": "revenue > 0 and rd_expense / revenue >= 0.1",
                                        "exit": "revenu > 1", "do": "check"}).get_data(as_text=True)
    assert "条件正确，读取：rd_expense, revenue" in _field_message(html, "entry")
    assert "未知字段“revenu”" in _field_message(html, "exit")
    assert _textarea(html, "exit") == "revenu > 1"
    answer = _post(province_client, "/pools/check",
                   {"criterion": "rd_expense / invention_patents > 10"},
                   follow=False).get_json()
    assert answer["ok"] is False and "除数" in answer["message"]
    with app.app_context():
        assert db.session.get(Pool, tech_sme).entry_criterion == before


def test_a_good_criterion_and_cap_are_saved_and_a_bad_cap_is_refused(app, province_client,
                                                                   tech_sme):
    url = f"/pools/edit/{tech_sme}"
    page = _text(province_client.get(url))
    assert "growth(revenue, 3)" in page and "years_reported" in page  # the help beside it
    assert 'id="criterion-fields"' in page and "rd_expense" in page and "研发费用" in page
    for cap, said in (("abc", "请填写整数"), ("-2", "地区名额不能为负数")):
        html = _post(province_client, url, {"entry": "revenue > 1", "exit": "",
                                            "region_cap": cap, "do": "save"}).get_data(as_text=True)
        assert said in _field_message(html, "region_cap")
    saved = _post(province_client, url, {
        "name": "科技型中小企业", "name_en": "Technology-based SMEs", "entry": "revenue > 1",
        "exit": "", "region_cap": "7", "active": "y", "do": "save"})
    assert "已保存“科技型中小企业”" in _text(saved)
    with app.app_context():
        pool = db.session.get(Pool, tech_sme)
        assert (pool.entry_criterion, pool.exit_criterion, pool.region_cap, pool.active) == \
            ("revenue > 1", None, 7, True)
        assert pool.updated_by == "province_admin"


# -- tag rules -----------------------------------------------------------------------------
@pytest.fixture
def tag_names(app):
    names: list[str] = []
    yield names
    with app.app_context():
        for rule in db.session.execute(select(TagRule).where(TagRule.name.in_(names))).scalars():
            db.session.delete(rule)
        db.session.commit()


def test_tag_rules_are_added_and_edited_with_the_same_checker(app, province_client,
                                                               tag_names):
    tag_names += ["营收过亿", "营收过亿企业"]
    html = _post(province_client, "/tagrules/new", {
        "name": "营收过亿", "name_en": "Revenue over 100m", "expression": "revenue >= (10000",
        "active": "y", "do": "save"}).get_data(as_text=True)
    assert "标签条件" in _field_message(html, "expression")
    assert "第 12 个字符" in _field_message(html, "expression")
    assert _textarea(html, "expression") == "revenue >= (10000"
    html = _post(province_client, "/tagrules/new", {
        "name": "营收过亿", "expression": "rd_expense / invention_patents > 10",
        "do": "save"}).get_data(as_text=True)
    assert "除数" in _field_message(html, "expression")  # no invention patent on some records
    saved = _post(province_client, "/tagrules/new", {
        "name": "营收过亿", "name_en": "Revenue over 100m", "expression": "revenue >= 10000",
        "active": "y", "do": "save"})
    assert "已保存标签“营收过亿”" in _text(saved)
    listed = _text(province_client.get("/tagrules/list/"))
    assert "营收过亿" in listed and "revenue >= 10000" in listed
    with app.app_context():
        rule = db.session.execute(select(TagRule).where(TagRule.name == "营收过亿")).scalar_one()
        rule_id = rule.id
    url = f"/tagrules/edit/{rule_id}"
    clash = _post(province_client, url, {"name": "有发明专利", "expression": "revenue >= 10000",
                                         "do": "save"}).get_data(as_text=True)
    assert "已有名为“有发明专利”的标签" in _field_message(clash, "name")
    _post(province_client, url, {"name": "营收过亿企业", "name_en": "", "expression":
                                 "revenue >= 10000", "do": "save"})
    with app.app_context():
        rule = db.session.get(TagRule, rule_id)
        assert (rule.name, rule.name_en, rule.active) == ("营收过亿企业", None, False)


# -- evaluate, comment, set aside, confirm ------------------------------------------------------
@pytest.fixture(scope="module")
def flow(app, usccs):
    """What the flow tests hand on to each other (they run in order)."""
    return {}


def test_the_province_evaluates_a_year_and_each_reviewer_sees_its_area(
        app, usccs, flow, province_client, city_client, county_client):
    listed = _text(province_client.get("/poolevaluations/list/"))
    assert 'id="evaluate-form"' in listed and ">2008<" in listed.replace(" ", "")
    flow["id"] = evaluation_id = _evaluate(province_client, 2008)
    with app.app_context():
        mine = {u: (p.pool.key, p.change, p.status)
                for u, p in _proposals(evaluation_id).items() if u in usccs.values()}
        evaluation = db.session.get(PoolEvaluation, evaluation_id)
        assert evaluation.status == "proposed" and evaluation.created_by == "province_admin"
        lacking = {item["uscc"] for item in evaluation.insufficient}
    assert mine == {usccs["a"]: ("tech_sme", "enter", "proposed"),
                    usccs["b"]: ("gazelle", "enter", "proposed"),
                    usccs["c"]: ("tech_sme", "enter", "proposed"),
                    usccs["d"]: ("tech_sme", "enter", "proposed")}
    assert usccs["e"] in lacking

    url = f"/poolevaluations/proposals/list/?_flt_0_evaluation_id={evaluation_id}"
    seen = {role: _text(client.get(url)) for role, client in
            (("province", province_client), ("city", city_client), ("county", county_client))}
    assert all(usccs[k] in seen["province"] for k in "abcd")
    assert usccs["c"] in seen["city"] and usccs["d"] not in seen["city"]
    assert usccs["a"] in seen["county"] and usccs["b"] in seen["county"]
    assert usccs["c"] not in seen["county"] and usccs["d"] not in seen["county"]
    for page in seen.values():  # the evaluation's page: title, tags, reasons, 数据不足
        assert f"第 {evaluation_id} 次评估（2008 年度数据）" in page
        assert "进入" in page and "待确认" in page and "进入条件成立" in page
        assert f'href="/profiles/{usccs["a"]}"' in page or usccs["a"] not in page
    assert usccs["e"] in seen["county"].split('id="insufficient-list"')[1]
    assert usccs["e"] not in seen["county"].split('id="insufficient"')[0]
    assert 'id="confirm-form"' in seen["province"] and 'id="confirm-form"' not in seen["county"]
    # The list filters (change, status, region through the cascader's prefix) and the export.
    only_b = _text(province_client.get(url + f"&_flt_2_uscc={usccs['b'][-6:]}"))
    assert usccs["b"] in only_b and usccs["a"] not in only_b
    shenyang = _text(province_client.get(url + "&_flt_0_region_code=2101"))
    assert usccs["d"] in shenyang and usccs["a"] not in shenyang
    exits = _text(province_client.get(url + "&_flt_3_change=exit"))
    assert usccs["a"] not in exits
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(county_client.get(
        f"/poolevaluations/proposals/export/?_flt_0_evaluation_id={evaluation_id}").data)
    ).get_sheet_by_index(0).to_python()
    exported = {row[1] for row in sheet[1:]}
    assert {usccs["a"], usccs["b"]} <= exported and usccs["c"] not in exported
    assert sheet[0][:3] == ["企业", "统一社会信用代码", "所属地区"]


def test_reviewers_comment_in_their_area_and_the_province_sets_aside(
        app, usccs, flow, province_client, city_client, county_client):
    with app.app_context():
        ids = {u: p.id for u, p in _proposals(flow["id"]).items()}
    a, c, d = ids[usccs["a"]], ids[usccs["c"]], ids[usccs["d"]]
    page = f"/poolevaluations/proposals/show/{a}"
    shown = _text(county_client.get(page))
    assert 'id="comment-form"' in shown and 'id="set-aside-form"' not in shown
    said = _post(county_client, f"/poolevaluations/proposals/comment/{a}",
                 {"comment": "该企业研发投入稳定，同意入库。"})
    assert "意见已保存" in _text(said)
    # Another county's proposal does not exist for this reviewer.
    assert county_client.get(f"/poolevaluations/proposals/show/{c}").status_code == 404
    assert _post(county_client, f"/poolevaluations/proposals/comment/{c}", {"comment": "x"},
                 follow=False).status_code == 404
    assert _post(city_client, f"/poolevaluations/proposals/comment/{c}", {"comment": "同意。"},
                 follow=False).status_code == 302
    refused = _post(province_client, f"/poolevaluations/proposals/setaside/{c}", {"reason": " "})
    assert "请填写暂不采纳的理由" in _text(refused)
    for pk, data in ((c, {"reason": "名额已满，明年再议。"}), (d, {"reason": "待核实。"}),
                     (d, {"restore": "y"})):
        _post(province_client, f"/poolevaluations/proposals/setaside/{pk}", data)
    with app.app_context():
        found = _proposals(flow["id"])
        assert found[usccs["a"]].comment == "该企业研发投入稳定，同意入库。"
        assert found[usccs["a"]].comment_by == "county_reviewer"
        assert found[usccs["c"]].comment_by == "city_reviewer"
        assert (found[usccs["c"]].status, found[usccs["c"]].set_aside_reason) == \
            ("set_aside", "名额已满，明年再议。")
        assert (found[usccs["d"]].status, found[usccs["d"]].set_aside_reason) == \
            ("proposed", None)
    shown = _text(province_client.get(f"/poolevaluations/proposals/show/{c}"))
    assert "暂不采纳" in shown and "名额已满，明年再议。" in shown
    assert 'id="restore-proposal"' in shown


def test_confirming_dates_the_memberships_and_freezes_the_evaluation(
        app, usccs, flow, province_client, county_client):
    url = f"/poolevaluations/proposals/list/?_flt_0_evaluation_id={flow['id']}"
    with app.app_context():
        evaluation = db.session.get(PoolEvaluation, flow["id"])
        waiting = db.session.query(PoolProposal).filter_by(
            evaluation_id=evaluation.id, status="proposed").count()
    page = _text(province_client.get(url))
    assert f"确认本次评估的 {waiting} 条建议吗" in page and "只能由之后的评估替代" in page
    done = _post(province_client, f"/poolevaluations/confirm/{flow['id']}")
    assert f"已确认 {waiting} 项变动" in _text(done)
    with app.app_context():
        found = _proposals(flow["id"])
        rows = db.session.execute(select(Enterprise.uscc, Pool.key, PoolMembership).join(
            Enterprise, Enterprise.id == PoolMembership.enterprise_id).join(Pool).where(
            Enterprise.uscc.in_(list(usccs.values())))).all()
        members = {(u, key): m for u, key, m in rows}
        assert set(members) == {(usccs["a"], "tech_sme"), (usccs["b"], "gazelle"),
                                (usccs["d"], "tech_sme")}
        for (uscc, _key), membership in members.items():
            assert membership.since == TODAY and membership.until is None
            assert membership.opened_by_id == found[uscc].id
        assert found[usccs["c"]].status == "set_aside"
        assert db.session.get(PoolEvaluation, flow["id"]).status == "confirmed"

    frozen = _text(province_client.get(url))
    assert 'id="confirm-form"' not in frozen and 'id="evaluation-read-only"' in frozen
    proposal = f"/poolevaluations/proposals/show/{found[usccs['a']].id}"
    assert 'id="comment-form"' not in _text(county_client.get(proposal))
    # Crafted requests on the confirmed evaluation: refused with the service's message.
    for client, target, data in (
            (county_client, f"/poolevaluations/proposals/comment/{found[usccs['a']].id}",
             {"comment": "改一下"}),
            (province_client, f"/poolevaluations/proposals/setaside/{found[usccs['b']].id}",
             {"reason": "改一下"}),
            (province_client, f"/poolevaluations/proposals/setaside/{found[usccs['c']].id}",
             {"restore": "y"}),
            (province_client, f"/poolevaluations/confirm/{flow['id']}", {})):
        answer = _text(_post(client, target, data))
        assert "该评估已确认：确认后的变动不能修改，只能由下一次评估替代。" in answer, target
    with app.app_context():
        again = _proposals(flow["id"])
        assert again[usccs["a"]].comment == "该企业研发投入稳定，同意入库。"
        assert again[usccs["b"]].status == "confirmed" and again[usccs["c"]].status == "set_aside"
        assert db.session.query(PoolMembership).filter(PoolMembership.enterprise_id.in_(
            select(Enterprise.id).where(Enterprise.uscc.in_(list(usccs.values()))))).count() == 3

    listed = _text(county_client.get("/poolmembers/list/?_flt_0_pool=" + str(
        members[(usccs["a"], "tech_sme")].pool_id)))
    assert usccs["a"] in listed and usccs["d"] not in listed and TODAY.isoformat() in listed


def test_an_exit_closes_the_membership_which_the_history_keeps(
        app, usccs, flow, province_client, county_client):
    with app.app_context():
        _report(usccs["a"], IN_COUNTY, 2009, revenue=25000.0)  # over tech_sme's bound
    stale = _evaluate(province_client, 2009)
    latest = _evaluate(province_client, 2009)
    with app.app_context():
        assert db.session.get(PoolEvaluation, stale).status == "superseded"
        moved = {(p.pool.key, p.change) for p in db.session.execute(select(PoolProposal).where(
            PoolProposal.evaluation_id == latest, PoolProposal.uscc == usccs["a"])).scalars()}
        stale_a = _proposals(stale)[usccs["a"]].id
    assert moved == {("tech_sme", "exit"), ("gazelle", "enter")}  # 25,000 on 800 three years ago
    refused = _text(_post(county_client, f"/poolevaluations/proposals/comment/{stale_a}",
                          {"comment": "旧评估"}))
    assert "该评估已被更新的评估替代" in refused
    listed = _text(province_client.get("/poolevaluations/list/"))
    assert "已替代" in listed and "待确认" in listed
    _post(province_client, f"/poolevaluations/confirm/{latest}")
    with app.app_context():
        closed = db.session.execute(select(PoolMembership).join(Enterprise).join(Pool).where(
            Enterprise.uscc == usccs["a"], Pool.key == "tech_sme")).scalar_one()
        assert (closed.since, closed.until) == (TODAY, TODAY) and closed.closed_by_id
    current = _text(county_client.get("/poolmembers/list/"))
    history = _text(county_client.get("/poolmembers/history/list/"))
    assert "出库日期" in history and "出库日期" not in current
    history_rows = history.split('id="list-count"')[1]
    assert usccs["a"] in history_rows and usccs["b"] not in history_rows
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(county_client.get(
        "/poolmembers/history/export/").data)).get_sheet_by_index(0).to_python()
    assert any(row[1] == usccs["a"] for row in sheet[1:])


def test_the_evaluation_pages_speak_english(app, usccs, flow, province_client):
    province_client.get("/lang/en")
    try:
        page = _text(province_client.get(
            f"/poolevaluations/proposals/list/?_flt_0_evaluation_id={flow['id']}"))
        proposal = _text(province_client.get("/poolevaluations/proposals/show/" + str(
            _proposal_id(app, flow["id"], usccs["b"]))))
        listed = _text(province_client.get("/poolevaluations/list/"))
    finally:
        province_client.get("/lang/zh")
    assert f"Evaluation {flow['id']} on the 2008 data" in page
    assert "Entry" in page and "Confirmed" in page and "Insufficient data" in page
    assert "Technology-based SMEs: entry criterion holds:" in page
    assert "进入条件" not in page and "该年度无通过审核的填报数据" not in page
    assert "Gazelle enterprises: entry criterion holds:" in proposal
    assert "growth(revenue, 3) = 35.7%" in proposal
    assert "Pool evaluations" in listed and "Evaluate now" in listed


def _proposal_id(app, evaluation_id, uscc) -> int:
    with app.app_context():
        return _proposals(evaluation_id)[uscc].id


def test_every_sortable_column_of_these_lists_sorts_and_exports(app, province_client):
    views = {"ProfileSearchView", "PoolView", "TagRuleView", "PoolEvaluationView",
             "PoolProposalView", "PoolMemberView", "PoolHistoryView"}
    seen = set()
    for view in app.appbuilder.baseviews:
        name = type(view).__name__
        if name not in views:
            continue
        seen.add(name)
        for column in view.order_columns:
            query = f"?_oc_{name}={column}&_od_{name}=desc"
            for page in ("list", "export"):
                response = province_client.get(f"{view.route_base}/{page}/{query}")
                assert response.status_code == 200, (name, column, page)
    assert seen == views
