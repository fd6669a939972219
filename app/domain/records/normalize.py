"""Turning what people type (or what a spreadsheet holds) into typed values.

What is unambiguous is normalized and said so (trimmed, full-width to
half-width, upper-cased codes, 2025/3/1 → 2025-03-01, thousands separators);
anything else becomes a problem that names the field and says what to type.
The raw input is never changed here: callers keep it to show it again.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import sys
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from app.domain.records import fields as F
from app.domain.records.uscc import is_well_formed

EXCEL_EPOCH = dt.date(1899, 12, 30)
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_LIST_SEPARATORS = re.compile(r"[；;,，、\n]+")
_TRUE = {"是", "y", "yes", "true", "1", "有"}
_FALSE = {"否", "n", "no", "false", "0", "无"}
_YES_NO = {"是": True, "否": False, "": None}
_INF, _LOWEST = math.inf, -sys.float_info.max  # finite floats lie in [_LOWEST, _INF)
_SLOW = object()  # a cell the column fast path leaves to ``value``


@dataclass(frozen=True)
class Problem:
    field: str
    message_zh: str
    message_en: str


@dataclass(frozen=True)
class Note:
    field: str
    message_zh: str
    message_en: str


@dataclass(frozen=True)
class Lookups:
    """What normalizing needs to know beyond the value: regions and banks."""

    province_code: str = "21"
    county_names: Mapping[str, str] | None = None  # full name or name → county code
    county_codes: frozenset[str] = frozenset()
    bank_names: frozenset[str] = frozenset()


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _half_width(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


class Normalizer:
    """Normalizes values field by field; one instance serves a whole batch."""

    def __init__(self, lookups: Lookups):
        self.lookups = lookups
        self._parsers: dict[str, Callable] = {
            F.TEXT: self._text, F.PERSON_NAME: self._text, F.USCC: self._uscc,
            F.DATE: self._date, F.DECIMAL: self._decimal, F.INT: self._int,
            F.REGION: self._region, F.ENUM: self._enum, F.BOOL: self._bool,
            F.MULTI_ENUM: self._multi_enum, F.MOBILE: self._mobile, F.EMAIL: self._email,
            F.BANK_LIST: self._bank_list,
        }
        self._fast: dict[str, Callable] = {
            F.TEXT: self._fast_text, F.PERSON_NAME: self._fast_text, F.DECIMAL: self._fast_decimal,
            F.INT: self._fast_int, F.ENUM: self._fast_enum, F.MULTI_ENUM: self._fast_multi_enum,
            F.BOOL: self._fast_bool, F.REGION: self._fast_region, F.MOBILE: self._fast_mobile,
            F.EMAIL: self._fast_email, F.USCC: self._fast_uscc, F.DATE: self._fast_date,
        }
        self._province_counties = frozenset(
            c for c in lookups.county_codes if c.startswith(lookups.province_code))

    def value(self, field: F.Field, raw: Any) -> tuple[Any, Problem | None, Note | None]:
        """(typed value or None, problem, note). Blank input gives (None, None, None)."""
        if raw is None or (raw.__class__ is str and not raw.strip()):
            return None, None, None
        return self.parse(field, raw)

    def column(self, field: F.Field, cells: list) -> tuple[list, dict[int, Problem],
                                                            dict[int, Note]]:
        """``value`` for every cell of a column: (values, {position: problem},
        {position: note}). Cells already in their final form (most of a filled template)
        are taken in one comprehension; the others go through ``value`` one by one."""
        fast = self._fast.get(field.type)
        values = fast(field, cells) if fast else [
            None if v is None or v == "" else _SLOW for v in cells]
        problems: dict[int, Problem] = {}
        notes: dict[int, Note] = {}
        position = -1
        for _ in range(values.count(_SLOW)):
            position = values.index(_SLOW, position + 1)
            value, problem, note = self.value(field, cells[position])
            values[position] = value
            if problem is not None:
                problems[position] = problem
            if note is not None:
                notes[position] = note
        return values, problems, notes

    # Per type, the cells ``value`` would return unchanged (or just converted) without
    # problem or note; None and "" (blank cells) become None, anything else _SLOW.
    def _fast_decimal(self, field, cells):
        low = _LOWEST if field.may_be_negative else 0.0
        return [v if v.__class__ is float and low <= v < _INF
                else (None if v is None or v == "" else _SLOW) for v in cells]

    def _fast_int(self, field, cells):
        low = _LOWEST if field.may_be_negative else 0.0
        return [int(v) if v.__class__ is float and low <= v < _INF and v.is_integer()
                else (None if v is None or v == "" else _SLOW) for v in cells]

    def _fast_text(self, field, cells):
        longest = field.max_length
        return [v if v.__class__ is str and 0 < len(v) <= longest and v.strip() == v
                else (None if v is None or v == "" else _SLOW) for v in cells]

    def _fast_uscc(self, field, cells):
        return [v if v.__class__ is str and is_well_formed(v)
                else (None if v is None or v == "" else _SLOW) for v in cells]

    def _fast_date(self, field, cells):
        return [_iso_date(v) if v.__class__ is str and len(v) == 10
                else (None if v is None or v == "" else _SLOW) for v in cells]

    def _fast_enum(self, field, cells):
        options = {**_options_of(field), "": None}
        return [options.get(v, _SLOW) if v.__class__ is str else (None if v is None else _SLOW)
                for v in cells]

    def _fast_multi_enum(self, field, cells):
        options = _options_of(field)
        return [[options[v]] if v.__class__ is str and v in options
                else (None if v is None or v == "" else _SLOW) for v in cells]

    def _fast_bool(self, field, cells):
        return [_YES_NO.get(v, _SLOW) if v.__class__ is str else (None if v is None else _SLOW)
                for v in cells]

    def _fast_region(self, field, cells):
        codes = self._province_counties
        return [v if v.__class__ is str and v in codes
                else (None if v is None or v == "" else _SLOW) for v in cells]

    def _fast_mobile(self, field, cells):
        return [v if v.__class__ is str and v.isascii() and v.isdigit()
                else (None if v is None or v == "" else _SLOW) for v in cells]

    def _fast_email(self, field, cells):
        # NFKC leaves ASCII as it is, so an ASCII address without spaces around is final.
        return [v if v.__class__ is str and v and v.isascii() and v.strip() == v
                else (None if v is None or v == "" else _SLOW) for v in cells]

    def parser_for(self, field: F.Field) -> Callable:
        """The parser of a field's type; callers handle blanks and spreadsheet floats."""
        return self._parsers[field.type]

    def parse(self, field: F.Field, raw: Any) -> tuple[Any, Problem | None, Note | None]:
        """``value`` for input already known not to be blank."""
        if raw.__class__ is float and raw.is_integer() and field.type in F.STRING_TYPES:
            raw = str(int(raw))  # spreadsheets hand over codes and phone numbers as 2.0
        return self._parsers[field.type](field, raw)

    # -- text-like ------------------------------------------------------------------------
    def _text(self, field, raw):
        text = str(raw).strip()
        if len(text) > field.max_length:
            limit = field.max_length
            return None, Problem(field.key, f"最多 {limit} 个字符，当前 {len(text)} 个。",
                                 f"At most {limit} characters; this has {len(text)}."), None
        note = _note(field, "已去除首尾空格。", "Leading and trailing spaces removed.") \
            if isinstance(raw, str) and text != raw else None
        return text, None, note

    def _uscc(self, field, raw):
        if raw.__class__ is str and is_well_formed(raw):
            return raw, None, None
        code = re.sub(r"\s+", "", _half_width(str(raw))).upper()
        if not is_well_formed(code):
            return None, Problem(
                field.key,
                "应为 18 位，由数字和大写字母组成（不含 I、O、S、V、Z）。",
                "Must be 18 characters of digits and capital letters (no I, O, S, V or Z).",
            ), None
        note = _note(field, "已统一为半角大写、去除空格。", "Converted to half-width capitals, "
                     "spaces removed.") if code != raw else None
        return code, None, note

    def _mobile(self, field, raw):
        if raw.__class__ is str and raw.isascii() and raw.isdigit():
            return raw, None, None
        text = re.sub(r"[\s\-]", "", _half_width(str(raw)))
        if text.startswith("+86"):
            text = text[3:]
        note = _note(field, "已去除空格、连字符和 +86。", "Spaces, dashes and +86 removed.") \
            if text != raw else None
        return text, None, note

    def _email(self, field, raw):
        text = _half_width(str(raw)).strip()
        return text, None, (_note(field, "已统一为半角字符。", "Converted to half-width.")
                            if text != raw else None)

    # -- numbers --------------------------------------------------------------------------
    def _decimal(self, field, raw):
        kind = raw.__class__
        if (kind is float and math.isfinite(raw)) or kind is int:
            if raw < 0 and not field.may_be_negative:
                return None, Problem(field.key, "不能为负数。", "Must not be negative."), None
            return float(raw), None, None
        return self._number(field, raw, integral=False)

    def _int(self, field, raw):
        if raw.__class__ is int:
            if raw < 0 and not field.may_be_negative:
                return None, Problem(field.key, "不能为负数。", "Must not be negative."), None
            return raw, None, None
        return self._number(field, raw, integral=True)

    def _number(self, field, raw, integral):
        note = None
        if isinstance(raw, bool):
            return None, _not_a_number(field, raw), None
        if isinstance(raw, (int, float, Decimal)):
            number = float(raw)
        else:
            text = _half_width(str(raw)).strip().replace(" ", "")
            if _THOUSANDS.match(text):
                text = text.replace(",", "")
                note = _note(field, "已去除千位分隔符。", "Thousands separators removed.")
            if not _NUMBER.match(text):
                return None, _not_a_number(field, raw), None
            if text != str(raw) and note is None:
                note = _note(field, "已转换为半角数字。", "Converted to half-width digits.")
            number = float(text)
        if not math.isfinite(number):
            return None, _not_a_number(field, raw), None
        if number < 0 and not field.may_be_negative:
            return None, Problem(field.key, "不能为负数。", "Must not be negative."), None
        if integral:
            if not number.is_integer():
                return None, Problem(field.key, "应为整数。", "Must be a whole number."), None
            return int(number), None, note
        return number, None, note

    # -- dates ----------------------------------------------------------------------------
    def _date(self, field, raw):
        if isinstance(raw, dt.datetime):
            return raw.date(), None, None
        if isinstance(raw, dt.date):
            return raw, None, None
        if isinstance(raw, (int, float)) and not isinstance(raw, bool):
            if 1 <= raw < 2958466:  # Excel serial day numbers up to 9999-12-31
                return EXCEL_EPOCH + dt.timedelta(days=int(raw)), None, _note(
                    field, "已将 Excel 日期序号转换为日期。", "Excel date number converted.")
            return None, _bad_date(field), None
        if raw.__class__ is str and len(raw) == 10 and raw[4] == "-" and raw[7] == "-":
            try:
                return dt.date.fromisoformat(raw), None, None
            except ValueError:
                pass
        text = _half_width(str(raw)).strip()
        match = _DATE.match(text)
        if not match:
            return None, _bad_date(field), None
        try:
            value = dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        except ValueError:
            return None, _bad_date(field), None
        note = None if text == value.isoformat() else _note(
            field, f"已按 {value.isoformat()} 理解。", f"Read as {value.isoformat()}.")
        return value, None, note

    # -- choices --------------------------------------------------------------------------
    def _enum(self, field, raw):
        options = _options_of(field)
        if raw.__class__ is str and raw in options:
            return options[raw], None, None
        text = _half_width(str(raw)).strip()
        if text in options:
            return options[text], None, None
        return None, _not_an_option(field), None

    def _multi_enum(self, field, raw):
        options = _options_of(field)
        if raw.__class__ is str and raw in options:
            return [options[raw]], None, None
        parts = _split(raw)
        chosen = []
        for part in parts:
            value, problem, _ = self._enum(field, part)
            if problem:
                return None, Problem(field.key, f"“{part}”不是可选项。{problem.message_zh}",
                                     f"“{part}” is not an option. {problem.message_en}"), None
            if value not in chosen:
                chosen.append(value)
        return chosen, None, None

    def _bool(self, field, raw):
        if raw == "是" or raw is True:
            return True, None, None
        if raw == "否" or raw is False:
            return False, None, None
        text = _half_width(str(raw)).strip().lower()
        if text in _TRUE:
            return True, None, None
        if text in _FALSE:
            return False, None, None
        return None, Problem(field.key, "请填写“是”或“否”。", "Enter 是 (yes) or 否 (no)."), None

    def _bank_list(self, field, raw):
        banks = []
        for name in _split(raw):
            if self.lookups.bank_names and name not in self.lookups.bank_names:
                return None, Problem(field.key, f"“{name}”不在银行名录中。",
                                     f"“{name}” is not in the bank directory."), None
            if name not in banks:
                banks.append(name)
        if len(banks) > 3:
            return None, Problem(field.key, "最多填写 3 家意向银行。",
                                 "Name at most 3 intended banks."), None
        return banks, None, None

    def _region(self, field, raw):
        if raw.__class__ is str and raw in self.lookups.county_codes \
                and raw.startswith(self.lookups.province_code):
            return raw, None, None
        text = _half_width(str(raw)).strip()
        code = text if text.isdigit() else (self.lookups.county_names or {}).get(text)
        if code and code in self.lookups.county_codes and \
                code.startswith(self.lookups.province_code):
            note = None if code == text else _note(field, f"已识别为地区代码 {code}。",
                                                   f"Recognised as region code {code}.")
            return code, None, note
        return None, Problem(
            field.key,
            "应为本省区县的 6 位代码或完整名称（如 210202 或 大连市中山区）。",
            "Must be the 6-digit code or full name of a county in this province "
            "(e.g. 210202 or 大连市中山区).",
        ), None


