"""Checking one record: format rules, then strong and weak rules.

The same ``Validator`` serves the form, batch upload and the API. Build one per
activity (it compiles the rules with the activity's thresholds once) and call
``check`` for each record; cross-record values (W19, W20) come in ``derived``.
"""

from __future__ import annotations

import datetime as dt
import string
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

from app.domain.expressions import Expression, compile_expression
from app.domain.records import sme
from app.domain.records.fields import REGISTRY, STRING_TYPES, Field, FieldRegistry
from app.domain.records.normalize import Lookups, Normalizer, Note
from app.domain.records.rules import DERIVED, FUNCTIONS, RULES, STRONG, Rule

FORMAT = "format"


@dataclass(frozen=True)
class Finding:
    rule: str  # "S3", "W1", or "F:revenue" for a format problem
    severity: str  # format, strong or weak
    fields: tuple[str, ...]
    message_zh: str
    message_en: str

    def message(self, lang: str = "zh") -> str:
        return self.message_zh if lang == "zh" else self.message_en


@dataclass
class Result:
    values: dict[str, Any]
    findings: list[Finding] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity != "weak"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "weak"]

    @property
    def passed(self) -> bool:
        return not self.errors

    def codes(self) -> tuple[list[str], list[str]]:
        return [f.rule for f in self.errors], [f.rule for f in self.warnings]


@dataclass(frozen=True)
class CompiledRule:
    rule: Rule
    expression: Expression
    inputs: frozenset[str]  # dictionary fields the rule reads, directly or derived
    thresholds: Mapping[str, Any]


def compile_rules(settings: Mapping[str, Mapping[str, Any]] | None = None,
                  registry: FieldRegistry = REGISTRY) -> list[CompiledRule]:
    """Rules with an activity's settings: {"W1": {"enabled": False, "thresholds": {...}}}.
    Strong rules stay on whatever the settings say."""
    settings = settings or {}
    variables = frozenset(registry.keys()) | frozenset(DERIVED)
    compiled = []
    for rule in RULES:
        own = settings.get(rule.id, {})
        if rule.severity != STRONG and own.get("enabled", True) is False:
            continue
        thresholds = {**rule.thresholds, **{k: v for k, v in own.get("thresholds", {}).items()
                                            if k in rule.thresholds}}
        expression = compile_expression(rule.when, variables, FUNCTIONS, thresholds)
        inputs = set()
        for name in expression.names:
            inputs.update(DERIVED.get(name, (name,)))
        compiled.append(CompiledRule(rule, expression, frozenset(inputs), thresholds))
    return compiled


_DYNAMIC = frozenset({"sme_size", "similar_figures", "last_year_revenue"})


def _placeholders(rule: Rule) -> set[str]:
    return {name.split(":")[0] for text in (rule.message_zh, rule.message_en)
            for _, name, _, _ in string.Formatter().parse(text) if name}


