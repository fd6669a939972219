"""Scoring records with a parsed project (SPEC §7): stage, eligibility, indicator values,
cohort normalization, points, caps, best-of groups, pass/direct pass and grade, with a
breakdown that explains every point. ``app.domain.scoring`` re-exports what is public.

The cohort (SPEC §9) is every scorable record of the activity, not only the records a run
re-scores: ``score_cohort`` takes the records to score, the *companions* (records that
count with their current data but are not scored now) and the *frozen* members (confirmed
records, counted with the indicator values stored when they were confirmed).

A score run computes this for 100,000 records, so the loops below work per indicator over
all records and look up per-stage weights once: the arithmetic, and its order, is the
plain formula's.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from app.domain.expressions import Expression, NoValue
from app.domain.records.fields import REGISTRY
from app.domain.scoring.definition import COHORT_METHODS

if TYPE_CHECKING:
    from app.domain.scoring.definition import Indicator, Project

_NUMERIC = frozenset(REGISTRY.numeric_keys())
_FAILS = (NoValue, ArithmeticError, TypeError, ValueError)
NO_VALUE = "无取值（如分母为 0），按 0 分计"
CAPPED = "已按上限计"
NO_STAGE = "无法确定发展阶段（缺少注册日期）"
DIRECT_PASS = "直接通过："
# Notes and reasons are stored as the run wrote them (in Chinese); pages show them in the
# user's language with ``note_label``.
NOTES_EN = {NO_VALUE: "No value (e.g. division by 0): 0 points", CAPPED: "Capped",
            NO_STAGE: "Stage unknown (no registration date)"}


def note_label(project: Project, text: str | None, lang: str = "zh") -> str:
    """A breakdown note or a result's reason in the user's language: the notes above,
    the project's eligibility and direct-pass reasons (``直接通过：…`` → "Direct pass: …")."""
    if not text or lang == "zh":
        return text or ""
    if text in NOTES_EN:
        return NOTES_EN[text]
    if text.startswith(DIRECT_PASS):
        return "Direct pass: " + project.reason_label(text[len(DIRECT_PASS):], lang)
    return project.reason_label(text, lang)


@dataclass(slots=True)
class Breakdown:
    value: float | None
    cohort: str | None
    cohort_size: int | None
    normalized: float | None
    weight: float
    points: float
    note: str = ""
    counted: bool = True  # False when a best-of group counted the other indicator


@dataclass(frozen=True, slots=True)
class FrozenMember:
    """A confirmed record in the cohort: its stored stage, field, eligibility and indicator
    values, so that its contribution does not move when its data is edited later. An
    indicator its stored values lack (the project gained it since) is computed from
    ``record``, the record's current data."""

    stage: str | None
    tech_field: str | None
    eligible: bool
    values: Mapping[str, float | None]
    record: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class Scored:
    """A run's results (the records scored, in their order) and its cohorts: per stage the
    number of eligible members, and per cohort indicator and cohort its size, lowest and
    highest value — JSON-ready, stored on the run."""

    results: list[Result]
    cohorts: dict[str, Any]


@dataclass(slots=True)
class Result:
    key: Any
    eligible: bool
    stage: str | None
    total: float | None = None
    grade: str | None = None
    passed: bool | None = None
    reasons: list[str] = field(default_factory=list)
    indicators: dict[str, Breakdown] = field(default_factory=dict)
    groups: dict[str, float] = field(default_factory=dict)


def stage_of(project: Project, record: Mapping[str, Any], data_year: int) -> str | None:
    if not project.stages:
        return None
    if project.stage_by == "years_since_registration":
        registered = record.get("registration_date")
        if not isinstance(registered, dt.date):
            return None
        measure = data_year - registered.year  # to 31 December of the data year
    else:
        measure = record.get("revenue") or 0
    for stage in project.stages:
        if stage.below is None or measure < stage.below:
            return stage.code
    return None


def _value(expression: Expression, env) -> float | None:
    try:
        value = expression.evaluate(env)
    except _FAILS:
        return None
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) \
        else None


def _values(expression: Expression, envs: list[dict]) -> list[float | None]:
    """``_value`` for every env, without a call per record."""
    evaluate = expression.evaluate
    out: list[float | None] = []
    append = out.append
    for env in envs:
        try:
            value = evaluate(env)
        except _FAILS:
            append(None)
            continue
        if type(value) is float:
            append(value)
        else:
            append(float(value) if isinstance(value, (int, float))
                   and not isinstance(value, bool) else None)
    return out


