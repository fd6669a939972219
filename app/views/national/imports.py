"""The Ministry's files, imported by the province on the 报送国家 screens (SPEC §12.5): its
problem list (named records go back to their enterprises as 国家退回) and its points (kept
beside our own run). Each page offers a blank template with the Ministry's headers; a refused
file shows one line per bad row and nothing is imported. Thin: the services read, check and
apply the file."""

from __future__ import annotations

import tempfile

from flask import abort, request, send_file
from flask_appbuilder import expose, has_access
from flask_babel import gettext as _

from app.domain import national as D
from app.domain.errors import BilingualError
from app.extensions import db
from app.i18n import current_language
from app.models import ReportingActivity
from app.services.national import feedback, points
from app.services.platform.excel import write_workbook

TEMPLATES = {"feedback": ("问题清单", D.FEEDBACK_HEADERS),
             "points": ("国家积分", D.POINTS_HEADERS)}


def _refusal(error: BilingualError) -> dict:
    lang = current_language()
    lines = error.lines_in(lang) if hasattr(error, "lines_in") else []
    return {"message": error.message(lang), "lines": lines}


class ImportPages:
    """The import endpoints of ``NationalBatchView`` (its permissions ``can_feedback``,
    ``can_points`` and ``can_template``): a page per activity, then its result."""

    def _activity(self, pk) -> ReportingActivity:
        activity = db.session.get(ReportingActivity, pk)
        if activity is None:
            abort(404)
        return activity

    def _upload(self) -> tuple[bytes, str]:
        upload = request.files.get("file")
        return (upload.read() if upload else b""), (upload.filename if upload else "") or ""

    def _import_page(self, kind: str, activity: ReportingActivity, apply, title: str):
        result = refused = None
        if request.method == "POST":
            data, filename = self._upload()
            try:
                result = apply(activity, data, filename)
            except BilingualError as error:  # refused whole: nothing was applied
                refused = _refusal(error)
        return self.render_template("national/import.html", kind=kind, activity=activity,
                                    headers=TEMPLATES[kind][1], result=result,
                                    refused=refused, title=title)

    @expose("/feedback/<int:pk>", methods=["GET", "POST"])
    @has_access
    def feedback(self, pk):
        """The Ministry's problem list: 统一社会信用代码, 问题字段 (optional), 问题说明."""
        activity = self._activity(pk)
        return self._import_page("feedback", activity, feedback.import_feedback,
                                 _("The Ministry's problem list: %(name)s", name=activity.name))

    @expose("/points/<int:pk>", methods=["GET", "POST"])
    @has_access
    def points(self, pk):
        """The Ministry's points: 统一社会信用代码, 创新积分, 等级 (and indicators' points)."""
        activity = self._activity(pk)
        return self._import_page("points", activity, points.import_points,
                                 _("National points: %(name)s", name=activity.name))

    @expose("/template/<kind>")
    @has_access
    def template(self, kind):
        """A blank workbook with the Ministry's headers, which stay in Chinese as its files
        have them."""
        if kind not in TEMPLATES:
            abort(404)
        sheet, headers = TEMPLATES[kind]
        handle = tempfile.NamedTemporaryFile(suffix=".xlsx")
        write_workbook(handle.name, sheet, list(headers), [])
        response = send_file(handle.name, as_attachment=True, download_name=f"{sheet}模板.xlsx")
        response.call_on_close(handle.close)
        return response
