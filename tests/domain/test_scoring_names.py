"""Evaluation projects name their parts in both languages (SPEC §7, English complete)."""

import copy
from pathlib import Path

import pytest
import yaml

from app.domain import scoring
from app.domain.scoring import compute, files
from app.domain.scoring import form as project_form
from config import BASE_DIR

OURS = BASE_DIR / "app" / "data" / "indicator-projects"
SHARED = Path("/work/shared/indicator-projects")


def _load(path: Path) -> scoring.Project:
    return files.load(path.read_bytes())


def test_our_reference_projects_name_every_part_in_english():
    for path in sorted(OURS.glob("*.yaml")):
        definition = yaml.safe_load(path.read_text("utf-8"))
        project = scoring.parse(definition)
        assert definition["name_en"] and project.label("en") == definition["name_en"]
        for stage in project.stages:
            assert stage.name_en, stage.code
        for group in project.groups:
            assert group.name_en, group.code
            for indicator in group.indicators:
                assert indicator.name_en and indicator.name_en.isascii(), indicator.code
        for condition in [*definition.get("eligibility", []),
                          *definition.get("direct_pass", [])]:
            assert condition["reason_en"], condition["reason"]


def test_stage_names_in_english():
    project = _load(OURS / "innovation-points-2.0.yaml")
    assert [s.label("en") for s in project.stages] == ["Start-up", "Growth", "Mature"]
    assert [s.label("zh") for s in project.stages] == ["初创期", "成长期", "稳定期"]
    assert project.stage_label("growth", "en") == "Growth"
    assert project.stage_label("unknown", "en") == "unknown"


def test_labels_units_grades_and_reasons():
    points = _load(OURS / "innovation-points-2.0.yaml")
    rd = points.indicators[0]
    assert (rd.label("zh"), rd.label("en")) == ("研发费用金额", "R&D expense")
    assert (rd.unit_label("zh"), rd.unit_label("en")) == ("万元", "10k yuan")
    assert points.groups[0].label("en") == "Innovation input"
    assert points.grade_label("A", "en") == "A"
    sme = _load(OURS / "tech-sme-evaluation.yaml")
    assert [g.label("en") for g in sme.grades] == ["Passed", "Not passed"]
    assert sme.grade_label("通过", "zh") == "通过"
    assert sme.reason_label("职工总数超过500人", "en") == "More than 500 employees"


@pytest.mark.skipif(not SHARED.exists(), reason="the shared originals are not here")
def test_the_shared_originals_still_load_and_read_in_english():
    """The originals have no English names but for the project's: their parts show the
    English our copies give the same Chinese names."""
    for path in sorted(SHARED.glob("*.yaml")):
        project = _load(path)
        assert project.label("en").isascii()
        assert all(not i.name_en for i in project.indicators)
        assert all(i.label("en").isascii() for i in project.indicators)
    points = _load(SHARED / "innovation-points-2.0.yaml")
    assert points.stage_label("startup", "en") == "Start-up"


def test_a_name_nobody_translated_shows_as_it_was_written():
    definition = yaml.safe_load((OURS / "innovation-points-2.0.yaml").read_text("utf-8"))
    definition["groups"][0]["name"] = "自定义指标组"
    del definition["groups"][0]["name_en"]
    project = scoring.parse(definition)
    assert project.groups[0].label("en") == "自定义指标组"


def test_notes_and_reasons_stored_in_chinese_read_in_english():
    sme = _load(OURS / "tech-sme-evaluation.yaml")
    assert compute.note_label(sme, compute.NO_VALUE, "en").startswith("No value")
    assert compute.note_label(sme, compute.CAPPED, "en") == "Capped"
    assert compute.note_label(sme, "直接通过：有效期内高新技术企业", "en") == \
        "Direct pass: High-tech enterprise with a valid certificate"
    assert compute.note_label(sme, "资产总额超过2亿元", "en") == \
        "Total assets above 200 million yuan"
    assert compute.note_label(sme, "资产总额超过2亿元", "zh") == "资产总额超过2亿元"
    assert compute.note_label(sme, "", "en") == ""


