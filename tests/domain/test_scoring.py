"""Scoring: every method by hand-computed examples, both reference projects."""

import datetime as dt
from pathlib import Path

import pytest

from app.domain import scoring
from app.domain.scoring import files as project_files

SHARED = Path(__file__).resolve().parents[2] / "app" / "data" / "indicator-projects"


def project(groups, **extra):
    return scoring.parse({"code": "t", "name": "测试", "stage_rule": "none", "groups": groups,
                          **extra})


def one(code, method, **fields):
    return {"code": code, "method": method, **fields}


def run(p, rows, year=2025):
    return scoring.score(p, list(enumerate(rows)), year)


def test_cohort_percentile_with_ties_undefined_and_a_cohort_of_one():
    p = project([{"code": "g", "indicators": [one("x", "cohort_percentile", value="rd_expense",
                                                  weight=100)]}])
    rows = [{"rd_expense": v} for v in (10, 20, 20, 30)]
    points = [r.indicators["x"].points for r in run(p, rows)]
    # strictly lower / (n − 1): 0/3, 1/3, 1/3, 3/3
    assert points == pytest.approx([0, 100 / 3, 100 / 3, 100])
    undefined = project([{"code": "g", "indicators": [
        one("y", "cohort_percentile", value="rd_expense / revenue", weight=100)]}])
    results = run(undefined, [{"rd_expense": 1, "revenue": 0}, {"rd_expense": 1, "revenue": 2}])
    assert results[0].indicators["y"].points == 0 and results[0].indicators["y"].value is None
    assert "分母为 0" in results[0].indicators["y"].note
    assert results[1].indicators["y"].cohort_size == 1
    assert results[1].indicators["y"].normalized == 1  # a cohort of one gets 1


def test_cohorts_are_per_stage_and_optionally_per_field():
    stages = {"by": "years_since_registration",
              "stages": [{"code": "young", "below": 3}, {"code": "old"}]}
    p = scoring.parse({"code": "s", "name": "s", "stage_rule": stages, "groups": [
        {"code": "g", "indicators": [one("x", "cohort_percentile", value="rd_expense",
                                         weights={"young": 100, "old": 100},
                                         cohort="same_stage_and_field")]}]})
    rows = [
        {"rd_expense": 5, "registration_date": dt.date(2024, 1, 1), "tech_field": "电子信息"},
        {"rd_expense": 9, "registration_date": dt.date(2023, 1, 1), "tech_field": "电子信息"},
        {"rd_expense": 1, "registration_date": dt.date(2022, 12, 31), "tech_field": "电子信息"},
        {"rd_expense": 2, "registration_date": dt.date(2010, 1, 1), "tech_field": "新材料"},
    ]
    results = run(p, rows)
    assert [r.stage for r in results] == ["young", "young", "old", "old"]  # 2025−2022 = 3: old
    assert results[0].indicators["x"].normalized == 0 and results[1].indicators["x"].normalized == 1
    # old: different fields, so each is a cohort of one
    assert results[2].indicators["x"].cohort_size == 1 and results[3].indicators["x"].points == 100


def test_reference_min_max_bands_and_items():
    p = project([{"code": "g", "indicators": [
        one("ref", "reference", value="rd_expense", reference=200, weight=40),
        one("mm", "min_max", value="employees", weight=60)]},
        {"code": "b", "cap": 30, "indicators": [
            one("band", "bands", value="financing_amount", bands=[
                {"at_least": 2000, "points": 10}, {"at_least": 500, "points": 4},
                {"above": 0, "points": 1}, {"otherwise": True, "points": 0}]),
            one("items", "points_per_item", cap=10, items=[
                {"value": "standards", "points": 5}, {"when": "is_listed", "points": 3}])]}])
    rows = [{"rd_expense": 100, "employees": 10, "financing_amount": 2000, "standards": 1},
            {"rd_expense": 300, "employees": 30, "financing_amount": 499.9, "standards": 3,
             "is_listed": True},
            {"rd_expense": 0, "employees": 20, "financing_amount": 0}]
    a, b, c = run(p, rows)
    assert a.indicators["ref"].points == pytest.approx(20)  # 100 / 200 × 40
    assert b.indicators["ref"].normalized == 1  # capped at 1
    assert (a.indicators["mm"].points, b.indicators["mm"].points, c.indicators["mm"].points) \
        == pytest.approx((0, 60, 30))
    assert (a.indicators["band"].points, b.indicators["band"].points,
            c.indicators["band"].points) == (10, 1, 0)
    assert a.indicators["items"].points == 5
    assert b.indicators["items"].points == 10 and "上限" in b.indicators["items"].note  # 18 → 10
    assert b.groups["b"] == 11 and a.total == pytest.approx(20 + 0 + 15)


def test_group_cap_best_of_pass_rule_direct_pass_and_grades():
    p = project([
        {"code": "core", "indicators": [one("staff", "bands", value="rd_staff", bands=[
            {"at_least": 1, "points": 40}, {"otherwise": True, "points": 0}])]},
        {"code": "best", "best_of": True, "indicators": [
            one("p1", "bands", value="invention_patents", bands=[{"at_least": 1, "points": 30},
                                                                 {"otherwise": True,
                                                                  "points": 0}]),
            one("p2", "bands", value="ip_count", bands=[{"at_least": 5, "points": 20},
                                                        {"otherwise": True, "points": 0}])]},
        {"code": "bonus", "cap": 5, "indicators": [one("s", "points_per_item", items=[
            {"value": "standards", "points": 4}])]}],
        pass_rule="total >= 60 and score(staff) > 0",
        direct_pass=[{"when": "'高新技术企业' in qualifications", "reason": "高企"}],
        grades=[{"grade": "A", "at_least": 70}, {"grade": "B", "at_least": 60},
                {"grade": "C", "otherwise": True}])
    rows = [{"rd_staff": 1, "invention_patents": 1, "ip_count": 9, "standards": 3},
            {"rd_staff": 0, "invention_patents": 2, "ip_count": 9, "standards": 9},
            {"rd_staff": 0, "qualifications": ["高新技术企业"]}]
    a, b, c = run(p, rows)
    assert a.total == 75 and a.passed and a.grade == "A"  # 40 + max(30, 20) + min(12, 5)
    assert a.indicators["p2"].counted is False
    assert b.total == 35 and b.passed is False and b.grade == "C"
    assert c.passed is True and any("高企" in r for r in c.reasons)


