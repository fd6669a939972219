"""The national loop's files (SPEC §12.5): the Ministry's problem list and its points file,
checked whole before anything is applied — one line per bad row ("第 N 行：…"), and a file
with any bad row is refused entirely."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from app.domain.errors import BilingualError
from app.domain.records.fields import REGISTRY
from app.domain.records.uscc import has_valid_check_digit, is_well_formed

USCC_HEADER, FIELD_HEADER, PROBLEM_HEADER = "统一社会信用代码", "问题字段", "问题说明"
POINTS_HEADER, GRADE_HEADER = "创新积分", "等级"
FEEDBACK_HEADERS = (USCC_HEADER, FIELD_HEADER, PROBLEM_HEADER)
POINTS_HEADERS = (USCC_HEADER, POINTS_HEADER, GRADE_HEADER)


class NationalFileError(BilingualError):
    """The file is refused whole; ``lines`` are its bad rows, one sentence each."""

    def __init__(self, message_zh: str, message_en: str,
                 lines: Sequence[tuple[str, str]] = ()):
        super().__init__(message_zh, message_en)
        self.lines = [zh for zh, _ in lines]  # "第 N 行：…" (SPEC §12.5)
        self.lines_en = [en for _, en in lines]  # "Row N: …"

    def lines_in(self, lang: str) -> list[str]:
        return self.lines if lang == "zh" else self.lines_en


@dataclass(frozen=True)
class Problem:
    row: int
    uscc: str
    field: str | None  # the field's key, when the Ministry named one
    text: str


@dataclass(frozen=True)
class Points:
    row: int
    uscc: str
    total: float
    grade: str | None
    indicators: dict[str, float] = field(default_factory=dict)


def _clean(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _columns(header: Sequence, wanted: Sequence[str], optional: Iterable[str] = ()) -> dict:
    names = [_clean(h) for h in header]
    missing = [h for h in wanted if h not in names and h not in optional]
    if missing:
        shown = "、".join(missing)
        raise NationalFileError(
            f"表头不对：缺少“{shown}”。第一行应为：{'、'.join(wanted)}。",
            f"The header is wrong: “{shown}” is missing. The first row must name: "
            f"{', '.join(wanted)}.")
    return {name: names.index(name) for name in wanted if name in names} | {
        name: i for i, name in enumerate(names) if name and name not in wanted}


def _uscc_problem(code: str, province_code: str) -> tuple[str, str] | None:
    if not code:
        return "统一社会信用代码为空", "the credit code is empty"
    if not is_well_formed(code) or not has_valid_check_digit(code):
        return (f"统一社会信用代码“{code}”格式或校验位不正确",
                f"the credit code “{code}” is malformed or its check character is wrong")
    if code[2:4] != province_code[:2]:
        return (f"统一社会信用代码“{code}”不属于本省",
                f"the credit code “{code}” belongs to another province")
    return None


def _line(number: int, bad: tuple[str, str]) -> tuple[str, str]:
    return f"第 {number} 行：{bad[0]}", f"Row {number}: {bad[1]}"


def _refuse(lines: list[tuple[str, str]], what_zh: str, what_en: str) -> None:
    if lines:
        raise NationalFileError(
            f"{what_zh}有 {len(lines)} 行不符合要求，整个文件未导入：请改正后重新导入。",
            f"{what_en} has {len(lines)} bad rows; nothing was imported: correct them and "
            "import the file again.", lines)


def _value(row: Sequence, index: int | None):
    if index is None or index >= len(row):
        return None
    return row[index]


def check_feedback(rows: Sequence[Sequence], province_code: str) -> list[Problem]:
    """``rows`` with the header first; the problems, or NationalFileError with every bad row."""
    if not rows:
        raise NationalFileError("文件是空的。", "The file is empty.")
    columns = _columns(rows[0], FEEDBACK_HEADERS, optional=(FIELD_HEADER,))
    problems, lines, seen = [], [], {}
    for number, row in enumerate(rows[1:], start=2):
        if not any(_clean(v) for v in row):
            continue
        code = _clean(_value(row, columns[USCC_HEADER])).upper()
        label = _clean(_value(row, columns.get(FIELD_HEADER)))
        text = _clean(_value(row, columns[PROBLEM_HEADER]))
        bad = _uscc_problem(code, province_code)
        key = None
        if bad is None and code in seen:
            bad = (f"统一社会信用代码“{code}”与第 {seen[code]} 行重复",
                   f"the credit code “{code}” repeats row {seen[code]}")
        if bad is None and label:
            key = REGISTRY.match_header(label)
            if key is None:
                bad = (f"问题字段“{label}”不是数据字典中的字段",
                       f"the problem field “{label}” is not a field of the data dictionary")
        if bad is None and not text:
            bad = ("问题说明为空", "the problem description is empty")
        if bad:
            lines.append(_line(number, bad))
            continue
        seen[code] = number
        problems.append(Problem(number, code, key, text[:2000]))
    _refuse(lines, "问题清单", "The problem list")
    return problems


def check_points(rows: Sequence[Sequence], province_code: str, grades: Iterable[str],
                 indicators: Iterable[str] = ()) -> list[Points]:
    """The points file; ``grades`` are the project's, ``indicators`` its indicator codes
    (a further column headed by one carries that indicator's national points)."""
    if not rows:
        raise NationalFileError("文件是空的。", "The file is empty.")
    columns = _columns(rows[0], POINTS_HEADERS)
    grades = {g for g in grades if g}
    known = set(indicators)
    extra = {name: index for name, index in columns.items()
             if name not in POINTS_HEADERS and name in known}
    found, lines, seen = [], [], {}
    for number, row in enumerate(rows[1:], start=2):
        if not any(_clean(v) for v in row):
            continue
        code = _clean(_value(row, columns[USCC_HEADER])).upper()
        bad = _uscc_problem(code, province_code)
        if bad is None and code in seen:
            bad = (f"统一社会信用代码“{code}”与第 {seen[code]} 行重复",
                   f"the credit code “{code}” repeats row {seen[code]}")
        total = _number(_value(row, columns[POINTS_HEADER]))
        if bad is None and total is None:
            raw = _clean(_value(row, columns[POINTS_HEADER]))
            bad = (f"创新积分“{raw}”不是数字", f"the points “{raw}” are not a number")
        grade = _clean(_value(row, columns[GRADE_HEADER])) or None
        if bad is None and grade is not None and grades and grade not in grades:
            bad = (f"等级“{grade}”不是本项目的等级（{'、'.join(sorted(grades))}）",
                   f"the grade “{grade}” is not one of the project's "
                   f"({', '.join(sorted(grades))})")
        points = {}
        for name, index in extra.items():
            raw = _value(row, index)
            if _clean(raw) == "":
                continue
            number_value = _number(raw)
            if number_value is None and bad is None:
                bad = (f"指标“{name}”的得分“{_clean(raw)}”不是数字",
                       f"the points “{_clean(raw)}” of indicator “{name}” are not a number")
            points[name] = number_value
        if bad:
            lines.append(_line(number, bad))
            continue
        seen[code] = number
        found.append(Points(number, code, total, grade, points))
    _refuse(lines, "积分文件", "The points file")
    return found


def _number(value) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    text = _clean(value).replace(",", "")
    if not text:
        return None
    try:
        number = float(text)
    except ValueError:
        return None
    return number if number == number and abs(number) != float("inf") else None