def test_an_english_name_must_be_text():
    definition = yaml.safe_load((OURS / "tech-sme-evaluation.yaml").read_text("utf-8"))
    definition["groups"][0]["name_en"] = ["not", "text"]
    with pytest.raises(scoring.ProjectError) as refused:
        scoring.parse(definition)
    assert "name_en" in refused.value.message_en


@pytest.fixture
def points():
    return yaml.safe_load((OURS / "innovation-points-2.0.yaml").read_text("utf-8"))


def _indicator(definition, code):
    return next(i for g in definition["groups"] for i in g["indicators"] if i["code"] == code)


def test_the_editor_keeps_and_changes_english_names(points):
    form = {"group-input-name_en": "Input", "name_en-rd_expense": "R&D spending",
            "unit_en-rd_expense": "10,000 yuan", "stage_by": "years_since_registration",
            "stage-0-name_en": "Early",
            "grade-0-name_en": "Excellent"}
    changed = project_form.apply_form(points, form)
    assert changed["groups"][0]["name_en"] == "Input"
    assert _indicator(changed, "rd_expense")["name_en"] == "R&D spending"
    assert _indicator(changed, "rd_expense")["unit_en"] == "10,000 yuan"
    assert changed["stage_rule"]["stages"][0] == {"code": "startup", "name": "初创期",
                                                  "name_en": "Early", "below": 3}
    assert changed["grades"][0] == {"grade": "A", "at_least": 85, "name_en": "Excellent"}
    project = scoring.parse(changed)
    assert project.indicators[0].label("en") == "R&D spending"
    # Emptied, an English name is dropped (and the known English shows again).
    cleared = project_form.apply_form(changed, {"name_en-rd_expense": ""})
    assert "name_en" not in _indicator(cleared, "rd_expense")
    assert scoring.parse(cleared).indicators[0].label("en") == "R&D expense"


def test_a_renamed_part_loses_the_english_of_its_old_name(points):
    changed = project_form.apply_form(points, {"name-rd_expense": "研发投入总额",
                                               "group-input-name": "投入"})
    assert "name_en" not in _indicator(changed, "rd_expense")
    assert "name_en" not in changed["groups"][0]
    kept = project_form.apply_form(points, {"name-rd_expense": "研发费用金额"})
    assert _indicator(kept, "rd_expense")["name_en"] == "R&D expense"


def test_new_parts_and_conditions_take_english_names(points):
    form = {"new-input-code": "rd_equipment", "new-input-name": "研发设备",
            "new-input-name_en": "R&D equipment", "new-input-value": "rd_expense",
            "newgroup-code": "extra", "newgroup-name": "附加", "newgroup-name_en": "Extra",
            "newgroup-indicator-code": "patents", "newgroup-indicator-name": "专利",
            "newgroup-indicator-name_en": "Patents", "newgroup-indicator-method": "bands",
            "newgroup-indicator-value": "invention_patents",
            "elig-0-when": "employees <= 300", "elig-0-reason": "职工超过300人",
            "elig-0-reason_en": "More than 300 employees"}
    changed = project_form.apply_form(copy.deepcopy(points), form)
    assert _indicator(changed, "rd_equipment")["name_en"] == "R&D equipment"
    assert changed["groups"][-1]["name_en"] == "Extra"
    assert _indicator(changed, "patents")["name_en"] == "Patents"
    assert changed["eligibility"] == [{"when": "employees <= 300", "reason": "职工超过300人",
                                       "reason_en": "More than 300 employees"}]
    project = scoring.parse(changed, check_totals=False)
    assert project.reason_label("职工超过300人", "en") == "More than 300 employees"


def test_the_starter_project_is_named_in_english_too():
    project = scoring.parse(project_form.starter_definition("x-1", "新项目"))
    assert project.groups[0].label("en") == "Core indicators"
    assert project.indicators[0].label("en") == "R&D expense"