class Validator:
    def __init__(self, data_year: int, lookups: Lookups,
                 rule_settings: Mapping[str, Mapping[str, Any]] | None = None,
                 shown: Iterable[str] | None = None, required: Iterable[str] = (),
                 registry: FieldRegistry = REGISTRY):
        self.registry = registry
        self.data_year = data_year
        self.normalizer = Normalizer(lookups)
        self.rules = compile_rules(rule_settings, registry)
        shown_keys = set(shown) if shown is not None else set(registry.keys())
        self.fields: list[Field] = [f for f in registry if f.key in shown_keys]
        self.required = {f.key for f in self.fields if f.required} | set(required)
        self.numeric = [f.key for f in self.fields if f.is_numeric]
        self._plan = {f.key: (f, self.normalizer.parser_for(f), f.type in STRING_TYPES)
                      for f in self.fields}
        self._blank_values = {f.key: None for f in self.fields}
        # Required fields in dictionary order, so messages come in form order.
        self.required = [f.key for f in self.fields if f.key in self.required]
        self.data_year_start = dt.date(data_year, 1, 1)
        shown = {f.key for f in self.fields}
        self.required_when = [(f, f.required_when) for f in self.fields
                              if f.required_when in shown and f.key not in self.required]
        # Rules over fields the activity hides cannot run.
        self.rules = [r for r in self.rules if r.inputs <= shown]
        self._run_order = [(r, r.expression.evaluate, r.inputs) for r in self.rules]
        # Messages that name only thresholds are the same every time: format them once.
        self._fixed = {r.rule.id: self._finding(r, {}) for r in self.rules
                       if not _DYNAMIC.intersection(_placeholders(r.rule))}
        self._blank_env = {key: None for key in registry.keys()}
        self._blank_env.update(data_year_start=self.data_year_start, last_year_revenue=None,
                               similar_figures=0, revoked_registration=False)

    def normalize(self, raw: Mapping[str, Any]) -> tuple[dict, list[Finding], list[Note], set]:
        findings: list[Finding] = []
        notes: list[Note] = []
        unusable: set[str] = set()
        values = dict(self._blank_values)
        for key, value in raw.items():
            plan = self._plan.get(key)
            if plan is None or value is None or (value.__class__ is str and not value.strip()):
                continue
            f, parser, string_type = plan
            if string_type and value.__class__ is float and value.is_integer():
                value = str(int(value))  # spreadsheets hand over codes as 2.0
            value, problem, note = parser(f, value)
            if problem is not None:
                findings.append(Finding(f"F:{f.key}", FORMAT, (f.key,),
                                        f"{f.label_zh}：{problem.message_zh}",
                                        f"{f.label_en}: {problem.message_en}"))
                unusable.add(f.key)
            if note is not None:
                notes.append(note)
            values[key] = value
        for key in self.required:
            if values.get(key) is None and key not in unusable:
                f = self.registry[key]
                findings.append(Finding(f"F:{key}", FORMAT, (key,),
                                        f"{f.label_zh}：必填，请填写。",
                                        f"{f.label_en}: required; please fill it in."))
                unusable.add(key)
        self._check_required_when(values, findings, unusable)
        return values, findings, notes, unusable

    def _check_required_when(self, values: Mapping[str, Any], findings: list[Finding],
                             unusable: set[str]) -> None:
        for f, condition in self.required_when:
            if values.get(condition) is True and values.get(f.key) in (None, [], "") \
                    and f.key not in unusable:
                label = self.registry[condition]
                findings.append(Finding(f"F:{f.key}", FORMAT, (f.key,),
                                        f"{f.label_zh}：“{label.label_zh}”为“是”时必填。",
                                        f"{f.label_en}: required when “{label.label_en}” is "
                                        "yes."))
                unusable.add(f.key)

    def normalize_rows(self, rows: Sequence[Sequence[Any]], columns: Mapping[int, str]
                       ) -> list[tuple[dict, list[Finding], list[Note], set]]:
        """``normalize`` for many rows at once (a sheet, where ``columns`` says which field
        each position holds), column by column: the same results, several times faster."""
        count = len(rows)
        by_key: dict[str, list] = {}
        findings: dict[int, list[Finding]] = {}
        notes: dict[int, list[Note]] = {}
        unusable: dict[int, set[str]] = {}
        for position, key in columns.items():  # in column order, as ``normalize`` reads raw
            plan = self._plan.get(key)
            if plan is None:
                continue
            f = plan[0]
            try:
                cells = list(map(itemgetter(position), rows))
            except IndexError:  # ragged rows: short ones lack the cell
                cells = [row[position] if position < len(row) else None for row in rows]
            values, problems, column_notes = self.normalizer.column(f, cells)
            by_key[key] = values
            for i, problem in problems.items():
                findings.setdefault(i, []).append(Finding(
                    f"F:{f.key}", FORMAT, (f.key,), f"{f.label_zh}：{problem.message_zh}",
                    f"{f.label_en}: {problem.message_en}"))
                unusable.setdefault(i, set()).add(f.key)
            for i, note in column_notes.items():
                notes.setdefault(i, []).append(note)
        blank = [None] * count
        for key in self.required:
            values = by_key.get(key, blank)
            if None not in values:
                continue
            f = self.registry[key]
            missing = Finding(f"F:{key}", FORMAT, (key,), f"{f.label_zh}：必填，请填写。",
                              f"{f.label_en}: required; please fill it in.")
            for i, value in enumerate(values):
                if value is None and key not in unusable.get(i, ()):
                    findings.setdefault(i, []).append(missing)
                    unusable.setdefault(i, set()).add(key)
        keys = list(self._blank_values)
        rows_of_values = zip(*[by_key.get(key, blank) for key in keys], strict=True)
        results = [(dict(zip(keys, values, strict=True)), findings.get(i, []), notes.get(i, []),
                    unusable.get(i, set())) for i, values in enumerate(rows_of_values)]
        if self.required_when:
            for values, row_findings, _notes, row_unusable in results:
                self._check_required_when(values, row_findings, row_unusable)
        return results

    def check(self, raw: Mapping[str, Any], derived: Mapping[str, Any] | None = None) -> Result:
        values, findings, notes, unusable = self.normalize(raw)
        findings.extend(self.run_rules(values, unusable, derived))
        return Result(values, findings, notes)

    def run_rules(self, values: Mapping[str, Any], unusable: set[str] = frozenset(),
                  derived: Mapping[str, Any] | None = None) -> list[Finding]:
        env = {**self._blank_env, **values}
        for key in self.numeric:  # an empty optional number counts as 0
            if env[key] is None:
                env[key] = 0
        run = self._run_order
        env["sme_size"] = sme.classify(env["sme_industry"], env["employees"], env["revenue"],
                                       env["total_assets"])
        if derived:
            env.update(derived)
        findings = []
        for compiled, evaluate, inputs in run:
            if unusable and inputs & unusable:
                continue  # inputs missing or malformed: the format error already says so
            try:
                fired = evaluate(env)
            except (ArithmeticError, TypeError, ValueError):
                continue
            if fired:
                fixed = self._fixed.get(compiled.rule.id)
                findings.append(fixed if fixed is not None else self._finding(compiled, env))
        return findings

    @staticmethod
    def _finding(compiled: CompiledRule, env: Mapping[str, Any]) -> Finding:
        """The finding of a fired rule, its message filled in with thresholds and values."""
        rule = compiled.rule
        params = {**compiled.thresholds, "sme_size": env.get("sme_size"),
                  "similar_figures": env.get("similar_figures"),
                  "last_year_revenue": env.get("last_year_revenue")}
        fields = tuple(sorted(k for k in compiled.inputs if k in REGISTRY)) or rule.highlight
        return Finding(rule.id, rule.severity, fields, rule.message_zh.format(**params),
                       rule.message_en.format(**params))
