"""An enterprise's scores among the others of their province cohort (企业画像, SPEC §12.4):
the rank of each score and a radar of the latest one's points by dimension against the
median of the same technology field and stage.

A score's cohort is the province cohort its run scored it in: the current results of every
run of the same activity and project code (a run re-scoring some records replaces their
earlier unconfirmed results, so together the runs hold one result per record). A cohort
holds up to 100,000 results, and counting them on every page view costs more than the
page may take; so each cohort's sorted totals, and its medians per field and stage, are
read once — for all the cohorts a page needs, in one query — and kept in the app's cache
(Redis, or memory per process). The key names the cohort's runs: a new run of the cohort
(the only thing that removes results from an earlier one) makes a new key; confirming or
flagging a result changes no total and no points.
"""

from __future__ import annotations

import array
import hashlib
import logging
import statistics
from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson
from flask import current_app
from sqlalchemy import Text, cast, select

from app.domain import scoring
from app.domain.records.fields import DIMENSIONS, REGISTRY
from app.extensions import cache, db
from app.models import EvaluationProject, ReportingActivity, ScoreResult, ScoreRun
from app.services.scoring.runs import BREAKDOWN_KEYS

log = logging.getLogger(__name__)

CACHE_SECONDS = 24 * 3600  # PROFILE_CACHE_SECONDS overrides; 0 keeps nothing
_POINTS, _WEIGHT, _COUNTED = (BREAKDOWN_KEYS.index(k) for k in ("points", "weight", "counted"))
DIMENSION_KEYS = tuple(key for key, _zh, _en in DIMENSIONS)


@dataclass
class ScoreLine:
    """An enterprise's latest result of one project in one data year."""

    result: ScoreResult
    project: EvaluationProject
    activity_id: int
    data_year: int
    lower: int | None = None  # eligible results of its cohort with a lower total
    cohort_size: int | None = None  # eligible results of its cohort

    @property
    def confirmed(self) -> bool:
        return self.result.status == "confirmed"

    @property
    def percentile(self) -> float | None:
        """The share of the cohort's eligible results with a lower total, in per cent."""
        if self.lower is None or not self.cohort_size:
            return None
        return self.lower / self.cohort_size * 100

    @property
    def parsed(self) -> scoring.Project:
        return _parsed(self.project)


_PARSED: dict[tuple, scoring.Project] = {}


def _parsed(project: EvaluationProject) -> scoring.Project:
    """A project version parsed once per process (the digest keys a definition edited in
    place: a project without confirmed scores is edited, not versioned)."""
    key = (project.id, project.version, _digest(project.definition))
    found = _PARSED.get(key)
    if found is None:
        if len(_PARSED) > 64:
            _PARSED.clear()
        found = _PARSED[key] = scoring.parse(project.definition)
    return found


def score_lines(enterprise_id: int, confirmed_only: bool) -> list[ScoreLine]:
    """Per project and data year the newest run's result (the enterprise: its newest
    confirmed one), newest year first."""
    query = (select(ScoreResult, ScoreRun.activity_id, ReportingActivity.data_year,
                    EvaluationProject)
             .join(ScoreRun, ScoreRun.id == ScoreResult.run_id)
             .join(ReportingActivity, ReportingActivity.id == ScoreRun.activity_id)
             .join(EvaluationProject, EvaluationProject.id == ScoreRun.project_id)
             .where(ScoreResult.enterprise_id == enterprise_id)
             .order_by(ReportingActivity.data_year.desc(), ScoreResult.run_id.desc()))
    if confirmed_only:
        query = query.where(ScoreResult.status == "confirmed")
    lines, seen = [], set()
    for result, activity_id, data_year, project in db.session.execute(query):
        if (project.code, data_year) in seen:
            continue
        seen.add((project.code, data_year))
        lines.append(ScoreLine(result, project, activity_id, data_year))
    return lines


# -- cohorts and what is kept of them --------------------------------------------------------
Runs = tuple[tuple[int, str, EvaluationProject], ...]  # (run id, created at, project)


