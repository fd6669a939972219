"""Batch upload screens: the upload page, batches with their counts and failure
reports, templates."""

from __future__ import annotations

import tempfile

from flask import abort, current_app, flash, g, redirect, request, send_file, url_for
from flask_appbuilder import expose, has_access
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.domain.records.details import TABLES
from app.domain.records.fields import REGISTRY
from app.extensions import db
from app.i18n import current_language
from app.models import ReportingActivity, UploadBatch
from app.services.intake import batch as batch_service
from app.services.intake.workbook import build_failure_report, build_template
from app.services.platform import audit
from app.views.shell.base import ScopedModelView
from app.views.shell.filters import ListInterface
from app.views.shell.people import real_name

# Files larger than this run as a background job with a progress bar (a few hundred rows).
BACKGROUND_BYTES = 64 * 1024


def _send_workbook(build, download_name: str, object_type: str, object_id: int):
    handle = tempfile.NamedTemporaryFile(suffix=".xlsx")
    build(handle.name)
    audit.record(audit.DOWNLOAD, object_type=object_type, object_id=str(object_id),
                 object_repr=download_name, commit=True)
    response = send_file(handle.name, as_attachment=True, download_name=download_name)
    response.call_on_close(handle.close)
    return response


class BatchView(ScopedModelView):
    datamodel = ListInterface(UploadBatch)
    base_permissions = ["can_list", "can_show", "can_export", "can_failures", "can_upload",
                        "can_template"]
    list_title = show_title = _l("Upload batches")
    shown_formatters = {"uploader_name": real_name}
    quick_filters = ("filename", "activity")
    list_columns = ["filename", "activity", "uploader_name", "created_at", "total", "passed",
                    "failed", "warned", "duplicates"]
    search_columns = ["filename", "activity", "uploader_name", "created_at"]
    label_columns = {"filename": _l("File"), "activity": _l("Activity"),
                     "uploader_name": _l("Uploaded by"), "created_at": _l("Uploaded at"),
                     "total": _l("Rows"), "passed": _l("Passed enterprises"),
                     "failed": _l("Failed enterprises"), "warned": _l("Enterprises with warnings"),
                     "duplicates": _l("Duplicates pending")}
    base_order = ("id", "desc")

    def _activity(self, pk) -> ReportingActivity:
        activity = db.session.get(ReportingActivity, pk)
        if activity is None:
            abort(404)
        return activity

    @expose("/template/<int:pk>")
    @has_access
    def template(self, pk):
        activity = self._activity(pk)
        lang = current_language()
        name = (f"{activity.name}-模板.xlsx" if lang == "zh" else f"{activity.name}-template.xlsx")
        return _send_workbook(lambda path: build_template(activity, path, lang), name,
                              "ReportingActivity", pk)

    @expose("/upload/<int:pk>", methods=["GET", "POST"])
    @has_access
    def upload(self, pk):
        activity = self._activity(pk)
        if request.method == "POST":
            upload = request.files.get("file")
            data = upload.read() if upload else b""
            filename = (upload.filename if upload else "") or "upload.xlsx"
            try:
                batch_service.check_file(data)
                if len(data) > BACKGROUND_BYTES:
                    job = batch_service.start_import_job(activity, g.user, filename, data)
                    return redirect(url_for("JobView.show", pk=job.id))
                result = batch_service.import_workbook(activity, g.user, filename, data)
            except batch_service.BatchError as error:
                flash(error.message(current_language()), "danger")
                return redirect(url_for("BatchView.upload", pk=pk))
            return redirect(url_for("BatchView.show", pk=result.id))
        return self.render_template("batch_upload.html", activity=activity,
                                    title=_("Batch upload: %(name)s", name=activity.name),
                                    max_mb=current_app.config["UPLOAD_MAX_MB"],
                                    max_rows=current_app.config["UPLOAD_MAX_ROWS"])

    @expose("/show/<pk>")
    @has_access
    def show(self, pk):
        """The batch's counts, each a link to the records behind it, and its failures."""
        batch = self.datamodel.get(pk, self._base_filters)
        if batch is None:
            abort(404)
        lang = current_language()
        return self.render_template("batch_show.html", batch=batch, lang=lang,
                                    failures=failure_rows(batch, lang),
                                    title=_("Upload batch %(id)s", id=batch.id))

    @expose("/failures/<int:pk>")
    @has_access
    def failures(self, pk):
        batch = self.datamodel.get(pk, self._base_filters)
        if batch is None:
            abort(404)
        lang = current_language()
        suffix = "不通过企业" if lang == "zh" else "failed"
        name = f"{batch.filename.rsplit('.', 1)[0]}-{suffix}.xlsx"
        return _send_workbook(lambda path: build_failure_report(batch.activity, batch, path, lang),
                              name, "UploadBatch", pk)


def failure_rows(batch: UploadBatch, lang: str, limit: int = 200) -> list[dict]:
    """The failed rows as people read them: the Excel row, the enterprise's credit code and
    name as the file gave them, and each reason under the column it concerns (its title,
    not the field's key)."""
    columns = {REGISTRY.match_header(h): i for i, h in enumerate(batch.headers or [])}
    columns.pop(None, None)

    def cell(values, key):
        i = columns.get(key)
        return values[i] if i is not None and i < len(values) and values[i] not in (None, "") \
            else None

    rows = []
    for failure in (batch.failures or [])[:limit]:
        values = failure.get("values") or []
        reasons = [(_where(error, lang), error[lang]) for error in failure["errors"]]
        rows.append({"row": failure["row"], "uscc": cell(values, "uscc") or failure.get("uscc"),
                     "name": cell(values, "name"), "reasons": reasons})
    return rows


def _where(error: dict, lang: str) -> str:
    """The column a reason concerns: the field's title, or for a detail row its sheet, row
    and column (知识产权明细 第 5 行 · 授权日期)."""
    table = TABLES.get(error.get("table") or "")
    if table is None:
        return ", ".join(REGISTRY[k].label_with_unit(lang) for k in error["fields"]
                         if k in REGISTRY) or "—"
    column = error.get("column")
    if column in table.keys:
        column = table.column(column).label(lang)
    elif column in REGISTRY.keys():
        column = REGISTRY[column].label_with_unit(lang)
    row = error.get("sheet_row")
    place = (f"第 {row} 行" if lang == "zh" else f"row {row}") if row else ""
    return " · ".join(str(part) for part in (table.sheet(lang), place, column) if part)
