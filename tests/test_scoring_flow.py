"""Projects and score runs through the web and the command line, per role."""

import io
import json

import pytest
from python_calamine import CalamineWorkbook

from app.domain import workflow
from app.extensions import db
from app.models import EvaluationProject, ScoreResult, Submission
from app.services.demo import demo_uscc
from app.services.intake import activities
from config import BASE_DIR
from tests.conftest import csrf_token_of, post_form
from tests.test_batch import _wait_for_batch
from tests.test_review import _decide, _submitted

PROJECTS = BASE_DIR / "app" / "data" / "indicator-projects"


def _import(client, data, name="p.yaml"):
    page = client.get("/projects/upload").get_data(as_text=True)
    return client.post("/projects/upload", data={"csrf_token": csrf_token_of(page),
                                                  "file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data", follow_redirects=True)


@pytest.fixture(scope="module")
def scored_activity(app):
    """An activity whose records passed provincial review (OWN among them)."""
    from tests.conftest import logged_in_client

    with app.app_context():
        activity_id = activities.create_activity("积分测算活动", 2025, "county", open_now=True).id
    ids = [_submitted(app, activity_id, demo_uscc("210202", 1))]
    ids += [_submitted(app, activity_id, demo_uscc("210202", 9500 + i), rd_expense=50 + 20 * i)
            for i in range(5)]
    for role in ("county", "city", "province"):
        _decide(logged_in_client(app, role), ids, workflow.APPROVE)
    return activity_id, ids


def test_province_imports_projects_and_bad_files_are_refused(app, province_client):
    html = _import(province_client, (PROJECTS / "tech-sme-evaluation.yaml").read_bytes()) \
        .get_data(as_text=True)
    assert "科技型中小企业评价" in html and "rd_expense / revenue * 100" in html
    with app.app_context():
        before = db.session.query(EvaluationProject).count()
    for bad, says in ((b"a: &x [1]\nb: *x", "锚点"), (b"code: x\nname: y\ngroups: []", "指标组"),
                      (b"\xff\xfe", "UTF-8")):
        assert says in _import(province_client, bad).get_data(as_text=True)
    with app.app_context():
        assert db.session.query(EvaluationProject).count() == before


def test_cli_import_makes_versions(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["projects", "import", str(PROJECTS / "innovation-points-2.0.yaml")])
    second = runner.invoke(args=["projects", "import",
                                 str(PROJECTS / "innovation-points-2.0.yaml")])
    code, version = first.output.split()
    assert code == "innovation-points-2.0" and second.output.split() == [code, str(int(version)
                                                                                  + 1)]


def test_run_confirm_and_the_enterprise_sees_its_own_breakdown(app, scored_activity,
                                                               province_client, county_client,
                                                               enterprise_client, city_client):
    activity_id, ids = scored_activity
    with app.app_context():
        project_id = db.session.query(EvaluationProject).filter_by(
            code="innovation-points-2.0").order_by(EvaluationProject.version.desc()).first().id
    page = province_client.get("/scoreruns/start").get_data(as_text=True)
    response = province_client.post("/scoreruns/start", data={
        "csrf_token": csrf_token_of(page), "activity": activity_id, "project": project_id})
    assert "/jobs/show/" in response.headers["Location"]  # runs in the background
    run_url = _wait_for_batch(province_client, response, returns_url=True)
    run_id = int(run_url.rstrip("/").rsplit("/", 1)[1])
    html = province_client.get(f"/scoreruns/show/{run_id}").get_data(as_text=True)
    assert 'id="run-scored">6<' in html and "大连市" in html  # grades by city
    with app.app_context():
        assert {s.status for s in db.session.query(Submission).filter(
            Submission.id.in_(ids))} == {workflow.APPROVED}  # not yet sent: stays approved
    # The enterprise sees nothing before confirmation.
    # (other tests may have given this enterprise confirmed scores in other activities)
    assert "积分测算活动" not in enterprise_client.get("/myscore/").get_data(as_text=True)
    # County: results of its area, no runs.
    assert county_client.get("/scoreruns/start").status_code == 403
    listing = county_client.get(f"/scores/list/?_flt_0_run={run_id}").get_data(as_text=True)
    assert demo_uscc("210202", 1) in listing
    other = city_client.get(f"/scores/list/?_flt_0_run={run_id}").get_data(as_text=True)
    assert demo_uscc("210202", 1) in other  # 大连市 includes 中山区
    # Six records: every stage's cohort is below 30. The confirmation screen says so, and a
    # plain yes confirms nothing: the second, explicit one does, and the audit log keeps it.
    screen = province_client.get(f"/scoreruns/confirm/{run_id}").get_data(as_text=True)
    assert 'id="confirm-count"' in screen and "6" in screen.split('id="confirm-count"')[1][:80]
    assert "small-cohort" in screen and 'name="accept_small_cohorts"' in screen
    refused = post_form(province_client, f"/scoreruns/confirm/{run_id}",
                        follow_redirects=True).get_data(as_text=True)
    assert "同级比较群体小于最少 30 家" in refused
    with app.app_context():
        assert not db.session.query(ScoreResult).filter_by(run_id=run_id,
                                                           status="confirmed").count()
    post_form(province_client, f"/scoreruns/confirm/{run_id}",
              data={"accept_small_cohorts": "1"})
    with app.app_context():
        from app.models import AuditLog

        kept = db.session.query(AuditLog).filter_by(object_type="ScoreRun",
                                                    object_id=str(run_id)).all()
        assert any("已知晓并接受小样本同级比较群体" in (a.detail or "") for a in kept)
    mine = enterprise_client.get("/myscore/").get_data(as_text=True)
    assert "score-total" in mine and "研发费用金额" in mine and "稳定期" in mine
    assert "积分测算活动" in mine
    with app.app_context():
        results = db.session.query(ScoreResult).filter_by(run_id=run_id).all()
        assert {r.status for r in results} == {"confirmed"}
        frozen = {r.submission_id: r.total for r in results}
    # Running again leaves confirmed scores as they were.
    result = app.test_cli_runner().invoke(args=["scores", "run", "--activity", str(activity_id),
                                                "--project", "innovation-points-2.0"])
    assert result.exit_code != 0 and "都已确认" in result.output
    assert "already confirmed" in result.output
    with app.app_context():
        assert {r.submission_id: r.total for r in db.session.query(ScoreResult).filter_by(
            run_id=run_id)} == frozen


def test_cli_run_json_and_export_and_rerun_replaces_unconfirmed(app, scored_activity, tmp_path):
    activity_id, ids = scored_activity
    runner = app.test_cli_runner()
    runner.invoke(args=["projects", "import", str(PROJECTS / "tech-sme-evaluation.yaml")])
    first = json.loads(runner.invoke(args=["scores", "run", "--activity", str(activity_id),
                                           "--project", "tech-sme-evaluation", "--json"]).output)
    assert set(first) == {"run", "results"} and len(first["results"]) == 6
    row = first["results"][0]
    assert set(row) == {"uscc", "eligible", "stage", "total", "grade", "passed", "indicators"}
    assert row["stage"] is None and set(row["indicators"]) == {
        "tech_staff", "rd_to_revenue", "rd_to_cost", "ip_class1", "ip_class2"}
    second = json.loads(runner.invoke(args=["scores", "run", "--activity", str(activity_id),
                                            "--project", "tech-sme-evaluation", "--json"]).output)
    with app.app_context():
        assert db.session.query(ScoreResult).filter_by(run_id=first["run"]).count() == 0
        assert db.session.query(ScoreResult).filter_by(run_id=second["run"]).count() == 6
    out = tmp_path / "scores.xlsx"
    result = runner.invoke(args=["scores", "export", "--run", str(second["run"]), "--out",
                                 str(out)])
    assert result.exit_code == 0
    rows = CalamineWorkbook.from_path(str(out)).get_sheet_by_index(0).to_python()
    assert len(rows) == 7 and "科技人员数占职工总数的比例-得分" in rows[0]


def test_editor_change_a_weight_preview_publish(app, scored_activity, province_client):
    activity_id, _ids = scored_activity
    with app.app_context():
        row = db.session.query(EvaluationProject).filter_by(
            code="innovation-points-2.0", status="published").order_by(
            EvaluationProject.version.desc()).first()
        pk, version = row.id, row.version
    url = f"/projects/edit_project/{pk}"
    page = province_client.get(url).get_data(as_text=True)
    assert 'class="stage-total"' in page and "rd_expense / revenue * 100" in page
    token = csrf_token_of(page)
    # A weight that breaks the stage total cannot be published; nothing is saved.
    bad = province_client.post(url, data={"csrf_token": token, "do": "publish",
                                          "weight-rd_expense-mature": "20"},
                               follow_redirects=True).get_data(as_text=True)
    assert "应为 100" in bad
    with app.app_context():
        assert db.session.query(EvaluationProject).filter_by(
            code="innovation-points-2.0").order_by(EvaluationProject.version.desc()).first() \
            .version == version
    # Move 6 points from R&D expense to R&D intensity for mature enterprises, preview, publish.
    change = {"csrf_token": token, "weight-rd_expense-mature": "8",
              "weight-rd_intensity-mature": "21"}
    preview = province_client.post(url, data={**change, "do": "preview",
                                              "activity": str(activity_id)})
    html = preview.get_data(as_text=True)
    assert 'id="preview"' in html and "6" in html and 'id="preview-changed"' in html
    published = province_client.post(url, data={**change, "do": "publish"},
                                      follow_redirects=True)
    assert "已保存" in published.get_data(as_text=True)
    with app.app_context():
        newest = db.session.query(EvaluationProject).filter_by(
            code="innovation-points-2.0").order_by(EvaluationProject.version.desc()).first()
        assert newest.version == version + 1 and newest.status == "published"
        weights = {i["code"]: i["weights"] for g in newest.definition["groups"]
                   for i in g["indicators"] if "weights" in i}
        assert weights["rd_expense"]["mature"] == 8 and weights["rd_intensity"]["mature"] == 21
        assert db.session.get(EvaluationProject, pk).definition != newest.definition


def test_formulas_are_checked_as_typed(province_client):
    token = csrf_token_of(province_client.get("/projects/upload").get_data(as_text=True))
    ok = province_client.post("/projects/check_formula",
                              data={"csrf_token": token, "formula": "rd_expense / revenue"})
    assert ok.get_json() == {"ok": True, "fields": ["rd_expense", "revenue"]}
    bad = province_client.post("/projects/check_formula",
                               data={"csrf_token": token, "formula": "rd_expence + ("})
    assert bad.get_json()["ok"] is False and bad.get_json()["message"]


def test_run_figures_are_counted_by_the_database_and_link_to_their_lists(app, scored_activity,
                                                                         province_client):
    """The run page's grades, histogram and grades by city equal the stored results; each
    bar links to the filtered list of the results behind it."""
    from urllib.parse import quote

    from app.models import ScoreRun

    activity_id, _ids = scored_activity
    with app.app_context():
        run_id = db.session.query(ScoreRun.id).filter_by(activity_id=activity_id).order_by(
            ScoreRun.id.desc()).first()[0]
        results = db.session.query(ScoreResult).filter_by(run_id=run_id).all()
    assert results
    expected_bins = [0] * 14
    expected_grades: dict[str, int] = {}
    for r in results:
        expected_bins[min(13, int(r.total // 10))] += 1
        expected_grades[r.grade] = expected_grades.get(r.grade, 0) + 1
    html = province_client.get(f"/scoreruns/show/{run_id}").get_data(as_text=True)
    spec = json.loads(html.split('id="spec-histogram">', 1)[1].split("</script>", 1)[0])
    assert spec["series"][0]["data"] == expected_bins
    by_city = json.loads(html.split('id="spec-by_city">', 1)[1].split("</script>", 1)[0])
    assert by_city["categories"] == ["大连市"]
    assert {s["name"]: s["data"][0] for s in by_city["series"]} == expected_grades
    link = by_city["series"][0]["links"][0]
    assert "_flt_0_region_code=2102" in link
    listing = province_client.get(link).get_data(as_text=True)
    grade = by_city["series"][0]["name"]
    for r in results:
        assert (r.uscc in listing) == (r.grade == grade)
    for grade, count in expected_grades.items():
        assert f"_flt_3_grade={quote(grade)}\">{count}</a>" in html


def test_preview_lists_the_enterprises_whose_grade_would_change(app, scored_activity,
                                                                province_client):
    activity_id, ids = scored_activity
    with app.app_context():
        row = db.session.query(EvaluationProject).filter_by(
            code="innovation-points-2.0", status="published").order_by(
            EvaluationProject.version.desc()).first()
        confirmed = {r.uscc: (r.grade, r.total) for r in db.session.query(ScoreResult).filter(
            ScoreResult.submission_id.in_(ids), ScoreResult.status == "confirmed")}
    assert confirmed
    url = f"/projects/edit_project/{row.id}"
    token = csrf_token_of(province_client.get(url).get_data(as_text=True))
    # Thresholds so low that every enterprise with points becomes an A.
    html = province_client.post(url, data={
        "csrf_token": token, "do": "preview", "activity": str(activity_id),
        "grade-0-bound": "0.003", "grade-1-bound": "0.002", "grade-2-bound": "0.001"}) \
        .get_data(as_text=True)
    assert 'id="preview-changes"' in html
    table = html.split('id="preview-changes"', 1)[1].split("</table>", 1)[0]
    for uscc, (grade, total) in confirmed.items():
        assert (uscc in table) == (grade != "A" and total >= 0.003), uscc
