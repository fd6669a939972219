"""Scoring truth (SPEC §9): the province cohort whoever starts the run and whichever records
it re-scores; confirmed records count with their stored values; small cohorts are named and
need a second yes; `scores confirm` on the command line."""

from __future__ import annotations

import itertools
import random

import pytest
from python_calamine import CalamineWorkbook
from sqlalchemy import func, select

from app.domain import workflow
from app.domain.records import synthetic
from app.extensions import db
from app.models import AuditLog, Enterprise, ScoreResult, ScoreRun, Submission
from app.security.scope import ALL, REGION, UserScope
from app.services import scoring as service
from app.services.intake import activities, reporting
from tests.conftest import csrf_token_of

COUNTIES = ("210102", "210103", "210202", "210203", "210211")  # 沈阳 ×2, 大连 ×3
_names = itertools.count(1)


def _activity(app, count: int, seed: int = 1, approved: int | None = None,
              passed: str = workflow.APPROVED) -> tuple[int, list]:
    """An activity whose ``count`` generated records passed provincial review (the first
    ``approved`` of them, in status ``passed``; the rest wait at provincial level)."""
    approved = count if approved is None else approved
    base = 700000 + seed * 1000  # the same seed gives the same enterprises
    with app.app_context():
        activity = activities.create_activity(f"测算群体 {next(_names)}", 2025, "county",
                                              open_now=True)
        validator = reporting.validator_for(activity)
        rng = random.Random(seed)
        rows = []
        for i in range(count):
            values = validator.normalize(synthetic.record(rng, COUNTIES[i % len(COUNTIES)],
                                                          base + i, 2025))[0]
            enterprise = db.session.execute(select(Enterprise).filter_by(
                uscc=values["uscc"])).scalar_one_or_none()
            if enterprise is None:
                enterprise = Enterprise(uscc=values["uscc"], name=values["name"],
                                        region_code=values["region_code"])
                db.session.add(enterprise)
                db.session.flush()
            status = passed if i < approved else workflow.PENDING_PROVINCE
            rows.append(Submission(**values, activity_id=activity.id, enterprise_id=enterprise.id,
                                   status=status, channel="upload"))
        db.session.add_all(rows)
        db.session.commit()
        return activity.id, [r.id for r in rows]


def _project(code="innovation-points-2.0"):
    return service.latest_published(code)


def _run(app, activity_id, scope=UserScope(ALL), ids=None, code="innovation-points-2.0"):
    from app.models import ReportingActivity

    with app.app_context():
        run = service.run_scores(db.session.get(ReportingActivity, activity_id), _project(code),
                                 submission_ids=ids, scope=scope)
        return run.id


def _totals(app, run_id) -> dict[str, float]:
    with app.app_context():
        return dict(db.session.execute(select(ScoreResult.uscc, ScoreResult.total).where(
            ScoreResult.run_id == run_id)).all())


def _confirm(app, run_id, usccs=None) -> int:
    with app.app_context():
        return service.confirm(db.session.get(ScoreRun, run_id), usccs=usccs,
                               scope=UserScope(ALL), accept_small_cohorts=True)


def _approve_rest(app, activity_id):
    with app.app_context():
        db.session.execute(Submission.__table__.update().where(
            Submission.activity_id == activity_id,
            Submission.status == workflow.PENDING_PROVINCE).values(status=workflow.APPROVED))
        db.session.commit()


@pytest.fixture(scope="module")
def reference(app):
    """The same 300 records in one activity, scored once, all together."""
    activity_id, _ids = _activity(app, 300, seed=17)
    return _totals(app, _run(app, activity_id))


