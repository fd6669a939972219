"""The profile's exports (SPEC §12.4): a one-page PDF (pdfkit, as the submission letter) and
the multi-year table as an Excel workbook, headed by the field registry's labels with their
units in the user's language. Each export is written to the audit log."""

from __future__ import annotations

import datetime as dt
import os
import tempfile

from flask import render_template
from flask_babel import gettext as _

from app.domain import display
from app.domain.errors import BilingualError
from app.domain.records.fields import REGISTRY
from app.extensions import db
from app.services.platform import audit
from app.services.platform.excel import write_workbook
from app.services.profiles.page import (
    AMOUNT,
    COUNT,
    DERIVED,
    FIGURES,
    PERCENT,
    ProfilePage,
)

PDF_OPTIONS = {"encoding": "UTF-8", "page-size": "A4", "quiet": "", "javascript-delay": "0",
               "margin-top": "12mm", "margin-bottom": "12mm", "margin-left": "12mm",
               "margin-right": "12mm"}


class ExportError(BilingualError):
    """The export cannot be made; the message says why."""


def shown(value, kind: str) -> str:
    """A figure as every page shows it (app/domain/display.py)."""
    return {AMOUNT: display.amount, PERCENT: display.percent, COUNT: display.count}[kind](value)


def figure_header(key: str, lang: str) -> str:
    """A column of the multi-year table: the registry's label with its unit (营业收入（数据年度）
    （万元） / Operating revenue (data year) (10k yuan)); the two ratios worked out here."""
    if key in DERIVED:
        return _("R&D intensity (per cent)") if key == "rd_intensity" \
            else _("R&D staff share (per cent)")
    return REGISTRY[key].label_with_unit(lang)


def table(page: ProfilePage, lang: str) -> tuple[list[str], list[list]]:
    """(headers, rows): a row per data year, oldest first; ratios rounded as shown."""
    headers = [_("Data year"), *(figure_header(key, lang) for key, _kind in FIGURES)]
    rows = [[row["year"], *(round(row[key], 2) if key in DERIVED and row[key] is not None
                            else row[key] for key, _kind in FIGURES)]
            for row in page.years]
    return headers, rows


def workbook(page: ProfilePage, lang: str) -> tuple[str, bytes]:
    """(file name, the .xlsx) of the multi-year table."""
    headers, rows = table(page, lang)
    title = _("Key figures by year")
    handle, path = tempfile.mkstemp(suffix=".xlsx")
    os.close(handle)
    try:
        write_workbook(path, title, headers, rows)
        with open(path, "rb") as f:
            content = f.read()
    finally:
        os.unlink(path)
    _audit(page, "xlsx", len(rows))
    return f"{page.enterprise.name}-{title}-{dt.date.today():%Y%m%d}.xlsx", content


def pdf(page: ProfilePage, lang: str, context: dict) -> tuple[str, bytes]:
    """(file name, the PDF) of the page on one A4 sheet; ``context`` holds the names the
    page shows (regions, projects, grades) as the screen has them."""
    import pdfkit

    headers, rows = table(page, lang)
    html = render_template("profiles/profile_pdf.html", page=page, headers=headers, rows=rows,
                           lang=lang, today=dt.date.today(), figure_kinds=FIGURES,
                           shown=shown, **context)
    try:
        content = pdfkit.from_string(html, False, options=PDF_OPTIONS)
    except OSError as error:
        raise ExportError("无法生成 PDF：服务器未安装 wkhtmltopdf，请联系管理员。",
                          "The PDF cannot be made: wkhtmltopdf is missing on the server. "
                          "Ask your administrator to install it.") from error
    _audit(page, "pdf", len(rows))
    return f"{page.enterprise.name}-{_('Enterprise profile')}.pdf", content


def _audit(page: ProfilePage, kind: str, years: int) -> None:
    audit.record(audit.EXPORT, object_type="Enterprise", object_id=str(page.enterprise.id),
                 detail=f"profile {kind} of {page.enterprise.uscc}: {years} data years")
    db.session.commit()
