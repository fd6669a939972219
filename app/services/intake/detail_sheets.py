"""The detail tables (明细表, SPEC §12.1) as workbook sheets: one sheet per table the activity
asks for, after the main sheet, keyed by the enterprise's credit code in the first column.

``workbook.py`` writes the main sheet and calls these for the template, the failure report
and filled test files; ``batch.py`` reads the sheets back with ``read_sheets``. The main
sheet itself never changes because of them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from operator import itemgetter
from typing import Any

from app.domain.errors import BilingualError
from app.domain.records import details as D
from app.domain.records.fields import REGISTRY
from app.domain.records.uscc import is_well_formed

USCC_TITLE = {"zh": "统一社会信用代码", "en": "Unified social credit code"}

INSTRUCTIONS = {
    "zh": ["十一、明细表（{sheets}）：每行一条，第一列填写企业的统一社会信用代码，须与“{main}”中的"
           "一致；每个单元格都要填写；日期或年度不能晚于数据年度；同一企业的同一编号只能出现一次。",
           "十二、由明细表计算的数量（{counts}）可以不填，按明细行数计算；如填写，须与明细行数一致。"
           "没有明细行的企业按 0 计算。"],
    "en": ["11. Detail sheets ({sheets}): one item a row, the enterprise's credit code in the "
           "first column, as in “{main}”; fill every cell; no date or year after the data "
           "year; a number only once per enterprise.",
           "12. Counts the detail sheets give ({counts}) may be left empty: the rows are counted. "
           "A count filled in must equal the rows; an enterprise without rows counts 0."],
}


class SheetError(BilingualError):
    """A detail sheet that cannot be read as a whole (a column missing, too many rows)."""


def headers(table: D.DetailTable, lang: str = "zh") -> list[str]:
    return [USCC_TITLE[lang], *(c.label(lang) for c in table.columns)]


def instructions(tables: Iterable[str], main_sheet: str, lang: str) -> list[str]:
    tables = list(tables)
    sheets = ("、" if lang == "zh" else ", ").join(D.TABLES[k].sheet(lang) for k in tables)
    counts = ("、" if lang == "zh" else ", ").join(
        REGISTRY[c].label(lang) for k in tables for c in D.TABLES[k].derives if c in REGISTRY)
    return [line.format(sheets=sheets, main=main_sheet, counts=counts)
            for line in INSTRUCTIONS[lang]]


# -- writing ------------------------------------------------------------------------------------
def _cell_format(column: D.Column, formats) -> Any:
    if column.kind == D.DATE:
        return formats["date"]
    if column.kind == D.YEAR:
        return formats["int"]
    return formats["text"]


def add_template_sheets(workbook, tables: Iterable[str], lang: str) -> list:
    """The tables' sheets, empty, in the workbook's order of sheets; ``fill_template_sheets``
    writes them after the main sheet is written, so that the main sheet's XML (its shared
    strings are numbered as they are first written) stays what it is without them."""
    return [(key, workbook.add_worksheet(D.TABLES[key].sheet(lang))) for key in tables]


def fill_template_sheets(sheets: list, data_year: int, lang: str, formats, last_row: int
                         ) -> None:
    """Titles, drop-downs for the listed values, dates as dates, years as numbers."""
    for key, sheet in sheets:
        table = D.TABLES[key]
        titles = headers(table, lang)
        sheet.write_row(0, 0, titles, formats["required"])
        sheet.set_column(0, 0, 24, formats["text"])
        sheet.set_row(0, 30)
        for col, column in enumerate(table.columns, start=1):
            sheet.set_column(col, col, 30 if column.kind == D.TEXT else 16,
                             _cell_format(column, formats))
            title = titles[col][:32]
            if column.kind == D.ENUM:
                sheet.data_validation(1, col, last_row, col, {
                    "validate": "list", "source": list(column.options),
                    "error_type": "warning", "error_title": title,
                    "error_message": ("请从下拉列表中选择。" if lang == "zh"
                                      else "Choose from the list.")})
            elif column.kind == D.DATE:
                sheet.data_validation(1, col, last_row, col, {
                    "validate": "any", "input_title": title,
                    "input_message": (f"YYYY-MM-DD，不晚于 {data_year}-12-31" if lang == "zh"
                                      else f"YYYY-MM-DD, not after {data_year}-12-31")})
            elif column.kind == D.YEAR:
                sheet.data_validation(1, col, last_row, col, {
                    "validate": "integer", "criteria": "between", "minimum": 1900,
                    "maximum": data_year, "error_type": "warning", "error_title": title,
                    "error_message": (f"四位年份，不晚于 {data_year}" if lang == "zh"
                                      else f"A year, not after {data_year}")})
        sheet.data_validation(1, 0, last_row, 0, {
            "validate": "length", "criteria": "==", "value": 18, "error_type": "warning",
            "error_title": titles[0][:32],
            "error_message": "18 位统一社会信用代码" if lang == "zh" else "18 characters"})
        sheet.freeze_panes(1, 1)


def write_filled_sheets(workbook, tables: Iterable[str], rows: Mapping[str, Iterable[Mapping]],
                        lang: str, write_value) -> None:
    """Sheets filled with rows {"uscc": …, <column key>: …}, as a bureau fills them (tests and
    benchmarks). Written a sheet at a time, so a constant-memory workbook may take them."""
    for key in tables:
        table = D.TABLES[key]
        sheet = workbook.add_worksheet(table.sheet(lang))
        sheet.write_row(0, 0, headers(table, lang))
        for r, row in enumerate(rows.get(key) or [], start=1):
            for col, name in enumerate(("uscc", *table.keys)):
                write_value(sheet, r, col, row.get(name), None)


def write_failure_sheets(workbook, tables: Iterable[str], failures: list[dict], lang: str,
                         formats, write_value, reason_title: str) -> None:
    """The rows of the failed records and the rows matching no record, each sheet as the
    template has it plus a reason column; the cells at fault marked, with the reason."""
    for key in tables:
        table = D.TABLES[key]
        sheet = workbook.add_worksheet(table.sheet(lang))
        titles = headers(table, lang)
        sheet.write_row(0, 0, titles, formats["header"])
        reason_col = len(titles)
        sheet.write_string(0, reason_col, reason_title, formats["required"])
        sheet.set_column(0, len(titles) - 1, 20)
        sheet.set_column(reason_col, reason_col, 60, formats["wrap"])
        sheet.freeze_panes(1, 1)
        positions = {"uscc": 0, **{c.key: i for i, c in enumerate(table.columns, start=1)}}
        r = 0
        for failure in failures:
            said: dict[int, list[tuple[str | None, str]]] = {}
            for error in failure["errors"]:
                if error.get("table") == key and error.get("sheet_row") is not None:
                    said.setdefault(error["sheet_row"], []).append(
                        (error.get("column"), error["zh" if lang == "zh" else "en"]))
            for place, cells in (failure.get("details") or {}).get(key, []):
                r += 1
                bad: dict[int, list[str]] = {}
                for column, message in said.get(place, []):
                    bad.setdefault(positions.get(column, 0), []).append(message)
                for col, value in enumerate(cells):
                    write_value(sheet, r, col, value, formats["bad"] if col in bad else None)
                    if col in bad:
                        sheet.write_comment(r, col, "\n".join(bad[col])[:1000],
                                            {"x_scale": 2, "y_scale": 1.5})
                reasons = [message for _c, message in said.get(place, [])]
                if reasons:
                    sheet.write_string(r, reason_col, "；".join(reasons)[:32000])


# -- reading ------------------------------------------------------------------------------------
def _title_key(text: Any) -> str:
    text = unicodedata.normalize("NFKC", str(text or "")).strip().lstrip("*").strip().lower()
    return re.sub(r"\s+", "", text)


def uscc_key(value: Any) -> str:
    """The credit code a cell gives, as the main sheet's is matched (half-width capitals,
    no spaces; a number the spreadsheet made of an all-digit code back to its digits)."""
    if value.__class__ is str and is_well_formed(value):
        return value
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(value))).upper()


def _sheet_of(book, table: D.DetailTable):
    names = {_title_key(name): name for name in book.sheet_names}
    for title in (table.sheet_zh, table.sheet_en):
        if _title_key(title) in names:
            return book.get_sheet_by_name(names[_title_key(title)])
    return None


def _positions(table: D.DetailTable, header: list) -> list[int]:
    """Where the credit code and each column sit in a sheet's header (any order)."""
    found: dict[str, int] = {}
    wanted = {_title_key(USCC_TITLE["zh"]): "uscc", _title_key(USCC_TITLE["en"]): "uscc",
              "uscc": "uscc"}
    for column in table.columns:
        for title in (column.label_zh, column.label_en, column.key):
            wanted[_title_key(title)] = column.key
    for index, text in enumerate(header):
        key = wanted.get(_title_key(text)) or (
            "uscc" if REGISTRY.match_header(text) == "uscc" else None)
        if key and key not in found:
            found[key] = index
    order = ("uscc", *table.keys)
    missing = [k for k in order if k not in found]
    if missing:
        names_zh = [USCC_TITLE["zh"] if k == "uscc" else table.column(k).label_zh
                    for k in missing]
        names_en = [USCC_TITLE["en"] if k == "uscc" else table.column(k).label_en
                    for k in missing]
        raise SheetError(f"“{table.sheet_zh}”缺少列：{'、'.join(names_zh)}。请使用本活动的模板。",
                         f"“{table.sheet_en}” lacks columns: {', '.join(names_en)}. Use the "
                         "activity's template.")
    return [found[k] for k in order]


