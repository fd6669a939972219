"""Financing needs, recommendation lists, the bank portal and loan outcomes (issue 7),
on a hand-built dataset: six enterprises with confirmed scores."""

import datetime as dt

import pytest
from python_calamine import CalamineWorkbook

from app.domain import workflow
from app.extensions import db
from app.models import (
    AppUser,
    Bank,
    Enterprise,
    EvaluationProject,
    Notification,
    RecommendationEntry,
    RecommendationList,
    ReportingActivity,
    ScoreResult,
    ScoreRun,
    Submission,
)
from app.services.finance import recommendations as service
from app.services.intake import activities
from tests.conftest import csrf_token_of

# uscc suffix, county, grade, total, needs financing, intended banks, size
DATASET = [
    ("01", "210202", "A", 91.0, True, ["中国银行", "建设银行"], "小型"),  # 中山区, 大连
    ("02", "210202", "B", 75.0, True, [], "中型"),  # named none: default banks
    ("03", "210203", "A", 88.0, False, ["招商银行"], "小型"),  # no need
    ("04", "210203", "C", 60.0, True, ["招商银行"], "微型"),
    ("05", "210102", "B", 72.0, True, ["工商银行"], "小型"),  # 沈阳
    ("06", "210102", "A", 95.0, True, ["工商银行", "中国银行", "招商银行"], "大型"),
]


def _uscc(suffix):
    return f"91210200MA0FIN{suffix}XX"[:16] + suffix


@pytest.fixture(scope="module")
def run_id(app):
    """Approved submissions, a score run whose results are confirmed (built directly)."""
    with app.app_context():
        activity = activities.create_activity("融资对接活动", 2025, "county", open_now=True)
        project = db.session.query(EvaluationProject).first()
        if project is None:
            from app.services import scoring
            from config import BASE_DIR

            project = scoring.import_project((BASE_DIR / "app" / "data" / "indicator-projects"
                                              / "tech-sme-evaluation.yaml").read_bytes())
        run = ScoreRun(activity_id=activity.id, project_id=project.id, province_code="21",
                       scored=len(DATASET), eligible=len(DATASET), passed=len(DATASET))
        db.session.add(run)
        for bank in db.session.query(Bank):
            bank.is_default = bank.name in ("农业银行", "交通银行")
        for suffix, county, grade, total, needs, banks, size in DATASET:
            uscc = _uscc(suffix)
            enterprise = Enterprise(uscc=uscc, name=f"融资企业{suffix}", region_code=county)
            db.session.add(enterprise)
            db.session.flush()
            submission = Submission(
                activity_id=activity.id, enterprise_id=enterprise.id, region_code=county,
                uscc=uscc, name=enterprise.name, status=workflow.APPROVED, channel="upload",
                needs_financing=needs, financing_need_amount=300 if needs else None,
                intended_banks=banks, scale=size, contact_name="李雷",
                contact_phone="13800000000")
            db.session.add(submission)
            db.session.flush()
            db.session.add(ScoreResult(run=run, submission_id=submission.id,
                                       enterprise_id=enterprise.id, region_code=county,
                                       uscc=uscc, name=enterprise.name, eligible=True,
                                       total=total, grade=grade, status="confirmed"))
        db.session.commit()
        return run.id


def _build(app, run_id, rules, programme="科技创新再贷款"):
    with app.app_context():
        from flask import g

        g.user = db.session.query(AppUser).filter_by(username="province_admin").one()
        row = service.build_list(db.session.get(ScoreRun, run_id), programme, "", rules)
        return row.id


def _entries(app, list_id):
    with app.app_context():
        return [(e.uscc[-2:], db.session.get(Bank, e.bank_id).name, e.preference)
                for e in db.session.query(RecommendationEntry).filter_by(list_id=list_id)
                .order_by(RecommendationEntry.id)]


def test_rules_choose_the_enterprises(app, run_id):
    by_grade = _entries(app, _build(app, run_id, {"grades": ["A"], "needs_financing": True}))
    assert sorted({u for u, _b, _p in by_grade}) == ["01", "06"]  # 03 has no need
    by_points = _entries(app, _build(app, run_id, {"min_total": "74"}))
    assert sorted({u for u, _b, _p in by_points}) == ["01", "02", "03", "06"]
    by_size = _entries(app, _build(app, run_id, {"sizes": ["小型"], "needs_financing": True}))
    assert sorted({u for u, _b, _p in by_size}) == ["01", "05"]
    by_region = _entries(app, _build(app, run_id, {"regions": ["2102"]}))
    assert sorted({u for u, _b, _p in by_region}) == ["01", "02", "03", "04"]
    with pytest.raises(service.RecommendationError):
        _build(app, run_id, {"grades": ["Z"]})
    with pytest.raises(service.RecommendationError):
        _build(app, run_id, {"min_total": "many"})


