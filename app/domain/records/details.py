"""Detail tables (明细表, SPEC §12.1): the rows behind a count — one patent a row, one project a
row — declared here beside the field registry, with the counts they derive and the rules
every row must keep. Plain Python: the portal form, the batch sheets, the API and the review
page all use these declarations.

A record with no rows in an asked-for table derives 0 for its counts; a count typed as well
must agree with the rows (a contradiction is an error on the count's column).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

LEVELS = ("地市级", "省级", "国家级")
IP_TYPES = ("发明专利", "实用新型", "外观设计", "软件著作权", "集成电路布图设计", "植物新品种")
STANDARD_TYPES = ("国家标准", "行业标准")
PATENT_NUMBER = re.compile(r"^ZL\d{12}\.[0-9X]$")
PATENT_TYPES = ("发明专利", "实用新型")  # whose number is a patent number (ZL…)

TEXT, ENUM, DATE, YEAR = "text", "enum", "date", "year"


@dataclass(frozen=True)
class Column:
    key: str
    label_zh: str
    label_en: str
    kind: str = TEXT
    options: tuple[str, ...] = ()
    max_length: int = 200

    def label(self, lang: str = "zh") -> str:
        return self.label_en if lang == "en" else self.label_zh


@dataclass(frozen=True)
class DetailTable:
    key: str
    sheet_zh: str
    sheet_en: str
    dimension: str  # the form's tab it sits in (fields.csv dimension)
    columns: tuple[Column, ...]
    # count field -> the rows it counts
    derives: Mapping[str, Callable[[Mapping[str, Any]], bool]] = field(default_factory=dict)
    unique: str | None = None  # a column whose value may not repeat within one record

    def sheet(self, lang: str = "zh") -> str:
        return self.sheet_en if lang == "en" else self.sheet_zh

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(c.key for c in self.columns)

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)


def _level(*levels: str) -> Callable[[Mapping[str, Any]], bool]:
    return lambda row: row.get("level") in levels


def _every(_row: Mapping[str, Any]) -> bool:
    return True


TABLES: dict[str, DetailTable] = {t.key: t for t in (
    DetailTable("ip", "知识产权明细", "Intellectual property", "output", (
        Column("ip_type", "类型", "Type", ENUM, IP_TYPES),
        Column("number", "专利号或登记号", "Patent or registration number", max_length=40),
        Column("title", "名称", "Title"),
        Column("grant_date", "授权日期", "Grant date", DATE)),
        {"invention_patents": lambda row: row.get("ip_type") == "发明专利",
         "ip_count": _every}, unique="number"),
    DetailTable("projects", "科技计划项目明细", "S&T programme projects", "impact", (
        Column("level", "级别", "Level", ENUM, LEVELS),
        Column("name", "项目名称", "Project name"),
        Column("number", "项目编号", "Project number", max_length=60),
        Column("year", "立项年度", "Year approved", YEAR)),
        {"municipal_projects": _level("地市级"), "provincial_projects": _level("省级", "国家级")},
        unique="number"),
    DetailTable("awards", "科技奖励明细", "S&T awards", "impact", (
        Column("level", "级别", "Level", ENUM, LEVELS),
        Column("name", "奖项名称", "Award"),
        Column("year", "获奖年度", "Year awarded", YEAR)),
        {"municipal_awards": _level("地市级"), "provincial_awards": _level("省级", "国家级")}),
    DetailTable("talents", "高层次人才明细", "High-level talents", "impact", (
        Column("name", "姓名", "Name", max_length=50),
        Column("category", "人才类别", "Category"),
        Column("year", "入选年度", "Year selected", YEAR)),
        {"high_level_talents": _every}),
    DetailTable("platforms", "创新平台明细", "Innovation platforms", "impact", (
        Column("level", "级别", "Level", ENUM, LEVELS),
        Column("name", "平台名称", "Platform"),
        Column("year", "认定年度", "Year recognised", YEAR)),
        {"innovation_platforms": _every}),
    DetailTable("standards", "参与制定标准明细", "Standards drafted", "output", (
        Column("std_type", "类型", "Type", ENUM, STANDARD_TYPES),
        Column("number", "标准号", "Standard number", max_length=60),
        Column("name", "标准名称", "Standard name")),
        {"standards": _every}, unique="number"),
)}
DERIVED_BY = {count: table for table in TABLES.values() for count in table.derives}


@dataclass(frozen=True)
class RowFinding:
    """A problem with a detail row (``row`` is its 1-based place in the record's table, or
    None for the table as a whole) or with a count the rows contradict."""

    table: str
    row: int | None
    column: str | None  # a column key, or the count field a contradiction concerns
    message_zh: str
    message_en: str

    def message(self, lang: str = "zh") -> str:
        return self.message_en if lang == "en" else self.message_zh


# -- reading cells ------------------------------------------------------------------------------
def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_date(value: Any) -> dt.date | None:
    """An Excel date, a date, or YYYY-MM-DD (also with / or .); None when it is none."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _text(value).replace("/", "-").replace(".", "-")
    match = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text)
    if not match:
        return None
    try:
        return dt.date(*(int(part) for part in match.groups()))
    except ValueError:
        return None


def read_year(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (dt.date, dt.datetime)):
        return value.year
    text = _text(value).removesuffix("年")
    return int(text) if re.fullmatch(r"(19|20)\d{2}", text) else None