def read_sheets(book, tables: Iterable[str], max_rows: int
                ) -> dict[str, list[tuple[int, str, list]]]:
    """Each asked-for table's rows as (Excel row, credit code, cells in the template's column
    order, the code first); empty rows left out. A workbook without a table's sheet gives
    no rows for it (every record then derives 0)."""
    found: dict[str, list[tuple[int, str, list]]] = {}
    codes: dict[Any, str] = {}  # cell -> credit code, read once for all the sheets
    for key in tables:
        table = D.TABLES[key]
        sheet = _sheet_of(book, table)
        rows = sheet.to_python(skip_empty_area=False) if sheet is not None else []
        if not rows:
            found[key] = []
            continue
        if len(rows) > max_rows + 1:
            raise SheetError(f"“{table.sheet_zh}”最多 {max_rows} 行，请拆分后上传。",
                             f"“{table.sheet_en}” may have at most {max_rows} rows: split it.")
        positions = _positions(table, rows[0])
        width = max(positions) + 1
        # The template's own order (most files) is a slice; another a pick of the cells.
        pick = None if positions == list(range(width)) else itemgetter(*positions)
        kept = []
        for number, row in enumerate(rows[1:], start=2):
            if len(row) < width:
                row = [*row, *([None] * (width - len(row)))]
            cells = (row if len(row) == width else row[:width]) if pick is None \
                else list(pick(row))
            if cells.count(None) + cells.count("") == width:
                continue  # an empty row, or text only in columns no table has
            code = codes.get(cells[0])
            if code is None:
                code = codes[cells[0]] = uscc_key(cells[0])
            kept.append((number, code, cells))
        found[key] = kept
    return found