def test_each_enterprise_goes_to_its_banks_in_order_or_to_the_defaults(app, run_id):
    entries = _entries(app, _build(app, run_id, {"grades": ["A", "B"],
                                                 "needs_financing": True}))
    assert [(b, p) for u, b, p in entries if u == "06"] == [
        ("工商银行", 1), ("中国银行", 2), ("招商银行", 3)]
    assert [(b, p) for u, b, p in entries if u == "01"] == [("中国银行", 1), ("建设银行", 2)]
    assert [(b, p) for u, b, p in entries if u == "02"] == [("农业银行", None), ("交通银行", None)]


def test_review_publish_and_the_bank_sees_only_its_enterprises(app, run_id, province_client,
                                                                bank_client, county_client):
    list_id = _build(app, run_id, {"grades": ["A", "B"], "needs_financing": True})
    with app.app_context():
        bank_id = db.session.query(AppUser).filter_by(username="bank_user").one().bank_id
        bank_name = db.session.get(Bank, bank_id).name  # 工商银行: enterprises 05 and 06
        ours = {e.uscc[-2:]: e.id for e in db.session.query(RecommendationEntry).filter_by(
            list_id=list_id, bank_id=bank_id)}
        other = db.session.query(RecommendationEntry).filter(
            RecommendationEntry.list_id == list_id,
            RecommendationEntry.bank_id != bank_id).first().id
    assert bank_name == "工商银行" and len(ours) == 2
    # A draft list is invisible to banks.
    assert bank_client.get(f"/recommended/outcome/{ours['06']}").status_code == 404
    # Review: take enterprise 05 off the list, then publish.
    page = province_client.get(f"/recommended/list/?_flt_0_recommendation_list={list_id}")
    html = page.get_data(as_text=True)
    assert _uscc("05") in html
    province_client.post("/recommended/action_post", data={
        "csrf_token": csrf_token_of(html), "action": "remove", "rowid": [ours["05"]]})
    with app.app_context():
        assert db.session.get(RecommendationList, list_id).enterprises == 3
        before = db.session.query(Notification).count()
    shown = province_client.get(f"/recommendations/show/{list_id}").get_data(as_text=True)
    province_client.post(f"/recommendations/publish/{list_id}",
                         data={"csrf_token": csrf_token_of(shown)})
    with app.app_context():
        assert db.session.get(RecommendationList, list_id).status == "published"
        assert db.session.query(Notification).count() > before  # the bank user was told
    listing = bank_client.get("/recommended/list/").get_data(as_text=True)
    assert _uscc("06") in listing and _uscc("05") not in listing and _uscc("01") not in listing
    assert bank_client.get(f"/recommended/outcome/{other}").status_code == 404
    # Needs: the bank sees enterprises that named it (05 too: it named 工商银行), no others.
    needs = bank_client.get("/needs/list/?_flt_0_uscc=91210200MA0FIN").get_data(as_text=True)
    assert _uscc("06") in needs and _uscc("05") in needs and _uscc("04") not in needs
    # The county sees its own enterprises' entries only.
    county = county_client.get(f"/recommended/list/?_flt_0_recommendation_list={list_id}")
    assert _uscc("01") in county.get_data(as_text=True)
    assert _uscc("06") not in county.get_data(as_text=True)
    # Published lists are frozen.
    with pytest.raises(service.RecommendationError), app.app_context():
        service.remove_entries([db.session.get(RecommendationEntry, ours["06"])])


