"""Detail rows (明细表, SPEC §12.1) in a batch: the rows of the detail sheets (or of the API's
``details`` arrays) given to their records, each record's rows checked, its counts derived,
and the counts typed beside them compared with the rows.

Part of services.batch. A row is known by its *place*: its Excel row in its sheet, or its
1-based position in an API array; messages name that place, not the row's position among
the record's rows that ``domain.records.details.check_rows`` counts.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import compress
from typing import Any

from app.domain.errors import BilingualError
from app.domain.records import details as D
from app.domain.records.fields import REGISTRY
from app.services.intake.detail_sheets import uscc_key
from app.services.intake.details import DetailFinding

UNMATCHED = "D:unmatched"
UID_BYTES = 6  # as services.intake.details.new_uid: 12 hexadecimal characters
_SLOW = object()  # a cell the quick reader leaves to normalize_row
_ROW_ZH = re.compile(r"^第 \d+ 行“[^”]*”：")
_ROW_EN = re.compile(r"^Row \d+, “[^”]*”: ")
_REPEATS_ZH = re.compile(r"与第 (\d+) 行重复")
_REPEATS_EN = re.compile(r"repeats row (\d+)")

Rows = dict[str, list[tuple[int, list]]]  # table -> [(place, cells: code first)]
_DATES = {key: [c.key for c in table.columns if c.kind == D.DATE]
          for key, table in D.TABLES.items()}
_UID_AND = {key: ("uid", *table.keys) for key, table in D.TABLES.items()}


class ShapeError(BilingualError):
    """API details that are not arrays of objects: the request as a whole is refused."""


@dataclass
class Checked:
    """One record's rows: the counts they give, what is wrong with them, the rows as given
    (for the failure report) and as read (``typed``: {"uid": None, <column>: value}, the
    uid given by ``stored``)."""

    derived: dict[str, int] = field(default_factory=dict)
    findings: list[DetailFinding] = field(default_factory=list)
    rows: Rows = field(default_factory=dict)
    typed: dict[str, list[dict]] = field(default_factory=dict)

    def stored(self) -> dict[str, list[dict]]:
        """The rows as a record keeps them: a uid each, dates as ISO text (the typed rows
        themselves, made so: they are not needed as they were afterwards)."""
        # One draw of randomness for the record's uids (each as new_uid makes one).
        uids = secrets.token_hex(UID_BYTES * sum(map(len, self.typed.values())))
        n = 0
        for key, rows in self.typed.items():
            dates = _DATES[key]
            for row in rows:
                row["uid"] = uids[n:n + 2 * UID_BYTES]
                n += 2 * UID_BYTES
                for name in dates:
                    if isinstance(row[name], dt.date):
                        row[name] = row[name].isoformat()
        return self.typed


def plain(value: Any) -> Any:
    """A cell as JSON keeps it for the failure report: a date as YYYY-MM-DD (what the
    sheet reads back), a time of day only where there is one."""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    return value.isoformat() if isinstance(value, dt.date) else value


def group(sheets: Mapping[str, list[tuple[int, str, list]]]) -> dict[str, Rows]:
    """The sheets' rows by credit code, then table."""
    by_code: dict[str, Rows] = {}
    for key, rows in sheets.items():
        for place, code, cells in rows:
            tables = by_code.get(code)
            if tables is None:
                tables = by_code[code] = {key: []}
            elif key not in tables:
                tables[key] = []
            tables[key].append((place, cells))
    return by_code


def _label(count: str) -> str:
    return REGISTRY[count].label_with_unit("zh") if count in REGISTRY.keys() else count


class Details:
    """What the batch's checks need of the detail rows: each record's rows (in the records'
    order), how to title a count's column, and the failure entries of the rows that match
    no record."""

    def __init__(self, per_record: list[Rows], title: Callable[[str], str] = _label,
                 unmatched: Sequence[dict] = ()):
        self.per_record = per_record
        self.title = title
        self.unmatched = list(unmatched)