def test_eligibility_gives_no_score_and_the_reason():
    p = project([{"code": "g", "indicators": [one("x", "bands", value="employees", bands=[
        {"otherwise": True, "points": 1}])]}],
        eligibility=[{"when": "employees <= 500", "reason": "职工总数超过500人"}])
    ok, big = run(p, [{"employees": 500}, {"employees": 501}])
    assert ok.eligible and ok.total == 1
    assert not big.eligible and big.total is None and big.reasons == ["职工总数超过500人"]


def _values(**changes):
    base = {"registration_date": dt.date(2015, 6, 1), "rd_expense": 120.0, "revenue": 2000.0,
            "rd_staff": 20, "employees": 80, "invention_patents": 3, "ip_count": 10,
            "main_revenue": 1800.0, "revenue_prev": 1700.0, "net_profit": 150.0,
            "equity_begin": 800.0, "equity_end": 950.0, "tech_contract_in": 0,
            "tech_contract_out": 0}
    base.update(changes)
    return base


def test_tech_sme_reference_project_by_hand():
    p = project_files.load((SHARED / "tech-sme-evaluation.yaml").read_bytes())
    a, b, c, d = run(p, [
        _values(),  # staff 25 % → 16; R&D 6 % of revenue → 50; 3 invention patents → 30
        _values(rd_staff=8, invention_patents=0, ip_count=2, rd_expense=60),
        # staff 10 % → 4; R&D 3 % → 20 (cost: 60/1850 = 3.2 % → 0); class II 2 → 12: 36
        _values(employees=501),
        _values(rd_staff=0, rd_expense=200, qualifications=["高新技术企业"]),
    ])
    assert (a.total, a.passed, a.grade) == (96, True, "通过")
    assert (b.total, b.passed, b.grade) == (36, False, "不通过")
    assert not c.eligible and "职工总数超过500人" in c.reasons
    assert d.passed is True and d.indicators["tech_staff"].points == 0  # direct pass


def test_innovation_points_reference_project_by_hand():
    p = project_files.load((SHARED / "innovation-points-2.0.yaml").read_bytes())
    # Two mature enterprises differing only in R&D expense and one bonus item.
    a, b = run(p, [_values(provincial_projects=1, standards=2, financing_amount=600),
                   _values(rd_expense=60)])
    assert a.stage == b.stage == "mature"
    # a ranks above b on R&D expense (14) and R&D intensity (15); ties elsewhere give 0.
    assert a.groups["input"] == pytest.approx(29) and b.groups["input"] == 0
    # bonus: items 1×4 + 2×5 = 14 → capped 10; financing 600 → 4
    assert a.indicators["projects_awards_standards"].points == 10
    assert a.indicators["financing"].points == 4
    assert a.total == pytest.approx(29 + 10 + 4) and a.grade == "D"


@pytest.mark.parametrize("change, says", [
    ({"value": "rd_expence * 2"}, "Unknown field"),
    ({"value": "(rd_expense + 1"}, "brackets"),
    ({"value": "open('x')"}, "cannot be called"),
    ({"value": "rd_expense.__class__"}, "not allowed"),
    ({"value": "__import__('os')"}, "cannot be called"),
    ({"value": "rd_expense ** 1000"}, "exponent"),
    ({"weight": 90}, "add up"),
    ({"method": "magic"}, "method"),
])
def test_bad_projects_are_refused_with_a_reason(change, says):
    indicator = {"code": "x", "method": "cohort_percentile", "value": "rd_expense", "weight": 100}
    indicator.update(change)
    with pytest.raises(scoring.ProjectError) as refused:
        project([{"code": "g", "indicators": [indicator]}])
    assert says in refused.value.message_en


def test_unordered_or_overlapping_bands_are_refused():
    with pytest.raises(scoring.ProjectError, match="high to low"):
        project([{"code": "g", "indicators": [one("x", "bands", value="employees", bands=[
            {"at_least": 10, "points": 1}, {"at_least": 20, "points": 2}])]}])


@pytest.mark.parametrize("text, says", [
    ("just a string", "not an evaluation project"),
    ("a: [1, 2", "valid YAML"),
    ("a: &x [1]\nb: *x", "Anchors"),
    ("\n".join(["a: &a [\"lol\"]"] + [f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, "
                                      f"*{chr(97 + i)}]" for i in range(8)]), "Anchors"),
    ("code: x\nname: y\ngroups: []", "at least one group"),
])
def test_files_that_are_not_projects(text, says):
    with pytest.raises(scoring.ProjectError) as refused:
        project_files.load(text)
    assert says in refused.value.message_en


def test_export_then_import_gives_the_same_project():
    p = project_files.load((SHARED / "innovation-points-2.0.yaml").read_bytes())
    again = project_files.load(project_files.dump(dict(p.definition)))
    assert [i.code for i in again.indicators] == [i.code for i in p.indicators]