def normalize_row(table: DetailTable, raw: Mapping[str, Any]) -> dict[str, Any]:
    """Typed values of a row as typed or uploaded; what cannot be read stays as text so
    that ``check_rows`` can name it."""
    row: dict[str, Any] = {}
    for column in table.columns:
        value = raw.get(column.key)
        if column.kind == DATE:
            row[column.key] = read_date(value) or (_text(value) or None)
        elif column.kind == YEAR:
            row[column.key] = read_year(value) or (_text(value) or None)
        else:
            text = _text(value)
            if column.key == "number":
                text = text.upper().replace(" ", "")
            row[column.key] = text or None
    return row


# -- checking -------------------------------------------------------------------------------------
def check_rows(table: DetailTable, rows: Sequence[Mapping[str, Any]], data_year: int
               ) -> list[RowFinding]:
    """Every cell filled and readable; dates and years not after the data year; invention
    and utility-model patent numbers as ZL + 12 digits + . + a check character; no number
    twice in the table (reported on the second)."""
    findings: list[RowFinding] = []
    seen: dict[str, int] = {}
    for number, row in enumerate(rows, start=1):
        def say(column: Column, zh: str, en: str, number=number) -> None:
            findings.append(RowFinding(table.key, number, column.key,
                                       f"第 {number} 行“{column.label_zh}”：{zh}",
                                       f"Row {number}, “{column.label_en}”: {en}"))

        for column in table.columns:
            value = row.get(column.key)
            if value in (None, ""):
                say(column, "必须填写。", "required.")
            elif column.kind == ENUM and value not in column.options:
                say(column, f"应为以下之一：{'、'.join(column.options)}。",
                    f"must be one of: {', '.join(column.options)}.")
            elif column.kind == DATE and not isinstance(value, dt.date):
                say(column, "应为日期，如 2024-05-20。", "must be a date such as 2024-05-20.")
            elif column.kind == DATE and value.year > data_year:
                say(column, f"不能晚于数据年度 {data_year} 年。",
                    f"cannot be after the data year {data_year}.")
            elif column.kind == YEAR and not isinstance(value, int):
                say(column, "应为四位年份，如 2023。", "must be a year such as 2023.")
            elif column.kind == YEAR and value > data_year:
                say(column, f"不能晚于数据年度 {data_year} 年。",
                    f"cannot be after the data year {data_year}.")
            elif isinstance(value, str) and len(value) > column.max_length:
                say(column, f"不超过 {column.max_length} 个字符。",
                    f"at most {column.max_length} characters.")
        if table.key == "ip" and row.get("ip_type") in PATENT_TYPES and row.get("number") \
                and not PATENT_NUMBER.match(str(row["number"])):
            say(table.column("number"), "专利号应为 ZL 加 12 位数字、小数点和校验位，"
                "如 ZL202310123456.7。", "a patent number is ZL, 12 digits, a point and a "
                "check character, e.g. ZL202310123456.7.")
        if table.unique and row.get(table.unique):
            key = str(row[table.unique])
            if key in seen:
                column = table.column(table.unique)
                say(column, f"与第 {seen[key]} 行重复。", f"repeats row {seen[key]}.")
            else:
                seen[key] = number
    return findings


def derive(table: DetailTable, rows: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    """The counts the rows give (0 for a table without rows)."""
    rows = list(rows)
    return {count: sum(1 for row in rows if counts(row))
            for count, counts in table.derives.items()}


def derived_counts(tables: Iterable[str], details: Mapping[str, Sequence[Mapping]]
                   ) -> dict[str, int]:
    found: dict[str, int] = {}
    for key in tables:
        found.update(derive(TABLES[key], details.get(key) or []))
    return found


def contradictions(tables: Iterable[str], details: Mapping[str, Sequence[Mapping]],
                   typed: Mapping[str, Any], label: Callable[[str, str], str]
                   ) -> list[RowFinding]:
    """Counts typed beside asked-for tables that the rows do not give (a typed 3 with no
    rows contradicts); ``label(field, lang)`` names the count's column."""
    findings = []
    for key in tables:
        for count, value in derive(TABLES[key], details.get(key) or []).items():
            given = typed.get(count)
            if given in (None, ""):
                continue
            try:
                same = float(given) == value
            except (TypeError, ValueError):
                same = False
            if not same:
                findings.append(RowFinding(
                    key, None, count,
                    f"“{label(count, 'zh')}”填写为 {given}，"
                    f"但{TABLES[key].sheet_zh}有 {value} 行。",
                    f"“{label(count, 'en')}” is given as {given} but "
                    f"{TABLES[key].sheet_en} has {value} rows."))
    return findings


# -- comparing versions ---------------------------------------------------------------------------
def row_changes(before: Mapping[str, Sequence[Mapping]] | None,
                after: Mapping[str, Sequence[Mapping]] | None) -> list[dict]:
    """Rows added, changed and removed between two versions, by uid, per table: for the
    audit log and the diff a reviewer sees on a resubmitted record."""
    before, after = before or {}, after or {}
    changes = []
    for key in TABLES:
        old = {r.get("uid"): r for r in before.get(key) or []}
        new = {r.get("uid"): r for r in after.get(key) or []}
        for uid, row in new.items():
            if uid not in old:
                changes.append({"table": key, "uid": uid, "change": "added", "after": row})
            elif dict(old[uid]) != dict(row):
                changes.append({"table": key, "uid": uid, "change": "changed",
                                "before": old[uid], "after": row})
        for uid, row in old.items():
            if uid not in new:
                changes.append({"table": key, "uid": uid, "change": "removed", "before": row})
    return changes


def describe_row(key: str, row: Mapping[str, Any]) -> str:
    """One row in a line: 发明专利 ZL202310123456.7 一种… 2024-05-20."""
    return " ".join(str(row.get(c.key)) for c in TABLES[key].columns
                    if row.get(c.key) not in (None, ""))