def match(records: Sequence[tuple[int, list]], columns: Mapping[int, str], header: list,
          sheets: Mapping[str, list[tuple[int, str, list]]], main: str) -> Details:
    """Give each main-sheet record the detail rows of its credit code; the rows of codes
    in no record become failure entries. ``main`` is the main sheet's name."""
    by_code = group(sheets)
    at = {key: i for i, key in columns.items()}
    position = at.get("uscc")
    per_record, used = [], set()
    for _number, cells in records:
        code = cells[position] if position is not None and position < len(cells) else None
        if code not in by_code:  # mostly the very text of the detail sheets' codes
            code = uscc_key(code)
        mine = by_code.get(code) if code else None
        per_record.append(mine or {})
        if mine:
            used.add(code)
    unmatched_rows = [unmatched(key, place, code, cells, main)
                      for key, rows in sheets.items() for place, code, cells in rows
                      if code not in used]

    def title(count: str) -> str:  # the count's column as the uploaded main sheet titles it
        i = at.get(count)
        if i is not None and i < len(header) and header[i] not in (None, ""):
            return str(header[i]).strip()
        return _label(count)

    return Details(per_record, title, unmatched_rows)


def from_api(tables: Sequence[str], given: Any, index: int) -> Rows:
    """An API record's ``details`` ({"ip": [{ip_type, number, …}], …}) as rows; tables the
    activity does not ask for are ignored, as unknown fields are."""
    if given is None:
        return {}
    if not isinstance(given, dict):
        raise ShapeError(f"第 {index} 条记录的 details 应为对象。",
                         f"Record {index}: details must be an object of arrays.")
    rows: Rows = {}
    for key in tables:
        items = given.get(key)
        if items is None:
            continue
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise ShapeError(f"第 {index} 条记录的 details.{key} 应为对象数组。",
                             f"Record {index}: details.{key} must be an array of objects.")
        keys = D.TABLES[key].keys
        rows[key] = [(place, [None, *(item.get(k) for k in keys)])
                     for place, item in enumerate(items, start=1)]
    return rows


def _same(given: Any, value: int | None) -> bool:
    """What ``contradictions`` calls agreeing."""
    try:
        return float(given) == value
    except (TypeError, ValueError):
        return False


def _date(value: Any) -> Any:
    """A cell already a date, or ISO text; _SLOW for anything else."""
    kind = value.__class__
    if kind is str:
        if len(value) == 10 and value[4] == "-" and value[7] == "-":
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                return _SLOW
        return _SLOW
    if kind is dt.date:
        return value
    return value.date() if kind is dt.datetime else _SLOW


def _text(value: Any) -> Any:
    return value if value.__class__ is str and value and value.strip() == value else _SLOW


def _code(value: Any) -> Any:  # a number as normalize_row leaves it: no spaces, capitals
    return value if value.__class__ is str and value and value.strip() == value \
        and " " not in value and value.upper() == value else _SLOW


def _year(value: Any) -> Any:
    kind = value.__class__
    return int(value) if (kind is float or kind is int) and 1900 <= value < 2100 \
        and value == int(value) else _SLOW


class _Quick:
    """``normalize_row`` over a whole table's rows, column by column, for cells already in
    their final form (a filled template's: plain text, dates, whole years), and which rows
    ``check_rows`` would find nothing wrong with (repeats aside). A row with any other cell
    goes to ``normalize_row``, and its record to ``check_rows``, which say what is wrong;
    the two must agree, as tests/test_batch_details.py checks."""

    def __init__(self, table: D.DetailTable, data_year: int):
        self.table = table
        self.data_year = data_year

    def rows(self, cells: list[list]) -> tuple[list[dict], list[bool]]:
        table, year = self.table, self.data_year
        if not cells:
            return [], []
        columns = list(zip(*cells, strict=True))[1:]  # the credit code is not a column
        values, bad, slow = [], set(), set()
        for column, given in zip(table.columns, columns, strict=True):
            if column.kind == D.DATE:
                read = list(map(_date, given))
                bad.update([i for i, v in enumerate(read) if v is not _SLOW and v.year > year])
            elif column.kind == D.YEAR:
                read = list(map(_year, given))
                bad.update([i for i, v in enumerate(read) if v is not _SLOW and v > year])
            else:
                read = list(map(_code if column.key == "number" else _text, given))
                longest = column.max_length
                options = frozenset(column.options) if column.kind == D.ENUM else None
                bad.update([i for i, v in enumerate(read) if v is not _SLOW and (
                    len(v) > longest or (options is not None and v not in options))])
            if _SLOW in read:
                slow.update([i for i, v in enumerate(read) if v is _SLOW])
            values.append(read)
        keys = table.keys
        values.insert(0, [None] * len(cells))  # the uid, given when the row is stored
        rows = [dict(zip(_UID_AND[table.key], row, strict=True))
                for row in zip(*values, strict=True)]
        for i in slow:
            rows[i] = {"uid": None,
                       **D.normalize_row(table, dict(zip(keys, cells[i][1:], strict=True)))}
        bad |= slow
        if table.key == "ip":
            match = D.PATENT_NUMBER.match
            bad.update([i for i, row in enumerate(rows) if row["ip_type"] in D.PATENT_TYPES
                        and i not in bad and match(row["number"]) is None])
        good = [True] * len(rows)
        for i in bad:
            good[i] = False
        return rows, good


