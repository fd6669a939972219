"""The editor's form applied to project definitions (app.domain.scoring.form)."""

import copy

import pytest
import yaml

from app.domain import scoring
from app.domain.scoring import form as project_form
from config import BASE_DIR

PROJECTS = BASE_DIR / "app" / "data" / "indicator-projects"


@pytest.fixture
def points():
    return yaml.safe_load((PROJECTS / "innovation-points-2.0.yaml").read_text("utf-8"))


@pytest.fixture
def sme():
    return yaml.safe_load((PROJECTS / "tech-sme-evaluation.yaml").read_text("utf-8"))


def _refused(definition, says):
    with pytest.raises(scoring.ProjectError) as refused:
        scoring.parse(definition)
    assert says in refused.value.message_zh


def _indicator(definition, code):
    return next(i for g in definition["groups"] for i in g["indicators"] if i["code"] == code)


def test_an_empty_form_changes_nothing(points):
    assert project_form.apply_form(points, {}) == points


def test_the_definition_given_is_never_changed(points):
    before = copy.deepcopy(points)
    project_form.apply_form(points, {"weight-rd_expense-mature": "20", "newgroup-code": "x"})
    assert points == before


def test_weights_names_units_and_formulas(points):
    changed = project_form.apply_form(points, {
        "weight-rd_expense-mature": "8", "weight-rd_intensity-mature": "21.5",
        "name-rd_expense": " 研发费用 ", "unit-rd_expense": "", "value-roe": "net_profit"})
    indicator = _indicator(changed, "rd_expense")
    assert indicator["weights"] == {"startup": 16, "growth": 15, "mature": 8}
    assert _indicator(changed, "rd_intensity")["weights"]["mature"] == 21.5
    assert indicator["name"] == "研发费用" and "unit" not in indicator
    assert _indicator(changed, "roe")["value"] == "net_profit"


def test_band_rows_are_changed_deleted_and_added(sme):
    form = {"band-tech_staff-0-kind": "at_least", "band-tech_staff-0-bound": "40",
            "band-tech_staff-0-points": "20",
            "band-tech_staff-1-kind": "above", "band-tech_staff-1-bound": "0",
            "band-tech_staff-1-points": "5",
            "band-tech_staff-2-kind": "", "band-tech_staff-2-bound": "99",  # a deleted row
            "band-tech_staff-3-kind": "",
            "band-tech_staff-4-points": "1",  # kept, with its points changed
            "band-tech_staff-6-kind": "otherwise", "band-tech_staff-6-points": "0",
            "band-tech_staff-7-kind": ""}  # a blank row left blank
    bands = _indicator(project_form.apply_form(sme, form), "tech_staff")["bands"]
    assert bands == [{"at_least": 40, "points": 20}, {"above": 0, "points": 5},
                     {"at_least": 10, "points": 1}, {"otherwise": True, "points": 0},
                     {"otherwise": True, "points": 0}]
    _refused(project_form.apply_form(sme, form), "从高到低")  # above 0, then at least 10
    _refused(project_form.apply_form(sme, {"band-tech_staff-0-kind": "otherwise"}), "放在最后")


def test_unordered_bands_are_refused_by_the_check(sme):
    form = {"band-tech_staff-0-kind": "at_least", "band-tech_staff-0-bound": "10",
            "band-tech_staff-0-points": "4", "band-tech_staff-1-kind": "at_least",
            "band-tech_staff-1-bound": "30", "band-tech_staff-1-points": "20"}
    _refused(project_form.apply_form(sme, form), "从高到低")


def test_items_and_the_indicator_cap(points):
    form = {"item-projects_awards_standards-0-kind": "value",
            "item-projects_awards_standards-0-expr": "standards",
            "item-projects_awards_standards-0-points": "6",
            "item-projects_awards_standards-1-kind": "when",
            "item-projects_awards_standards-1-expr": "provincial_awards > 0",
            "item-projects_awards_standards-1-points": "3",
            "item-projects_awards_standards-2-kind": "when",
            "item-projects_awards_standards-2-expr": "",  # blank row
            "icap-projects_awards_standards": "8"}
    indicator = _indicator(project_form.apply_form(points, form), "projects_awards_standards")
    assert indicator["items"] == [{"value": "standards", "points": 6},
                                  {"when": "provincial_awards > 0", "points": 3}]
    assert indicator["cap"] == 8


def test_changing_the_method_keeps_only_what_it_uses(sme):
    changed = project_form.apply_form(sme, {"method-tech_staff": "reference",
                                            "reference-tech_staff": "30",
                                            "weight-tech_staff-*": "20"})
    indicator = _indicator(changed, "tech_staff")
    assert indicator["method"] == "reference" and indicator["reference"] == 30
    assert indicator["weight"] == 20 and "bands" not in indicator
    back = _indicator(project_form.apply_form(changed, {"method-tech_staff": "bands"}),
                      "tech_staff")
    assert set(back) == {"code", "name", "name_en", "unit", "method", "value"}  # bands to fill
    _refused(project_form.apply_form(changed, {"method-tech_staff": "bands"}), "分档")


def test_cohort_with_the_technology_field(points):
    changed = project_form.apply_form(points, {"cohort-rd_expense": "same_stage_and_field"})
    assert _indicator(changed, "rd_expense")["cohort"] == "same_stage_and_field"
    assert scoring.parse(changed).indicators[0].same_field
    again = project_form.apply_form(changed, {"cohort-rd_expense": "same_stage"})
    assert "cohort" not in _indicator(again, "rd_expense")