def _cohorts(lines: list[ScoreLine]) -> dict[tuple[int, str], Runs]:
    """(activity id, project code) -> the runs of that cohort, oldest first, for the
    lines' cohorts: one query over the score runs."""
    if not lines:
        return {}
    rows = db.session.execute(
        select(ScoreRun.id, ScoreRun.created_at, ScoreRun.activity_id, EvaluationProject)
        .join(EvaluationProject, EvaluationProject.id == ScoreRun.project_id)
        .where(ScoreRun.activity_id.in_({line.activity_id for line in lines}))
        .order_by(ScoreRun.id))
    found: dict[tuple[int, str], list] = {}
    for run_id, created_at, activity_id, project in rows:
        found.setdefault((activity_id, project.code), []).append(
            (run_id, str(created_at), project))
    return {key: tuple(runs) for key, runs in found.items()}


def _key(kind: str, runs: Runs, *parts) -> str:
    named = tuple((run_id, at, project.id, _digest(project.definition))
                  for run_id, at, project in runs)
    return f"profile-{kind}:" + _digest((current_app.config.get("RELEASE"), named, parts))


def _digest(value) -> str:
    return hashlib.sha256(repr(value).encode()).hexdigest()[:32]


def _kept(keys: list[str], compute: Callable[[list[str]], dict[str, Any]]) -> dict[str, Any]:
    """{key: value}: the kept values, and ``compute(missing keys)`` kept anew. A store that
    does not answer costs a count, never an error (as the dashboard's figures)."""
    seconds = int(current_app.config.get("PROFILE_CACHE_SECONDS", CACHE_SECONDS))
    found: dict[str, Any] = {}
    if seconds > 0 and keys:
        try:
            found = {k: v for k, v in zip(keys, cache.get_many(*keys), strict=True)
                     if v is not None}
        except Exception:  # noqa: BLE001 — any store failure means: count again
            log.warning("profile cache unavailable; counting again", exc_info=True)
    missing = [k for k in keys if k not in found]
    if missing:
        computed = compute(missing)
        found.update(computed)
        if seconds > 0:
            try:
                cache.set_many(computed, timeout=seconds)
            except Exception:  # noqa: BLE001
                log.warning("profile cache unavailable; not kept", exc_info=True)
    return found


# -- ranks -----------------------------------------------------------------------------------
def ranks(lines: list[ScoreLine]) -> dict[tuple[int, str], Runs]:
    """Each eligible line's rank in its cohort: the cohort's eligible totals, sorted, kept
    per cohort; those not kept read with one query for all of them. An eligible result
    always has a total and an ineligible one none (domain/scoring/compute.py). Returns
    the lines' cohorts (for ``radar_of``)."""
    wanted = [line for line in lines if line.result.total is not None]
    cohorts = _cohorts(lines)
    keyed = {_key("totals", runs): runs for runs in cohorts.values()}

    def count(missing: list[str]) -> dict[str, bytes]:
        cohort_of = {run_id: key for key in missing for run_id, _at, _p in keyed[key]}
        totals: dict[str, list[float]] = {key: [] for key in missing}
        for run_id, total in db.session.execute(select(
                ScoreResult.run_id, ScoreResult.total).where(
                ScoreResult.run_id.in_(sorted(cohort_of)), ScoreResult.total.is_not(None))):
            totals[cohort_of[run_id]].append(total)
        return {key: array.array("d", sorted(values)).tobytes()
                for key, values in totals.items()}

    kept = _kept(list(keyed), count)
    for line in wanted:
        totals = array.array("d")
        totals.frombytes(kept[_key("totals", cohorts[(line.activity_id, line.project.code)])])
        line.lower, line.cohort_size = bisect_left(totals, line.result.total), len(totals)
    return cohorts


# -- the radar -------------------------------------------------------------------------------
@dataclass
class Radar:
    """Per dimension the result's points and the points it could get (its indicators'
    weights for its stage), and the median share of its cohort's eligible results of the
    same technology field and stage. Shares are points ÷ attainable points, in per cent,
    so that dimensions of different weight compare on one scale."""

    line: ScoreLine
    dimensions: list[str]  # those the project scores, in the registry's order
    own: dict[str, tuple[float, float]]  # dimension -> (points, attainable)
    medians: dict[str, float]
    cohort_size: int  # eligible results of the same field and stage

    def share(self, dimension: str) -> float | None:
        points, attainable = self.own.get(dimension, (0.0, 0.0))
        return points / attainable * 100 if attainable else None

    @property
    def unscored(self) -> list[str]:
        return [key for key in DIMENSION_KEYS if key not in self.dimensions]