class Checker:
    """Checks records' rows for one activity; ``title(count)`` names a count's column."""

    def __init__(self, tables: Sequence[str], data_year: int, required: set[str],
                 title: Callable[[str], str]):
        self.tables = list(tables)
        self.data_year = data_year
        self.required = required
        self.title = title

    def label(self, count: str, lang: str) -> str:
        if lang == "zh":
            return self.title(count)
        return REGISTRY[count].label_with_unit("en") if count in REGISTRY.keys() else count

    def check_all(self, per_record: Sequence[Rows], typed: Sequence[Mapping[str, Any]]
                  ) -> list[Checked]:
        """Every record's rows (``typed``: the counts typed beside them, blank ones left
        out). Table by table, all records' rows at once; the rules of ``check_rows`` and
        ``contradictions`` run only for the records a quick look finds something wrong
        with: most rows of a filled template are fine, and a batch has tens of thousands
        (docs/PERFORMANCE.md)."""
        results = [Checked(rows=rows) for rows in per_record]
        for key in self.tables:
            table = D.TABLES[key]
            owners, cells = [], []
            for i, result in enumerate(results):
                for _place, row in result.rows.get(key, ()):
                    owners.append(i)
                    cells.append(row)
            rows, good = _Quick(table, self.data_year).rows(cells)
            del cells
            for result in results:
                result.derived.update(dict.fromkeys(table.derives, 0))
            for count, counts in table.derives.items():
                for i in compress(owners, map(counts, rows)):
                    results[i].derived[count] += 1
            suspects = set(compress(owners, [not g for g in good]))
            if table.unique:
                seen: set = set()
                for pair in zip(owners, [row[table.unique] for row in rows], strict=True):
                    if pair in seen:
                        suspects.add(pair[0])
                    seen.add(pair)
            start = 0
            for i, result in enumerate(results):
                mine = result.rows.get(key) or []
                end = start + len(mine)
                mine_typed = result.typed[key] = rows[start:end]
                start = end
                if i in suspects:
                    places = [place for place, _cells in mine]
                    for finding in D.check_rows(table, mine_typed, self.data_year):
                        result.findings.append(self._placed(table, finding, places))
                elif not mine and key in self.required:
                    result.findings.append(DetailFinding(
                        f"D:{key}", "strong", (), f"请填写{table.sheet_zh}（至少一行）。",
                        f"Fill in {table.sheet_en} (at least one row).", key, None, None))
        for result, given in zip(results, typed, strict=True):
            if given and not all(_same(value, result.derived.get(count))
                                 for count, value in given.items()):
                for finding in D.contradictions(self.tables, result.typed, given, self.label):
                    result.findings.append(DetailFinding(
                        f"D:{finding.table}", "strong", (finding.column,), finding.message_zh,
                        finding.message_en, finding.table, None, finding.column))
        return results

    @staticmethod
    def _placed(table: D.DetailTable, finding: D.RowFinding, places: list[int]
                ) -> DetailFinding:
        """The finding with the row's place and sheet in its message."""
        place = places[finding.row - 1]
        column = table.column(finding.column)
        zh, en = finding.message_zh, finding.message_en
        zh = _REPEATS_ZH.sub(lambda m: f"与第 {places[int(m[1]) - 1]} 行重复",
                             _ROW_ZH.sub("", zh, count=1))
        en = _REPEATS_EN.sub(lambda m: f"repeats row {places[int(m[1]) - 1]}",
                             _ROW_EN.sub("", en, count=1))
        return DetailFinding(f"D:{table.key}", "strong", (),
                             f"{table.sheet_zh}第 {place} 行“{column.label_zh}”：{zh}",
                             f"{table.sheet_en}, row {place}, “{column.label_en}”: {en}",
                             table.key, place, column.key)


