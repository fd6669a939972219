"""Enterprise profiles (企业画像, SPEC §12.4): an enterprise's figures across data years, and
the criteria (auto tags, pool entry and exit) written over them in the indicator language.

A criterion reads the latest year's fields by name, ``growth(field, n)`` (compound growth
over n years) and ``prev(field, n)`` (the value n years before), the score of the year
(``score_total``, ``score_grade``) and ``years_reported``. A value the criterion needs but
the enterprise lacks makes the criterion *insufficient* (数据不足): it is never guessed.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from app.domain.expressions import Expression, ExpressionError, NoValue, compile_expression
from app.domain.records.fields import BANK_LIST, MULTI_ENUM, REGISTRY

NUMERIC_FIELDS: tuple[str, ...] = tuple(REGISTRY.numeric_keys())
# Extra names a criterion may read beside the dictionary's fields.
EXTRA_NAMES = ("score_total", "score_grade", "years_reported", "data_year")
LIST_TYPES = frozenset({MULTI_ENUM, BANK_LIST})
SERIES_FUNCTIONS = ("growth", "prev")
MAX_SPAN = 10
FUNCTIONS = {"max": max, "min": min, "abs": abs,
             "count": lambda v: len(v) if isinstance(v, (list, tuple)) else (0 if v is None else 1)}

TRUE, FALSE, INSUFFICIENT = "true", "false", "insufficient"


@dataclass
class Profile:
    """What the criteria read: figures per data year, and the latest year's score."""

    years: dict[int, dict[str, Any]] = field(default_factory=dict)
    score_total: float | None = None
    score_grade: str | None = None

    @property
    def latest_year(self) -> int | None:
        return max(self.years) if self.years else None

    def env(self, year: int | None = None) -> dict[str, Any]:
        """The names a criterion reads, for ``year`` (default: the latest)."""
        year = year if year is not None else self.latest_year
        values = dict(self.years.get(year, {})) if year is not None else {}
        for spec in REGISTRY:
            key = spec.key
            if spec.type in LIST_TYPES:
                values[key] = values.get(key) or []  # no qualifications: none, not unknown
            else:
                values.setdefault(key, None)
        values.update(score_total=self.score_total, score_grade=self.score_grade,
                      years_reported=len(self.years), data_year=year)
        return values


def growth(profile: Profile, key: str, span: int, year: int) -> float | None:
    """(value of year ÷ value of year − span)^(1/span) − 1; None without both years or with
    a non-positive base (no growth rate exists from zero)."""
    now = profile.years.get(year, {}).get(key)
    then = profile.years.get(year - span, {}).get(key)
    if now is None or then is None or then <= 0 or now < 0:
        return None
    return (now / then) ** (1 / span) - 1


def previous(profile: Profile, key: str, span: int, year: int) -> float | None:
    return profile.years.get(year - span, {}).get(key)


class _SeriesCalls(ast.NodeTransformer):
    """``growth(revenue, 3)`` → the name ``growth__revenue__3``, worked out before evaluation."""

    def __init__(self):
        self.calls: dict[str, tuple[str, str, int]] = {}

    def visit_Call(self, node):
        self.generic_visit(node)
        if not (isinstance(node.func, ast.Name) and node.func.id in SERIES_FUNCTIONS):
            return node
        name = node.func.id
        args = node.args
        if (len(args) != 2 or node.keywords or not isinstance(args[0], ast.Name)
                or not isinstance(args[1], ast.Constant) or type(args[1].value) is not int):
            raise ExpressionError(
                f"{name}() 的写法是 {name}(字段, 年数)，例如 {name}(revenue, 3)（第 "
                f"{node.col_offset + 1} 个字符）。",
                f"{name}() is written {name}(field, years), e.g. {name}(revenue, 3) "
                f"(character {node.col_offset + 1}).")
        key, span = args[0].id, args[1].value
        if key not in NUMERIC_FIELDS:
            raise ExpressionError(
                f"{name}() 只能用于数值字段，“{key}”不是（第 {args[0].col_offset + 1} 个字符）。",
                f"{name}() takes a numeric field; “{key}” is not one "
                f"(character {args[0].col_offset + 1}).")
        if not 1 <= span <= MAX_SPAN:
            raise ExpressionError(
                f"年数须在 1 到 {MAX_SPAN} 之间（第 {args[1].col_offset + 1} 个字符）。",
                f"The years must be between 1 and {MAX_SPAN} "
                f"(character {args[1].col_offset + 1}).")
        alias = f"{name}__{key}__{span}"
        self.calls[alias] = (name, key, span)
        return ast.copy_location(ast.Name(id=alias, ctx=ast.Load()), node)