def test_the_bank_records_outcomes_and_the_loan_reaches_the_summary(app, run_id, bank_client,
                                                                     province_client,
                                                                     city_client):
    list_id = _build(app, run_id, {"grades": ["A"], "needs_financing": True}, "积分贷")
    with app.app_context():
        from flask import g

        g.user = db.session.query(AppUser).filter_by(username="province_admin").one()
        service.publish(db.session.get(RecommendationList, list_id))
        bank_id = db.session.query(AppUser).filter_by(username="bank_user").one().bank_id
        entry_id = db.session.query(RecommendationEntry).filter_by(
            list_id=list_id, bank_id=bank_id).one().id  # enterprise 06 (沈阳)
    url = f"/recommended/outcome/{entry_id}"
    token = csrf_token_of(bank_client.get(url).get_data(as_text=True))
    for bad, says in (({"status": "granted", "loan_amount": "", "loan_date": "2026-11-01"},
                       "贷款金额"),
                      ({"status": "granted", "loan_amount": "800"}, "放款日期"),
                      ({"status": "granted", "loan_amount": "800", "loan_rate": "99",
                        "loan_date": "2026-11-01"}, "年利率"),
                      ({"status": "declined"}, "原因")):
        html = bank_client.post(url, data={"csrf_token": token, **bad}).get_data(as_text=True)
        assert says in html
        # A refused outcome is not shown as saved: no loan line, no "None 万元".
        assert 'id="loan"' not in html and "None" not in html
        assert 'id="entry-status">推荐待对接<' in html or 'id="entry-status">已推荐<' in html \
            or "entry-status" in html and "已放款" not in html.split('id="entry-status">')[1][:8]
    with app.app_context():
        assert db.session.get(RecommendationEntry, entry_id).status == "recommended"
    bank_client.post(url, data={"csrf_token": token, "status": "granted", "loan_amount": "800",
                                "loan_rate": "3.2", "loan_term_months": "24",
                                "loan_date": "2026-11-01"})
    with app.app_context():
        entry = db.session.get(RecommendationEntry, entry_id)
        assert (entry.status, entry.loan_amount, entry.loan_term_months, entry.loan_date) == (
            "granted", 800, 24, dt.date(2026, 11, 1))
    # Officials cannot record for the bank.
    assert province_client.post(url, data={"csrf_token": token, "status": "declined",
                                           "decline_reason": "x"}).status_code in (400, 403)
    summary = province_client.get("/loans/").get_data(as_text=True)
    assert "沈阳市" in summary and "800.00" in summary and "积分贷" in summary
    # 大连 sees no loan of 沈阳.
    by_city = city_client.get("/loans/").get_data(as_text=True).split(
        'id="loans-city"', 1)[1].split("</table>", 1)[0]
    assert "沈阳市" not in by_city


def test_the_list_export_equals_the_screen(app, run_id, province_client, tmp_path):
    list_id = _build(app, run_id, {"grades": ["A", "B"], "needs_financing": True})
    response = province_client.get(f"/recommendations/entries_xlsx/{list_id}")
    path = tmp_path / "list.xlsx"
    path.write_bytes(response.data)
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    shown = _entries(app, list_id)
    assert len(rows) - 1 == len(shown)
    assert sorted((r[1][-2:], r[5]) for r in rows[1:]) == sorted((u, b) for u, b, _p in shown)
    screen = province_client.get(f"/recommendations/show/{list_id}").get_data(as_text=True)
    assert f'id="list-enterprises">{len({u for u, _b, _p in shown})}<' in screen


def test_the_enterprise_updates_its_need_without_reopening(app, enterprise_client):
    from app.services.demo import demo_uscc
    from tests.test_review import _submitted

    with app.app_context():
        activity_id = activities.create_activity("融资需求更新", 2025, "county",
                                                 open_now=True).id
    pk = _submitted(app, activity_id, demo_uscc("210202", 1))
    page = enterprise_client.get("/myfinancing/").get_data(as_text=True)
    assert 'id="need-form"' in page
    token = csrf_token_of(page)
    refused = enterprise_client.post("/myfinancing/", data={
        "csrf_token": token, "needs_financing": "是", "financing_need_amount": ""})
    assert "必填" in refused.get_data(as_text=True)
    enterprise_client.post("/myfinancing/", data={
        "csrf_token": token, "needs_financing": "是", "financing_need_amount": "1200",
        "financing_need_types": ["信用贷款", "科技保险"], "intended_banks": "招商银行；中国银行"})
    with app.app_context():
        record = db.session.get(Submission, pk)
        assert record.status == workflow.PENDING_COUNTY  # still in review, not reopened
        assert (record.financing_need_amount, record.intended_banks) == (
            1200, ["招商银行", "中国银行"])
        assert record.financing_need_types == ["信用贷款", "科技保险"]
        assert db.session.get(ReportingActivity, activity_id) is not None


def test_the_need_of_another_enterprise_is_never_shown(app, bank_client, county_client):
    with app.app_context():
        other = db.session.query(Submission).filter(
            Submission.region_code == "210102", Submission.needs_financing.is_(True)).first()
    assert county_client.get(f"/needs/show/{other.id}").status_code == 404