def test_299_confirmed_then_one_more_scores_as_a_single_run_over_all_300(app, reference):
    activity_id, _ids = _activity(app, 300, seed=17, approved=299)
    first = _run(app, activity_id)
    assert _confirm(app, first) == 299
    _approve_rest(app, activity_id)
    second = _run(app, activity_id)
    new = _totals(app, second)
    assert len(new) == 1
    (uscc, total), = new.items()
    assert total == reference[uscc]
    assert total != 100.0  # no longer compared with itself alone
    with app.app_context():
        run = db.session.get(ScoreRun, second)
        assert (run.scored, run.cohort_size, run.cohorts["confirmed"]) == (1, 300, 299)


def test_confirming_a_third_and_rerunning_leaves_the_rest_as_a_run_over_all(app, reference):
    activity_id, _ids = _activity(app, 300, seed=17)
    first = _run(app, activity_id)
    third = sorted(_totals(app, first))[:100]
    assert _confirm(app, first, usccs=third) == 100
    with app.app_context():  # enterprises edit their data after confirmation: no effect
        db.session.execute(Submission.__table__.update().where(
            Submission.activity_id == activity_id, Submission.uscc.in_(third)).values(
            rd_expense=Submission.rd_expense * 40 + 5000))
        db.session.commit()
    again = _totals(app, _run(app, activity_id))
    assert set(again) == set(reference) - set(third)
    assert again == {u: t for u, t in reference.items() if u not in third}
    assert _totals(app, first) == {u: t for u, t in reference.items() if u in third}


def test_a_city_run_and_a_subset_run_equal_the_province_run_for_what_they_rescore(
        app, reference, province_client):
    activity_id, ids = _activity(app, 300, seed=17)
    city = _run(app, activity_id, scope=UserScope(REGION, region_code="2102"))
    totals = _totals(app, city)
    assert totals and all(u[2:6].startswith("2102") for u in totals)
    assert totals == {u: t for u, t in reference.items() if u in totals}
    subset = _run(app, activity_id, ids=ids[:12])
    assert _totals(app, subset) == {u: t for u, t in reference.items()
                                    if u in _totals(app, subset)}
    html = province_client.get(f"/scoreruns/show/{subset}").get_data(as_text=True)
    assert "重新测算 12 家（共 300 家）" in html and "同级比较群体 300 家" in html


def test_a_run_where_every_record_is_confirmed_says_so_and_writes_nothing(app):
    activity_id, _ids = _activity(app, 8, seed=3)
    _confirm(app, _run(app, activity_id))
    with app.app_context():
        runs = db.session.query(ScoreRun).count()
        results = db.session.query(ScoreResult).count()
    result = app.test_cli_runner().invoke(args=[
        "scores", "run", "--activity", str(activity_id), "--project", "innovation-points-2.0"])
    assert result.exit_code != 0 and "都已确认" in result.output
    with app.app_context():
        assert db.session.query(ScoreRun).count() == runs
        assert db.session.query(ScoreResult).count() == results


def test_cli_confirm_all_some_and_refusals(app):
    activity_id, _ids = _activity(app, 10, seed=5)
    run_id = _run(app, activity_id)
    runner = app.test_cli_runner()
    usccs = sorted(_totals(app, run_id))
    unknown = runner.invoke(args=["scores", "confirm", "--run", "999999"])
    assert unknown.exit_code != 0 and "999999" in unknown.output
    outsider = synthetic.uscc_for("210102", 1)
    refused = runner.invoke(args=["scores", "confirm", "--run", str(run_id), "--uscc", usccs[0],
                                  "--uscc", outsider])
    assert refused.exit_code != 0 and outsider in refused.output and "未确认任何结果" in \
        refused.output
    with app.app_context():
        assert not db.session.query(ScoreResult).filter_by(run_id=run_id,
                                                           status="confirmed").count()
    two = runner.invoke(args=["scores", "confirm", "--run", str(run_id), "--uscc", usccs[0],
                              "--uscc", usccs[1]])
    assert two.exit_code == 0 and two.stdout.strip() == "2"
    assert "同级比较群体小于最少 30 家" in two.stderr  # said, and accepted by the command
    rest = runner.invoke(args=["scores", "confirm", "--run", str(run_id)])
    assert rest.stdout.strip() == str(len(usccs) - 2)
    with app.app_context():
        confirmed = set(db.session.execute(select(ScoreResult.uscc).where(
            ScoreResult.run_id == run_id, ScoreResult.status == "confirmed")).scalars())
        assert confirmed == set(usccs)
        details = db.session.execute(select(AuditLog.detail).where(
            AuditLog.object_type == "ScoreRun", AuditLog.object_id == str(run_id))).scalars()
        assert any("已知晓并接受小样本同级比较群体" in (d or "") for d in details)