def _truth(expression: Expression, env) -> bool:
    try:
        return bool(expression.evaluate(env))
    except _FAILS:
        return False


def score(project: Project, records: list[tuple[Any, Mapping[str, Any]]], data_year: int
          ) -> list[Result]:
    """Score (key, record values) pairs; cohorts are the scored records themselves."""
    return score_cohort(project, records, data_year).results


def score_cohort(project: Project, records: list[tuple[Any, Mapping[str, Any]]],
                 data_year: int, companions: list[tuple[Any, Mapping[str, Any]]] = (),
                 frozen: list[FrozenMember] = ()) -> Scored:
    """Score ``records`` against the cohort of ``records``, ``companions`` and ``frozen``;
    only ``records`` get results (and breakdowns: the others only lend their values)."""
    results, envs = _prepare(project, records, data_year)
    others, other_envs = _prepare(project, companions, data_year)
    scored = [(r, e) for r, e in zip(results, envs, strict=True) if r.eligible]
    lenders = [e for r, e in zip(others, other_envs, strict=True) if r.eligible]
    lender_stages = [r.stage for r in others if r.eligible]
    kept = [m for m in frozen if m.eligible]
    # Current data only for members whose stored values lack an indicator (rare).
    codes = {i.code for i in project.indicators if i.method in COHORT_METHODS}
    kept_envs = [_frozen_env(project, m) if not m.values.keys() >= codes else None
                 for m in kept]
    indicators = project.indicators
    stage_keys = [r.stage or "*" for r, _e in scored] + \
        [stage or "*" for stage in lender_stages] + [m.stage or "*" for m in kept]
    fields = [e.get("tech_field") for _r, e in scored] + \
        [e.get("tech_field") for e in lenders] + [m.tech_field for m in kept]
    field_keys = [f"{k}|{f or ''}" for k, f in zip(stage_keys, fields, strict=True)] \
        if any(i.same_field for i in indicators) else []
    stages = {None, *(s.code for s in project.stages)}
    cohorts: dict[str, Any] = {"min_size": project.min_cohort_size,
                               "stages": dict(Counter(stage_keys)), "indicators": {}}
    scored_envs = [e for _r, e in scored]
    for indicator in indicators:
        weights = {stage: indicator.weight(stage) for stage in stages}
        if indicator.method == "points_per_item":
            _points_per_item(indicator, scored, weights[None])
            continue
        values = _values(indicator.value, scored_envs)
        if indicator.method in COHORT_METHODS:  # the others count only in cohorts
            values += _values(indicator.value, lenders)
            values += [m.values[indicator.code] if indicator.code in m.values
                       else _value(indicator.value, env) for m, env in zip(
                           kept, kept_envs, strict=True)]
        keys = field_keys if indicator.same_field else stage_keys
        found = _normalize(indicator, scored, values, keys, weights)
        if found:
            cohorts["indicators"][indicator.code] = {
                key: {"size": len(m), "min": m[0], "max": m[-1]} for key, m in found.items()}
    groups = [(g.code, tuple(i.code for i in g.indicators), g.best_of, g.cap)
              for g in project.groups]
    for result, env in scored:
        _totals(project, groups, result, env)
    return Scored(results, cohorts)



def _prepare(project: Project, records, data_year: int) -> tuple[list[Result], list[dict]]:
    """Each record's result with its stage and eligibility, and the values its formulas
    read (an empty optional number counts as 0)."""
    results, envs = [], []
    used = project.fields_used
    numeric = [k for k in used if k in _NUMERIC]
    needs_stage = bool(project.stages)
    eligibility = project.eligibility
    for key, record in records:
        env = {k: record.get(k) for k in used}
        for k in numeric:
            if env[k] is None:
                env[k] = 0
        result = Result(key, True, stage_of(project, record, data_year))
        if needs_stage and result.stage is None:
            result.eligible = False
            result.reasons.append(NO_STAGE)
        for condition, reason in eligibility:
            if not _truth(condition, env):
                result.eligible = False
                result.reasons.append(reason or condition.text)
        results.append(result)
        envs.append(env)
    return results, envs


def _frozen_env(project: Project, member: FrozenMember) -> dict:
    """The current data of a frozen member, for an indicator its stored values lack."""
    env = {k: member.record.get(k) for k in project.fields_used}
    for k in project.fields_used:
        if k in _NUMERIC and env[k] is None:
            env[k] = 0
    return env


