"""National points where people meet them (issue 22): the enterprise's 我的积分 shows the
Ministry's points once the province confirmed them (never those merely received), and our
own only where the province shows them; recommendation lists built from either source say
which, and a national list picks by the national grade. NationalPoints rows are built
directly: the import and the confirmation have their own tests."""

import datetime as dt

import pytest
from flask import g

from app.domain import workflow
from app.extensions import db
from app.models import (
    AppUser,
    Enterprise,
    EvaluationProject,
    RecommendationEntry,
    RecommendationList,
    ReportingActivity,
    ScoreResult,
    ScoreRun,
    Submission,
)
from app.models.national import CONFIRMED, RECEIVED, NationalPoints
from app.security import roles
from app.security.scope import ENTERPRISE, UserScope
from app.services.dashboard import workbench
from app.services.finance import recommendations as service
from app.services.intake import activities
from app.services.national import mine
from app.services.platform.accounts import create_user
from tests.conftest import DEMO_PASSWORD, csrf_token_of, login

# uscc suffix, county, provincial (total, grade), national (total, grade, status)
DATASET = [
    ("21", "210202", (91.0, "A"), (62.5, "B", CONFIRMED)),  # A here, B nationally
    ("22", "210202", (70.0, "B"), (88.75, "A", CONFIRMED)),  # B here, A nationally
    ("23", "210203", (65.0, "B"), (93.0, "A", RECEIVED)),  # national A, not confirmed yet
    ("24", "210102", (95.0, "A"), (90.5, "A", CONFIRMED)),  # A in both
]


def _uscc(suffix):
    return f"91210200MA0NAT{suffix}XX"[:16] + suffix


def _project():
    project = db.session.query(EvaluationProject).first()
    if project is None:
        from app.services import scoring
        from config import BASE_DIR

        project = scoring.import_project((BASE_DIR / "app" / "data" / "indicator-projects"
                                          / "tech-sme-evaluation.yaml").read_bytes())
    return project


@pytest.fixture(scope="module")
def loop(app):
    """An activity whose four enterprises have confirmed provincial scores and national
    points (three confirmed, one only received), an enterprise account for the first, and
    a second activity where the first enterprise's national points are only received."""
    with app.app_context():
        activity = activities.create_activity("国家分数展示活动", 2025, "county")
        later = activities.create_activity("国家分数未确认活动", 2026, "county")
        project = _project()
        run = ScoreRun(activity_id=activity.id, project_id=project.id, province_code="21",
                       scored=len(DATASET), eligible=len(DATASET), passed=len(DATASET))
        db.session.add(run)
        ids = {}
        for suffix, county, (total, grade), (n_total, n_grade, status) in DATASET:
            uscc = _uscc(suffix)
            enterprise = Enterprise(uscc=uscc, name=f"国家分数企业{suffix}", region_code=county)
            db.session.add(enterprise)
            db.session.flush()
            submission = Submission(
                activity_id=activity.id, enterprise_id=enterprise.id, region_code=county,
                uscc=uscc, name=enterprise.name, status=workflow.CONFIRMED, channel="upload",
                needs_financing=True, financing_need_amount=200, intended_banks=["工商银行"],
                scale="小型", contact_name="韩梅梅", contact_phone="13900000000")
            db.session.add(submission)
            db.session.flush()
            db.session.add(ScoreResult(run=run, submission_id=submission.id,
                                       enterprise_id=enterprise.id, region_code=county,
                                       uscc=uscc, name=enterprise.name, eligible=True,
                                       total=total, grade=grade, status="confirmed"))
            db.session.add(NationalPoints(
                activity_id=activity.id, submission_id=submission.id,
                enterprise_id=enterprise.id, uscc=uscc, name=enterprise.name,
                region_code=county, project_id=project.id, total=n_total, grade=n_grade,
                provincial_total=total, provincial_grade=grade, status=status,
                confirmed_at=dt.datetime(2026, 3, 18, 10, 0) if status == CONFIRMED else None,
                confirmed_by="province_admin" if status == CONFIRMED else None))
            ids[suffix] = (enterprise.id, submission.id)
        first_enterprise = ids["21"][0]
        again = Submission(activity_id=later.id, enterprise_id=first_enterprise,
                           region_code="210202", uscc=_uscc("21"), name="国家分数企业21",
                           status=workflow.APPROVED, channel="upload")
        db.session.add(again)
        db.session.flush()
        db.session.add(NationalPoints(
            activity_id=later.id, submission_id=again.id, enterprise_id=first_enterprise,
            uscc=_uscc("21"), name="国家分数企业21", region_code="210202", total=47.25,
            grade="C", status=RECEIVED))
        create_user("national_points_enterprise", DEMO_PASSWORD, roles.ENTERPRISE,
                    first_name="国家", last_name="积分", email="national-points@demo.invalid",
                    enterprise_id=first_enterprise)
        db.session.commit()
        return {"activity": activity.id, "later": later.id, "run": run.id, "ids": ids}