def test_small_cohorts_are_shown_on_the_run_its_export_and_the_confirmation(app,
                                                                            province_client,
                                                                            tmp_path):
    activity_id, _ids = _activity(app, 12, seed=8)
    run_id = _run(app, activity_id)
    with app.app_context():
        run = db.session.get(ScoreRun, run_id)
        small = service.small_cohorts(run)
        assert small and all(size < 30 for _stage, size in small)
        names = [name for name, _size in service.cohort_summary(run)["small"]]
    page = province_client.get(f"/scoreruns/show/{run_id}").get_data(as_text=True)
    screen = province_client.get(f"/scoreruns/confirm/{run_id}").get_data(as_text=True)
    for html in (page, screen):
        assert html.count('class="alert alert-warning small-cohort"') == len(small)
        assert all(name in html for name in names)
    out = tmp_path / "run.xlsx"
    with app.app_context():
        service.export_run(db.session.get(ScoreRun, run_id), str(out), UserScope(ALL))
    book = CalamineWorkbook.from_path(str(out))
    notes = book.get_sheet_by_name("测算说明").to_python()
    warned = [row for row in notes if "群体小于最少 30 家" in str(row[-1])]
    assert len(warned) == len(small)
    # A run confirmed from the list's action is refused until the second yes is given.
    token = csrf_token_of(province_client.get(f"/scores/list/?_flt_0_run={run_id}")
                          .get_data(as_text=True))
    with app.app_context():
        first = db.session.execute(select(ScoreResult.id).where(
            ScoreResult.run_id == run_id)).scalars().first()
    html = province_client.post("/scores/action_post", data={
        "csrf_token": token, "action": "confirm_selected", "rowid": [str(first)]},
        follow_redirects=True).get_data(as_text=True)
    assert "同级比较群体小于最少" in html
    with app.app_context():
        assert db.session.get(ScoreResult, first).status != "confirmed"


def test_a_large_enough_cohort_confirms_without_a_second_yes(app, province_client):
    activity_id, _ids = _activity(app, 9, seed=2)
    with app.app_context():
        project = _project()
        definition = {**project.definition, "code": "cohort-min-one", "min_cohort_size": 1}
        import yaml

        from app.services.scoring import import_project
        import_project(yaml.safe_dump(definition, allow_unicode=True))
    run_id = _run(app, activity_id, code="cohort-min-one")
    screen = province_client.get(f"/scoreruns/confirm/{run_id}").get_data(as_text=True)
    assert "small-cohort" not in screen and "accept_small_cohorts" not in screen
    response = province_client.post(f"/scoreruns/confirm/{run_id}",
                                    data={"csrf_token": csrf_token_of(screen)})
    assert response.status_code == 302
    with app.app_context():
        assert {r.status for r in db.session.query(ScoreResult).filter_by(run_id=run_id)} \
            == {"confirmed"}