@dataclass(frozen=True)
class Criterion:
    text: str
    expression: Expression
    series: Mapping[str, tuple[str, str, int]]  # alias -> (function, field, span)
    divisors: tuple[tuple[int, Expression], ...]  # (character, divisor) for the save check

    def evaluate(self, profile: Profile, year: int | None = None) -> tuple[str, dict]:
        """(TRUE | FALSE | INSUFFICIENT, the values it read)."""
        year = year if year is not None else profile.latest_year
        if year is None or year not in profile.years:
            return INSUFFICIENT, {}
        env = profile.env(year)
        for alias, (function, key, span) in self.series.items():
            work = growth if function == "growth" else previous
            env[alias] = work(profile, key, span, year)
        used = {name: env.get(name) for name in sorted(self.expression.names)}
        # A missing value the evaluation reaches raises TypeError (None < 3): 数据不足. One
        # it never reaches (``revenue >= 2000 and growth(revenue, 3) > 0.2`` with a small
        # revenue) decides nothing, so it does not make the criterion insufficient.
        try:
            return (TRUE if self.expression.evaluate(env) else FALSE), used
        except (NoValue, TypeError, ZeroDivisionError, OverflowError):
            return INSUFFICIENT, used


def variables() -> frozenset[str]:
    return frozenset(REGISTRY.keys()) | frozenset(EXTRA_NAMES)


def compile_criterion(text: str) -> Criterion:
    """Parse and check a criterion; the error says where (the editor's checker)."""
    if not isinstance(text, str) or not text.strip():
        raise ExpressionError("条件为空。", "The criterion is empty.")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError:
        compile_expression(text, variables(), FUNCTIONS)  # raises with the position
        raise
    finder = _SeriesCalls()
    tree = finder.visit(tree)
    ast.fix_missing_locations(tree)
    names = variables() | frozenset(finder.calls)
    try:
        expression = compile_expression(ast.unparse(tree), names, FUNCTIONS)
    except ExpressionError as error:
        raise _located(error, text) from None
    divisors = []
    for node in ast.walk(tree):
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Div, ast.Mod)):
            divisors.append((node.right.col_offset + 1,
                             compile_expression(ast.unparse(node.right), names, FUNCTIONS)))
    return Criterion(text.strip(), expression, dict(finder.calls), tuple(divisors))


def _located(error: ExpressionError, text: str) -> ExpressionError:
    """An unknown name's message with the character where it stands in the author's text."""
    zh, en = error.message_zh, error.message_en
    for quoted in _quoted_names(zh):
        at = _find_name(text, quoted)
        if at is not None:
            return ExpressionError(f"{zh}（第 {at + 1} 个字符）", f"{en} (character {at + 1})")
    return error


def _quoted_names(message: str) -> list[str]:
    parts = message.split("“")[1:]
    return [p.split("”")[0] for p in parts if "”" in p]


def _find_name(text: str, name: str) -> int | None:
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError:
        return None
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id == name:
            return node.col_offset
    return None


def zero_divisors(criterion: Criterion, profiles: Iterable[Profile]) -> list[tuple[int, int]]:
    """[(character, how many profiles)] of divisions that meet zero on the given profiles:
    a criterion is refused at save if any does (the author adds a guard such as
    ``revenue > 0 and rd_expense / revenue >= 0.1``)."""
    hits: dict[int, int] = {}
    for profile in profiles:
        year = profile.latest_year
        if year is None:
            continue
        env = profile.env(year)
        for alias, (function, key, span) in criterion.series.items():
            work = growth if function == "growth" else previous
            env[alias] = work(profile, key, span, year)
        if _guarded(criterion, env):
            continue
        for position, divisor in criterion.divisors:
            try:
                value = divisor.evaluate(env)
            except (NoValue, TypeError, ArithmeticError):
                continue
            if value == 0:
                hits[position] = hits.get(position, 0) + 1
    return sorted(hits.items())


def _guarded(criterion: Criterion, env: dict) -> bool:
    """True when the whole criterion evaluates without meeting a zero divisor (a guard such
    as ``revenue > 0 and …`` short-circuits before the division)."""
    try:
        criterion.expression.evaluate(env)
    except NoValue:
        return False
    except (TypeError, ArithmeticError):
        return True  # missing data: 数据不足 at evaluation, not a division by zero
    return True


def describe_values(values: Mapping[str, Any]) -> str:
    """``revenue = 1,200.00; growth(revenue, 3) = 31.2%`` for a proposal's reason."""
    parts = []
    for name, value in values.items():
        shown = name
        if "__" in name:
            function, key, span = name.split("__")
            shown = f"{function}({key}, {span})"
        if value is None:
            parts.append(f"{shown} = —")
        elif isinstance(value, (list, tuple)):
            parts.append(f"{shown} = {'、'.join(map(str, value)) or '—'}")
        elif isinstance(value, float) and name.startswith("growth__"):
            parts.append(f"{shown} = {value * 100:.1f}%")
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            parts.append(f"{shown} = {value:,.2f}".rstrip("0").rstrip("."))
        else:
            parts.append(f"{shown} = {value}")
    return "; ".join(parts)