def test_stages_change_and_weights_follow(points):
    form = {"stage_by": "revenue",
            "stage-0-code": "small", "stage-0-name": "小", "stage-0-below": "1000",
            "stage-1-code": "large", "stage-1-name": "大", "stage-1-below": "",
            "stage-2-code": "", "weight-rd_expense-large": "14"}
    changed = project_form.apply_form(points, form)
    assert changed["stage_rule"] == {"by": "revenue", "stages": [
        {"code": "small", "name": "小", "below": 1000}, {"code": "large", "name": "大"}]}
    assert _indicator(changed, "rd_expense")["weights"] == {"small": 0, "large": 14}
    no_stages = project_form.apply_form(points, {"stage_by": "none"})
    assert no_stages["stage_rule"] == "none" and _indicator(no_stages, "rd_expense")["weight"] == 16


def test_indicators_and_groups_are_added_and_deleted(points):
    form = {"new-input-code": "rd_equipment", "new-input-name": "研发设备",
            "new-input-method": "min_max", "new-input-value": "rd_expense",
            "delete-roe": "1", "group-impact-delete": "1",
            "newgroup-code": "extra", "newgroup-name": "附加", "newgroup-cap": "5",
            "newgroup-indicator-code": "patent_bonus", "newgroup-indicator-method": "bands",
            "newgroup-indicator-value": "invention_patents"}
    changed = project_form.apply_form(points, form)
    codes = [g["code"] for g in changed["groups"]]
    assert codes == ["input", "output", "development", "extra"]
    added = _indicator(changed, "rd_equipment")
    assert added["weights"] == {"startup": 0, "growth": 0, "mature": 0}
    assert "roe" not in [i["code"] for g in changed["groups"] for i in g["indicators"]]
    extra = changed["groups"][-1]
    assert extra["cap"] == 5 and extra["indicators"][0]["bands"] == [
        {"otherwise": True, "points": 0}]
    # Weights no longer add up: a draft may be saved, publishing is refused.
    scoring.parse(changed, check_totals=False)
    _refused(changed, "应为 100")


def test_group_cap_best_of_and_name(sme):
    changed = project_form.apply_form(sme, {"group-rd-best_of": "0", "cap-rd": "40",
                                            "group-rd-name": "研发"})
    group = next(g for g in changed["groups"] if g["code"] == "rd")
    assert "best_of" not in group and group["cap"] == 40 and group["name"] == "研发"
    cleared = project_form.apply_form(changed, {"cap-rd": ""})
    assert "cap" not in next(g for g in cleared["groups"] if g["code"] == "rd")


def test_conditions_pass_rule_and_grades(sme):
    form = {"elig-0-when": "employees <= 300", "elig-0-reason": "职工超过300人",
            "elig-1-when": "", "elig-1-reason": "ignored", "elig-2-when": "",
            "direct-0-when": "invention_patents >= 3", "direct-0-reason": "发明专利",
            "pass_rule": "total >= 50",
            "grade-0-name": "通过", "grade-0-kind": "pass",
            "grade-1-name": "未通过", "grade-1-kind": "fail", "grade-2-name": ""}
    changed = project_form.apply_form(sme, form)
    assert changed["eligibility"] == [{"when": "employees <= 300", "reason": "职工超过300人"}]
    assert changed["direct_pass"] == [{"when": "invention_patents >= 3", "reason": "发明专利"}]
    assert changed["pass_rule"] == "total >= 50"
    # An English name stays with its unchanged grade and goes with a renamed one.
    assert changed["grades"] == [{"grade": "通过", "pass": True, "name_en": "Passed"},
                                 {"grade": "未通过", "pass": False}]
    project = scoring.parse(changed)
    assert len(project.eligibility) == 1 and len(project.direct_pass) == 1
    emptied = project_form.apply_form(changed, {"direct-0-when": "", "pass_rule": " "})
    assert "direct_pass" not in emptied and "pass_rule" not in emptied


@pytest.mark.parametrize("formula, says", [("rd_expence + 1", "rd_expence"),
                                           ("(revenue", ""), ("__import__('os')", ""),
                                           ("revenue.real", ""), ("2 ** 99999", "")])
def test_bad_formulas_typed_in_the_editor_are_refused(sme, formula, says):
    changed = project_form.apply_form(sme, {"value-tech_staff": formula})
    _refused(changed, says)


def test_unordered_grades_and_non_numbers_are_refused(points):
    bad_order = project_form.apply_form(points, {
        "grade-0-name": "A", "grade-0-bound": "60", "grade-1-name": "B", "grade-1-bound": "80"})
    _refused(bad_order, "从高到低")
    not_number = project_form.apply_form(points, {"weight-rd_expense-mature": "十四"})
    _refused(not_number, "数字")


def test_the_starter_project_scores():
    project = scoring.parse(project_form.starter_definition("p-2026", "测试"))
    assert [i.code for i in project.indicators] == ["rd_expense"]
    results = scoring.score(project, [(1, {"rd_expense": 10}), (2, {"rd_expense": 30})], 2025)
    assert [r.total for r in results] == sorted(r.total for r in results)


def test_the_minimum_cohort_size_is_set_cleared_and_checked(points):
    changed = project_form.apply_form(points, {"min_cohort_size": "12"})
    assert changed["min_cohort_size"] == 12 and scoring.parse(changed).min_cohort_size == 12
    cleared = project_form.apply_form(changed, {"min_cohort_size": ""})
    assert "min_cohort_size" not in cleared and scoring.parse(cleared).min_cohort_size == 30
    _refused(project_form.apply_form(points, {"min_cohort_size": "abc"}), "最小同级比较群体")
