"""重复待定: the province compares a duplicate group field by field and keeps one."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _

from app.domain.records.fields import REGISTRY
from app.extensions import db
from app.i18n import current_language
from app.models import Enterprise, ReportingActivity
from app.services.review import workflow as workflow_service
from app.views.review.submissions import channel_label, status_label


class DuplicateView(BaseView):
    route_base = "/duplicates"
    default_view = "index"

    @expose("/")
    @has_access
    def index(self):
        groups = workflow_service.duplicate_groups()
        rows = [(db.session.get(ReportingActivity, a), db.session.get(Enterprise, e), records)
                for a, e, records in groups]
        return self.render_template("duplicates.html", groups=rows, title=_("Duplicates pending"),
                                    status_label=status_label, channel_label=channel_label)

    @expose("/group/<int:activity_id>/<int:enterprise_id>", methods=["GET", "POST"])
    @has_access
    def group(self, activity_id, enterprise_id):
        groups = {(a, e): records for a, e, records in
                  workflow_service.duplicate_groups(activity_id)}
        records = groups.get((activity_id, enterprise_id))
        if not records:
            abort(404)
        if request.method == "POST":
            keep = request.form.get("keep", type=int)
            if keep not in {r.id for r in records}:
                flash(_("Choose the record to keep."), "danger")
            else:
                try:
                    workflow_service.keep_one(keep, request.form.get("reason", ""))
                except workflow_service.ReviewError as error:
                    flash(error.message(current_language()), "danger")
                else:
                    flash(_("Kept one record; the others are merged into it."), "success")
                    return redirect(url_for("DuplicateView.index"))
        lang = current_language()
        rows = []
        for field in REGISTRY:
            values = [getattr(r, field.key) for r in records]
            shown = ["" if v is None else ("；".join(v) if isinstance(v, list) else v)
                     for v in values]
            rows.append((field.label(lang), shown, len({str(v) for v in shown}) > 1))
        return self.render_template("duplicate_group.html", records=records, rows=rows,
                                    status_label=status_label, channel_label=channel_label,
                                    title=_("Compare and keep one: %(name)s",
                                            name=records[0].name or ""))
