"""What an evaluation project is (SPEC §7): its parts as frozen dataclasses, the methods,
and the error every check raises. ``parsing`` builds them from a definition; ``compute``
scores records with them.

Names exist in both languages: each part has its ``name`` (Chinese, as the province wrote
it) and an optional ``name_en``; ``label(lang)`` gives the one to show. In English a part
without ``name_en`` shows the English of the same Chinese name in the reference projects
(``names.known_english``: a project stored before it had English names, a copy, the
starter), and only then its Chinese name."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from app.domain.errors import BilingualError
from app.domain.expressions import Expression
from app.domain.records.fields import REGISTRY
from app.domain.scoring.names import known_english

COHORT_METHODS = ("cohort_percentile", "min_max")  # normalised within the cohort
METHODS = ("cohort_percentile", "reference", "min_max", "bands", "points_per_item")
MIN_COHORT_SIZE = 30  # SPEC §9: below it a stage's scores carry a warning
FIELD_KEYS = frozenset(REGISTRY.keys())  # what a formula may name
FUNCTIONS = {"count": lambda v: len(v) if isinstance(v, (list, tuple)) else (0 if v in (None, "")
                                                                           else 1)}


class ProjectError(BilingualError):
    """The project definition is not usable; the message says where."""


# Units as an indicator states them, in English (``unit_en`` overrides).
UNITS_EN = {"万元": "10k yuan", "元": "yuan", "亿元": "100m yuan", "件": "items",
            "项": "items", "个": "items", "人": "persons", "家": "enterprises", "年": "years",
            "%": "%"}


def bilingual(name: str, name_en: str, lang: str) -> str:
    """``name`` in Chinese; in English ``name_en``, else the known English of ``name``,
    else ``name`` itself."""
    if lang == "zh" or not name:
        return name
    return name_en or known_english(name) or name


@dataclass(frozen=True)
class Stage:
    code: str
    name: str
    below: float | None  # upper bound (exclusive); None for the last stage
    name_en: str = ""

    def label(self, lang: str = "zh") -> str:
        """初创期 / Start-up; a stage without a name by its code."""
        return bilingual(self.name, self.name_en, lang) or self.code


@dataclass(frozen=True)
class Band:
    at_least: float | None
    above: float | None
    points: float

    def matches(self, value: float) -> bool:
        if self.at_least is not None:
            return value >= self.at_least
        if self.above is not None:
            return value > self.above
        return True  # otherwise


@dataclass(frozen=True)
class Item:
    value: Expression | None
    when: Expression | None
    points: float


@dataclass(frozen=True)
class Indicator:
    code: str
    name: str
    unit: str
    method: str
    value: Expression | None
    weights: Mapping[str, float]  # stage code ("*" without stages) -> weight
    reference: float | None = None
    same_field: bool = False
    bands: tuple[Band, ...] = ()
    items: tuple[Item, ...] = ()
    cap: float | None = None
    name_en: str = ""
    unit_en: str = ""

    def label(self, lang: str = "zh") -> str:
        return bilingual(self.name, self.name_en, lang) or self.code

    def unit_label(self, lang: str = "zh") -> str:
        if lang == "zh" or not self.unit:
            return self.unit
        return self.unit_en or UNITS_EN.get(self.unit) or known_english(self.unit) \
            or self.unit

    def weight(self, stage: str | None) -> float:
        if self.method == "bands":
            return max((b.points for b in self.bands), default=0)
        if self.method == "points_per_item":
            return self.cap if self.cap is not None else sum(i.points for i in self.items)
        return float(self.weights.get(stage or "*", self.weights.get("*", 0)))


@dataclass(frozen=True)
class Group:
    code: str
    name: str
    indicators: tuple[Indicator, ...]
    cap: float | None = None
    best_of: bool = False
    name_en: str = ""

    def label(self, lang: str = "zh") -> str:
        return bilingual(self.name, self.name_en, lang) or self.code


@dataclass(frozen=True)
class Grade:
    grade: str
    at_least: float | None = None
    passed: bool | None = None  # grades by pass/fail instead of thresholds
    name_en: str = ""  # the grade in English where it is a word (通过 → Passed)

    def label(self, lang: str = "zh") -> str:
        return bilingual(self.grade, self.name_en, lang)


@dataclass(frozen=True)
class Project:
    code: str
    name: str
    name_en: str
    stage_by: str | None  # "years_since_registration", "revenue" or None
    stages: tuple[Stage, ...]
    eligibility: tuple[tuple[Expression, str], ...]
    groups: tuple[Group, ...]
    pass_rule: Expression | None
    direct_pass: tuple[tuple[Expression, str], ...]
    grades: tuple[Grade, ...]
    definition: Mapping[str, Any]
    min_cohort_size: int = MIN_COHORT_SIZE
    # English of the eligibility and direct-pass reasons (Chinese reason -> English).
    reasons_en: Mapping[str, str] = field(default_factory=dict)

    def label(self, lang: str = "zh") -> str:
        """创新积分制 2.0 / Innovation Points 2.0."""
        return self.name if lang == "zh" else (self.name_en or known_english(self.name)
                                               or self.name)

    def stage_label(self, code: str | None, lang: str = "zh") -> str:
        """A stage code by the name this project gives it; an unknown code as it is."""
        for stage in self.stages:
            if stage.code == code:
                return stage.label(lang)
        return code or ""

    def grade_label(self, grade: str | None, lang: str = "zh") -> str:
        for known in self.grades:
            if known.grade == grade:
                return known.label(lang)
        return grade or ""

    def reason_label(self, reason: str, lang: str = "zh") -> str:
        """An eligibility or direct-pass reason in the user's language."""
        if lang == "zh":
            return reason
        return self.reasons_en.get(reason) or known_english(reason) or reason

    @property
    def indicators(self) -> list[Indicator]:
        return [i for g in self.groups for i in g.indicators]

    @property
    def uses_cohorts(self) -> bool:
        """Whether any score depends on the other records (and so on the cohort's size)."""
        return any(i.method in COHORT_METHODS for i in self.indicators)

    @property
    def decides_pass(self) -> bool:
        """Whether the project says who passes: a pass rule or a direct-pass condition.
        Without one there is no 通过 figure to show."""
        return self.pass_rule is not None or bool(self.direct_pass)

    def small_cohorts(self, stage_sizes: Mapping[str, int]) -> list[tuple[str, int]]:
        """Stages (code, or "*" without stages) whose cohort is below the minimum size, with
        their sizes; none when no score is compared within a cohort."""
        if not self.uses_cohorts:
            return []
        order = [s.code for s in self.stages] or ["*"]
        return [(stage, stage_sizes[stage]) for stage in order
                if 0 < stage_sizes.get(stage, 0) < self.min_cohort_size]

    @property
    def fields_used(self) -> set[str]:
        """Dictionary fields any formula, condition or the stage rule reads."""
        expressions = [i.value for i in self.indicators if i.value is not None]
        expressions += [item.value or item.when for i in self.indicators for item in i.items]
        expressions += [c for c, _r in self.eligibility] + [c for c, _r in self.direct_pass]
        if self.pass_rule is not None:
            expressions.append(self.pass_rule)
        used = {name for e in expressions for name in e.names if name in FIELD_KEYS}
        if self.stage_by == "years_since_registration":
            used.add("registration_date")
        elif self.stage_by == "revenue":
            used.add("revenue")
        if any(i.same_field for i in self.indicators):
            used.add("tech_field")
        return used



