"""``profile show``, ``pools evaluate`` and ``pools confirm`` (SPEC §11, §12.4) over
enterprises reported in data years of their own (2010–2014), so the demo stays as it is."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Enterprise, Pool, PoolMembership, ReportingActivity, Submission
from app.models.reporting import ACTIVITY_ARCHIVED
from app.services.intake import activities
from app.services.profiles import ProfileError, criteria
from tests.test_publicity_cli import _invoke, _json

IN_COUNTY, OTHER_COUNTY = "210202", "210102"  # the demo county reviewer's, and Shenyang's
GROWING, FLAT, NEWCOMER, FAR = "91210202MA2100001X", "91210202MA2100002X", \
    "91210202MA2100003X", "91210102MA2100004X"


def _uscc(stub: str) -> str:
    from app.domain.records.uscc import check_character

    return stub[:17] + check_character(stub[:17])


def _year_activity(year: int) -> ReportingActivity:
    name = f"画像测试 {year}"
    found = db.session.execute(select(ReportingActivity).where(
        ReportingActivity.name == name)).scalar()
    if found is None:
        found = activities.create_activity(name, year, "county", open_now=False)
        found.status = ACTIVITY_ARCHIVED
        db.session.commit()
    return found


def _report(uscc: str, county: str, year: int, **values) -> None:
    enterprise = db.session.execute(select(Enterprise).where(Enterprise.uscc == uscc)).scalar()
    if enterprise is None:
        enterprise = Enterprise(uscc=uscc, name=f"画像测试企业{uscc[-4:]}", region_code=county)
        db.session.add(enterprise)
        db.session.flush()
    base = {"employees": 80, "rd_staff": 20, "total_assets": 3000.0, "scale": "小型",
            "rd_expense": 100.0, "ip_count": 3, "invention_patents": 1}
    base.update(values)
    db.session.add(Submission(activity_id=_year_activity(year).id, enterprise_id=enterprise.id,
                              status="approved", uscc=uscc, name=enterprise.name,
                              region_code=county, **base))
    db.session.commit()


@pytest.fixture(scope="module")
def reported(app):
    usccs = {key: _uscc(stub) for key, stub in
             {"growing": GROWING, "flat": FLAT, "new": NEWCOMER, "far": FAR}.items()}
    with app.app_context():
        criteria.ensure_defaults()
        for year, revenue in ((2010, 1000.0), (2011, 1300.0), (2012, 1700.0), (2013, 2500.0)):
            _report(usccs["growing"], IN_COUNTY, year, revenue=revenue,
                    qualifications=["科技型中小企业"])
            _report(usccs["flat"], IN_COUNTY, year, revenue=800.0, rd_expense=90.0)
            _report(usccs["far"], OTHER_COUNTY, year, revenue=600.0)
        _report(usccs["new"], IN_COUNTY, 2013, revenue=2400.0)  # one year only
    return usccs


def test_profile_show_gathers_every_approved_year_with_its_tags(app, reported):
    shown = _json(app, "profile", "show", "--uscc", reported["growing"], "--user",
                  "county_reviewer", "--json")
    assert shown["uscc"] == reported["growing"] and shown["name"].startswith("画像测试企业")
    assert list(shown["years"]) == ["2010", "2011", "2012", "2013"]
    assert shown["years"]["2013"]["revenue"] == 2500.0
    assert "rd_expense" in shown["years"]["2010"] and "net_profit" in shown["years"]["2010"]
    assert shown["years"]["2010"]["net_profit"] is None  # every numeric field, null if unknown
    assert "三年营收复合增长≥30%" in shown["tags"]  # (2500/1000)^(1/3) - 1 = 35.7%
    assert "研发强度≥10%" not in shown["tags"]
    flat = _json(app, "profile", "show", "--uscc", reported["flat"], "--user", "province_admin",
                 "--json")
    assert "研发强度≥10%" in flat["tags"] and flat["scores"] == [] and flat["pools"] == []


def test_outside_the_scope_is_refused_exactly_as_an_unknown_code(app, reported):
    outside = _invoke(app, "profile", "show", "--uscc", reported["far"], "--user",
                      "county_reviewer")
    unknown = _invoke(app, "profile", "show", "--uscc", "91210202MA9999999X", "--user",
                      "county_reviewer")
    assert outside.exit_code != 0 and unknown.exit_code != 0
    assert outside.output == unknown.output
    assert "No enterprise with this credit code" in outside.output
    other = _invoke(app, "profile", "show", "--uscc", reported["growing"], "--user",
                    "enterprise_user")
    assert other.exit_code != 0 and other.output == unknown.output
    bank = _invoke(app, "profile", "show", "--uscc", reported["growing"], "--user", "bank_user")
    assert bank.exit_code != 0


def test_the_enterprise_sees_only_confirmed_scores(app):
    from app.services.demo import DEMO_COUNTY, demo_uscc

    own = demo_uscc(DEMO_COUNTY, 1)
    mine = _json(app, "profile", "show", "--uscc", own, "--user", "enterprise_user", "--json")
    assert mine["own"] is True
    assert all(score["confirmed"] for score in mine["scores"])


def test_evaluate_then_confirm_opens_dated_memberships(app, reported):
    evaluated = _json(app, "pools", "evaluate", "--year", 2013, "--json")
    mine = {p["uscc"]: p for p in evaluated["proposals"] if p["uscc"] in reported.values()}
    assert mine[reported["growing"]]["pool"] == "瞪羚企业"
    assert mine[reported["growing"]]["change"] == "enter"
    assert any("growth(revenue, 3)" in r for r in mine[reported["growing"]]["reasons"])
    assert mine[reported["flat"]]["pool"] == "科技型中小企业"
    # One year of data: 瞪羚's three-year growth cannot be ruled out, so nothing is proposed.
    assert reported["new"] in evaluated["insufficient"]
    assert reported["new"] not in mine

    confirmed = _json(app, "pools", "confirm", "--evaluation", evaluated["evaluation"], "--json")
    assert confirmed["confirmed"] == len(evaluated["proposals"])
    shown = _json(app, "profile", "show", "--uscc", reported["growing"], "--user",
                  "province_admin", "--json")
    assert shown["pools"] == [{"pool": "瞪羚企业", "pool_key": "gazelle",
                               "pool_en": "Gazelle enterprises",
                               "since": dt.date.today().isoformat(), "until": None}]
    again = _invoke(app, "pools", "confirm", "--evaluation", evaluated["evaluation"])
    assert again.exit_code != 0 and "only superseded" in again.output


def test_a_promotion_closes_the_lower_membership_and_keeps_it(app, reported):
    with app.app_context():
        _report(reported["flat"], IN_COUNTY, 2014, revenue=820.0, rd_expense=90.0,
                qualifications=["高新技术企业"])
    evaluated = _json(app, "pools", "evaluate", "--year", 2014, "--json")
    flat = [p for p in evaluated["proposals"] if p["uscc"] == reported["flat"]]
    assert [(p["pool"], p["change"]) for p in flat] == [("高新技术企业", "promote")]
    _json(app, "pools", "confirm", "--evaluation", evaluated["evaluation"], "--json")
    with app.app_context():
        rows = db.session.execute(select(Pool.key, PoolMembership.since, PoolMembership.until)
                                  .join(Pool).join(Enterprise).where(
            Enterprise.uscc == reported["flat"]).order_by(PoolMembership.id)).all()
    today = dt.date.today()
    assert [(r.key, r.until) for r in rows] == [("tech_sme", today), ("high_tech", None)]


def test_an_older_waiting_evaluation_is_superseded(app, reported):
    first = _json(app, "pools", "evaluate", "--year", 2013, "--json")
    _json(app, "pools", "evaluate", "--year", 2013, "--json")
    stale = _invoke(app, "pools", "confirm", "--evaluation", first["evaluation"])
    assert stale.exit_code != 0 and "later evaluation" in stale.output


def test_only_the_province_evaluates(app, reported):
    refused = _invoke(app, "pools", "evaluate", "--year", 2013, "--user", "city_reviewer")
    assert refused.exit_code != 0 and "province administrator" in refused.output


@pytest.mark.parametrize("entry, said", [
    ("revenue >= (1000", "character"),
    ("revenue >= 1000 and turnover > 3", "character 21"),
    ("rd_expense / (ip_count - 3) > 0.1", "character 15"),  # zero for these enterprises
])
def test_a_bad_pool_criterion_is_refused_at_save_and_nothing_changes(app, reported, entry, said):
    with app.app_context():
        pool = db.session.execute(select(Pool).where(Pool.key == "eaglet")).scalar_one()
        before = pool.entry_criterion
        with pytest.raises(ProfileError) as refused:
            criteria.check(entry, "进入条件", "Entry criterion", year=2013)
        assert said in refused.value.message_en
        with pytest.raises(ProfileError):
            criteria.save_pool(pool, entry=entry, exit_=None, region_cap=None)
        db.session.rollback()
        assert db.session.get(Pool, pool.id).entry_criterion == before


def test_a_region_cap_sets_aside_entries_beyond_it(app, reported):
    from flask import g

    from app.models import AppUser, PoolProposal
    from app.services.profiles import pools

    with app.app_context():
        g.user = db.session.execute(select(AppUser).where(
            AppUser.username == "province_admin")).scalar_one()
        special = db.session.execute(select(Pool).where(Pool.key == "specialised")).scalar_one()
        _report(reported["new"], IN_COUNTY, 2012, revenue=390.0,
                qualifications=["专精特新中小企业"])
        _report(reported["growing"], IN_COUNTY, 2012, revenue=1700.0,
                qualifications=["专精特新中小企业"])
        special.region_cap = 1
        db.session.commit()
        try:
            evaluation = pools.evaluate(2012)
            pools.confirm(evaluation)
            statuses = sorted(db.session.execute(select(PoolProposal.status).where(
                PoolProposal.evaluation_id == evaluation.id,
                PoolProposal.pool_id == special.id)).scalars())
        finally:
            special.region_cap = None
            db.session.commit()
    assert statuses.count("confirmed") <= 1 and "set_aside" in statuses


def test_the_json_is_plain(app, reported):
    result = _invoke(app, "pools", "evaluate", "--year", 2013, "--json")
    document = json.loads(result.output.strip().splitlines()[-1])
    assert set(document) >= {"evaluation", "proposals", "insufficient"}