def test_the_province_marks_default_banks_in_the_directory(app, province_client):
    from tests.conftest import post_form

    post_form(province_client, "/bankview/add", data={"name": "锦州银行", "is_default": "y"})
    with app.app_context():
        bank = db.session.query(Bank).filter_by(name="锦州银行").one()
        assert bank.is_default is True
        assert bank in service.default_banks("21")


def test_a_declined_outcome_shows_not_approved_with_its_reason_and_no_amount(
        app, run_id, bank_client, enterprise_client):
    list_id = _build(app, run_id, {"grades": ["A"], "needs_financing": True}, "积分贷")
    with app.app_context():
        from flask import g

        g.user = db.session.query(AppUser).filter_by(username="province_admin").one()
        service.publish(db.session.get(RecommendationList, list_id))
        bank_id = db.session.query(AppUser).filter_by(username="bank_user").one().bank_id
        entry = db.session.query(RecommendationEntry).filter_by(list_id=list_id,
                                                                bank_id=bank_id).one()
        entry_id = entry.id
        # granted first, then not approved: the amount goes with the grant
        service.record_outcome(entry, "granted", amount=500, date=dt.date(2026, 10, 1))
        service.record_outcome(entry, "declined", reason="抵押物不足")
        assert (entry.loan_amount, entry.loan_date) == (None, None)
    html = bank_client.get(f"/recommended/outcome/{entry_id}").get_data(as_text=True)
    assert 'id="entry-status">未获批<' in html and "抵押物不足" in html
    assert 'id="loan"' not in html and "None" not in html
    listing = bank_client.get(f"/recommended/list/?_flt_0_recommendation_list={list_id}") \
        .get_data(as_text=True)
    row = listing.split(_uscc("06"), 1)[1].split("</tr>", 1)[0]
    assert "未获批" in row and "None" not in row and "500" not in row


def test_loans_and_enterprises_are_counted_once_across_lists_and_banks(app, run_id,
                                                                       province_client):
    """Enterprise 06 is on two programmes' lists, sent to three banks each; its bank records
    the same loan on both lists: one enterprise, one loan, its amount once."""
    from sqlalchemy import func, select

    lists = [_build(app, run_id, {"grades": ["A"], "needs_financing": True}, programme)
             for programme in ("科技创新专项担保计划", "科技创新再贷款")]
    with app.app_context():
        from flask import g

        g.user = db.session.query(AppUser).filter_by(username="province_admin").one()
        for list_id in lists:
            service.publish(db.session.get(RecommendationList, list_id))
        icbc = db.session.query(Bank).filter_by(name="工商银行").one().id
        for list_id in lists:
            entry = db.session.query(RecommendationEntry).filter_by(
                list_id=list_id, bank_id=icbc, uscc=_uscc("06")).one()
            service.record_outcome(entry, "granted", amount=1000, date=dt.date(2026, 9, 1))
        published = select(RecommendationEntry).join(RecommendationList).where(
            RecommendationList.status == "published").subquery()
        recommended = db.session.execute(select(func.count(
            published.c.enterprise_id.distinct()))).scalar()
        is_granted = published.c.status == "granted"
        with_loans = db.session.execute(select(func.count(
            published.c.enterprise_id.distinct())).where(is_granted)).scalar()
        distinct_loans = select(published.c.enterprise_id, published.c.bank_id,
                                published.c.loan_date, published.c.loan_amount).where(
            is_granted).distinct().subquery()
        loans, amount = db.session.execute(select(
            func.count(), func.sum(distinct_loans.c.loan_amount))).one()
        every_entry = db.session.execute(select(func.sum(published.c.loan_amount)).where(
            is_granted)).scalar()
        rows = {by: service.outcome_summary(by) for by in ("programme", None)}
    (_key, *total), = rows[None]
    assert total == [recommended, with_loans, loans, amount]
    assert amount == every_entry - 1000  # the loan recorded on two lists is counted once
    by_programme = {k: v for k, *v in rows["programme"]}
    assert sum(v[0] for v in by_programme.values()) > recommended  # a sum would count twice
    page = province_client.get("/loans/").get_data(as_text=True)
    assert "推荐企业数（每家计一次）" in page and "放款笔数（同一笔贷款计一次）" in page
    table = page.split('id="loans-programme"', 1)[1].split("</table>", 1)[0]
    last = table.rsplit("<tr", 1)[1]
    assert "合计" in last and f"<td>{loans}</td>" in last and f"<td>{amount:,.2f}</td>" in last