def dimensions_of(project: scoring.Project) -> dict[str, str]:
    """Indicator code -> the registry dimension its points belong to. Indicators are not
    filed under dimensions; the fields they read are. An indicator reading fields of one
    dimension belongs to it (融资金额 → 科技金融 even in the group 创新影响); one mixing
    dimensions (研发投入强度: 研发费用 ÷ 营业收入) to its group's when the group is named
    like a dimension, else to the dimension most of its fields come from."""
    found = {}
    for group in project.groups:
        for indicator in group.indicators:
            expressions = [indicator.value, *(i.value for i in indicator.items),
                           *(i.when for i in indicator.items)]
            read = {n for e in expressions if e is not None for n in e.names if n in REGISTRY}
            dims = [REGISTRY[name].dimension for name in read]
            if len(set(dims)) == 1:
                found[indicator.code] = dims[0]
            elif group.code in DIMENSION_KEYS:
                found[indicator.code] = group.code
            elif dims:
                found[indicator.code] = max(DIMENSION_KEYS, key=lambda d: (
                    dims.count(d), -DIMENSION_KEYS.index(d)))
    return found


def dimension_points(breakdown: dict, project: scoring.Project, dims: dict[str, str]
                     ) -> dict[str, tuple[float, float]]:
    """(points, attainable) per dimension of a stored breakdown: counted indicators only
    (best-of groups count one), a capped group's points and weights scaled to its cap."""
    totals: dict[str, list[float]] = {}
    for group in project.groups:
        parts = [(dims.get(i.code), entry) for i in group.indicators
                 if (entry := breakdown.get(i.code)) and (len(entry) <= _COUNTED
                                                          or entry[_COUNTED])]
        points = sum(entry[_POINTS] or 0 for _dim, entry in parts)
        weights = sum(entry[_WEIGHT] or 0 for _dim, entry in parts)
        cap = group.cap
        point_scale = cap / points if cap is not None and points > cap else 1.0
        weight_scale = cap / weights if cap is not None and weights > cap else 1.0
        for dim, entry in parts:
            if dim is not None:
                total = totals.setdefault(dim, [0.0, 0.0])
                total[0] += (entry[_POINTS] or 0) * point_scale
                total[1] += (entry[_WEIGHT] or 0) * weight_scale
    return {dim: (points, attainable) for dim, (points, attainable) in totals.items()}


def radar_of(lines: list[ScoreLine], cohorts: dict[tuple[int, str], Runs] | None = None
             ) -> Radar | None:
    """The radar of the newest eligible result among ``lines``."""
    line = next((x for x in lines if x.result.eligible and x.result.breakdown), None)
    if line is None:
        return None
    project = line.parsed
    own = dimension_points(line.result.breakdown, project, dimensions_of(project))
    medians, size = cohort_medians(line, (cohorts or _cohorts([line]))[
        (line.activity_id, line.project.code)])
    return Radar(line, [d for d in DIMENSION_KEYS if d in own], own, medians, size)


def cohort_medians(line: ScoreLine, runs: Runs) -> tuple[dict[str, float], int]:
    """(median share per dimension, size) of the eligible results of the line's cohort
    (``runs``) with its technology field and stage."""
    field_, stage = line.result.tech_field, line.result.stage
    key = _key("medians", runs, field_, stage)
    return _kept([key], lambda _missing: {key: _count_medians(runs, field_, stage)})[key]


def _count_medians(runs: Runs, field_: str | None, stage: str | None
                   ) -> tuple[dict[str, float], int]:
    parsed = {}
    for run_id, _at, row in runs:
        project = _parsed(row)
        parsed[run_id] = (project, dimensions_of(project))
    # The breakdowns as text, decoded with orjson: thousands of them (runs.py does the same).
    query = select(ScoreResult.run_id, cast(ScoreResult.breakdown, Text)).where(
        ScoreResult.run_id.in_(list(parsed)), ScoreResult.total.is_not(None),
        ScoreResult.tech_field.is_(None) if field_ is None else ScoreResult.tech_field == field_,
        ScoreResult.stage.is_(None) if stage is None else ScoreResult.stage == stage)
    shares: dict[str, list[float]] = {}
    size = 0
    for run_id, text in db.session.execute(query):
        if not text:
            continue
        size += 1
        project, dims = parsed[run_id]
        for dim, (points, attainable) in dimension_points(orjson.loads(text), project,
                                                          dims).items():
            if attainable > 0:
                shares.setdefault(dim, []).append(points / attainable * 100)
    return {dim: statistics.median(values) for dim, values in shares.items()}, size
