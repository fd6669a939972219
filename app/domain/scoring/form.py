"""The indicator-system editor's form, applied to a project definition.

The editor posts flat form fields; ``apply_form`` returns a changed copy of the definition.
A field that is absent leaves its part unchanged, so a form (or a test, or a script) may post
only what it changes. Row tables (stages, bands, items, conditions, grades) are rebuilt from
the form when any of their fields is posted: a row whose first cell is left empty is dropped,
which is how the editor deletes rows and why it shows blank rows for adding.

Codes are identities: indicators and groups keep the code they were created with.

Every name has an English counterpart beside it (``name_en`` of the project, its stages,
groups, indicators and grades, ``unit_en``, ``reason_en`` of conditions): posted empty, it
is dropped, and English pages show the known English of the Chinese name, or the name.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from typing import Any

WEIGHTED = ("cohort_percentile", "reference", "min_max")
METHOD_KEYS = {"bands": ("bands",), "points_per_item": ("items", "cap"),
               "reference": ("reference", "weights", "weight", "cohort"),
               "cohort_percentile": ("weights", "weight", "cohort"),
               "min_max": ("weights", "weight", "cohort")}
CODE_RE = re.compile(r"^[a-z][a-z0-9_.-]{1,63}$")
NO_STAGE = "*"  # the weight column of a project without stages
BLANK_ROWS = 2  # blank rows the editor shows under every table


def number_or_text(raw: Any) -> Any:
    """A typed number as int or float; empty as None; anything else unchanged, so that
    ``scoring.parse`` names the field that is not a number."""
    text = str(raw).strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        return text
    return int(value) if value.is_integer() else value


def stage_codes(definition: Mapping) -> list[str]:
    rule = definition.get("stage_rule")
    if not isinstance(rule, Mapping):
        return []
    return [str(s.get("code")) for s in rule.get("stages") or [] if isinstance(s, Mapping)]


def apply_form(definition: Mapping, form: Mapping[str, str]) -> dict:
    changed = copy.deepcopy(dict(definition))
    keys = set(form.keys())
    for key in ("name", "name_en"):
        text = form.get(f"project-{key}")
        if text is not None and text.strip():
            changed[key] = text.strip()
    _apply_stages(changed, form, keys)
    if "min_cohort_size" in form:
        _set_or_drop(changed, "min_cohort_size", number_or_text(form["min_cohort_size"]))
    stages = stage_codes(changed) or [NO_STAGE]
    groups = []
    for group in changed.get("groups") or []:
        if form.get(f"group-{group.get('code')}-delete"):
            continue
        _apply_group(group, form, keys, stages)
        groups.append(group)
    new_group = _new_group(form, stages)
    if new_group:
        groups.append(new_group)
    changed["groups"] = groups
    for section, prefix in (("eligibility", "elig"), ("direct_pass", "direct")):
        if _posted(keys, f"{prefix}-"):
            _set_or_drop(changed, section, _rows(changed.get(section), form, keys, prefix,
                                                 _CONDITION))
    if "pass_rule" in form:
        _set_or_drop(changed, "pass_rule", form["pass_rule"].strip())
    if _posted(keys, "grade-"):
        changed["grades"] = _rows(changed.get("grades"), form, keys, "grade", _GRADE)
    return changed


def _posted(keys: set[str], prefix: str) -> bool:
    return any(k.startswith(prefix) for k in keys)


def _row_numbers(keys: set[str], prefix: str) -> list[int]:
    pattern = re.compile(re.escape(prefix) + r"(\d+)-")
    return sorted({int(m.group(1)) for k in keys if (m := pattern.match(k))})


def _rows(existing: Any, form: Mapping[str, str], keys: set[str], prefix: str,
          table: tuple) -> list[dict]:
    """A row table merged with the form: row n keeps the cells the form does not post,
    a row whose first cell is posted empty is deleted, rows beyond the table are added."""
    cells, explode, build = table
    existing = [r for r in existing or [] if isinstance(r, Mapping)] \
        if isinstance(existing, list) else []
    numbers = sorted(set(range(len(existing))) | set(_row_numbers(keys, f"{prefix}-")))
    rows = []
    for n in numbers:
        values = explode(existing[n]) if n < len(existing) else dict.fromkeys(cells, "")
        before = dict(values)
        for cell in cells:
            posted = form.get(f"{prefix}-{n}-{cell}")
            if posted is not None:
                values[cell] = posted.strip()
        for chinese, english in _ENGLISH_OF:
            if english in values and f"{prefix}-{n}-{english}" not in form \
                    and str(values.get(chinese, "")) != str(before.get(chinese, "")):
                values[english] = ""  # it named what the row was called before
        row = build(values) if str(values[cells[0]]).strip() else None
        if row:
            rows.append(row)
    return rows


# (Chinese cell, English cell): an English name posted with its Chinese one, or not posted
# while the Chinese one changes, follows it; it never names what a row was called before.
_ENGLISH_OF = (("name", "name_en"), ("reason", "reason_en"))


def _set_or_drop(target: dict, key: str, value: Any) -> None:
    if value in (None, "", []):
        target.pop(key, None)
    else:
        target[key] = value


def _apply_stages(definition: dict, form: Mapping[str, str], keys: set[str]) -> None:
    by = form.get("stage_by")
    if by is None:
        return
    if by == "none":
        definition["stage_rule"] = "none"
        return
    rule = definition.get("stage_rule")
    current = rule.get("stages") if isinstance(rule, Mapping) else []
    stages = _rows(current, form, keys, "stage", _STAGE)
    definition["stage_rule"] = {"by": by, "stages": stages}


def _apply_group(group: dict, form: Mapping[str, str], keys: set[str],
                 stages: list[str]) -> None:
    code = group.get("code")
    name = form.get(f"group-{code}-name")
    if name is not None and name.strip():
        _rename(group, name.strip(), f"group-{code}-name_en" in form)
    if f"group-{code}-name_en" in form:
        _set_or_drop(group, "name_en", form[f"group-{code}-name_en"].strip())
    if f"cap-{code}" in form:
        _set_or_drop(group, "cap", number_or_text(form[f"cap-{code}"]))
    if f"group-{code}-best_of" in form:
        _set_or_drop(group, "best_of", form[f"group-{code}-best_of"] == "1" or None)
    indicators = []
    for indicator in group.get("indicators") or []:
        if form.get(f"delete-{indicator.get('code')}"):
            continue
        _apply_indicator(indicator, form, keys, stages)
        indicators.append(indicator)
    new = _new_indicator(form, f"new-{code}", stages)
    if new:
        indicators.append(new)
    group["indicators"] = indicators


def _apply_indicator(indicator: dict, form: Mapping[str, str], keys: set[str],
                     stages: list[str]) -> None:
    code = indicator.get("code")
    name = form.get(f"name-{code}")
    if name is not None and name.strip():
        _rename(indicator, name.strip(), f"name_en-{code}" in form)
    unit = form.get(f"unit-{code}")
    if unit is not None and unit.strip() != indicator.get("unit", "") \
            and f"unit_en-{code}" not in form:
        indicator.pop("unit_en", None)
    for key in ("value", "unit", "name_en", "unit_en"):
        text = form.get(f"{key}-{code}")
        if text is not None and (text.strip() or key in ("unit", "name_en", "unit_en")):
            _set_or_drop(indicator, key, text.strip())
    method = form.get(f"method-{code}")
    if method:
        indicator["method"] = method
    method = indicator.get("method")
    if method in WEIGHTED:
        _apply_weights(indicator, form, stages)
        if f"cohort-{code}" in form:
            _set_or_drop(indicator, "cohort", form[f"cohort-{code}"] == "same_stage_and_field"
                         and "same_stage_and_field" or None)
    if method == "reference" and f"reference-{code}" in form:
        _set_or_drop(indicator, "reference", number_or_text(form[f"reference-{code}"]))
    if method == "points_per_item" and f"icap-{code}" in form:
        _set_or_drop(indicator, "cap", number_or_text(form[f"icap-{code}"]))
    if _posted(keys, f"band-{code}-"):
        indicator["bands"] = _rows(indicator.get("bands"), form, keys, f"band-{code}", _BAND)
    if _posted(keys, f"item-{code}-"):
        indicator["items"] = _rows(indicator.get("items"), form, keys, f"item-{code}", _ITEM)
    kept = set(METHOD_KEYS.get(method, ())) | {"code", "name", "name_en", "unit", "unit_en",
                                               "method", "value"}
    for key in [k for k in indicator if k not in kept]:
        indicator.pop(key)


def _rename(part: dict, name: str, english_posted: bool) -> None:
    """A new Chinese name; the English one goes with the old name unless it is posted."""
    if name != part.get("name") and not english_posted:
        part.pop("name_en", None)
    part["name"] = name


def _apply_weights(indicator: dict, form: Mapping[str, str], stages: list[str]) -> None:
    code = indicator.get("code")
    if stages == [NO_STAGE]:
        raw = form.get(f"weight-{code}-{NO_STAGE}")
        current = indicator.pop("weights", None) or {}
        # Leaving stages starts from the first stage's weight rather than from nothing.
        weight = number_or_text(raw) if raw is not None else indicator.get(
            "weight", current.get(NO_STAGE, next(iter(current.values()), 0)))
        indicator["weight"] = 0 if weight is None else weight
        return
    old = indicator.pop("weights", None)
    default = indicator.pop("weight", 0)
    old = old if isinstance(old, dict) else {}
    weights = {}
    for stage in stages:
        raw = form.get(f"weight-{code}-{stage}")
        value = number_or_text(raw) if raw is not None else old.get(stage, default)
        weights[stage] = 0 if value is None else value
    indicator["weights"] = weights


def _band_cells(band: Mapping) -> dict:
    kind = "otherwise" if band.get("otherwise") else "at_least" if "at_least" in band \
        else "above" if "above" in band else ""
    return {"kind": kind, "bound": band.get(kind, "") if kind in ("at_least", "above") else "",
            "points": band.get("points", "")}


def _band(cells: Mapping) -> dict:
    points = number_or_text(cells["points"])
    if cells["kind"] == "otherwise":
        return {"otherwise": True, "points": points}
    return {cells["kind"]: number_or_text(cells["bound"]), "points": points}


def _item_cells(item: Mapping) -> dict:
    kind = "when" if "when" in item else "value" if "value" in item else ""
    return {"kind": kind, "expr": item.get(kind, ""), "points": item.get("points", "")}


def _item(cells: Mapping) -> dict | None:
    if not str(cells["expr"]).strip():
        return None
    return {cells["kind"]: str(cells["expr"]).strip(), "points": number_or_text(cells["points"])}


def _condition(cells: Mapping) -> dict:
    condition = {"when": str(cells["when"]).strip(), "reason": str(cells["reason"]).strip()}
    return _with_english(condition, "reason_en", cells)


def _with_english(row: dict, key: str, cells: Mapping) -> dict:
    """``row`` with its English text ``key`` when one was given."""
    text = str(cells.get(key) or "").strip()
    if text:
        row[key] = text
    return row


def _grade_cells(grade: Mapping) -> dict:
    kind = "otherwise" if grade.get("otherwise") else \
        ("pass" if grade["pass"] else "fail") if "pass" in grade else "at_least"
    return {"name": grade.get("grade", ""), "kind": kind, "bound": grade.get("at_least", ""),
            "name_en": grade.get("name_en", "")}


def _grade(cells: Mapping) -> dict:
    name, kind = str(cells["name"]).strip(), cells["kind"] or "at_least"
    if kind == "otherwise":
        grade: dict[str, Any] = {"grade": name, "otherwise": True}
    elif kind in ("pass", "fail"):
        grade = {"grade": name, "pass": kind == "pass"}
    else:
        grade = {"grade": name, "at_least": number_or_text(cells["bound"])}
    return _with_english(grade, "name_en", cells)


def _stage(cells: Mapping) -> dict:
    stage: dict[str, Any] = {"code": str(cells["code"]).strip(),
                             "name": str(cells["name"]).strip()}
    _with_english(stage, "name_en", cells)
    below = number_or_text(cells["below"])
    if below is not None:
        stage["below"] = below
    return stage


# (cells, first one deciding whether the row exists; stored row -> cells; cells -> row)
_BAND = (("kind", "bound", "points"), _band_cells, _band)
_ITEM = (("kind", "expr", "points"), _item_cells, _item)
_CONDITION = (("when", "reason", "reason_en"), lambda c: {"reason": "", "reason_en": "", **c},
              _condition)
_GRADE = (("name", "kind", "bound", "name_en"), _grade_cells, _grade)
_STAGE = (("code", "name", "name_en", "below"),
          lambda s: {"name": "", "name_en": "", "below": "", **s}, _stage)


def _new_indicator(form: Mapping[str, str], prefix: str, stages: list[str]) -> dict | None:
    code = form.get(f"{prefix}-code", "").strip()
    if not code:
        return None
    method = form.get(f"{prefix}-method") or "cohort_percentile"
    indicator: dict[str, Any] = {"code": code, "name": form.get(f"{prefix}-name", "").strip()
                                 or code, "method": method}
    _with_english(indicator, "name_en", {"name_en": form.get(f"{prefix}-name_en")})
    value = form.get(f"{prefix}-value", "").strip()
    if value:
        indicator["value"] = value
    if method in WEIGHTED:
        _apply_weights(indicator, form, stages)  # weights typed with it, else 0
    if method == "reference":
        indicator["reference"] = 1
    if method == "bands":
        indicator["bands"] = [{"otherwise": True, "points": 0}]
    if method == "points_per_item":
        indicator["items"] = []
    return indicator


def _new_group(form: Mapping[str, str], stages: list[str]) -> dict | None:
    code = form.get("newgroup-code", "").strip()
    if not code:
        return None
    group: dict[str, Any] = {"code": code,
                             "name": form.get("newgroup-name", "").strip() or code}
    _with_english(group, "name_en", {"name_en": form.get("newgroup-name_en")})
    cap = number_or_text(form.get("newgroup-cap", ""))
    if cap is not None:
        group["cap"] = cap
    first = _new_indicator(form, "newgroup-indicator", stages)
    group["indicators"] = [first] if first else []
    return group


def starter_definition(code: str, name: str) -> dict:
    """A new project that already scores: one core indicator weighing 100, four grades;
    the official then shapes it in the editor."""
    return {
        "code": code, "name": name, "name_en": name, "stage_rule": "none",
        "groups": [{"code": "core", "name": "核心指标", "name_en": "Core indicators",
                    "indicators": [
            {"code": "rd_expense", "name": "研发费用金额", "name_en": "R&D expense", "unit": "万元",
             "value": "rd_expense", "method": "cohort_percentile", "weight": 100}]}],
        "grades": [{"grade": "A", "at_least": 85}, {"grade": "B", "at_least": 70},
                   {"grade": "C", "at_least": 55}, {"grade": "D", "otherwise": True}],
    }