def test_no_pass_figure_for_a_project_without_a_pass_rule(app, province_client, tmp_path):
    activity_id, _ids = _activity(app, 6, seed=4)
    points = _run(app, activity_id)
    sme = _run(app, activity_id, code="tech-sme-evaluation")
    with app.app_context():
        assert db.session.get(ScoreRun, points).passed is None
        assert db.session.get(ScoreRun, sme).passed is not None
    page = province_client.get(f"/scoreruns/show/{points}").get_data(as_text=True)
    assert 'id="run-passed"' not in page and "通过:" not in page.replace("：", ":")
    assert 'id="run-passed"' in province_client.get(f"/scoreruns/show/{sme}").get_data(
        as_text=True)
    runs = province_client.get("/scoreruns/list/").get_data(as_text=True)
    row = runs.split(f">{points}<", 1)[1].split("</tr>", 1)[0]
    assert "—" in row
    column, search = "_oc_ScoreResultView=passed", 'name="passed" class="filter"'
    listing = province_client.get(f"/scores/list/?_flt_0_run={points}").get_data(as_text=True)
    assert column not in listing and search not in listing
    other = province_client.get(f"/scores/list/?_flt_0_run={sme}").get_data(as_text=True)
    assert column in other and search in other
    out = tmp_path / "points.xlsx"
    with app.app_context():
        service.export_run(db.session.get(ScoreRun, points), str(out), UserScope(ALL))
        head = CalamineWorkbook.from_path(str(out)).get_sheet_by_index(0).to_python()[0]
        assert "是否通过" not in head
        service.export_run(db.session.get(ScoreRun, sme), str(out), UserScope(ALL))
        assert "是否通过" in CalamineWorkbook.from_path(str(out)).get_sheet_by_index(0) \
            .to_python()[0]
    exported = province_client.get(f"/scores/export/?_flt_0_run={points}")
    assert exported.status_code == 200
    rows = CalamineWorkbook.from_filelike(__import__("io").BytesIO(exported.data)) \
        .get_sheet_by_index(0).to_python()
    assert "通过" not in rows[0]


def test_the_breakdown_names_each_cohort_and_its_size(app, province_client):
    activity_id, _ids = _activity(app, 15, seed=6)
    run_id = _run(app, activity_id)
    with app.app_context():
        result = db.session.execute(select(ScoreResult).where(
            ScoreResult.run_id == run_id, ScoreResult.stage == "growth")).scalars().first()
        size = db.session.get(ScoreRun, run_id).cohorts["stages"]["growth"]
        pk = result.id
    html = province_client.get(f"/scores/show/{pk}").get_data(as_text=True)
    assert f"成长期，{size} 家" in html
    assert ">growth<" not in html and "growth（" not in html


def test_cohort_counts_match_the_database(app):
    """The stored stage sizes are the eligible records of the activity per stage."""
    activity_id, _ids = _activity(app, 40, seed=12)
    run_id = _run(app, activity_id)
    with app.app_context():
        run = db.session.get(ScoreRun, run_id)
        counted = dict(db.session.execute(select(ScoreResult.stage, func.count()).where(
            ScoreResult.run_id == run_id, ScoreResult.eligible.is_(True))
            .group_by(ScoreResult.stage)).all())
        assert run.cohorts["stages"] == counted and run.cohort_size == 40


def test_sent_records_confirmed_and_moved_on_still_count_with_their_stored_values(app,
                                                                                  reference):
    """Records sent with the letter move 已测算 → 已确认 when confirmed; they count with
    their stored values — and where a stored breakdown lacks an indicator (a project that
    gained it since), with their current data for that one."""
    activity_id, _ids = _activity(app, 300, seed=17, passed=workflow.SUBMITTED)
    first = _run(app, activity_id)
    third = sorted(_totals(app, first))[:100]
    assert _confirm(app, first, usccs=third) == 100
    with app.app_context():
        assert db.session.query(Submission).filter_by(
            activity_id=activity_id, status=workflow.CONFIRMED).count() == 100
        for result in db.session.query(ScoreResult).filter(
                ScoreResult.run_id == first, ScoreResult.uscc.in_(third[:40])):
            result.breakdown = {k: v for k, v in result.breakdown.items() if k != "roe"}
        db.session.commit()
    again = _totals(app, _run(app, activity_id))
    assert again == {u: t for u, t in reference.items() if u not in third}
