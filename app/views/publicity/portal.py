"""The public portal (SPEC §12.3): what a visitor sees without signing in — notices, the 公示
and 公告 lists with search, open activities, the objection form and the query of an
objection's outcome (the status query is in portal_status.py). Server-rendered and cacheable:
list pages carry an ETag built from the batch's state and the query, so a repeated request
costs a 304."""

from __future__ import annotations

import hashlib

from flask import (
    abort,
    current_app,
    flash,
    g,
    redirect,
    request,
    url_for,
)
from flask_appbuilder import BaseView, expose
from flask_babel import gettext as _
from sqlalchemy import func, or_, select

from app.domain import publicity as P
from app.domain.errors import BilingualError
from app.extensions import db
from app.i18n import current_language
from app.models.publicity import Notice, PublicityBatch, PublicityEntry
from app.services.publicity import batches, notice_files, objections
from app.views.evidence.files import human_size
from app.views.publicity.notices import file_response
from app.views.publicity.portal_status import StatusQueryRoutes
from app.views.shell.kept_fragments import rendered_fields

PAGE = 50
PUBLIC_KINDS = ("notice", "policy", "publicity", "announcement", "revocation")


def _signed_in() -> bool:
    user = getattr(g, "user", None)
    return bool(user is not None and user.is_authenticated)


class PublicPortalView(StatusQueryRoutes, BaseView):
    """Pages for everyone; nothing here needs a login or shows more than the public fields
    (name, USCC, region, technology field)."""

    route_base = "/public"
    default_view = "home"

    @expose("/")
    def home(self):
        return redirect(url_for("HomeView.index"))

    @expose("/notices/")
    def notices(self):
        kind = request.args.get("kind", "")
        query = select(Notice).where(Notice.published_at.is_not(None))
        if kind in PUBLIC_KINDS:
            query = query.where(Notice.kind == kind)
        rows = db.session.execute(query.order_by(Notice.published_at.desc()).limit(200)
                                  ).scalars().all()
        return self.render_template("public/notices.html", notices=rows, kind=kind,
                                    title=_("Notices"))

    @expose("/notice/<int:pk>")
    def notice(self, pk):
        row = db.session.get(Notice, pk)
        if row is None or row.published_at is None:
            abort(404)
        return self.render_template("public/notice.html", notice=row, title=row.title,
                                    files=notice_files.of_notice(row.id), size_of=human_size)

    @expose("/notice/<int:pk>/file/<int:file_id>")
    def notice_file(self, pk, file_id):
        """A published page's file, for anyone, always as a download; a draft's is 404."""
        try:
            opened = notice_files.open_public(pk, file_id)
        except BilingualError:
            abort(404)
        row = opened.attachment
        if request.if_none_match.contains(row.sha256):
            return current_app.response_class(status=304, headers={"ETag": f'"{row.sha256}"'})
        return file_response(opened.handle(), row.filename, row.content_type, row.bytes,
                             etag=row.sha256, public=True)

    @expose("/publicity/<int:pk>")
    def publicity(self, pk):
        batch = db.session.get(PublicityBatch, pk)
        if batch is None or batch.status == P.DRAFT:
            abort(404)
        text = (request.args.get("q") or "").strip()[:100]
        after = request.args.get("after", type=int) or 0
        corrections = batches.corrections_of(batch.id)  # published ones: part of the page
        tag = _etag(batch, text, after, current_language(), [c.id for c in corrections])
        if request.if_none_match.contains(tag):
            return current_app.response_class(status=304, headers={"ETag": f'"{tag}"'})
        query = select(PublicityEntry).where(PublicityEntry.batch_id == batch.id,
                                             PublicityEntry.id > after)
        if batch.status == P.CLOSED:
            query = query.where(PublicityEntry.status == "announced")
        else:
            query = query.where(PublicityEntry.status == "listed")
        if text:
            query = query.where(or_(PublicityEntry.uscc == text.upper(),
                                    PublicityEntry.name.contains(text)))
        # Keyset pages: the next page starts after the last id shown, whatever its size.
        rows = db.session.execute(query.order_by(PublicityEntry.id).limit(PAGE + 1)
                                  ).scalars().all()
        more = len(rows) > PAGE
        total = _listed_count(batch)
        response = self.render_template(
            "public/publicity.html", batch=batch, entries=rows[:PAGE], more=more, q=text,
            next_after=rows[PAGE - 1].id if more else None, total=total,
            accepting=batch.status == P.PUBLISHED, corrections=corrections, title=str(batch))
        response = current_app.make_response(response)
        response.set_etag(tag)
        response.cache_control.public = True
        response.cache_control.max_age = 60
        return response

    @expose("/publicity/<int:pk>/object", methods=["GET", "POST"])
    def object(self, pk):
        batch = db.session.get(PublicityBatch, pk)
        if batch is None or batch.status == P.DRAFT:
            abort(404)
        values = request.form if request.method == "POST" else {"uscc": request.args.get(
            "uscc", "")}
        if request.method == "POST":
            try:
                upload = request.files.get("evidence")
                has_file = upload is not None and bool(upload.filename)
                lodged = objections.lodge(
                    batch.id, values.get("uscc", ""), values.get("reason", ""),
                    name=values.get("name"), contact=values.get("contact"),
                    ip=request.remote_addr, evidence=upload.stream if has_file else None,
                    evidence_name=upload.filename if has_file else None)
            except BilingualError as error:
                flash(error.message(current_language()), "danger")
            else:
                return self.render_template("public/objection_lodged.html", objection=lodged,
                                            batch=batch, title=_("Objection received"))
        return self.render_template("public/objection_form.html", batch=batch, values=values,
                                    title=_("Lodge an objection"))

    @expose("/objection", methods=["GET"])
    def objection(self):
        code = (request.args.get("code") or "").strip()
        found = objections.outcome_of(code) if code else None
        if code and found is None:
            flash(_("No objection has this code: check it and try again."), "warning")
        return self.render_template("public/objection_query.html", code=code, objection=found,
                                    states=P.OBJECTION_STATES, lang=current_language(),
                                    title=_("Objection outcome"))

    @expose("/signin")
    def signin(self):
        return redirect(url_for("WorkbenchView.index") if _signed_in()
                        else self.appbuilder.get_url_for_login)


def _etag(batch: PublicityBatch, text: str, after: int, lang: str,
          corrections: list[int] | None = None) -> str:
    state = (f"{batch.id}|{batch.status}|{batch.closed_at}|{_changed(batch)}|{text}|{after}|"
             f"{lang}|{corrections or []}")
    return hashlib.sha1(state.encode()).hexdigest()


def _listed_count(batch: PublicityBatch) -> int:
    """Enterprises on the list, counted once per state of the batch (a count over 100,000
    rows is most of a page's time; it changes only when one is withdrawn or at 公告)."""
    key = repr(("public list count", batch.id, batch.status, _changed(batch)))
    total = rendered_fields.get(key)
    if total is None:
        total = db.session.execute(select(func.count()).select_from(PublicityEntry).where(
            PublicityEntry.batch_id == batch.id, PublicityEntry.status != "withdrawn")).scalar()
        rendered_fields.set(key, total, timeout=3600)
    return total


def _changed(batch: PublicityBatch) -> str:
    """Withdrawals change a published batch's list: count them into the tag."""
    return str(db.session.execute(select(func.count()).select_from(PublicityEntry).where(
        PublicityEntry.batch_id == batch.id, PublicityEntry.status == "withdrawn")).scalar())