@pytest.fixture
def points_client(app, loop):
    client = app.test_client()
    assert login(client, "national_points_enterprise").status_code == 302
    return client


def _set_shown(client, activity_id, shown: bool):
    url = f"/activityview/settings/{activity_id}"
    token = csrf_token_of(client.get(url).get_data(as_text=True))
    data = {"csrf_token": token, "part": "points"}
    if shown:
        data["show_provincial_points"] = "on"
    return client.post(url, data=data)


# -- the enterprise ---------------------------------------------------------------------------
def test_the_enterprise_sees_its_confirmed_national_points_only(app, loop, points_client):
    page = points_client.get("/myscore/").get_data(as_text=True)
    national = page.split('id="national-points-table"', 1)[1].split("</table>", 1)[0]
    # Its own confirmed national points: activity, total, grade, the day they were confirmed.
    assert "国家分数展示活动" in national and "62.50" in national
    assert ">B<" in national and "2026-03-18" in national
    # Received but not confirmed (the later activity) is not shown anywhere on the page.
    assert "国家分数未确认活动" not in page and "47.25" not in page
    # Other enterprises' points never appear.
    assert "88.75" not in page and "90.50" not in page and "93.00" not in page
    # The province shows provincial points by default: its own confirmed result too.
    assert 'id="provincial-points"' in page and '<span class="score-total">91.0<' in page
    with app.app_context():
        enterprise_id = loop["ids"]["21"][0]
        scope = UserScope(ENTERPRISE, enterprise_id=enterprise_id)
        assert [(p.total, p.status) for p in mine.confirmed_points(scope)] == [
            (62.5, CONFIRMED)]
        # The workbench card's source: the national confirmed total beside its own.
        assert [p.total for p in workbench.national_points(enterprise_id)] == [62.5]
        assert [r.total for r in workbench.confirmed_scores(enterprise_id)] == [91.0]


def test_the_workbench_card_shows_the_national_points(app, loop, points_client):
    page = points_client.get("/workbench/").get_data(as_text=True)
    card = page.split('id="wb-scores"', 1)[1].split('id="wb-', 1)[0]
    assert 'class="task-row national-points"' in card and "62.50" in card
    assert "47.25" not in card  # received, not confirmed


def test_another_account_does_not_see_these_points(app, loop, enterprise_client):
    page = enterprise_client.get("/myscore/").get_data(as_text=True)
    assert "国家分数展示活动" not in page and "62.50" not in page


def test_the_province_hides_provincial_points_and_the_national_ones_stay(
        app, loop, points_client, province_client):
    activity_id = loop["activity"]
    settings = province_client.get(f"/activityview/settings/{activity_id}").get_data(
        as_text=True)
    assert 'id="show_provincial_points"' in settings and "checked" in settings.split(
        'id="show_provincial_points"', 1)[1].split(">", 1)[0]
    try:
        assert _set_shown(province_client, activity_id, False).status_code == 302
        with app.app_context():
            assert db.session.get(ReportingActivity, activity_id).show_provincial_points is False
            assert workbench.confirmed_scores(loop["ids"]["21"][0]) == []
        page = points_client.get("/myscore/").get_data(as_text=True)
        assert "62.50" in page.split('id="national-points-table"', 1)[1]
        assert "score-total" not in page and 'id="provincial-points"' not in page
        # Not an empty promise either: the "no score yet" line is for enterprises with none.
        assert "省级" not in page.split('id="national-points-table"', 1)[1]
    finally:
        _set_shown(province_client, activity_id, True)
    with app.app_context():
        assert db.session.get(ReportingActivity, activity_id).show_provincial_points is True
    assert '<span class="score-total">91.0<' in points_client.get("/myscore/").get_data(
        as_text=True)


def test_only_the_province_changes_what_enterprises_see(app, loop, county_client):
    url = f"/activityview/settings/{loop['activity']}"
    assert county_client.get(url).status_code == 403
    token = csrf_token_of(county_client.get("/submissionview/list/").get_data(as_text=True))
    response = county_client.post(url, data={"csrf_token": token, "part": "points"})
    assert response.status_code == 403
    with app.app_context():
        assert db.session.get(ReportingActivity, loop["activity"]).show_provincial_points