def with_counts(checker: Checker, rows: Sequence[tuple[int, list]], columns: Mapping[int, str],
                per_record: Sequence[Rows]) -> tuple[dict[int, str], list[Checked], int]:
    """Each record's rows checked, and the counts they give appended to its cells, in
    columns that take the place of the typed counts' (which stay where they are): the main
    sheet is then normalized and checked as if the counts had been typed so. Returns the
    columns, the records' results and the width of the rows before (``del cells[width:]``
    gives the rows as they came). Blank typed counts are not compared with the rows."""
    counts = [c for k in checker.tables for c in D.TABLES[k].derives]
    typed_at = {key: i for i, key in columns.items() if key in counts}
    width = max([max(columns, default=-1) + 1, *(len(cells) for _n, cells in rows)])
    columns = {i: key for i, key in columns.items() if key not in typed_at}
    columns.update((width + n, count) for n, count in enumerate(counts))
    given = []
    for _number, cells in rows:
        typed = {}
        for count, i in typed_at.items():
            value = cells[i] if i < len(cells) else None
            if value is not None and not (value.__class__ is str and not value.strip()):
                typed[count] = value
        given.append(typed)
    checked = checker.check_all(per_record, given)
    for (_number, cells), result in zip(rows, checked, strict=True):
        if len(cells) < width:
            cells.extend([None] * (width - len(cells)))
        derived = result.derived
        cells.extend([float(derived.get(count, 0)) for count in counts])
    return columns, checked, width


def unmatched(key: str, place: int, code: str, cells: list, main_sheet: str) -> dict:
    """A failure entry for a row whose credit code is in no record of the main sheet."""
    table = D.TABLES[key]
    shown = code or "（空）"
    return {"row": place, "values": [], "unmatched": True, "uscc": code,
            "errors": [{"rule": UNMATCHED, "fields": [], "table": key, "sheet_row": place,
                        "column": "uscc",
                        "zh": f"{table.sheet_zh}第 {place} 行：统一社会信用代码 {shown} "
                              f"不在“{main_sheet}”中。",
                        "en": f"{table.sheet_en}, row {place}: credit code {code or '(empty)'} "
                              "is not in the main sheet."}],
            "details": {key: [[place, [plain(v) for v in cells]]]}}


def column_title(finding: DetailFinding, checker: Checker) -> str | None:
    """The column a finding names, as the sheet titles it (a count: the main sheet's)."""
    if finding.column is None:
        return None
    if finding.row is None:
        return checker.title(finding.column)
    return D.TABLES[finding.table].column(finding.column).label_zh


def detail_errors(checked: Checked, checker: Checker) -> list[dict]:
    """A record's detail problems as ``batch import --json`` prints them (SPEC §11)."""
    return [{"sheet": D.TABLES[f.table].sheet_zh, "row": f.row,
             "column": column_title(f, checker), "message": f.message_zh}
            for f in checked.findings]


def rows_as_given(checked: Checked) -> dict[str, list]:
    """A failed record's rows for the failure report: [[place, cells]] per table."""
    return {key: [[place, list(map(plain, cells))] for place, cells in rows]
            for key, rows in checked.rows.items()}


def unmatched_detail_rows(failures: list[dict] | None) -> list[dict]:
    """Detail rows whose credit code is in no record of the main sheet (SPEC §11)."""
    return [{"sheet": D.TABLES[key].sheet_zh, "row": place, "uscc": failure.get("uscc") or ""}
            for failure in failures or [] if failure.get("unmatched")
            for key, rows in failure["details"].items() for place, _cells in rows]
