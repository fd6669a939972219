"""The indicator-system editor through the web: new and copied projects, bands, items,
conditions, stages, drafts and publishing."""

from app.extensions import db
from app.models import EvaluationProject
from tests.conftest import csrf_token_of


def _latest(app, code):
    with app.app_context():
        row = db.session.query(EvaluationProject).filter_by(code=code).order_by(
            EvaluationProject.version.desc()).first()
        return row and (row.id, row.version, row.status, row.definition)


def _published(app, code):
    with app.app_context():
        return db.session.query(EvaluationProject).filter_by(
            code=code, status="published").order_by(EvaluationProject.version.desc()).first().id


def _post(client, url, data):
    token = csrf_token_of(client.get(url).get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **data}, follow_redirects=True)


def test_the_list_offers_new_and_import(province_client):
    html = province_client.get("/projects/list/").get_data(as_text=True)
    assert 'id="link-new_project"' in html and 'id="link-upload"' in html


def test_a_new_project_starts_as_a_draft_and_is_shaped_then_published(app, province_client):
    refused = _post(province_client, "/projects/new_project", {"code": "Bad Code", "name": "x"})
    assert "项目代码应以小写字母开头" in refused.get_data(as_text=True)
    created = _post(province_client, "/projects/new_project",
                    {"code": "dalian-2026", "name": "大连积分 2026"})
    assert "草稿" in created.get_data(as_text=True) or "draft" in created.get_data(as_text=True)
    pk, version, status, definition = _latest(app, "dalian-2026")
    assert (version, status) == (1, "draft") and definition["name"] == "大连积分 2026"
    url = f"/projects/edit_project/{pk}"
    # A second indicator, weights not yet adding up: the draft saves, publishing is refused.
    draft = {"new-core-code": "patents", "new-core-name": "发明专利",
             "new-core-method": "cohort_percentile", "new-core-value": "invention_patents",
             "do": "apply"}
    applied = _post(province_client, url, draft).get_data(as_text=True)
    assert 'name="weight-patents-*"' in applied and _latest(app, "dalian-2026")[1:3] == (1, "draft")
    draft.update({"weight-patents-*": "40", "do": "save"})
    saved = _post(province_client, url, draft).get_data(as_text=True)
    assert "已保存" in saved
    pk, version, status, definition = _latest(app, "dalian-2026")
    assert (version, status) == (1, "draft") and len(definition["groups"][0]["indicators"]) == 2
    refused = _post(province_client, url, {"do": "publish"}).get_data(as_text=True)
    assert "合计为 140" in refused and _latest(app, "dalian-2026")[2] == "draft"
    published = _post(province_client, url, {"weight-rd_expense-*": "60",
                                             "weight-patents-*": "40", "do": "publish"})
    assert "已保存" in published.get_data(as_text=True)
    pk, version, status, definition = _latest(app, "dalian-2026")
    assert (version, status) == (1, "published")  # a draft is published in place
    weights = [i["weight"] for i in definition["groups"][0]["indicators"]]
    assert weights == [60, 40]


def test_copy_makes_a_draft_under_a_new_code(app, province_client):
    source = _published(app, "tech-sme-evaluation")
    url = f"/projects/copy_project/{source}"
    form = province_client.get(url).get_data(as_text=True)
    assert 'value="tech-sme-evaluation-copy"' in form
    taken = _post(province_client, url, {"code": "tech-sme-evaluation", "name": "副本"})
    assert "已被使用" in taken.get_data(as_text=True)
    _post(province_client, url, {"code": "sme-liaoning", "name": "辽宁科技型中小企业评价"})
    _pk, version, status, definition = _latest(app, "sme-liaoning")
    assert (version, status) == (1, "draft")
    assert definition["code"] == "sme-liaoning" and definition["name"] == "辽宁科技型中小企业评价"
    with app.app_context():
        original = db.session.get(EvaluationProject, source).definition
    assert definition["groups"] == original["groups"]


def test_bands_conditions_and_grades_are_edited_in_the_form(app, province_client):
    source = _published(app, "tech-sme-evaluation")
    url = f"/projects/edit_project/{source}"
    page = province_client.get(url).get_data(as_text=True)
    # Band rows with blank rows to add, the conditions, grades by pass/fail.
    assert 'name="band-tech_staff-5-kind"' in page and 'name="band-tech_staff-7-kind"' in page
    assert 'name="elig-0-when"' in page and "employees &lt;= 500" in page
    assert 'name="pass_rule"' in page
    change = {"band-tech_staff-0-kind": "at_least", "band-tech_staff-0-bound": "35",
              "band-tech_staff-0-points": "20",
              "elig-3-when": "employees >= 1", "elig-3-reason": "没有职工", "do": "publish"}
    bad = _post(province_client, url, {**change, "band-tech_staff-1-bound": "40"})
    assert "分档应从高到低" in bad.get_data(as_text=True)
    assert _latest(app, "tech-sme-evaluation")[0] == source  # nothing saved
    _post(province_client, url, change)
    pk, _version, status, definition = _latest(app, "tech-sme-evaluation")
    assert pk != source and status == "published"  # a published version is never changed
    bands = definition["groups"][0]["indicators"][0]["bands"]
    assert bands[0] == {"at_least": 35, "points": 20}
    assert definition["eligibility"][-1] == {"when": "employees >= 1", "reason": "没有职工"}


def test_apply_shows_structural_changes_without_saving(app, province_client):
    source = _published(app, "innovation-points-2.0")
    url = f"/projects/edit_project/{source}"
    before = _latest(app, "innovation-points-2.0")
    html = _post(province_client, url, {"stage_by": "revenue", "stage-0-code": "small",
                                        "stage-0-name": "小型", "stage-0-below": "2000",
                                        "stage-1-code": "big", "stage-1-name": "大型",
                                        "stage-1-below": "",
                                        "stage-2-code": "", "stage-3-code": "",
                                        "method-roe": "bands", "do": "apply"}) \
        .get_data(as_text=True)
    assert 'name="weight-rd_expense-small"' in html and "小型" in html
    assert 'name="band-roe-0-kind"' in html  # the new method's table appears
    assert "没有分档" in html  # and what is still missing is said
    assert _latest(app, "innovation-points-2.0") == before


def test_other_roles_cannot_edit_copy_or_create(app, city_client, enterprise_client):
    source = _published(app, "tech-sme-evaluation")
    for client in (city_client, enterprise_client):
        for url in (f"/projects/edit_project/{source}", f"/projects/copy_project/{source}",
                    "/projects/new_project"):
            response = client.get(url)
            assert response.status_code in (302, 403, 404), url