# -- recommendation lists ---------------------------------------------------------------------
def _build(app, loop, rules, source=service.PROVINCIAL):
    with app.app_context():
        g.user = db.session.query(AppUser).filter_by(username="province_admin").one()
        row = service.build_list(db.session.get(ScoreRun, loop["run"]), "科技创新再贷款", "",
                                 rules, source)
        return row.id


def _listed(app, list_id):
    """(list's source, {uscc suffix: (total, grade, record is the enterprise's)})."""
    with app.app_context():
        row = db.session.get(RecommendationList, list_id)
        entries = db.session.query(RecommendationEntry).filter_by(list_id=list_id).all()
        return row.points_source, {
            e.uscc[-2:]: (e.total, e.grade, e.submission.enterprise_id == e.enterprise_id)
            for e in entries}


def test_a_national_list_picks_by_the_national_grade_and_says_so(app, loop):
    source, entries = _listed(app, _build(app, loop, {"grades": ["A"]}, service.NATIONAL))
    assert source == "national"
    # 22 and 24 are A nationally (and confirmed); 23 is A but only received; 21 is B.
    assert entries == {"22": (88.75, "A", True), "24": (90.5, "A", True)}
    with app.app_context():
        ids = loop["ids"]
        listed = {e.submission_id for e in db.session.query(RecommendationEntry).filter(
            RecommendationEntry.uscc.in_([_uscc("22"), _uscc("24")]))}
        assert {ids["22"][1], ids["24"][1]} <= listed  # entries point at the records
    _source, by_points = _listed(app, _build(app, loop, {"min_total": "80"},
                                               service.NATIONAL))
    assert set(by_points) == {"22", "24"}  # national totals 88.75 and 90.5; 93 not confirmed


def test_a_provincial_list_is_as_before(app, loop):
    source, entries = _listed(app, _build(app, loop, {"grades": ["A"]}))
    assert source == "provincial"
    assert entries == {"21": (91.0, "A", True), "24": (95.0, "A", True)}


def test_a_national_list_without_confirmed_points_is_refused(app, loop):
    with pytest.raises(service.RecommendationError) as refused:
        _build(app, loop, {"grades": ["C"]}, service.NATIONAL)
    assert "国家积分" in refused.value.message_zh and "national" in refused.value.message_en
    with pytest.raises(service.RecommendationError):
        _build(app, loop, {}, "ministry")


def test_the_build_form_and_the_pages_show_the_source(app, loop, province_client):
    form = province_client.get("/recommendations/build").get_data(as_text=True)
    assert 'name="points_source" value="national"' in form and "国家积分" in form
    token = csrf_token_of(form)
    response = province_client.post("/recommendations/build", data={
        "csrf_token": token, "run": loop["run"], "programme": "科技创新再贷款",
        "name": "国家积分推荐名单", "grades": ["A"], "points_source": "national"})
    assert response.status_code == 302
    list_id = int(response.location.rstrip("/").rsplit("/", 1)[1])
    assert _listed(app, list_id)[0] == "national"
    shown = province_client.get(f"/recommendations/show/{list_id}").get_data(as_text=True)
    tag = shown.split('id="list-source">', 1)[1].split("</span>", 1)[0]
    assert 'data-status="national"' in tag and "国家积分" in tag
    assert 'id="list-enterprises">2<' in shown
    # Without a choice the form builds from provincial points, as before.
    response = province_client.post("/recommendations/build", data={
        "csrf_token": token, "run": loop["run"], "programme": "科技创新再贷款",
        "name": "省级积分推荐名单", "grades": ["A"]})
    provincial_id = int(response.location.rstrip("/").rsplit("/", 1)[1])
    assert _listed(app, provincial_id)[0] == "provincial"
    listing = province_client.get("/recommendations/list/").get_data(as_text=True)
    for name, status, label in (("国家积分推荐名单", "national", "国家积分"),
                                ("省级积分推荐名单", "provincial", "省级积分")):
        row = listing.split(name, 1)[1].split("</tr>", 1)[0]
        assert f'data-status="{status}">{label}<' in row
    province_client.get("/lang/en")
    try:
        shown = province_client.get(f"/recommendations/show/{list_id}").get_data(as_text=True)
        assert ">National points<" in shown.split('id="list-source">', 1)[1][:200]
    finally:
        province_client.get("/lang/zh")