def _iso_date(text: str) -> Any:
    """``_date``'s first fast path, for a 10-character string: the date, or _SLOW."""
    if text[4] == "-" and text[7] == "-":
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            pass
    return _SLOW


def _options_of(field: F.Field) -> dict[str, str]:
    return field.option_lookup


def _split(raw: Any) -> list[str]:
    if isinstance(raw, (list, tuple)):
        return [str(p).strip() for p in raw if str(p).strip()]
    return [p.strip() for p in _LIST_SEPARATORS.split(_half_width(str(raw))) if p.strip()]


def _note(field: F.Field, zh: str, en: str) -> Note:
    return Note(field.key, zh, en)


def _not_a_number(field: F.Field, raw: Any) -> Problem:
    unit = f"，单位为{field.unit}" if field.unit else ""
    unit_en = f" in {field.unit}" if field.unit else ""
    return Problem(field.key, f"“{str(raw)[:30]}”不是数字：请只填写数字{unit}（如 1200.5）。",
                   f"“{str(raw)[:30]}” is not a number: enter digits only{unit_en} (e.g. 1200.5).")


def _bad_date(field: F.Field) -> Problem:
    return Problem(field.key, "不是有效日期：请按 YYYY-MM-DD 填写（如 2021-03-15）。",
                   "Not a valid date: use YYYY-MM-DD (e.g. 2021-03-15).")


def _not_an_option(field: F.Field) -> Problem:
    return Problem(field.key, "请从下列选项中选择：" + "、".join(field.options) + "。",
                   "Choose one of: " + ", ".join(field.options) + ".")
