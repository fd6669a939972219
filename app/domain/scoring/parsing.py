"""Reading a project definition (SPEC §7): the plain data of a project file or the editor
(the YAML form of ``shared/indicator-projects``) checked and compiled — every formula with
the safe expression language — into ``definition``'s dataclasses. ``ProjectError`` names
the first problem."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from app.domain.expressions import Expression, ExpressionError, compile_expression
from app.domain.scoring.definition import (
    FIELD_KEYS,
    FUNCTIONS,
    METHODS,
    MIN_COHORT_SIZE,
    Band,
    Grade,
    Group,
    Indicator,
    Item,
    Project,
    ProjectError,
    Stage,
)


def _expr(text: Any, where: str, extra: Iterable[str] = (),
          functions: Mapping[str, Any] = FUNCTIONS) -> Expression:
    try:
        return compile_expression(str(text), FIELD_KEYS | frozenset(extra), functions)
    except ExpressionError as error:
        raise ProjectError(f"{where}：{error.message_zh}", f"{where}: {error.message_en}") \
            from None


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ProjectError(f"{where}：应为数字。", f"{where}: must be a number.")
    return float(value)


def _text(mapping: Any, key: str, where: str) -> str:
    """An optional text (an English name): "" when absent."""
    value = mapping.get(key) if isinstance(mapping, Mapping) else None
    if value is None:
        return ""
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        raise ProjectError(f"{where}：“{key}”应为文字。", f"{where}: “{key}” must be text.")
    return str(value).strip()


def _need(mapping: Any, key: str, where: str) -> Any:
    if not isinstance(mapping, Mapping) or key not in mapping:
        raise ProjectError(f"{where}：缺少“{key}”。", f"{where}: “{key}” is missing.")
    return mapping[key]


def parse(definition: Any, check_totals: bool = True) -> Project:
    """Check a project definition and compile it; ProjectError names the first problem.
    A draft may be saved before its weights add up (``check_totals=False``)."""
    if not isinstance(definition, Mapping):
        raise ProjectError("文件内容不是评价项目。", "The content is not an evaluation project.")
    code = str(_need(definition, "code", "项目"))
    name = str(_need(definition, "name", "项目"))
    stage_by, stages = _stages(definition.get("stage_rule"))
    stage_codes = {s.code for s in stages}
    groups = tuple(_group(g, i, stage_codes) for i, g in
                   enumerate(_need(definition, "groups", "项目") or []))
    if not groups:
        raise ProjectError("项目至少需要一个指标组。", "A project needs at least one group.")
    codes = [i.code for g in groups for i in g.indicators]
    if len(codes) != len(set(codes)):
        raise ProjectError("指标代码重复。", "Indicator codes repeat.")
    eligibility = tuple((_expr(_need(c, "when", "准入条件"), "准入条件"), str(c.get("reason", "")))
                        for c in definition.get("eligibility") or [])
    pass_rule = definition.get("pass_rule")
    direct = tuple((_expr(_need(c, "when", "直接通过条件"), "直接通过条件"),
                    str(c.get("reason", ""))) for c in definition.get("direct_pass") or [])
    reasons_en = {str(c["reason"]): _text(c, "reason_en", where)
                  for section, where in (("eligibility", "准入条件"),
                                         ("direct_pass", "直接通过条件"))
                  for c in definition.get(section) or [] if c.get("reason")}
    reasons_en = {reason: english for reason, english in reasons_en.items() if english}
    project = Project(
        code=code, name=name, name_en=_text(definition, "name_en", "项目") or name,
        stage_by=stage_by, reasons_en=reasons_en,
        stages=stages, eligibility=eligibility, groups=groups,
        pass_rule=_expr(pass_rule, "通过规则", ["total", *codes],
                        {**FUNCTIONS, "score": lambda points: points}) if pass_rule else None,
        direct_pass=direct, grades=_grades(definition.get("grades") or []),
        definition=dict(definition),
        min_cohort_size=_min_cohort_size(definition.get("min_cohort_size")))
    if check_totals:
        check_weights(project)
    return project


def _min_cohort_size(value: Any) -> int:
    if value in (None, ""):
        return MIN_COHORT_SIZE
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != int(value) \
            or not 1 <= value <= 100_000:
        raise ProjectError("最小同级比较群体规模应为 1 至 100000 之间的整数。",
                           "The minimum cohort size must be a whole number from 1 to 100,000.")
    return int(value)


def _stages(rule: Any) -> tuple[str | None, tuple[Stage, ...]]:
    if rule in (None, "none"):
        return None, ()
    by = _need(rule, "by", "阶段规则")
    if by not in ("years_since_registration", "revenue"):
        raise ProjectError("阶段规则只能按成立年限或营业收入划分。",
                           "Stages are decided by years since registration or by revenue.")
    stages, previous = [], None
    for i, stage in enumerate(_need(rule, "stages", "阶段规则")):
        below = stage.get("below")
        if below is not None:
            below = _number(below, f"阶段 {i + 1} 的上限")
            if previous is not None and below <= previous:
                raise ProjectError("阶段上限应从小到大排列。", "Stage bounds must increase.")
            previous = below
        stages.append(Stage(str(_need(stage, "code", "阶段")), str(stage.get("name", "")),
                            below, _text(stage, "name_en", f"阶段 {i + 1}")))
    if not stages or stages[-1].below is not None:
        raise ProjectError("最后一个阶段不应有上限。", "The last stage has no upper bound.")
    return by, tuple(stages)


def _group(data: Any, index: int, stage_codes: set[str]) -> Group:
    where = f"第 {index + 1} 个指标组"
    indicators = tuple(_indicator(i, f"{where}第 {n + 1} 个指标", stage_codes)
                       for n, i in enumerate(_need(data, "indicators", where) or []))
    if not indicators:
        raise ProjectError(f"{where}没有指标。", f"Group {index + 1} has no indicators.")
    cap = data.get("cap")
    return Group(str(_need(data, "code", where)), str(data.get("name", "")), indicators,
                 _number(cap, f"{where}的上限") if cap is not None else None,
                 bool(data.get("best_of", False)), _text(data, "name_en", where))


def _indicator(data: Any, where: str, stage_codes: set[str]) -> Indicator:
    code = str(_need(data, "code", where))
    where = f"指标 {code}"
    method = str(_need(data, "method", where))
    if method not in METHODS:
        raise ProjectError(f"{where}：计分方法只能是 {'、'.join(METHODS)}。",
                           f"{where}: the method must be one of {', '.join(METHODS)}.")
    value = _expr(data["value"], f"{where}的取值公式") if data.get("value") is not None else None
    weights = {str(k): _number(v, f"{where}的权重") for k, v in (data.get("weights") or {}).items()}
    if "weight" in data:
        weights["*"] = _number(data["weight"], f"{where}的权重")
    if method in ("cohort_percentile", "reference", "min_max", "bands") and value is None:
        raise ProjectError(f"{where}：缺少取值公式。", f"{where}: the value formula is missing.")
    if method in ("cohort_percentile", "reference", "min_max"):
        missing = stage_codes - set(weights) if stage_codes and "*" not in weights else set()
        if missing or (not stage_codes and not weights):
            raise ProjectError(f"{where}：缺少阶段权重 {'、'.join(sorted(missing))}。",
                               f"{where}: weights are missing for {', '.join(sorted(missing))}.")
    bands: tuple[Band, ...] = ()
    if method == "bands":
        bands = _bands(data.get("bands") or [], where)
    items: tuple[Item, ...] = ()
    if method == "points_per_item":
        items = tuple(Item(_expr(i["value"], f"{where}的计数公式") if "value" in i else None,
                           _expr(i["when"], f"{where}的条件") if "when" in i else None,
                           _number(_need(i, "points", where), f"{where}的分值"))
                      for i in data.get("items") or [])
        if not items:
            raise ProjectError(f"{where}：请至少填写一个计分项。",
                               f"{where}: add at least one item that gives points.")
    reference = data.get("reference")
    if method == "reference":
        reference = _number(_need(data, "reference", where), f"{where}的满分参考值")
        if reference <= 0:
            raise ProjectError(f"{where}：满分参考值应大于 0。",
                               f"{where}: the full-score reference must be above 0.")
    cap = data.get("cap")
    return Indicator(code, str(data.get("name", code)), str(data.get("unit", "")), method, value,
                     weights, reference, data.get("cohort") == "same_stage_and_field", bands,
                     items, _number(cap, f"{where}的上限") if cap is not None else None,
                     _text(data, "name_en", where), _text(data, "unit_en", where))


def _bands(data: Any, where: str) -> tuple[Band, ...]:
    bands, previous = [], None
    for band in data:
        if bands and bands[-1].at_least is None and bands[-1].above is None:
            raise ProjectError(f"{where}：“其余”档之后的分档永远用不到，请把“其余”放在最后。",
                               f"{where}: bands after “otherwise” are never reached: put "
                               "“otherwise” last.")
        points = _number(_need(band, "points", where), f"{where}的分值")
        if band.get("otherwise"):
            bands.append(Band(None, None, points))
            continue
        at_least, above = band.get("at_least"), band.get("above")
        bound = _number(at_least if at_least is not None else above, f"{where}的分档下限")
        if previous is not None and bound > previous:
            raise ProjectError(f"{where}：分档应从高到低排列，且不能重叠。",
                               f"{where}: bands must go from high to low without overlap.")
        previous = bound
        bands.append(Band(bound if at_least is not None else None,
                          bound if above is not None else None, points))
    if not bands:
        raise ProjectError(f"{where}：没有分档。", f"{where}: there are no bands.")
    return tuple(bands)


def _grades(data: list) -> tuple[Grade, ...]:
    grades = []
    for grade in data:
        name_en = _text(grade, "name_en", "等级")
        if "pass" in grade:
            grades.append(Grade(str(grade["grade"]), passed=bool(grade["pass"]),
                                name_en=name_en))
        elif grade.get("otherwise"):
            grades.append(Grade(str(grade["grade"]), name_en=name_en))
        else:
            grades.append(Grade(str(grade["grade"]),
                                at_least=_number(grade["at_least"], "等级分数线"),
                                name_en=name_en))
    thresholds = [g.at_least for g in grades if g.at_least is not None]
    if thresholds != sorted(thresholds, reverse=True):
        raise ProjectError("等级分数线应从高到低排列。",
                           "Grade thresholds must go from high to low.")
    return tuple(grades)


def check_weights(project: Project, core_total: float = 100) -> None:
    """The weighted (core) indicators of every stage add up to ``core_total``."""
    weighted = [i for g in project.groups if g.cap is None
                for i in g.indicators if i.method in ("cohort_percentile", "reference", "min_max")]
    if not weighted:
        return
    stages = [s.code for s in project.stages] or ["*"]
    for stage in stages:
        total = sum(i.weight(stage) for i in weighted)
        if abs(total - core_total) > 1e-6:
            raise ProjectError(f"阶段“{stage}”的核心指标权重合计为 {total:g}，"
                               f"应为 {core_total:g}。",
                               f"Core weights of stage “{stage}” add up to {total:g}, not "
                               f"{core_total:g}.")
