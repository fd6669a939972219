"""The portal's pages as province staff write them (通知公告, 政策文件): a list, and an editor
(Quill, vendored) whose HTML is sanitised on the server before it is kept."""

from __future__ import annotations

from flask import abort, flash, g, redirect, request, url_for
from flask_appbuilder import expose, has_access
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.domain.errors import BilingualError
from app.extensions import db
from app.i18n import current_language
from app.models.publicity import Notice
from app.services.publicity import content
from app.views.shell import tags
from app.views.shell.base import AppModelView
from app.views.shell.filters import ListInterface

KIND_LABELS = {"notice": _l("Notice"), "policy": _l("Policy document"),
               "publicity": _l("Publicity"), "announcement": _l("Announcement"),
               "revocation": _l("Revocation notice")}


class NoticeView(AppModelView):
    datamodel = ListInterface(Notice)
    route_base = "/notices"
    base_permissions = ["can_list", "can_export", "can_write"]
    list_title = _l("Portal pages")
    list_columns = ["title", "kind", "published_at", "created_by"]
    search_columns = ["title", "kind"]
    label_columns = {"title": _l("Title"), "kind": _l("Section"),
                     "published_at": _l("Published on"), "created_by": _l("Written by")}
    formatters_columns = {"kind": lambda k: str(KIND_LABELS.get(k, k))}
    shown_formatters = {"published_at": lambda d: d.strftime("%Y-%m-%d") if d
                        else tags.tag(_("Draft"), "grey")}
    quick_filters = ("title", "kind")
    quick_choices = {"kind": lambda: [(k, str(v)) for k, v in KIND_LABELS.items()]}
    base_order = ("id", "desc")
    row_links = [("NoticeView.write", _l("Edit"), "can_write", "default")]
    extra_args = {"list_links": [("NoticeView.write", _l("Write a page"), "fa-pencil")]}

    @expose("/write", methods=["GET", "POST"])
    @expose("/write/<int:pk>", methods=["GET", "POST"])
    @has_access
    def write(self, pk=None):
        notice = db.session.get(Notice, pk) if pk else None
        if pk and (notice is None or notice.kind not in content.KINDS):
            abort(404)  # batch, announcement and revocation notices are written by the system
        if request.method == "POST":
            try:
                notice = content.save(g.user, request.form.get("kind", ""),
                                      request.form.get("title", ""),
                                      request.form.get("body", ""),
                                      publish=request.form.get("do") == "publish",
                                      notice_id=pk)
            except BilingualError as error:
                flash(error.message(current_language()), "danger")
            else:
                flash(_("Saved."), "success")
                return redirect(url_for("NoticeView.write", pk=notice.id))
        return self.render_template("publicity/notice_edit.html", notice=notice,
                                    kinds=content.KINDS, lang=current_language(),
                                    title=notice.title if notice else _("Write a page"))
