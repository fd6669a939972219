"""Writing Excel files that are safe to open.

Text is always written as text: a cell that starts with = + - or @ stays a
string and never becomes a formula (CSV/formula injection), whatever a user
typed into the platform.
"""

from __future__ import annotations

import datetime as dt
import decimal
import tempfile
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

import xlsxwriter
from flask import Response, send_file


def write_workbook(path: str, sheet_title: str, headers: list[str],
                   rows: Iterable[list[Any]],
                   extra_sheets: dict[str, list[list[Any]]] | None = None) -> int:
    """Write one sheet with a bold frozen header (and, after it, small sheets of plain rows
    such as notes); returns the number of data rows of the first."""
    workbook = xlsxwriter.Workbook(path, {"constant_memory": True, "strings_to_formulas": False,
                                          "strings_to_urls": False})
    sheet = workbook.add_worksheet(_sheet_name(sheet_title))
    bold = workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    time_format = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    for col, header in enumerate(headers):
        sheet.write_string(0, col, str(header), bold)
        sheet.set_column(col, col, max(10, min(40, len(str(header)) * 2 + 2)))
    sheet.freeze_panes(1, 0)
    count = 0
    for count, row in enumerate(rows, start=1):
        for col, value in enumerate(row):
            _write_cell(sheet, count, col, value, date_format, time_format)
    for title, lines in (extra_sheets or {}).items():
        extra = workbook.add_worksheet(_sheet_name(title))
        extra.set_column(0, 0, 40)
        extra.set_column(1, 2, 16)
        for index, line in enumerate(lines):
            for col, value in enumerate(line):
                _write_cell(extra, index, col, value, date_format, time_format)
    workbook.close()
    return count


def _write_cell(sheet, row: int, col: int, value: Any, date_format, time_format) -> None:
    if value is None:
        return
    if isinstance(value, bool):
        sheet.write_boolean(row, col, value)
    elif isinstance(value, (int, float, decimal.Decimal)):
        sheet.write_number(row, col, float(value))
    elif isinstance(value, dt.datetime):
        sheet.write_datetime(row, col, value, time_format)
    elif isinstance(value, dt.date):
        sheet.write_datetime(row, col, dt.datetime(value.year, value.month, value.day), date_format)
    else:
        sheet.write_string(row, col, str(value))


def _sheet_name(title: str) -> str:
    cleaned = "".join("_" if c in "[]:*?/\\" else c for c in title)
    return cleaned[:31] or "Sheet1"


def xlsx_response(title: str, headers: list[str], rows: Iterable[list[Any]]) -> Response:
    handle = tempfile.NamedTemporaryFile(suffix=".xlsx")
    write_workbook(handle.name, title, headers, rows)
    filename = f"{title}-{dt.datetime.now():%Y%m%d-%H%M%S}.xlsx"
    response = send_file(handle.name, as_attachment=True, download_name=filename,
                         mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response.call_on_close(handle.close)
    response.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response
