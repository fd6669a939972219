"""The portal's pages as province staff write them (通知公告, 政策文件): a list, and an editor
(Quill, vendored) whose HTML is sanitised on the server before it is kept, with the page's
attached files (PDF, OFD, images: judged by content in services/publicity/notice_files)."""

from __future__ import annotations

import re
from urllib.parse import quote

from flask import Response, abort, current_app, flash, g, redirect, request, url_for
from flask_appbuilder import expose, has_access
from flask_appbuilder.security.decorators import permission_name
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.domain.errors import BilingualError
from app.extensions import db
from app.i18n import current_language
from app.models.publicity import Notice
from app.services.publicity import content, notice_files
from app.views.evidence.files import human_size
from app.views.shell import tags
from app.views.shell.base import AppModelView
from app.views.shell.filters import ListInterface

KIND_LABELS = {"notice": _l("Notice"), "policy": _l("Policy document"),
               "publicity": _l("Publicity"), "announcement": _l("Announcement"),
               "revocation": _l("Revocation notice")}
# A downloaded file runs nothing and is never shown inside a page.
FILE_POLICY = "default-src 'none'; frame-ancestors 'none'"


def file_response(handle, name: str, media_type: str, size: int | None = None,
                  etag: str | None = None, public: bool = False) -> Response:
    """A stored file as a download (never inline): its own type, no sniffing, a policy
    that runs nothing. Public files are revalidated by their hash; others never cached."""
    fallback = re.sub(r"[^A-Za-z0-9._ -]", "_", name) or "file"

    def chunks():  # read outside the request's context: holds a file, not a connection
        try:
            while chunk := handle.read(256 * 1024):
                yield chunk
        finally:
            handle.close()

    response = Response(chunks(), mimetype=media_type, direct_passthrough=True)
    if size is not None:
        response.headers["Content-Length"] = str(size)
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{fallback}"; filename*=UTF-8\'\'{quote(name, safe="")}')
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = FILE_POLICY
    if public:
        response.headers["Cache-Control"] = "public, no-cache"
        if etag:
            response.set_etag(etag)
    else:
        response.headers["Cache-Control"] = "private, no-store"
    return response


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
                                    files=notice_files.of_notice(notice.id) if notice else [],
                                    size_of=human_size,
                                    max_mb=int(current_app.config["EVIDENCE_MAX_MB"]),
                                    title=notice.title if notice else _("Write a page"))

    @expose("/attach/<int:pk>", methods=["POST"])
    @has_access
    @permission_name("write")
    def attach(self, pk):
        """A file for the page (the upload form below the editor)."""
        upload = request.files.get("file")
        if upload is None or not (upload.filename or "").strip():
            flash(_("Choose a file to attach."), "warning")
        else:
            try:
                row = notice_files.add(pk, g.user, upload.stream, upload.filename)
            except notice_files.NoticeFileError:
                abort(404)
            except BilingualError as error:
                flash(error.message(current_language()), "danger")
            else:
                flash(_("Attached: %(name)s.", name=row.filename), "success")
        return redirect(url_for("NoticeView.write", pk=pk))

    @expose("/detach/<int:pk>/<int:file_id>", methods=["POST"])
    @has_access
    @permission_name("write")
    def detach(self, pk, file_id):
        try:
            notice_files.delete(pk, file_id, g.user)
        except notice_files.NoticeFileError:
            abort(404)
        except BilingualError as error:
            flash(error.message(current_language()), "danger")
        else:
            flash(_("The file was removed from the page."), "success")
        return redirect(url_for("NoticeView.write", pk=pk))

    @expose("/file/<int:pk>/<int:file_id>")
    @has_access
    @permission_name("write")
    def file(self, pk, file_id):
        """A page's file as its writers read it, drafts included (audited)."""
        try:
            opened = notice_files.open_for(pk, file_id, g.user)
        except BilingualError:
            abort(404)
        row = opened.attachment
        return file_response(opened.handle(), row.filename, row.content_type, row.bytes)
