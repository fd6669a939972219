"""Names instead of codes, in the user's language: regions, stages, indicators, projects,
programmes, rules and dictionary options (issue "A government-grade shell", item 7).

Templates reach these through ``FILTERS`` (Jinja filters) and ``HELPERS`` (globals), which
``app/views/shell/chrome.py`` and ``create_app`` register; views call them as functions.
Every one reads the language of the request (``app.i18n.current_language``) and gives the
stored value itself when it knows no name for it (a free-text programme, a rule id no
longer defined), never an empty cell::

    {{ code|region_name }}                  中山区 / Zhongshan District
    {{ code|region_name(full=True) }}       辽宁省大连市中山区 / Zhongshan District, Dalian,
                                            Liaoning
    {{ result.stage|stage_name }}           成长期 / Growth
    {{ row.programme|programme_name }}      科技创新再贷款 / Sci-tech innovation relending
    {{ "W16"|rule_title }}                  W16 技术领域疑似不符 / W16 Technology field
                                            looks wrong
    {{ value|option_label("scale") }}       中型 / Medium
    {{ indicator|label }}                   研发费用金额 / R&D expense
    {{ run.project|project_name }}          创新积分制 2.0 / Innovation Points 2.0
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from flask import g, has_app_context
from flask_babel import gettext as _
from sqlalchemy import select

from app.domain import scoring
from app.domain.records import rules
from app.domain.records.fields import REGISTRY
from app.extensions import db
from app.i18n import current_language
from app.models import EvaluationProject, Region
from app.models.financing import programme_label

NO_STAGE = "*"  # the one cohort of a project without stages


def _kept(name: str) -> dict:
    """A per-request dictionary (``g``), or a fresh one outside a request."""
    if not has_app_context():
        return {}
    kept = g.get(name)
    if kept is None:
        kept = {}
        setattr(g, name, kept)
    return kept


# -- regions -----------------------------------------------------------------------------
def _regions(codes: Iterable[str]) -> dict[str, Region]:
    known = _kept("_names_regions")
    missing = {str(c) for c in codes if c and str(c) not in known}
    if missing:
        found = {r.code: r for r in db.session.execute(
            select(Region).where(Region.code.in_(sorted(missing)))).scalars()}
        known.update({code: found.get(code) for code in missing})
    return known


def region_name(code: str | None, full: bool = False) -> str:
    """A region code by its name (中山区 / Zhongshan District), or its full name with
    ``full`` (辽宁省大连市中山区 / Zhongshan District, Dalian, Liaoning)."""
    if not code:
        return ""
    region = _regions([code]).get(str(code))
    if region is None:
        return str(code)
    return region.full_label() if full else region.label()


def region_names(codes: Iterable[str], full: bool = False) -> dict[str, str]:
    """Many region codes by their names, with one query."""
    codes = [str(c) for c in codes if c]
    _regions(codes)
    return {code: region_name(code, full) for code in codes}


# -- evaluation projects -----------------------------------------------------------------
def _definitions() -> list[Mapping]:
    """Every project version's definition, newest first, once per request."""
    kept = _kept("_names_projects")
    if "definitions" not in kept:
        kept["definitions"] = [d for d in db.session.execute(
            select(EvaluationProject.definition).order_by(EvaluationProject.id.desc()))
            .scalars() if isinstance(d, Mapping)]
    return kept["definitions"]


def _stage_names() -> dict[str, tuple[str, str]]:
    """Stage code -> (name, English name) as the newest project naming it says."""
    kept = _kept("_names_projects")
    if "stages" not in kept:
        names: dict[str, tuple[str, str]] = {}
        for definition in _definitions():
            rule = definition.get("stage_rule")
            for stage in rule.get("stages") or [] if isinstance(rule, Mapping) else []:
                if isinstance(stage, Mapping) and stage.get("name"):
                    names.setdefault(str(stage.get("code")), (str(stage["name"]),
                                                              str(stage.get("name_en") or "")))
        kept["stages"] = names
    return kept["stages"]


