"""Upload, download (and preview) and delete evidence files, as the signed-in user.

Upload and delete are called by ``static/js/details.js`` with XHR and answer JSON, errors
included (a refused file, an expired form, a body over ``MAX_CONTENT_LENGTH``, an upload cut
off), in the user's language: the page shows the message beside the control. Downloads go
through ``attachments.open_for`` — the permission check and the audit row — and are
streamed from the storage, or redirected to a short-lived signed URL when the storage gives
one (S3).
"""

from __future__ import annotations

import json
import re
from urllib.parse import quote

from flask import (
    Response,
    abort,
    current_app,
    g,
    jsonify,
    redirect,
    request,
    url_for,
)
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import BadRequest, ClientDisconnected, RequestEntityTooLarge
from werkzeug.wsgi import wrap_file

from app.domain.errors import BilingualError
from app.i18n import current_language
from app.services.evidence import attachments

# Shown in the browser (a modal on the form); OFD has no viewer in browsers: downloaded.
INLINE_KINDS = frozenset({"pdf", "jpeg", "png"})
# The file itself gets a policy of its own: nothing runs, it is only shown (a PDF viewer
# needs an object; the page's object-src 'none' would leave it blank).
FILE_POLICY = ("default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; "
               "object-src 'self'; frame-ancestors 'self'")


def _refused(message: str, status: int = 400) -> Response:
    """{"error": message} — written as it reads (Chinese unescaped), like the pages."""
    return Response(json.dumps({"error": message}, ensure_ascii=False), status=status,
                    mimetype="application/json")


def _status_of(error: BilingualError) -> int:
    """404 for a record or file the user may not see (as if it did not exist), else 400."""
    return 404 if error.message_zh == attachments.NOT_FOUND[0] else 400


def described(row) -> dict:
    """An attachment as the page lists it (the upload's answer, too)."""
    return {"id": row.id, "name": row.name, "bytes": row.bytes, "kind": row.kind,
            "size": human_size(row.bytes), "preview": row.kind in INLINE_KINDS,
            "url": url_for("EvidenceView.download", attachment_id=row.id),
            "delete_url": url_for("EvidenceView.delete", attachment_id=row.id)}


def human_size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    if size >= 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size} B"


def _disposition(name: str, inline: bool) -> str:
    fallback = re.sub(r"[^A-Za-z0-9._ -]", "_", name) or "file"
    return (f"{'inline' if inline else 'attachment'}; filename=\"{fallback}\"; "
            f"filename*=UTF-8''{quote(name, safe='')}")


class EvidenceView(BaseView):
    route_base = "/evidence"
    default_view = "download"

    def create_blueprint(self, appbuilder, endpoint=None, static_folder=None):
        """Errors of this blueprint's requests answer JSON (the page's XHR reads them)."""
        blueprint = super().create_blueprint(appbuilder, endpoint, static_folder)
        blueprint.register_error_handler(RequestEntityTooLarge, self._too_large)
        blueprint.register_error_handler(BadRequest, self._bad_request)
        return blueprint

    @staticmethod
    def _too_large(_error):
        return _refused(_("The file is larger than %(mb)d MB: compress or split it, then "
                          "upload it again.", mb=int(current_app.config["EVIDENCE_MAX_MB"])),
                        413)

    @staticmethod
    def _bad_request(error):
        if isinstance(error, CSRFError):
            return _refused(_("The page has expired: reload it and upload the file again."))
        if isinstance(error, ClientDisconnected):
            return _refused(_("The file did not arrive whole: upload it again."))
        return _refused(_("The upload could not be read: choose the file and upload it "
                          "again."))

    @expose("/upload/<int:submission_id>", methods=["POST"])
    @has_access
    def upload(self, submission_id):
        """A file for a field (``field``) or a detail row (``table`` and ``uid``) of a
        record; ``replaces`` names a file it takes the place of (removed once this one is
        kept). Answers {id, name, bytes, url, …} or {error} with 400."""
        upload = request.files.get("file")
        if upload is None or not (upload.filename or "").strip():
            return _refused(_("Choose a file to upload."))
        lang = current_language()
        field = request.form.get("field") or None
        try:
            row = attachments.add(submission_id, g.user, upload.stream, upload.filename,
                                  field=field,
                                  table=None if field else request.form.get("table"),
                                  uid=None if field else request.form.get("uid"))
        except BilingualError as error:
            return _refused(error.message(lang), _status_of(error))
        replaced = request.form.get("replaces", type=int)
        answer = described(row)
        if replaced:
            try:
                attachments.delete(replaced, g.user)
                answer["replaced"] = replaced
            except BilingualError as error:
                answer["warning"] = error.message(lang)
        return jsonify(answer)

    @expose("/file/<int:attachment_id>")
    @has_access
    def download(self, attachment_id):
        """The file, if the user may read its record (else 404): PDF and images inline (for
        the preview), others as a download; ``?download=1`` always downloads."""
        try:
            opened = attachments.open_for(attachment_id, g.user)
        except attachments.AttachmentError:
            abort(404)
        if opened.signed_url:
            return redirect(opened.signed_url)
        row = opened.attachment
        inline = row.kind in INLINE_KINDS and request.args.get("download") != "1"
        # Opened here and streamed without the request's context: a slow reader holds a
        # file handle, not a database connection.
        handle = attachments.storage().open(row.storage_key)
        response = Response(wrap_file(request.environ, handle), mimetype=row.media_type,
                            direct_passthrough=True)
        response.headers["Content-Length"] = str(row.bytes)
        response.headers["Content-Disposition"] = _disposition(row.name, inline)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Content-Security-Policy"] = FILE_POLICY
        response.headers["Cache-Control"] = "private, no-store"
        return response

    @expose("/delete/<int:attachment_id>", methods=["POST"])
    @has_access
    def delete(self, attachment_id):
        """Remove a file while its record may still change; answers {deleted} or {error}."""
        try:
            attachments.delete(attachment_id, g.user)
        except attachments.AttachmentError as error:
            return _refused(error.message(current_language()), _status_of(error))
        return jsonify(deleted=attachment_id)