def _normalize(indicator: Indicator, scored, values: list[float | None], keys: list[str],
               weights: dict[str | None, float]) -> dict[str, list[float]]:
    """The breakdown of the indicator for each scored record (the first ``len(scored)`` of
    ``values`` and ``keys``; the rest are the cohort's other members); the cohorts (sorted
    defined values per cohort key) when the method compares within them."""
    code, method = indicator.code, indicator.method
    in_cohorts = method in COHORT_METHODS
    cohorts: dict[str, list[float]] = {}
    if in_cohorts:
        for key, value in zip(keys, values, strict=True):
            if value is not None:
                members = cohorts.get(key)
                if members is None:
                    cohorts[key] = [value]
                else:
                    members.append(value)
        for members in cohorts.values():
            members.sort()
    percentile = method == "cohort_percentile"
    for (result, _env), value, key in zip(scored, values, keys, strict=False):  # scored first
        weight = weights[result.stage]
        if value is None:
            members = cohorts.get(key)
            result.indicators[code] = Breakdown(
                None, key if in_cohorts else None, len(members) if members else None, None,
                weight, 0.0, NO_VALUE)
        elif percentile:
            members = cohorts[key]
            size = len(members)
            normalized = 1.0 if size == 1 else bisect_left(members, value) / (size - 1)
            result.indicators[code] = Breakdown(value, key, size, normalized, weight,
                                                weight * normalized)
        else:
            result.indicators[code] = _other_method(indicator, value, key, cohorts, weight)
    return cohorts


def _other_method(indicator: Indicator, value: float, key: str, cohorts, weight: float
                  ) -> Breakdown:
    if indicator.method == "bands":
        points = next((b.points for b in indicator.bands if b.matches(value)), 0.0)
        return Breakdown(value, None, None, points / weight if weight else 0, weight, points)
    if indicator.method == "reference":
        normalized = max(0.0, min(1.0, value / indicator.reference))
        return Breakdown(value, None, None, normalized, weight, weight * normalized)
    members = cohorts[key]  # min_max
    low, high = members[0], members[-1]
    normalized = 1.0 if high == low else (value - low) / (high - low)
    return Breakdown(value, key, len(members), normalized, weight, weight * normalized)


def _points_per_item(indicator: Indicator, scored, weight: float) -> None:
    code, cap = indicator.code, indicator.cap
    items = indicator.items
    for result, env in scored:
        points = 0.0
        for item in items:
            if item.when is not None:
                points += item.points if _truth(item.when, env) else 0
            else:
                points += (_value(item.value, env) or 0) * item.points
        capped = min(points, cap) if cap is not None else points
        result.indicators[code] = Breakdown(
            points, None, None, capped / weight if weight else 0, weight, capped,
            CAPPED if capped < points else "")


def _totals(project: Project, groups: list[tuple[str, tuple[str, ...], bool, float | None]],
            result: Result, env) -> None:
    """Group subtotals (capped, or the best of a best-of group), total, pass and grade;
    ``groups`` is (code, indicator codes, best_of, cap) per group."""
    total = 0.0
    indicators = result.indicators
    for group_code, codes, best_of, cap in groups:
        if best_of:
            parts = [indicators[code] for code in codes]
            best = max(parts, key=lambda b: b.points)
            for part in parts:
                part.counted = part is best
            subtotal = best.points
        else:
            subtotal = 0  # as sum() adds: from int 0, in order
            for code in codes:
                subtotal += indicators[code].points
        if cap is not None:
            subtotal = min(subtotal, cap)
        result.groups[group_code] = round(subtotal, 6)
        total += subtotal
    result.total = round(total, 4)
    direct = [reason for condition, reason in project.direct_pass if _truth(condition, env)]
    if direct:
        result.passed = True
        result.reasons.extend(f"{DIRECT_PASS}{r}" for r in direct)
    elif project.pass_rule is not None:
        scope = {**env, "total": result.total,
                 **{code: (b.points if b.counted else 0) for code, b in indicators.items()}}
        result.passed = _truth(project.pass_rule, scope)
    result.grade = _grade(project, result)


def _grade(project: Project, result: Result) -> str | None:
    for grade in project.grades:
        if grade.passed is not None:
            if result.passed is not None and grade.passed == result.passed:
                return grade.grade
            continue
        if grade.at_least is None or (result.total or 0) >= grade.at_least:
            return grade.grade
    return None