def stage_name(code: str | None, project: scoring.Project | None = None) -> str:
    """A stage code by the name its project gives it (成长期 / Growth); without the project,
    by the newest project that names the code."""
    if not code:
        return ""
    lang = current_language()
    if code == NO_STAGE:
        return _("All enterprises")
    if project is not None:
        return project.stage_label(code, lang)
    name, name_en = _stage_names().get(code, ("", ""))
    return scoring.bilingual(name, name_en, lang) if name else code


def grade_name(grade: str | None, project: scoring.Project | None = None) -> str:
    """A grade as its project names it in the user's language (通过 / Passed; A stays A)."""
    if not grade:
        return ""
    lang = current_language()
    if project is not None:
        return project.grade_label(grade, lang)
    if lang == "zh":
        return grade
    for definition in _definitions():
        for known in definition.get("grades") or []:
            if isinstance(known, Mapping) and known.get("grade") == grade:
                return scoring.bilingual(grade, str(known.get("name_en") or ""), lang)
    return scoring.bilingual(grade, "", lang)


def project_name(project, version: bool = False) -> str:
    """A project (a stored version or a parsed ``Project``) by its name in the user's
    language; with ``version``, its code and version too."""
    if project is None:
        return ""
    lang = current_language()
    if isinstance(project, scoring.Project):
        return project.label(lang)
    definition = project.definition if isinstance(project.definition, Mapping) else {}
    name = project.name if lang == "zh" else (
        str(definition.get("name_en") or "") or scoring.bilingual(project.name, "", lang))
    if not version:
        return name
    return f"{name}（{project.code} v{project.version}）" if lang == "zh" else \
        f"{name} ({project.code} v{project.version})"


def project_title(name: str | None) -> str:
    """A project's stored name (a list cell has only the name) in the user's language: the
    English name of the newest version so named, else the known English, else the name."""
    if not name or current_language() == "zh":
        return name or ""
    for definition in _definitions():
        if definition.get("name") == name and definition.get("name_en"):
            return str(definition["name_en"])
    return scoring.bilingual(name, "", current_language())


def label(part) -> str:
    """Anything with ``label(lang)``: a stage, group, indicator, grade or project."""
    return "" if part is None else part.label(current_language())


def unit_label(indicator) -> str:
    return indicator.unit_label(current_language())


def note(text: str | None, project: scoring.Project) -> str:
    """A breakdown note or a result's reason (stored in Chinese) in the user's language."""
    return scoring.note_label(project, text, current_language())


# -- programmes, rules, options ----------------------------------------------------------
def programme_name(programme: str | None) -> str:
    """科技创新再贷款 / Sci-tech innovation relending; another programme as typed."""
    return programme_label(programme, current_language()) if programme else ""


def rule_title(rule_id: str | None) -> str:
    """W16 技术领域疑似不符 / W16 Technology field looks wrong."""
    return rules.rule_label(rule_id, current_language()) if rule_id else ""


def rule_titles(rule_ids) -> str:
    """Several rules ("W1 W9" as stored, or a list) each with its title."""
    ids = rule_ids.split() if isinstance(rule_ids, str) else list(rule_ids or [])
    return _separator().join(rule_title(i) for i in ids)


def option_label(value, field: str) -> str:
    """A stored dictionary option (中型) in the user's language (Medium); several options
    of a multi-choice field joined."""
    if value is None or value == "":
        return ""
    shown = REGISTRY.option_label(field, value, current_language())
    if isinstance(shown, (list, tuple)):
        return _separator().join(str(v) for v in shown)
    return str(shown)


def _separator() -> str:
    return "；" if current_language() == "zh" else "; "


def joined(values: Iterable) -> str:
    """Names one after the other as the language separates them (甲；乙 / A; B)."""
    return _separator().join(str(v) for v in values if v not in (None, ""))


FILTERS: dict = {
    "region_name": region_name, "stage_name": stage_name, "grade_name": grade_name,
    "project_name": project_name, "project_title": project_title, "label": label,
    "unit_label": unit_label,
    "programme_name": programme_name, "rule_title": rule_title, "rule_titles": rule_titles,
    "option_label": option_label, "joined": joined,
}
# Globals: the same by name (``label`` and ``unit_label`` only as filters: a global of that
# name would stand behind every template's own ``label`` variable).
HELPERS: dict = {**{k: v for k, v in FILTERS.items() if k not in ("label", "unit_label")},
                 "region_names": region_names, "note_label": note}
